"""The Hosts group (members a moderator lets host gatherings), and moderators'
permissions on gatherings."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

HOSTS = "Hosts"
MODERATOR_PERMISSIONS = [
    "view_gathering", "add_gathering", "change_gathering", "view_rsvp", "change_rsvp",
]  # fmt: skip


def forwards(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Group.objects.get_or_create(name=HOSTS)
    moderators, _ = Group.objects.get_or_create(name="Moderators")
    moderators.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="community", codename__in=MODERATOR_PERMISSIONS
        )
    )


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=HOSTS).delete()


class Migration(migrations.Migration):
    dependencies = [("community", "0008_gatherings")]

    operations = [migrations.RunPython(forwards, backwards)]
