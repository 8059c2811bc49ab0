"""Every kind of nudge as a mail server receives it: through Django's SMTP mailer to a
real SMTP server (aiosmtpd), claimed by `delivery.dispatch` and sent by `delivery.send`
in this process.

Proves, for the daily step (and its calm form for a member in crisis), the weekly look
back, both gathering reminders, the digest, "we're here" and the link worker's step:
a text and an HTML part, the greeting, the "why you got this" line and the preferences
link in both, the one-click unsubscribe headers, Auto-Submitted, a Message-ID that a
second rendering of the row keeps, inlined styles, no join link in a gathering's
reminder, subjects that never name a mood, an urge, a crisis or health; and that what
a member keeps private (a check-in note, their mood, an anonymous author, a blocked
member, a link worker's message) never reaches any email.
"""

import email
import email.policy
import re
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from aiosmtpd.controller import Controller

from community import services as community
from prescriptions import services as prescriptions
from prescriptions.models import Activity, NudgeKind, NudgeLog, NudgeStatus
from prescriptions.nudges import content, delivery, services
from tests.factories import (
    JOIN_URL,
    CheckInFactory,
    GatheringFactory,
    LinkWorkerFactory,
    RSVPFactory,
    SpaceFactory,
    UserFactory,
)
from tests.fourc.test_mail_smtp import Inbox, free_port

pytestmark = pytest.mark.django_db

# Sunday 14 June 2026, 18:05 in London (BST): a daily step at 18:00 and the weekly
# look back (Sundays at 18:00) are both due, five minutes ago.
NOW = datetime(2026, 6, 14, 17, 5, tzinfo=UTC)
SETUP = NOW - timedelta(hours=1)

NOTE = "PRIVATE-NOTE-7731"
CRISIS_NOTE = "I want to die. PRIVATE-CRISIS-NOTE-5519"
ANONYMOUS = "Secret Author Zed"
BLOCKED = "Blocked Bartholomew Quince"
LW_MESSAGE = "PRIVATE-LW-MESSAGE"
MOOD_WORDS = ("out of 10", "mood numbers", "your mood moved")
SUBJECT_WORDS = (
    "mood",
    "low",
    "feeling",
    "crisis",
    "sad",
    "depress",
    "anxious",
    "suicid",
    "urge",
    "health",
)
# The eight emails of the scene: (recipient's handle, kind, what tells it apart).
EXPECTED = {
    "daily_step": ("maya", NudgeKind.DAILY_STEP, "Here's one small step for today"),
    "daily_calm": ("ines", NudgeKind.DAILY_STEP, "We're thinking of you today"),
    "weekly": ("maya", NudgeKind.WEEKLY, "Here's your week, looking back"),
    "gathering_24h": ("maya", NudgeKind.GATHERING, "Tomorrow: Sunday sofa chat"),
    "gathering_1h": ("maya", NudgeKind.GATHERING, "In an hour: Quick evening check"),
    "digest": ("maya", NudgeKind.DIGEST, "Here's what you haven't seen yet"),
    "welcome_back": ("maya", NudgeKind.WELCOME_BACK, "It's been a little while"),
    "link_worker": ("maya", NudgeKind.LINK_WORKER, "your link worker, suggested a step"),
}


@pytest.fixture
def smtp_server(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": controller.hostname, "port": controller.port, "timeout": 5},
        }
    }
    yield inbox
    controller.stop()


def parse(raw) -> email.message.EmailMessage:
    return email.message_from_bytes(raw.as_bytes(), policy=email.policy.default)


def parts(message) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def dispatch_and_send(now, on_commit) -> list[int]:
    """Claims what is due at `now` and sends it, as beat and a worker would (the
    dispatcher enqueues once its claims commit: `on_commit` runs those callbacks)."""
    ids = []
    with time_machine.travel(now, tick=False):
        with on_commit(execute=True):
            delivery.dispatch(now=now, enqueue=ids.extend)
        delivery.send(ids, now=now)
    return ids


