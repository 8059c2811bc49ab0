"""Celery entry points for prescriptions: thin, they call prescriptions.nudges.delivery
and the selectors.

Beat ticks `dispatch_nudges` and `sweep_nudges` every five minutes (settings). Each is
safe to run twice at once: the log's unique constraint and the sender's lease decide.
"""

import uuid

from celery import shared_task
from django.conf import settings

from prescriptions import selectors
from prescriptions.nudges import delivery

RETRY_DELAYS = (30, 120, 600, 1800)  # seconds: then the rows fail for good


# Nothing reads these tasks' results: not storing them spares the result backend (and a
# worker whose Redis is down as a task ends keeps no half-finished state about it).
@shared_task(name="prescriptions.dispatch_nudges", ignore_result=True)
def dispatch_nudges() -> dict:
    """Claims every nudge due now and enqueues senders once the claims commit."""
    return {kind: count for kind, count in delivery.dispatch().items() if count}


@shared_task(
    name="prescriptions.send_nudges",
    bind=True,
    max_retries=len(RETRY_DELAYS),
    ignore_result=True,
)
def send_nudges(self, log_ids: list[int], token: str | None = None) -> dict:
    """Sends claimed nudges over one SMTP connection. A mail server failing for now
    retries the rows not yet sent, with growing pauses, then marks them failed."""
    final = self.request.retries >= len(RETRY_DELAYS)
    try:
        done = delivery.send(log_ids, token=uuid.UUID(token) if token else None, final=final)
    except delivery.Transient as pending:
        raise self.retry(
            args=[pending.pending, str(pending.token)],
            countdown=RETRY_DELAYS[self.request.retries],
        ) from None
    return dict(done)


@shared_task(name="prescriptions.sweep_nudges", ignore_result=True)
def sweep_nudges() -> int:
    """Hands nudges claimed by a worker that died back to a sender."""
    return delivery.sweep()


@shared_task(name="prescriptions.prune_nudge_logs", ignore_result=True)
def prune_nudge_logs() -> int:
    """Hourly: finished nudge-log rows past their 90 days."""
    return delivery.prune_logs()


@shared_task(name="prescriptions.refresh_shared_values", ignore_result=True, expires=30)
def refresh_shared_values() -> list[str]:
    """Twice a minute: the values every check-in shares, built before anyone needs them."""
    every = settings.CELERY_BEAT_SCHEDULE["shared-values-refresh"]["schedule"]
    return selectors.refresh_shared_values(every=every)
