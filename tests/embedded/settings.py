"""The embedded suite's settings: `fourc.settings` in the environment `make run` gives it.

bin/run exports DEBUG=true and sets none of DATABASE_URL, REDIS_URL or EMAIL_URL, so
4C runs on SQLite, the local-memory cache, the file-system Celery broker and console
email. This module puts that environment back (bin/test exports the PostgreSQL and
Redis addresses for the main suite) and refuses to run on anything else.

The one override a test run needs: the broker's and results' folders, and beat's
schedule file, move from var/ to a folder of this run, shared with the worker the suite
starts (FOURC_EMBEDDED_CELERY_DIR, removed when the run ends), so a developer's own
`make run` worker never takes the suite's messages, and the suite's worker never
works through the heartbeats beat left queued under var/. Everything else is what
pytest-django and Django's test set-up do by themselves: the test database is an
in-memory SQLite (never var/fourc.sqlite3), `testserver` joins ALLOWED_HOSTS, and email
goes to the locmem outbox except in the test that puts the console back. DEBUG stays
on (`django_debug_mode = keep`).
"""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

os.environ["DEBUG"] = "true"
for _name in ("REDIS_URL", "EMAIL_URL", "SECRET_KEY", "CELERY_TASK_ALWAYS_EAGER"):
    os.environ.pop(_name, None)
# A SQLite file stays: the test of bin/run gives the processes it starts one of their own.
if not os.environ.get("DATABASE_URL", "").startswith("sqlite:"):
    os.environ.pop("DATABASE_URL", None)
if "FOURC_EMBEDDED_CELERY_DIR" not in os.environ:  # else: the worker this run started
    os.environ["FOURC_EMBEDDED_CELERY_DIR"] = tempfile.mkdtemp(prefix="fourc-embedded-celery-")
    atexit.register(shutil.rmtree, os.environ["FOURC_EMBEDDED_CELERY_DIR"], ignore_errors=True)
_celery_dir = Path(os.environ["FOURC_EMBEDDED_CELERY_DIR"])

from fourc.settings import *  # noqa: E402, F403
from fourc.settings import (  # noqa: E402
    CELERY_BROKER_TRANSPORT_OPTIONS,
    CELERY_BROKER_URL,
    DATABASES,
    MAILERS,
    REDIS_URL,
)

if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3" or REDIS_URL:
    raise ImproperlyConfigured(
        "The embedded suite runs on SQLite without Redis, as `make run` does; "
        "a .env file sets DATABASE_URL or REDIS_URL here."
    )
if MAILERS["default"]["BACKEND"] != "fourc.lib.emails.ConsoleBackend":
    raise ImproperlyConfigured("The embedded suite expects console email, as `make run` has.")
if CELERY_BROKER_URL != "filesystem://":
    raise ImproperlyConfigured("The embedded suite expects the file-system Celery broker.")

for _sub in ("queue", "processed", "results", "control"):
    (_celery_dir / _sub).mkdir(parents=True, exist_ok=True)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "data_folder_in": str(_celery_dir / "queue"),
    "data_folder_out": str(_celery_dir / "queue"),
    "processed_folder": str(_celery_dir / "processed"),
    "control_folder": str(_celery_dir / "control"),
}
CELERY_RESULT_BACKEND = f"file://{_celery_dir / 'results'}"
CELERY_BEAT_SCHEDULE_FILENAME = str(_celery_dir / "celerybeat-schedule")
