"""The SQLite branches a newcomer meets first: search (the icontains fallback), the
home page's followed spaces (no LATERAL join), a check-in whose targets come from the
prepared queries (fourc/lib/prepared.py: SQLite's timestamps), through to the step a
reply completes, keyset pages, and a copy of Maya's data kept in SQLite."""

import html
import json
import re
from datetime import datetime

from django.core import mail

from community import demo, tasks
from community.models import DataExport
from tests.embedded.conftest import MEMBER

# Demo spaces (community/demo.py): Maya follows these three...
MAYAS_SPACES = ["morning-tea", "low-energy-days", "small-wins"]
# ...and not these (she has read two of them, which only the engine looks at).
OTHER_SPACES = ["making-things", "sleep-and-rest", "carers-corner"]
KIND_WORDS = "I read this, and I'm glad you posted."
TIME = r'<time datetime="([^"]+)"'


def post_ids(html: str) -> set[str]:
    return set(re.findall(r'href="/posts/(\d+)/', html))


def gathering_ids(html: str) -> set[str]:
    return set(re.findall(r'href="/gatherings/(\d+)/', html))


def posts_in_spaces(client, slugs: list[str]) -> set[str]:
    pages = (client.get(f"/spaces/{slug}/").content.decode() for slug in slugs)
    return set().union(*(post_ids(page) for page in pages))


def open_steps(feed: str) -> dict[str, str]:
    """The feed's open steps (the ones with a "Done it" form): id -> the card's HTML."""
    card = r'<li class="card prescription[^"]*" id="prescription-(\d+)">(.*?)</li>'
    cards = re.findall(card, feed, re.S)
    return {pk: html for pk, html in cards if f'action="/prescriptions/{pk}/done/"' in html}


def test_search_finds_a_demo_post_on_sqlite(as_role):
    client = as_role(MEMBER)

    found = client.get("/search/?q=TREACLE wading")
    nothing = client.get("/search/?q=xylophone")

    assert found.status_code == 200
    assert "Everything feels like wading through treacle" in found.content.decode()
    assert len(post_ids(found.content.decode())) == 1
    assert nothing.status_code == 200
    assert "Nothing matched “xylophone”" in nothing.content.decode()
    assert not post_ids(nothing.content.decode())


def test_search_snippets_on_sqlite_read_as_the_post_does_and_stop_between_words(as_role):
    client = as_role(MEMBER)

    page = client.get("/search/?q=hardest").content.decode()

    snippet = re.search(r'<p class="snippet">(.*?)</p>', page, re.S).group(1)
    assert "night everything. A few things" in snippet
    assert "*" not in snippet
    assert "- Phone" not in snippet
    assert "Phone in another room" in snippet
    assert "(the <mark>hardest</mark> one) A boring podcast" in snippet
    assert snippet.endswith("…")
    last = html.unescape(snippet.removesuffix("…").split()[-1])
    source = next(p["body"] for p in demo.DEMO_POSTS if p["title"].endswith("wind down"))
    assert re.search(rf"(?<!\w){re.escape(last)}(?!\w)", source), last


def test_the_home_page_shows_recent_posts_from_the_spaces_maya_follows(as_role):
    client = as_role(MEMBER)
    followed = posts_in_spaces(client, MAYAS_SPACES)
    others = posts_in_spaces(client, OTHER_SPACES)

    home = client.get("/").content.decode()

    section = home.split('id="activity-heading"', 1)[1].split("</section>", 1)[0]
    shown = post_ids(section)
    assert len(shown) >= 5
    assert shown <= followed
    assert not shown & others


def test_a_check_in_points_maya_at_someone_waiting_and_a_reply_completes_that_step(as_role):
    client = as_role(MEMBER)
    waiting = post_ids(client.get("/unanswered/").content.decode())
    before = open_steps(client.get("/prescriptions/").content.decode())

    check_in = client.post("/check-in/", {"mood": 3, "energy": 1, "urge": "keep_to_myself"})

    assert check_in.status_code == 302
    assert check_in.url == "/prescriptions/"
    feed = client.get("/prescriptions/").content.decode()
    assert "Thank you for checking in." in feed
    assert "You did it. How do you feel now?" not in feed
    new = {pk: html for pk, html in open_steps(feed).items() if pk not in before}
    assert len(new) == 3
    assert any(post_ids(html) | gathering_ids(html) for html in new.values()), (
        "no step points at a real post or gathering"
    )
    pointed = [(pk, post) for pk, html in new.items() for post in post_ids(html) & waiting]
    assert pointed, "no step points at a post waiting for a reply"
    step, post = pointed[0]

    reply = client.post(f"/posts/{post}/", {"body": KIND_WORDS})

    assert reply.status_code == 302
    assert "glad you posted." in client.get(reply.url).content.decode()
    feed = client.get("/prescriptions/").content.decode()
    assert "You did it. How do you feel now?" in feed
    assert f'action="/prescriptions/{step}/feel/"' in feed
    assert step not in open_steps(feed)

    feel = client.post(f"/prescriptions/{step}/feel/", {"mood_after": 6})

    assert feel.status_code == 302
    assert "You did it. How do you feel now?" not in client.get("/prescriptions/").content.decode()


def test_maya_pages_back_through_her_notifications(as_role):
    """Keyset pages on SQLite: the signed cursor's timestamp compares as a time."""
    client = as_role(MEMBER)

    first = client.get("/notifications/").content.decode()
    older = re.search(r'href="(\?after=[^"]+)"', first)
    assert older, "the demo gives Maya more than one page of notifications"
    second = client.get(f"/notifications/{older.group(1)}")

    assert second.status_code == 200
    pages = [first, second.content.decode()]
    times = [[datetime.fromisoformat(t) for t in re.findall(TIME, page)] for page in pages]
    assert len(times[0]) == 25
    assert times[1]
    assert times[0] + times[1] == sorted(times[0] + times[1], reverse=True)


def test_maya_downloads_a_copy_of_her_data_kept_in_sqlite(as_role):
    """The copy lives in the database, so the embedded default needs no shared folder:
    asked for on the page, built as the worker builds it, downloaded from the email."""
    client = as_role(MEMBER)

    asked = client.post("/settings/data/")
    export = DataExport.objects.get(member__handle="maya", ready_at__isnull=True)
    assert tasks.build_data_export(export.pk) is True  # the worker's part, once committed

    assert asked.status_code == 302
    [message] = mail.outbox
    url = re.search(r"/settings/data/download/[^/\s]+/", message.body).group(0)
    response = client.get(url)
    assert response.status_code == 200
    copy = json.loads(b"".join(response.streaming_content))
    assert copy["member"] == "maya"
    assert len(copy["areas"]["posts"]) >= 1
    assert len(copy["areas"]["check_ins"]) >= 3
    assert "Download your data" in client.get("/settings/data/").content.decode()
