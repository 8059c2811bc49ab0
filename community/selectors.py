"""Read queries the community's views use."""

from django.db.models import QuerySet

from community.models import CrisisLine


def active_crisis_lines() -> QuerySet[CrisisLine]:
    return CrisisLine.objects.filter(is_active=True).order_by("order", "name")
