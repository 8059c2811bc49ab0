from celery import shared_task
from django.utils import timezone


@shared_task(name="fourc.ping")
def ping() -> str:
    """Answers "pong" with the worker's clock: proof that a worker is consuming.

    Beat sends it every minute as a heartbeat; the health check sends it on
    demand (`/healthz?celery=1`). It touches no data, so any repeat is safe.
    """
    return f"pong {timezone.now().isoformat()}"
