"""Celery entry points for the community: thin, they call services."""

from celery import shared_task

from community import moderation


@shared_task(name="community.alert_moderators", ignore_result=True)
def alert_moderators() -> int:
    """Emails the Moderators group about new crisis items and auto-hides, at most every
    15 minutes (a repeat in the same slot sends nothing)."""
    return moderation.alert_moderators()