def build_scene(*, include_mood=False) -> None:
    """Maya, with every kind due at NOW and private things planted around her; Ines,
    in crisis, with her daily step due."""
    with time_machine.travel(NOW - timedelta(days=8), tick=False):
        space = SpaceFactory(slug="low-energy", name="Low-energy days")
        maya = UserFactory(email="maya@example.org", display_name="Maya", handle="maya")
        ines = UserFactory(email="ines@example.org", display_name="Ines", handle="ines")
        sam = UserFactory(email="sam@example.org", display_name="Sam Named-Replier", handle="sam")
        zed = UserFactory(email="zed@example.org", display_name=ANONYMOUS, handle="zed")
        bart = UserFactory(display_name=BLOCKED, handle="bart")
        jordan = LinkWorkerFactory(display_name="Jordan", handle="jordan")
        services.note_visit(member=maya)  # her last visit: eight days ago
        post = community.create_post(
            author=maya, space=space, title="A long Sunday", body="Quiet here.", intent="support"
        )
        sofa = GatheringFactory(
            space=space, title="Sunday sofa chat", starts_at=NOW + timedelta(hours=20)
        )
        quick = GatheringFactory(
            space=space, title="Quick evening check", starts_at=NOW + timedelta(minutes=45)
        )
        RSVPFactory(gathering=sofa, member=maya)
        RSVPFactory(gathering=quick, member=maya)
    with time_machine.travel(SETUP, tick=False):
        CheckInFactory(member=maya, mood=3, energy=2, note=NOTE)
        CheckInFactory(member=ines, mood=2, energy=1, note=CRISIS_NOTE)
        prescriptions.invite_link_worker(member=maya, handle="jordan")
        step = Activity.objects.filter(is_active=True, action="none").order_by("id").first()
        prescriptions.prescribe_as_link_worker(
            link_worker=jordan, member=maya, activity=step, message=LW_MESSAGE
        )
        services.update_preferences(
            member=maya,
            daily_step=True,
            daily_at=time(18),
            weekly=True,
            welcome_back=True,
            include_mood=include_mood,
            daily_cap=10,
        )
        services.update_preferences(member=ines, daily_step=True, daily_at=time(18))
    with time_machine.travel(NOW - timedelta(minutes=30), tick=False):
        community.post_reply(author=sam, post=post, body="I'm around tonight too.")
        community.post_reply(author=zed, post=post, body="Same here.", is_anonymous=True)
        community.post_reply(author=bart, post=post, body="Hello.")
        community.block_member(blocker=maya, blocked=bart)


@pytest.fixture
def received(smtp_server, django_capture_on_commit_callbacks):
    """Every email of the scene, by name (see EXPECTED), as the server received it."""
    build_scene()
    ids = dispatch_and_send(NOW, django_capture_on_commit_callbacks)
    logs = NudgeLog.objects.in_bulk(ids)
    assert {log.status for log in logs.values()} == {NudgeStatus.SENT}, [
        (log.kind, log.status, log.reason) for log in logs.values()
    ]
    by_name = {}
    for raw in smtp_server.messages:
        message = parse(raw)
        if message["To"] not in ("maya@example.org", "ines@example.org"):
            continue  # the repliers hear of each other's replies too
        [pk] = re.fullmatch(r"<nudge-(\d+)@[^>]+>", message["Message-ID"]).groups()
        log = logs[int(pk)]
        text, _ = parts(message)
        subject = message["Subject"]
        [name] = [
            name
            for name, (handle, kind, words) in EXPECTED.items()
            if log.member.handle == handle and log.kind == kind and words in text + subject
        ]
        by_name[name] = (message, log)
    assert set(by_name) == set(EXPECTED)
    return by_name


def test_every_kind_arrives_with_a_text_and_an_html_part_a_greeting_and_why(received):
    for name, (message, log) in received.items():
        text, html = parts(message)
        display_name = log.member.display_name
        assert message.get_content_type() == "multipart/alternative", name
        assert text.startswith(f"Hello {display_name},"), name
        assert f"Hello {display_name}," in html, name
        assert f"Why you got this: {content.WHY[log.kind]}" in text, name
        assert "Why you got this:" in html, name
        assert "http://127.0.0.1:8000/settings/notifications/" in text, name
        assert 'href="http://127.0.0.1:8000/settings/notifications/"' in html, name


def test_every_kind_carries_one_click_unsubscribe_for_its_own_kind(received):
    for name, (message, log) in received.items():
        # Unfolded, a header's leading whitespace is folding, not value (RFC 5322 2.2.3).
        unsubscribe = str(message["List-Unsubscribe"]).strip()
        match = re.fullmatch(r"<(https?://[^>]+/emails/stop/([^/>]+)/)>", unsubscribe)
        assert match, (name, unsubscribe)
        stop_url, token = match.groups()
        with time_machine.travel(NOW, tick=False):
            assert services.read_stop_token(token) == (log.member, log.kind), name
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click", name
        assert message["Auto-Submitted"] == "auto-generated", name
        text, html = parts(message)
        assert stop_url in text, name
        assert f'href="{stop_url}"' in html, name


