from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count
from django.utils import timezone

from prescriptions.models import NudgeKind, NudgeLog, NudgeStatus

WEEK = timedelta(days=7)


@dataclass
class Week:
    statuses: list
    rows: list


def week_of_nudges(*, now=None) -> Week:
    """Counts per kind and status over the last 7 days, for the admin: one query."""
    now = now or timezone.now()
    counts = {
        (row["kind"], row["status"]): row["n"]
        for row in NudgeLog.objects.filter(claimed_at__gte=now - WEEK)
        .values("kind", "status")
        .annotate(n=Count("pk"))
        .order_by()
    }
    statuses = list(NudgeStatus)
    rows = [
        {"label": kind.label, "counts": [counts.get((kind.value, s.value), 0) for s in statuses]}
        for kind in NudgeKind
    ]
    return Week(statuses=statuses, rows=rows)
