"""Run as a script (tests/embedded/test_sqlite_writes.py starts it): make run's
configuration on a fresh SQLite file, then bursts of simultaneous writes from threads,
as a few members (or one member's tabs) acting at once would. Each burst's threads are
released together. Prints one JSON line: the status codes each burst saw, and the rows
that count (what each burst made)."""

import io
import json
import os
import sys
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ["DEBUG"] = "true"
for name in ("REDIS_URL", "EMAIL_URL", "SECRET_KEY"):
    os.environ.pop(name, None)
os.environ["DATABASE_URL"] = f"sqlite:///{sys.argv[1]}"
os.environ["ALLOWED_HOSTS"] = "testserver"
os.environ["DJANGO_SETTINGS_MODULE"] = "fourc.settings"  # make run's, not the suite's
THREADS = int(sys.argv[2]) if len(sys.argv) > 2 else 8
CAPACITY = 3

import django  # noqa: E402

django.setup()

from allauth.account.models import EmailAddress  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from community import services  # noqa: E402
from community.models import RSVP, Gathering, Post, RSVPStatus, Space, User  # noqa: E402
from fourc.lib import once  # noqa: E402
from prescriptions import services as prescriptions  # noqa: E402
from prescriptions.models import CheckIn  # noqa: E402

call_command("migrate", verbosity=0)
call_command("seed_demo", stdout=io.StringIO())
space = Space.objects.order_by("order").first()
post = services.create_post(
    author=User.objects.get(handle="sam"), space=space, title="A burst", body="Hello.",
    intent="hello",
)  # fmt: skip
members = list(User.objects.filter(is_active=True).order_by("pk"))


def new_member(handle: str) -> User:
    """A member who can write at once: a confirmed address, the guidelines agreed."""
    user = User.objects.create_user(
        f"{handle}@example.org", "burst-password", display_name=handle.title(), handle=handle
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    services.accept_guidelines(member=user)
    return user


def signed_in(member) -> Client:
    client = Client(raise_request_exception=False)  # a 500 is an answer to count
    client.force_login(member)
    return client


def burst(clients, send) -> dict[str, int]:
    """`send(i, client)` (a list of responses) from every client at once, each in its
    own thread and connection; the status codes seen."""
    connection.close()  # the threads write; this thread only looks afterwards
    start = threading.Barrier(len(clients))
    seen = Counter()
    lock = threading.Lock()

    def act(i: int, client: Client) -> None:
        try:
            start.wait(timeout=30)
            codes = [response.status_code for response in send(i, client)]
            with lock:
                seen.update(codes)
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=pair) for pair in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {str(code): n for code, n in sorted(seen.items())}


answers, rows = {}, {}

# Members replying, reacting and posting at the same moment: every write lands.
answers["mixed"] = burst(
    [signed_in(members[i % len(members)]) for i in range(THREADS)],
    lambda i, client: [
        client.post(f"/posts/{post.pk}/", {"body": f"Same here, from thread {i}."}),
        client.post(f"/posts/{post.pk}/react/", {"reaction": "hear:1"}),
        client.post(
            f"/spaces/{space.slug}/new/",
            {"title": f"Thread {i}", "body": "Hello all.", "intent": "hello"},
        ),
    ],
)

# One member's new post sent from every tab at once, with its one form key.
poster = new_member("poster")
post_form = {
    "title": "Sent from every tab", "body": "Hello.", "intent": "hello",
    "submit_key": once.new_key(),
}  # fmt: skip
answers["same_post"] = burst(
    [signed_in(poster) for _ in range(THREADS)],
    lambda i, client: [client.post(f"/spaces/{space.slug}/new/", post_form)],
)
rows["posts"] = Post.objects.filter(author=poster).count()

# One member's check-in, likewise.
checker = new_member("checker")
prescriptions.give_consent(member=checker)
check_in_form = {"mood": 5, "energy": 3, "submit_key": once.new_key()}
answers["same_check_in"] = burst(
    [signed_in(checker) for _ in range(THREADS)],
    lambda i, client: [client.post("/check-in/", check_in_form)],
)
rows["check_ins"] = CheckIn.objects.filter(member=checker).count()

# A host's new gathering, likewise.
host = User.objects.get(handle="jordan")
before = Gathering.objects.filter(host=host).count()
starts = timezone.localtime(timezone.now() + timedelta(days=3), ZoneInfo(host.time_zone))
gathering_form = {
    "title": "Sent from every tab", "space": space.pk, "description": "An hour together.",
    "starts_at": starts.strftime("%Y-%m-%dT%H:%M"), "duration_minutes": "60",
    "capacity": str(CAPACITY), "format": "online", "join_url": "https://meet.example.org/4c",
    "place": "", "submit_key": once.new_key(),
}  # fmt: skip
answers["same_gathering"] = burst(
    [signed_in(host) for _ in range(THREADS)],
    lambda i, client: [client.post("/gatherings/new/", gathering_form)],
)
rows["gatherings"] = Gathering.objects.filter(host=host).count() - before

# Members taking the few places of that gathering at the same moment.
gathering = Gathering.objects.filter(host=host).latest("pk")
answers["places"] = burst(
    [signed_in(new_member(f"guest_{i}")) for i in range(THREADS)],
    lambda i, client: [client.post(f"/gatherings/{gathering.pk}/rsvp/")],
)
places = RSVP.objects.filter(gathering=gathering)
rows["capacity"] = gathering.capacity
rows["going"] = places.filter(status=RSVPStatus.GOING).count()
rows["waiting"] = places.filter(status=RSVPStatus.WAITING).count()

print(json.dumps({"answers": answers, "rows": rows}))