def test_the_message_id_stays_the_same_when_a_row_is_rendered_again(received):
    for name, (message, log) in received.items():
        log = NudgeLog.objects.select_related("member").get(pk=log.pk)
        with time_machine.travel(NOW, tick=False):
            first, _ = content.build(log, now=NOW, in_crisis=name == "daily_calm")
            again, _ = content.build(log, now=NOW, in_crisis=name == "daily_calm")
        assert message["Message-ID"] == log.message_id, name
        assert first.extra_headers["Message-ID"] == log.message_id, name
        assert again.extra_headers["Message-ID"] == log.message_id, name


def test_the_layout_does_not_depend_on_a_style_block(received):
    """Mail clients drop <style>: the card, the button and the footer carry their own."""
    for name, (message, _) in received.items():
        _, html = parts(message)
        assert re.search(r'<body style="[^"]*background: #faf8f4', html), name
        assert re.search(r'<div class="card" style="[^"]*max-width: 560px', html), name
        assert re.search(r'<div class="footer" style="[^"]*border-top', html), name
        if 'class="button"' in html:
            assert re.search(r'<a class="button" [^>]*style="[^"]*background: #1f5f53', html)


def test_a_gathering_reminder_links_to_its_page_never_to_the_join_url(received):
    for name, lead in (("gathering_24h", "24h"), ("gathering_1h", "1h")):
        message, log = received[name]
        page = f"http://127.0.0.1:8000/gatherings/{log.about_id}/"
        text, html = parts(message)
        assert f"The gathering's page: {page}" in text
        assert f'href="{page}"' in html
        assert log.period.startswith(f"{log.about_id}:{lead}:")
        everything = raw_text(message)
        assert JOIN_URL not in everything
        assert "meet.example.org" not in everything


def test_a_gathering_reminder_gives_the_time_in_the_members_own_zone(received):
    """The worker's zone is UTC; Maya lives in London (summer time): the sofa chat at
    13:05 UTC starts at 14:05 for her, and the email says so, zone named."""
    text, html = parts(received["gathering_24h"][0])

    assert "When: Monday 15 June, 14:05 (BST), for" in text
    assert "Monday 15 June, 14:05 (BST)" in html


def test_no_subject_names_a_mood_an_urge_a_crisis_or_health(received):
    subjects = {name: message["Subject"] for name, (message, _) in received.items()}
    assert subjects["daily_calm"] == "A small step for today"
    for name, subject in subjects.items():
        for word in SUBJECT_WORDS:
            assert word not in subject.lower(), (name, subject)


def raw_text(message) -> str:
    """Every header and both decoded parts, as one string to search."""
    headers = "\n".join(f"{key}: {value}" for key, value in message.items())
    text, html = parts(message)
    return "\n".join([headers, text, html, message.as_string()])


def test_nothing_a_member_keeps_private_reaches_any_email(received, smtp_server):
    private = (NOTE, "PRIVATE-CRISIS-NOTE", "I want to die", ANONYMOUS, "Secret Author",
               LW_MESSAGE, *MOOD_WORDS)  # fmt: skip
    blocked = (BLOCKED, "Bartholomew")
    for name, (message, _) in received.items():
        found = raw_text(message).lower()
        for secret in (*private, *blocked):
            assert secret.lower() not in found, (name, secret)
    # Sam's digest (of the replies after his) keeps the anonymous author hidden too;
    # Zed's (of Bart's reply) is his own, and greets him by name, as it should.
    others = {str(parse(raw)["To"]): parse(raw) for raw in smtp_server.messages}
    sams = others["sam@example.org"]
    assert "A member replied in “A long Sunday”, a post you follow." in parts(sams)[0]
    assert "Hello Secret Author Zed," in parts(others["zed@example.org"])[0]
    for secret in private:
        assert secret.lower() not in raw_text(sams).lower(), secret
    # The digest did list the replies: named for Sam, "A member" for the anonymous one.
    digest, _ = parts(received["digest"][0])
    assert "Sam Named-Replier replied to your post" in digest
    assert "A member replied to your post" in digest
    # The link worker's email names the step and the link worker, not their message.
    link_worker, _ = parts(received["link_worker"][0])
    assert "Jordan, your link worker, suggested a step for you" in link_worker


def test_mood_numbers_appear_in_the_weekly_look_back_only_when_ticked(
    smtp_server, django_capture_on_commit_callbacks
):
    """The control for the privacy test above: with "include my mood numbers" ticked,
    the same scene's weekly email does show them."""
    build_scene(include_mood=True)

    dispatch_and_send(NOW, django_capture_on_commit_callbacks)

    [weekly] = [
        parse(raw) for raw in smtp_server.messages if parse(raw)["Subject"] == "Your week on 4C"
    ]
    text, html = parts(weekly)
    assert "on average 3.0 out of 10 over 1 check-in" in text
    assert "3.0 out of 10" in html
    assert "mood" not in weekly["Subject"].lower()
    assert NOTE not in raw_text(weekly)
