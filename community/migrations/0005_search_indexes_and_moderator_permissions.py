"""GIN indexes for full-text search (PostgreSQL only), and moderators' permissions
on the community models.

The indexes are raw SQL so SQLite, the embedded default, skips them.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

INDEXES = [
    ("community_post", "post_search_gin"),
    ("community_reply", "reply_search_gin"),
]

MODERATOR_PERMISSIONS = [
    "view_space", "add_space", "change_space",
    "view_post", "change_post",
    "view_reply", "change_reply",
    "view_reaction",
    "view_report", "change_report",
]  # fmt: skip


def add_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, name in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ("search_vector")'
        )


def remove_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _, name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def grant_moderators(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    moderators, _ = Group.objects.get_or_create(name="Moderators")
    moderators.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="community", codename__in=MODERATOR_PERMISSIONS
        )
    )


def revoke_moderators(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="Moderators"):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="community", codename__in=MODERATOR_PERMISSIONS
            )
        )


class Migration(migrations.Migration):
    dependencies = [("community", "0004_community")]

    operations = [
        migrations.RunPython(add_search_indexes, remove_search_indexes),
        migrations.RunPython(grant_moderators, revoke_moderators),
    ]
