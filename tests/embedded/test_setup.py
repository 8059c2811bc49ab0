"""The first thing every newcomer meets: `make run` migrates SQLite, seeds the demo and
prints logins that work, and the moderator reaches the admin with two-factor."""

import io
import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from community.models import Gathering, Post, Reaction, Reply, Space, User
from prescriptions.models import CheckIn, Prescription
from tests.embedded import settings as embedded_settings

DEMO_PASSWORD = "demo-4c-password"  # printed by seed_demo and the README


def test_the_suite_runs_on_the_configuration_make_run_has():
    assert settings.DEBUG is True
    assert connection.vendor == "sqlite"
    assert settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")
    assert settings.CELERY_BROKER_URL == "filesystem://"
    assert settings.CELERY_RESULT_BACKEND.startswith("file://")
    # Django's test set-up swaps in the locmem outbox; make run's mailer is the console.
    assert embedded_settings.MAILERS["default"]["BACKEND"] == "fourc.lib.emails.ConsoleBackend"


def test_every_migration_applies_on_sqlite(db):
    executor = MigrationExecutor(connection)
    targets = executor.loader.graph.leaf_nodes()

    assert executor.migration_plan(targets) == []
    applied = set(executor.recorder.applied_migrations())
    ours = {
        key for key in executor.loader.disk_migrations if key[0] in ("community", "prescriptions")
    }
    assert len(ours) > 2
    assert ours <= applied


def test_seed_demo_prints_the_demo_logins_and_they_work(client, db, seed_output):
    assert "Demo members: 6 created, 0 refreshed." in seed_output
    assert "30 posts new this time" in seed_output
    assert f"Demo logins (password for all: {DEMO_PASSWORD}):" in seed_output
    assert "rosa@example.org  [Moderators]" in seed_output

    response = client.post(
        "/accounts/login/", {"login": "maya@example.org", "password": DEMO_PASSWORD}
    )

    assert response.status_code == 302
    assert response.url == "/"
    assert "Hello, Maya." in client.get("/").content.decode()


def _counts():
    models = (User, Space, Post, Reply, Reaction, Gathering, CheckIn, Prescription)
    return {model.__name__: model.objects.count() for model in models}


def test_seed_demo_again_adds_nothing_and_the_logins_still_work(client, db):
    """A second `make run` seeds again: nothing new, nobody logged out, true counts."""
    before = _counts()
    out = io.StringIO()
    maya = Client()
    login = {"login": "maya@example.org", "password": DEMO_PASSWORD}
    assert maya.post("/accounts/login/", login).status_code == 302

    call_command("seed_demo", stdout=out)

    printed = out.getvalue()
    assert "Demo members: 0 created, 6 refreshed." in printed
    assert "(0 posts new this time)" in printed
    assert "(0 new this time)" in printed
    check_ins = CheckIn.objects.filter(member__handle="maya").count()
    steps = Prescription.objects.filter(member__handle="maya").count()
    assert check_ins > 0
    assert f"Health data for Maya: {check_ins} check-ins, {steps} steps (none new" in printed
    assert _counts() == before
    assert maya.get("/notifications/").status_code == 200
    assert before["Post"] >= 30  # and a discussion post per gathering
    response = client.post(
        "/accounts/login/", {"login": "jordan@example.org", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302


def test_the_demo_moderator_signs_in_with_a_two_factor_code_and_reaches_the_admin(
    client, db, enrol_totp
):
    secret = enrol_totp(User.objects.get(handle="rosa"))

    login = client.post(
        "/accounts/login/", {"login": "rosa@example.org", "password": DEMO_PASSWORD}
    )
    assert login.status_code == 302
    assert login.url.startswith("/accounts/2fa/authenticate/")
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    assert client.post("/accounts/2fa/authenticate/", {"code": code}).status_code == 302

    admin = client.get("/admin/")
    assert admin.status_code == 200
    assert "4C moderation" in admin.content.decode()
