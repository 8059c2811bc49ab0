"""Operators' and designers' window on the nudges.

    manage.py nudges --due [--dry-run]     who is due now, and why (--dry-run: claim nothing;
                                           without it, dispatch them as beat would)
    manage.py nudges --sweep               hand stuck claims back to senders, once
    manage.py nudges --preview KIND --member HANDLE [--out FILE]
                                           write that member's email (text and HTML) to a
                                           file to open in a browser; nothing is sent

Exists because beat runs the same dispatcher every five minutes unseen: this shows
what it would do, or does it now, and lets a designer read an email without sending it.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from community.models import User
from prescriptions.models import NudgeKind
from prescriptions.nudges import content, delivery


class Command(BaseCommand):
    help = "Lists due nudges, dispatches or sweeps them, or previews one member's email."

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--due", action="store_true", help="Who is due now, and why.")
        action.add_argument("--sweep", action="store_true", help="Run the sweeper once.")
        action.add_argument("--preview", choices=NudgeKind.values, metavar="KIND",
                            help=f"One of: {', '.join(NudgeKind.values)}.")  # fmt: skip
        parser.add_argument("--dry-run", action="store_true", help="With --due: claim nothing.")
        parser.add_argument("--member", help="With --preview: the member's handle.")
        parser.add_argument(
            "--out", help="With --preview: the file (default: var/nudge-KIND.html)."
        )

    def handle(self, *args, **options):
        if options["sweep"]:
            handed = delivery.sweep()
            self.stdout.write(
                f"Handed back {handed} nudge{'s' if handed != 1 else ''} to a sender."
            )
        elif options["due"]:
            self._due(dry_run=options["dry_run"])
        else:
            self._preview(options["preview"], options["member"], options["out"])

    def _due(self, *, dry_run: bool) -> None:
        now = timezone.now()
        found = 0
        for kind, field in delivery.STORED.items():
            for prefs in delivery.due_now(kind, now=now).select_related("member")[:1000]:
                found += 1
                due = getattr(prefs, field).astimezone(prefs.member.tzinfo)
                self.stdout.write(
                    f"{prefs.member.handle:<24} {kind:<14} due {due:%a %d %b %H:%M} "
                    f"{prefs.member.time_zone}"
                )
        self.stdout.write(f"{found} due by their stored times (gathering reminders and "
                          "link workers' steps are found at dispatch).")  # fmt: skip
        if not dry_run:
            claimed = {str(kind): n for kind, n in delivery.dispatch(now=now).items() if n}
            self.stdout.write(f"Claimed and enqueued: {claimed or 'nothing'}.")

    def _preview(self, kind: str, handle: str | None, out: str | None) -> None:
        if not handle:
            raise CommandError("--preview needs --member HANDLE.")
        member = User.objects.filter(handle__iexact=handle.lstrip("@")).first()
        if member is None:
            raise CommandError(f"No member with the handle {handle!r}.")
        email, why_not = content.preview(member, kind)
        if email is None:
            raise CommandError(f"Nothing to send {member.handle} for {kind} now: {why_not}.")
        html = email.alternatives[0].content
        path = Path(out or f"var/nudge-{kind}.html")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html)
        path.with_suffix(".txt").write_text(f"Subject: {email.subject}\n\n{email.body}")
        self.stdout.write(f"Subject: {email.subject}")
        self.stdout.write(f"Wrote {path} and {path.with_suffix('.txt')}.")
