"""The health check when Celery can't answer. No worker runs in this module
(the worker in test_celery.py is module-scoped), whatever the test order."""

import json

import pytest

from fourc.celery import app

CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"


@pytest.mark.django_db
def test_health_check_reports_celery_unavailable_when_no_worker_answers(client):
    response = client.get("/healthz?celery=1")

    assert response.status_code == 503
    assert json.loads(response.content) == {
        "status": "unavailable", "database": "ok", "celery": "unavailable",
    }  # fmt: skip


@pytest.mark.django_db
def test_health_check_answers_503_not_500_when_redis_is_down(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CLOSED_PORT_REDIS,
        }
    }
    saved = app.conf.broker_url, app.conf.broker_connection_max_retries
    app.conf.broker_url, app.conf.broker_connection_max_retries = CLOSED_PORT_REDIS, 0
    app._pool = None
    try:
        response = client.get("/healthz?celery=1")
    finally:
        app.conf.broker_url, app.conf.broker_connection_max_retries = saved
        app._pool = None

    assert response.status_code == 503
    assert json.loads(response.content)["celery"] == "unavailable"
