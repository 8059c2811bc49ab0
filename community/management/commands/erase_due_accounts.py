"""Erases the accounts whose seven days' wait after confirming deletion is over.

    manage.py erase_due_accounts --dry-run   how many are due, and since when (no names)
    manage.py erase_due_accounts             erase them now, as beat does every 15 minutes

Exists because beat does this unseen: an operator can see what is waiting, or finish it
at once (after an outage, say) with the same service. A repeat erases nothing twice.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from community import deletion
from community.models import AccountDeletion


class Command(BaseCommand):
    help = "Erases the accounts whose deletion is due (--dry-run: only say how many)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Erase nothing.")
        parser.add_argument(
            "--limit", type=int, default=500, help="At most this many now (default 500)."
        )

    def handle(self, *args, **options):
        now = timezone.now()
        due = AccountDeletion.objects.due(now).order_by("due_at", "pk")
        if options["dry_run"]:
            rows = list(due.values_list("pk", "due_at"))
            self.stdout.write(f"{len(rows)} account{'s' if len(rows) != 1 else ''} due.")
            for pk, due_at in rows:
                self.stdout.write(f"  request {pk}: due {due_at:%Y-%m-%d %H:%M} UTC")
            return
        erased = deletion.erase_due(now=now, limit=options["limit"])
        self.stdout.write(f"Erased {erased} account{'s' if erased != 1 else ''}.")
