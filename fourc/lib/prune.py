"""Keeping the fastest-growing tables small: old rows deleted in short batches.

Each batch is one short DELETE by primary key, in its own transaction, so a prune never
holds locks for long or grows one huge transaction; a run stops after `batches` batches
and the next run (beat, hourly) takes the rest.
"""

from django.db import transaction
from django.db.models import QuerySet

BATCH = 5_000
BATCHES_PER_RUN = 40  # 200,000 rows a run at most


def delete_in_batches(
    queryset: QuerySet, *, batch: int = BATCH, batches: int = BATCHES_PER_RUN
) -> int:
    """Deletes the rows of `queryset`, oldest ids first, `batch` at a time. Returns how many."""
    model = queryset.model
    deleted = 0
    for _ in range(batches):
        with transaction.atomic():
            ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:batch])
            if not ids:
                break
            count, _ = model.objects.filter(pk__in=ids).delete()
        deleted += count
        if len(ids) < batch:
            break
    return deleted
