"""The one step offered in a crisis, and moderators' permissions on the catalogue
(never on check-ins or prescriptions: those are health data)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

REACH_OUT = {
    "slug": "reach-out-to-someone-now",
    "title": "Reach out to a person now",
    "how_to": "Call or message someone you trust and tell them how you are, or contact one of "
    "the lines on the help page. You don't have to find the right words.",
    "energy": 1,
    "way": "connect",
    "technique": "opposite",
    "opposite_of": ["keep_to_myself", "avoid"],
    "minutes": 5,
    "action": "none",
}
MODERATOR_PERMISSIONS = ["view_activity", "add_activity", "change_activity"]


def forwards(apps, schema_editor):
    Activity = apps.get_model("prescriptions", "Activity")
    Activity.objects.update_or_create(slug=REACH_OUT["slug"], defaults=REACH_OUT)
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    moderators, _ = Group.objects.get_or_create(name="Moderators")
    moderators.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="prescriptions", codename__in=MODERATOR_PERMISSIONS
        )
    )


def backwards(apps, schema_editor):
    apps.get_model("prescriptions", "Activity").objects.filter(slug=REACH_OUT["slug"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("prescriptions", "0002_activity_catalogue"),
        ("community", "0009_hosts_and_gathering_permissions"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
