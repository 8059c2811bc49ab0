from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from community import demo
from prescriptions import demo as prescriptions_demo


class Command(BaseCommand):
    """Fills a fresh 4C with demo members, spaces, posts and replies: a living place.

    Idempotent: run it as often as you like; it never duplicates anything.
    For development and demos only: the passwords are printed.
    """

    help = "Create or refresh the demo members and community (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even with DEBUG off (benchmarks). Never on a real site: the demo "
            "moderator's password is public.",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo makes accounts with public passwords, including a moderator. "
                "It runs only with DEBUG on (or --force, for benchmarks)."
            )
        results = demo.seed_members()
        created = sum(1 for _, was_created in results if was_created)
        self.stdout.write(f"Demo members: {created} created, {len(results) - created} refreshed.")
        community = demo.seed_community()
        gatherings = demo.seed_gatherings()
        health = prescriptions_demo.seed_health_data()
        self.stdout.write(
            f"Community: {community['spaces']} spaces, {community['posts']} posts, "
            f"{community['replies']} replies ({community['new_posts']} posts new this time)."
        )
        self.stdout.write(
            f"Gatherings: {gatherings['gatherings']} "
            f"({gatherings['new_gatherings']} new this time)."
        )
        self.stdout.write(
            f"Health data for Maya: {health['check_ins']} check-ins, "
            f"{health['prescriptions']} steps ({'new' if health['new'] else 'none new'} "
            "this time; only she sees them, and Jordan, her link worker)."
        )
        due = prescriptions_demo.seed_nudges()
        if due:
            self.stdout.write(
                f"Nudges: Maya's daily step email is due at {due}; it prints in this "
                "terminal within a minute or two of then (once a day, as for everyone)."
            )
        self.stdout.write(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
        for member, _ in results:
            role = f"  [{member.role}]" if member.role else ""
            self.stdout.write(f"  {member.email}{role}")
