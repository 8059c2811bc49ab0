"""`manage.py engine_report`: the engine against a grid of members, in one table.

Why it exists: the engine's rules are changed often, and a rule that holds in its
unit tests can still fail on the real catalogue (an urge with no light opposite, a Way
that crowds out the others, a tag nobody's plan reaches). This runs every energy,
a spread of moods, every urge, with and without targets, four histories and a day
and a night hour against the active catalogue in the database, and prints what the
engine did: the activities it reached, the share of each Way, how much the mood
changes a plan, every invariant it broke and every step pointed at a target that
doesn't fit, with one example each, and a verdict against the issue's bars. It
only reads (the catalogue); the members and targets are made up, nothing is saved.

    python manage.py engine_report [--json] [--fail]

`--fail` exits non-zero when a bar is not met (for CI or `make bench`); `--json`
prints the same numbers for a machine. The output is in a stable order, so two runs
(before and after a change to the engine) compare with diff.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from prescriptions import engine_report
from prescriptions.selectors import catalogue


class Command(BaseCommand):
    help = "Runs the prescription engine against a grid of members and prints its coverage."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="The numbers as JSON.")
        parser.add_argument(
            "--fail", action="store_true", help="Exit non-zero when a bar is not met."
        )

    def handle(self, *args, **options):
        activities = catalogue()
        summary = engine_report.summarise(activities, engine_report.run_grid(activities))
        if options["json"]:
            self.stdout.write(json.dumps(summary, indent=2))
        else:
            self.stdout.write(engine_report.render(summary), ending="")
        if options["fail"] and not summary["ok"]:
            raise CommandError("The engine misses a bar: " + engine_report.verdict_line(summary))
