"""The two roles as groups, with their permissions.

Moderators reach community moderation models in the admin, never health
data. Link workers act on the site (with a member's consent); their
permissions grow with the prescriptions app.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODERATORS = "Moderators"
LINK_WORKERS = "Link workers"

MODERATOR_PERMISSIONS = [
    ("community", "view_user"),
    ("community", "view_crisisline"),
    ("community", "add_crisisline"),
    ("community", "change_crisisline"),
    ("community", "delete_crisisline"),
]
LINK_WORKER_PERMISSIONS = [
    ("community", "view_crisisline"),
]


def _ensure_permissions(apps):
    # Permissions are normally made after all migrations (post_migrate);
    # make them now so the groups can hold them on a fresh database.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def _grant(apps, group_name, perms):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=group_name)
    for app_label, codename in perms:
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )


def create_roles(apps, schema_editor):
    _ensure_permissions(apps)
    _grant(apps, MODERATORS, MODERATOR_PERMISSIONS)
    _grant(apps, LINK_WORKERS, LINK_WORKER_PERMISSIONS)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[MODERATORS, LINK_WORKERS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0002_default_crisis_lines"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
