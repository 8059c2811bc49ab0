"""Browser journeys in Debian's Chromium, driven by Playwright (pytest-playwright).

Playwright never downloads a browser here: it launches /usr/bin/chromium.
"""

import importlib
import os

import pytest

# The ORM and Playwright's sync API share the test thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is missing at {CHROMIUM}: `make test` installs it (apt chromium).")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def _migration(name):
    return importlib.import_module(f"community.migrations.{name}")


@pytest.fixture(autouse=True)
def _reference_data(transactional_db):
    """Puts back what the data migrations made (crisis lines, roles).

    Browser tests need a live server, so they run in real transactions and the
    tables are flushed after each one; flushing re-creates permissions
    (post_migrate) but not data rows. Every step here is idempotent.
    """
    from django.apps import apps

    _migration("0002_default_crisis_lines").add_lines(apps, None)
    _migration("0006_crisis_line_sms_body").shout_body(apps, None)
    roles = _migration("0003_roles")
    roles._grant(apps, roles.MODERATORS, roles.MODERATOR_PERMISSIONS)
    roles._grant(apps, roles.LINK_WORKERS, roles.LINK_WORKER_PERMISSIONS)
    moderation = _migration("0005_search_indexes_and_moderator_permissions")
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Group.objects.get(name=roles.MODERATORS).permissions.add(
        *Permission.objects.filter(
            content_type__app_label="community",
            codename__in=moderation.MODERATOR_PERMISSIONS,
        )
    )
