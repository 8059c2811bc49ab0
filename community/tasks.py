"""Celery entry points for the community: thin, they call services."""

from celery import shared_task

from community import deletion, moderation


@shared_task(name="community.alert_moderators", ignore_result=True)
def alert_moderators() -> int:
    """Emails the Moderators group about new crisis items and auto-hides, at most every
    15 minutes (a repeat in the same slot sends nothing)."""
    return moderation.alert_moderators()


@shared_task(name="community.erase_due_accounts", ignore_result=True)
def erase_due_accounts() -> int:
    """Erases the accounts whose seven days' wait is over (a batch each tick; the next tick
    takes the rest). Safe to run twice at once, or again: each account is taken with
    SKIP LOCKED and marked done in its own transaction."""
    return deletion.erase_due()
