"""Production configuration: `check --deploy`, the secret key, and migrations."""

import os
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command


def run_manage(*args, **env_overrides):
    # A production-like environment: none of the test run's own switches.
    test_only = {"DJANGO_SETTINGS_MODULE", "SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {key: value for key, value in os.environ.items() if key not in test_only}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-long-random-production-secret-" + "k7Qz9xW2" * 6,
    "ALLOWED_HOSTS": "4c.example.org",
    "SITE_URL": "https://4c.example.org",
    "EMAIL_URL": "smtp+tls://4c:mail-password@smtp.example.org:587",
    "DJANGO_SETTINGS_MODULE": "fourc.settings",
}


def test_check_deploy_is_clean_with_production_values():
    result = run_manage("check", "--deploy", "--fail-level", "DEBUG", **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_4c_refuses_to_start_without_a_secret_key_when_debug_is_off():
    without_key = {key: value for key, value in PRODUCTION.items() if key != "SECRET_KEY"}

    result = run_manage("check", **without_key)

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_argon2_is_the_first_password_hasher():
    from fourc import settings as production_settings

    assert production_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_the_database_has_connection_reuse_and_health_checks():
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def test_models_and_migrations_agree(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_check_deploy_refuses_the_embedded_default():
    embedded = {**PRODUCTION, "DATABASE_URL": "sqlite:////tmp/fourc-deploy-check.sqlite3"}
    embedded["REDIS_URL"] = ""
    embedded["SITE_URL"] = "http://4c.example.org"

    result = run_manage("check", "--deploy", **embedded)

    assert result.returncode != 0
    for code in ("fourc.E001", "fourc.E002", "fourc.E003"):
        assert code in result.stderr


def test_the_daily_steps_default_hour_passes_the_checks_at_that_very_hour():
    # Django warns of a fixed time default (fields.W161) when its check runs within ten
    # seconds of that time: `check --deploy` failed at 10:00 UTC. The default is a callable.
    from datetime import UTC, datetime

    import time_machine

    from prescriptions.models import NudgePreferences

    field = NudgePreferences._meta.get_field("daily_at")
    with time_machine.travel(datetime(2027, 3, 15, 10, 0, 3, tzinfo=UTC), tick=False):
        assert [message.id for message in field.check()] == []
    assert field.get_default().isoformat() == "10:00:00"
