"""The embedded default's other two services: a task through the file-system broker to
a real `celery -A fourc worker` (started as bin/run starts it), and email printed on
the console."""

import json
import os
import re
import subprocess
import sys
import time

import pytest
from django.conf import settings

from fourc.tasks import ping
from tests.embedded import settings as embedded_settings


@pytest.fixture(scope="session")
def worker(tmp_path_factory):
    """A real worker process with bin/run's options, on this run's broker folders; ready
    once it says so. Session-wide: pytest-django runs database tests first, and a module
    fixture would start a second worker for the others."""
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    env = {
        **os.environ,  # FOURC_EMBEDDED_CELERY_DIR: the same folders as this process
        "DJANGO_SETTINGS_MODULE": "tests.embedded.settings",
        "PYTHONPATH": str(settings.BASE_DIR),
    }
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "fourc", "worker", "--loglevel=INFO",
             "--pool=solo", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=settings.BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    process.log = log
    try:
        deadline = time.monotonic() + 30
        while " ready." not in log.read_text():
            if process.poll() is not None:
                pytest.fail(f"The worker exited early:\n{log.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"The worker was not ready within 30 seconds:\n{log.read_text()}")
            time.sleep(0.1)
        yield process
    finally:
        # Its work is done and its folders go with this run: no need to sit out the
        # four seconds a warm (or even a cold) shutdown takes on this broker.
        process.kill()
        process.wait(timeout=20)


def test_a_task_sent_through_the_file_system_broker_is_done_by_a_real_worker(worker):
    assert settings.CELERY_BROKER_URL == "filesystem://"

    result = ping.delay()

    deadline = time.monotonic() + 30
    while not result.ready():
        if worker.poll() is not None:
            pytest.fail(f"The worker exited early:\n{worker.log.read_text()}")
        if time.monotonic() > deadline:
            pytest.fail(f"No worker took the task in 30 seconds:\n{worker.log.read_text()}")
        time.sleep(0.2)
    assert result.get(timeout=1).startswith("pong ")
    assert "fourc.ping" in worker.log.read_text()


def test_the_health_check_reaches_the_worker_through_the_file_system_broker(client, db, worker):
    response = client.get("/healthz?celery=1")

    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok", "database": "ok", "celery": "ok"}


def test_the_sign_up_confirmation_email_is_printed_on_the_console(client, db, settings, capsys):
    # Django's test set-up swapped in the locmem outbox: put make run's console back.
    settings.MAILERS = embedded_settings.MAILERS
    capsys.readouterr()

    response = client.post(
        "/accounts/signup/",
        {
            "display_name": "Newcomer",
            "email": "newcomer@example.org",
            "password1": "river-lantern-quiet-42",
            "password2": "river-lantern-quiet-42",
            "time_zone": "Europe/London",
            "accept_guidelines": "on",
        },
    )

    assert response.status_code == 302
    printed = capsys.readouterr().out
    # Printed as a person reads it: the headers that matter, then the decoded text with
    # every link whole on one line (no quoted-printable soft breaks to trip a copy).
    assert "To: newcomer@example.org" in printed
    assert re.search(r"^Subject: 4C: ", printed, re.MULTILINE)
    assert "=\n" not in printed
    assert "=3D" not in printed
    link = re.search(r"http://testserver(/accounts/confirm-email/\S+/)$", printed, re.MULTILINE)
    assert link, printed
    assert client.post(link.group(1)).status_code == 302
    assert "One small thing first" not in client.get("/").content.decode()
