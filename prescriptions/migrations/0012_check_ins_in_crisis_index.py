from django.conf import settings
from django.db import migrations, models

from fourc.lib.migration_ops import AddIndexWithoutLocking


class Migration(migrations.Migration):
    atomic = False  # built concurrently: check-ins go on meanwhile

    dependencies = [
        ("prescriptions", "0011_check_ins_submitted_once"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexWithoutLocking(
            model_name="checkin",
            index=models.Index(
                condition=models.Q(("in_crisis", True)),
                fields=["member"],
                name="checkin_in_crisis",
            ),
        ),
    ]
