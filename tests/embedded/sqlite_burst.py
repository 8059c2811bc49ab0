"""Run as a script (tests/embedded/test_sqlite_writes.py starts it): make run's
configuration on a fresh SQLite file, then a burst of simultaneous writes from threads,
as a few members acting at once would. Prints one JSON line: the status codes seen."""

import io
import json
import os
import sys
import threading
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ["DEBUG"] = "true"
for name in ("REDIS_URL", "EMAIL_URL", "SECRET_KEY"):
    os.environ.pop(name, None)
os.environ["DATABASE_URL"] = f"sqlite:///{sys.argv[1]}"
os.environ["ALLOWED_HOSTS"] = "testserver"
os.environ["DJANGO_SETTINGS_MODULE"] = "fourc.settings"  # make run's, not the suite's
THREADS = int(sys.argv[2]) if len(sys.argv) > 2 else 8

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from community import services  # noqa: E402
from community.models import Space, User  # noqa: E402

call_command("migrate", verbosity=0)
call_command("seed_demo", stdout=io.StringIO())
space = Space.objects.order_by("order").first()
post = services.create_post(
    author=User.objects.get(handle="sam"), space=space, title="A burst", body="Hello.",
    intent="hello",
)  # fmt: skip
members = list(User.objects.filter(is_active=True).order_by("pk"))
connection.close()

start = threading.Barrier(THREADS)
seen = Counter()
lock = threading.Lock()


def act(i: int) -> None:
    client = Client(raise_request_exception=False)  # a 500 is an answer to count
    client.force_login(members[i % len(members)])
    start.wait()
    answers = [
        client.post(f"/posts/{post.pk}/", {"body": f"Same here, from thread {i}."}).status_code,
        client.post(f"/posts/{post.pk}/react/", {"reaction": "hear:1"}).status_code,
        client.post(
            f"/spaces/{space.slug}/new/",
            {"title": f"Thread {i}", "body": "Hello all.", "intent": "hello"},
        ).status_code,
    ]
    with lock:
        seen.update(answers)
    connection.close()


threads = [threading.Thread(target=act, args=(i,)) for i in range(THREADS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(json.dumps({str(code): n for code, n in sorted(seen.items())}))
