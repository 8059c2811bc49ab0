from django.core.management.base import BaseCommand

from community import demo


class Command(BaseCommand):
    """Fills a fresh 4C with demo members, so a newcomer sees a living place.

    Idempotent: run it as often as you like; it never duplicates anything.
    For development and demos only: the passwords are printed.
    """

    help = "Create or refresh the demo members (idempotent)."

    def handle(self, *args, **options):
        results = demo.seed_members()
        created = sum(1 for _, was_created in results if was_created)
        self.stdout.write(f"Demo members: {created} created, {len(results) - created} refreshed.")
        self.stdout.write(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
        for member, _ in results:
            role = f"  [{member.role}]" if member.role else ""
            self.stdout.write(f"  {member.email}{role}")
