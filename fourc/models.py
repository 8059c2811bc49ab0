from django.db import models


class ScaleDataset(models.Model):
    """The benchmark dataset `manage.py seed_scale` made in this database: its parameters
    and when it was finished. Written last, in the same transaction as the rows, so a row
    here means the whole dataset is there (`--reuse` trusts it)."""

    parameters = models.JSONField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Scale dataset {self.parameters}"
