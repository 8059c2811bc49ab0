"""Browser journeys in Debian's Chromium, driven by Playwright (pytest-playwright).

Playwright never downloads a browser here: it launches /usr/bin/chromium.
"""

import os

import pytest

from tests import reference_data

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


@pytest.fixture(autouse=True)
def _reference_data(transactional_db):
    """Browser tests need a live server, so they run in real transactions and the
    tables are flushed after each one: put back what the data migrations made."""
    reference_data.put_back()


@pytest.fixture
def low_energy_space():
    """Low-energy days, where Sam waits for a first reply to "Anyone else awake?" (a
    support post), followed by Maya (maya@example.org), who hasn't checked in yet.
    Returns (maya, space, Sam's post)."""
    from community import services as community
    from community.models import Space
    from tests.factories import UserFactory

    space = Space.objects.create(slug="low-energy", name="Low-energy days", description="Heavy.")
    sam = UserFactory(display_name="Sam", handle="sam")
    waiting = community.create_post(
        author=sam, space=space, title="Anyone else awake?", body="Can't sleep again.",
        intent="support",
    )  # fmt: skip
    maya = UserFactory(email="maya@example.org", display_name="Maya", handle="maya")
    community.follow_space(member=maya, space=space)
    return maya, space, waiting
