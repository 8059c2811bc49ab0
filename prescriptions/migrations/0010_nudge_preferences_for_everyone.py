"""Moderators may read the nudge log (kinds and statuses: no health data), and every member gets their email preferences row, with the defaults (replies and
mentions, gathering reminders and a link worker's steps on; the rest opt-in), so the
dispatcher can find them. New members get theirs when they join."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

BATCH = 2000


def create(apps, schema_editor):
    User = apps.get_model("community", "User")
    NudgePreferences = apps.get_model("prescriptions", "NudgePreferences")
    have = NudgePreferences.objects.values("member_id")
    ids = User.objects.exclude(pk__in=have).values_list("pk", flat=True).order_by("pk")
    batch = []
    for pk in ids.iterator(chunk_size=BATCH):
        batch.append(NudgePreferences(member_id=pk))
        if len(batch) == BATCH:
            NudgePreferences.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    NudgePreferences.objects.bulk_create(batch, ignore_conflicts=True)


def moderators_read_the_log(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    moderators, _ = Group.objects.get_or_create(name="Moderators")
    moderators.permissions.add(
        *Permission.objects.filter(content_type__app_label="prescriptions", codename="view_nudgelog")
    )


class Migration(migrations.Migration):
    dependencies = [("prescriptions", "0009_nudges")]

    operations = [
        migrations.RunPython(create, migrations.RunPython.noop),
        migrations.RunPython(moderators_read_the_log, migrations.RunPython.noop),
    ]
