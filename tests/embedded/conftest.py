"""The embedded suite's cast: the demo that `make run` seeds, seen by each role.

Migrations run on pytest-django's SQLite test database, then `seed_demo` runs once,
as bin/run runs it; each test works in a transaction rolled back at its end, so every
test starts from the freshly seeded demo (a `transactional_db` test would empty it).
"""

import io

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.cache import cache
from django.core.management import call_command

from community.models import User

VISITOR, MEMBER, LINK_WORKER, MODERATOR = "visitor", "member", "link worker", "moderator"
ROLES = (VISITOR, MEMBER, LINK_WORKER, MODERATOR)
# The demo's members (community/demo.py): Maya, Jordan the link worker, Rosa the moderator.
HANDLES = {MEMBER: "maya", LINK_WORKER: "jordan", MODERATOR: "rosa"}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        out = io.StringIO()
        call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="session")
def seed_output(django_db_setup):
    """What the first `seed_demo` printed."""
    return django_db_setup


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and the engine's cached targets never outlive a test."""
    cache.clear()


@pytest.fixture
def enrol_totp():
    """Sets up two-factor for a member, as the main suite does
    (tests/fourc/test_admin_and_roles.py); returns the secret."""

    def enrol(user) -> str:
        secret = generate_totp_secret()
        TOTP.activate(user, secret)
        return secret

    return enrol


@pytest.fixture
def as_role(db, client, enrol_totp):
    """A test client signed in as the demo member of that role (none for a visitor);
    the moderator has two-factor set up, as the admin requires."""

    def sign_in(role):
        client.logout()
        if role == VISITOR:
            return client
        user = User.objects.get(handle=HANDLES[role])
        if role == MODERATOR:
            enrol_totp(user)
        client.force_login(user)
        return client

    return sign_in
