"""Celery on a real worker process, against the real Redis that `make test` starts."""

import json
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings

from fourc.celery import app
from fourc.tasks import ping


@pytest.fixture(scope="module")
def worker():
    """A real `celery worker` process, consuming from the test Redis."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "fourc", "worker", "--pool=solo",
         "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=settings.BASE_DIR, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"The worker exited early:\n{process.stdout.read()}")
            if app.control.ping(timeout=0.5):
                break
        else:
            pytest.fail("The worker did not come up within 30 seconds.")
        yield process
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_the_broker_and_results_are_the_real_redis():
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    assert app.conf.broker_url == settings.REDIS_URL
    assert app.conf.result_backend == settings.REDIS_URL


def test_celery_is_configured_for_safe_delivery():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_serializer == "json"
    assert app.conf.task_time_limit
    assert app.conf.task_soft_time_limit
    assert any(entry["task"] == "fourc.ping" for entry in app.conf.beat_schedule.values())


def test_a_ping_makes_the_round_trip_through_a_real_worker(worker):
    result = ping.delay()

    assert result.get(timeout=20).startswith("pong ")
    assert result.successful()


@pytest.mark.django_db
def test_health_check_reports_celery_ok_with_a_worker(client, worker):
    response = client.get("/healthz?celery=1")

    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok", "database": "ok", "celery": "ok"}
