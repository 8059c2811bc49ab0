"""Celery entry points for the community: thin, they call services."""

import smtplib

from celery import shared_task

from community import deletion, moderation, services


@shared_task(name="community.alert_moderators", ignore_result=True)
def alert_moderators() -> int:
    """Emails the Moderators group about new crisis items and auto-hides, at most every
    15 minutes (a repeat in the same slot sends nothing)."""
    return moderation.alert_moderators()


# A long history takes a while to write: more time than a nudge batch, still bounded.
@shared_task(
    name="community.build_data_export",
    ignore_result=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=30,
    max_retries=5,
    soft_time_limit=600,
    time_limit=660,
)
def build_data_export(export_id: int) -> bool:
    """Builds a member's copy of their data, then emails them that it's ready. A retry
    (the mail server failing for now) or a redelivered task finds the copy built and only
    sends the email again, with the same Message-ID."""
    export = services.build_data_export(export_id=export_id)
    if export is None:
        return False
    services.email_data_export_ready(export=export)
    return True


@shared_task(name="community.sweep_data_exports", ignore_result=True)
def sweep_data_exports() -> int:
    """Deletes the copies past their 24 hours, and those a worker lost."""
    return services.sweep_data_exports()


@shared_task(name="community.erase_due_accounts", ignore_result=True)
def erase_due_accounts() -> int:
    """Erases the accounts whose seven days' wait is over (a batch each tick; the next tick
    takes the rest). Safe to run twice at once, or again: each account is taken with
    SKIP LOCKED and marked done in its own transaction."""
    return deletion.erase_due()


@shared_task(name="community.rematch_crisis_words", ignore_result=True)
def rematch_crisis_words() -> int:
    """After a moderator changed the crisis phrases: recent posts and replies matched again."""
    return services.rematch_crisis_words()


@shared_task(name="community.rematch_recent_crisis_words", ignore_result=True, expires=600)
def rematch_recent_crisis_words() -> int:
    """Every 15 minutes: the last two days' words matched again, a net under every save."""
    return services.rematch_crisis_words(days=services.RECENT_REMATCH_DAYS, every_check_in=False)


@shared_task(name="community.prune", ignore_result=True)
def prune() -> dict:
    """Hourly: read notifications past their six months, and expired sessions."""
    return services.prune()


@shared_task(name="community.reconcile_unread_counts", ignore_result=True)
def reconcile_unread_counts() -> int:
    """Recounts every member's unread count from what their inbox shows, correcting any
    drift the services' running counts missed (a row deleted by hand, say). Safe to
    repeat: a right count isn't written."""
    return services.reconcile_unread_counts()


@shared_task(name="community.reconcile_reaction_counts", ignore_result=True)
def reconcile_reaction_counts() -> int:
    """Recounts every post's and reply's reactions, correcting any drift the services'
    running counts missed. Safe to repeat: a right count isn't written."""
    return services.reconcile_reaction_counts()
