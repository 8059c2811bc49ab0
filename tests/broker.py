"""What waits in the test Redis broker: tasks a service queued, read as a worker would."""

import base64
import json

import redis
from django.conf import settings


def queued(task: str) -> list[list]:
    """The arguments of every `task` waiting in the test Redis broker."""
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    found = []
    for raw in broker.lrange("celery", 0, -1):
        message = json.loads(raw)
        if message["headers"]["task"] == task:
            args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
            found.append(args)
    return found
