from django.db import migrations, models

from fourc.lib.migration_ops import AddIndexWithoutLocking


class Migration(migrations.Migration):
    atomic = False  # built concurrently: steps go on meanwhile

    dependencies = [
        ("prescriptions", "0013_nudge_daily_at_default"),
    ]

    operations = [
        AddIndexWithoutLocking(
            model_name="prescription",
            index=models.Index(
                condition=models.Q(
                    ("mood_after__isnull", False),
                    ("mood_before__isnull", False),
                    ("status", "done"),
                ),
                fields=["activity", "mood_before", "mood_after"],
                name="prescription_lifted",
            ),
        ),
    ]
