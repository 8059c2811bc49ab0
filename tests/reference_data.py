"""What the data migrations made, put back after a transactional test's flush.

Tests with a live server or real concurrency run in real transactions, and the
tables are flushed after each one: permissions come back (post_migrate), rows
made by data migrations don't. Every step here is idempotent.
"""

import importlib

from django.apps import apps

from community import roles


def _migration(app: str, name: str):
    return importlib.import_module(f"{app}.migrations.{name}")


def put_back() -> None:
    _migration("community", "0002_default_crisis_lines").add_lines(apps, None)
    _migration("community", "0006_crisis_line_sms_body").shout_body(apps, None)
    _migration("community", "0027_emergency_lines_first").emergency_first(apps, None)
    role_migration = _migration("community", "0003_roles")
    role_migration._grant(apps, roles.MODERATORS, role_migration.MODERATOR_PERMISSIONS)
    role_migration._grant(apps, roles.LINK_WORKERS, role_migration.LINK_WORKER_PERMISSIONS)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Group.objects.get_or_create(name=roles.HOSTS)
    moderators = Group.objects.get(name=roles.MODERATORS)
    for app, name in (
        ("community", "0005_search_indexes_and_moderator_permissions"),
        ("community", "0009_hosts_and_gathering_permissions"),
        ("community", "0017_moderation"),
        ("prescriptions", "0003_reach_out_and_moderator_permissions"),
    ):
        moderators.permissions.add(
            *Permission.objects.filter(
                content_type__app_label=app,
                codename__in=_migration(app, name).MODERATOR_PERMISSIONS,
            )
        )
    phrases = _migration("community", "0016_default_crisis_phrases")
    phrases.add_phrases(apps, None)
    moderators.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="community", codename__in=phrases.MODERATOR_PERMISSIONS
        )
    )
    _migration("prescriptions", "0002_activity_catalogue").add_catalogue(apps, None)
    reach_out = _migration("prescriptions", "0003_reach_out_and_moderator_permissions").REACH_OUT
    apps.get_model("prescriptions", "Activity").objects.update_or_create(
        slug=reach_out["slug"], defaults=reach_out
    )
    _migration("prescriptions", "0008_catalogue_fit_and_care").forwards(apps, None)
