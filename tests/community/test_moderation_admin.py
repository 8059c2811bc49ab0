"""The moderators' queue and the moderation log in the admin."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from community import moderation, services
from community.models import ModerationAction, Post, QueueItem, User
from tests.factories import CheckInFactory, ReplyFactory, UserFactory
from tests.fourc.test_admin_and_roles import enrol_totp
from tests.queries import assert_same_queries_for_one_and_many

QUEUE = "/admin/community/queueitem/"
LOG = "/admin/community/moderationaction/"


@pytest.fixture
def moderator_client(client, moderator):
    enrol_totp(moderator)
    client.force_login(moderator)
    return client


@pytest.fixture
def superuser_client(client):
    boss = User.objects.create_superuser("boss@example.org", "a-long-pass-phrase")
    enrol_totp(boss)
    client.force_login(boss)
    return client


def act(client, url, action, pks, **fields):
    return client.post(url, {"action": action, "_selected_action": pks, **fields})


def report(target_kw, reason="unkind", n=1):
    for _ in range(n):
        services.report(reporter=UserFactory(), reason=reason, **target_kw)


# --- The queue ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_queue_shows_one_row_per_target_crisis_first_then_by_reason_and_age(
    moderator_client, member, make_post
):
    now = timezone.now()
    posts = {}
    for hours, title, reason in [
        (50, "Old other", "other"),
        (40, "Older spam", "spam"),
        (30, "Unkind words", "unkind"),
        (20, "Private details", "private"),
        (10, "Worrying words", "safety"),
    ]:
        with time_machine.travel(now - timedelta(hours=hours)):
            posts[title] = make_post(member, title=title)
            report({"post": posts[title]}, reason)
    report({"post": posts["Unkind words"]}, n=2)  # three members in all: one row
    crisis = make_post(member, title="Crisis words")  # the newest, and yet before harassment
    moderation.queue_crisis_item(post=crisis)

    page = moderator_client.get(QUEUE).content.decode()

    order = sorted(
        ["Crisis words", "Worrying words", "Unkind words", "Private details", "Older spam",
         "Old other"],
        key=page.index,
    )  # fmt: skip
    assert order == [
        "Worrying words", "Crisis words", "Unkind words", "Private details", "Older spam",
        "Old other",
    ]  # fmt: skip
    assert page.count("Unkind words") == 1
    assert QueueItem.objects.get(post=posts["Unkind words"]).report_count == 3
    rows = re.findall(r"<tr>.*?</tr>", page, flags=re.S)
    unkind_row = next(row for row in rows if "Unkind words" in row)
    assert '<td class="field-report_count">3</td>' in unkind_row
    assert f'href="/posts/{posts["Unkind words"].pk}/"' in unkind_row  # its context
    assert "1\xa0day" in unkind_row  # its age: 30 hours


@pytest.mark.django_db
def test_the_queue_runs_as_many_queries_for_50_reports_as_for_1(
    moderator_client, make_post, django_assert_num_queries
):
    def add_item(i):
        author = UserFactory()
        post = make_post(author, title=f"Reported {i}")
        if i % 4 == 0:
            report({"post": post})
        elif i % 4 == 1:
            report({"reply": ReplyFactory(post=post, author=author)}, reason="spam")
        elif i % 4 == 2:
            report({"member": author}, reason="other")
        else:
            moderation.queue_crisis_item(post=post)

    page = assert_same_queries_for_one_and_many(
        moderator_client, QUEUE, add_item, django_assert_num_queries
    )
    assert page.count('class="action-select"') == 50


@pytest.mark.django_db
def test_the_log_runs_as_many_queries_for_50_lines_as_for_1(
    moderator_client, moderator, make_post, django_assert_num_queries
):
    def add_item(i):
        post = make_post(UserFactory(), title=f"Hidden {i}")
        if i % 2:
            report({"post": post}, n=3)  # an automatic hide
        else:
            moderation.hide(content=post, moderator=moderator, note=f"Note {i}")

    page = assert_same_queries_for_one_and_many(
        moderator_client, LOG, add_item, django_assert_num_queries
    )
    assert "Note 48" in page


@pytest.mark.django_db
def test_a_queue_item_page_shows_its_reports_and_its_log(moderator_client, member, make_post):
    post = make_post(member, title="Look here")
    services.report(
        reporter=UserFactory(), reason="unkind", details="Said I was useless", post=post
    )
    moderation.queue_crisis_item(post=post)
    item = QueueItem.objects.get()

    page = moderator_client.get(f"{QUEUE}{item.pk}/change/").content.decode()

    assert "Said I was useless" in page
    assert "Crisis words: put in the queue" in page
    assert "4C (automatic)" in page


# --- Actions through the admin ---------------------------------------------------------


@pytest.mark.django_db
def test_an_action_without_a_note_keeps_the_form_with_a_clear_error(
    moderator_client, member, make_post
):
    post = make_post(member)
    report({"post": post})
    item = QueueItem.objects.get()

    asks = act(moderator_client, QUEUE, "hide", [item.pk])
    blank = act(moderator_client, QUEUE, "hide", [item.pk], apply="yes", note="   ")

    assert asks.status_code == 200
    assert 'name="note"' in asks.content.decode()
    assert blank.status_code == 400
    assert "Please write a resolution note" in blank.content.decode()
    assert not Post.objects.get(pk=post.pk).is_hidden
    assert not ModerationAction.objects.exists()


@pytest.mark.parametrize(
    ("action", "extra", "check"),
    [
        ("dismiss", {}, lambda post, author: not post.is_hidden),
        ("hide", {}, lambda post, author: post.is_hidden),
        ("hide_and_warn", {}, lambda post, author: post.is_hidden),
        ("suspend", {"length": "2w"}, lambda post, author: author.is_suspended()),
    ],
)
@pytest.mark.django_db
def test_each_queue_action_calls_its_service_and_is_logged(
    moderator_client, moderator, member, make_post, action, extra, check
):
    post = make_post(member)
    report({"post": post}, n=3)  # hidden by the reports
    item = QueueItem.objects.get()

    response = act(
        moderator_client, QUEUE, action, [item.pk], apply="yes", note="Looked.", **extra
    )

    assert response.status_code == 302
    post.refresh_from_db()
    member.refresh_from_db()
    assert check(post, member)
    assert not QueueItem.objects.open().exists()
    entry = ModerationAction.objects.order_by("-id").first()
    assert (entry.moderator, entry.member, entry.note, entry.is_automatic) == (
        moderator, member, "Looked.", False,
    )  # fmt: skip
    expected = {"hide_and_warn": "warn"}.get(action, action)
    assert entry.action == expected


@pytest.mark.django_db
def test_restore_and_lift_from_the_admin(moderator_client, moderator, member, make_post):
    post = make_post(member)
    moderation.hide(content=post, moderator=moderator, note="Checking.")
    moderation.suspend(member=member, moderator=moderator, length="1d", note="A day.")

    act(moderator_client, "/admin/community/post/", "restore", [post.pk], apply="yes", note="Ok")
    act(
        moderator_client,
        "/admin/community/user/",
        "lift_suspension",
        [member.pk],
        apply="yes",
        note="Talked.",
    )

    post.refresh_from_db()
    member.refresh_from_db()
    assert not post.is_hidden
    assert not member.is_suspended()
    assert list(ModerationAction.objects.order_by("id").values_list("action", flat=True)) == [
        "hide",
        "suspend",
        "restore",
        "lift",
    ]


@pytest.mark.django_db
def test_suspending_shows_earlier_sanctions_and_suggests_the_next_step(
    moderator_client, moderator, member, make_post
):
    moderation.hide_and_warn(content=make_post(member), moderator=moderator, note="Be kind.")
    moderation.suspend(member=member, moderator=moderator, length="1w", note="A week.")
    moderation.lift_suspension(member=member, moderator=moderator, note="Served.")
    post = make_post(member, title="Again")
    report({"post": post})
    item = QueueItem.objects.get()

    page = act(moderator_client, QUEUE, "suspend", [item.pk]).content.decode()

    assert "Earlier sanctions" in page
    assert "Hid and warned the author" in page
    assert "Suspended (1 week)" in page
    assert "Suggested next step: 2 weeks." in page
    assert '<option value="2w" selected>' in page


@pytest.mark.django_db
def test_hiding_a_member_row_is_refused_with_a_reason(moderator_client, member, other_member):
    report({"member": other_member}, reason="unkind")
    item = QueueItem.objects.get()

    response = act(moderator_client, QUEUE, "hide", [item.pk], apply="yes", note="Hmm")

    assert response.status_code == 302
    messages = [m.message for m in response.wsgi_request._messages]
    assert any("for a member, suspend" in m for m in messages)
    assert QueueItem.objects.get().is_open
    assert not ModerationAction.objects.exists()


# --- The log: read-only for everyone, on each target's page, filterable -------------------


@pytest.mark.parametrize("who", ["moderator_client", "superuser_client"])
@pytest.mark.django_db
def test_nobody_edits_or_deletes_a_log_line_in_the_admin(
    request, who, moderator, member, make_post
):
    client = request.getfixturevalue(who)
    post = make_post(member)
    moderation.hide(content=post, moderator=moderator, note="The original note.")
    entry = ModerationAction.objects.get()

    answers = {
        "view": client.get(f"{LOG}{entry.pk}/change/").status_code,
        "change": client.post(
            f"{LOG}{entry.pk}/change/", {"note": "Rewritten", "action": "restore"}
        ).status_code,
        "delete page": client.get(f"{LOG}{entry.pk}/delete/").status_code,
        "delete": client.post(f"{LOG}{entry.pk}/delete/", {"post": "yes"}).status_code,
        "add": client.get(f"{LOG}add/").status_code,
    }
    bulk = act(client, LOG, "delete_selected", [entry.pk], post="yes")
    listing = client.get(LOG).content.decode()

    assert answers == {"view": 200, "change": 403, "delete page": 403, "delete": 403, "add": 403}
    assert bulk.status_code == 200  # the list again: there is no such action here
    assert "delete_selected" not in listing
    entry = ModerationAction.objects.get()
    assert (entry.note, entry.action) == ("The original note.", "hide")


@pytest.mark.django_db
def test_the_log_shows_on_the_post_reply_and_member_pages(
    moderator_client, moderator, member, make_post
):
    post = make_post(member)
    reply = ReplyFactory(post=post, author=member)
    moderation.hide(content=post, moderator=moderator, note="Post note.")
    moderation.hide_and_warn(content=reply, moderator=moderator, note="Reply note.")
    moderation.suspend(member=member, moderator=moderator, length="1d", note="Member note.")

    post_page = moderator_client.get(f"/admin/community/post/{post.pk}/change/")
    reply_page = moderator_client.get(f"/admin/community/reply/{reply.pk}/change/")
    member_page = moderator_client.get(f"/admin/community/user/{member.pk}/change/")

    assert "Post note." in post_page.content.decode()
    assert "Reply note." not in post_page.content.decode()
    assert "Reply note." in reply_page.content.decode()
    member_html = member_page.content.decode()
    assert all(note in member_html for note in ("Post note.", "Reply note.", "Member note."))
    assert "Rosa" in member_html


@pytest.mark.django_db
def test_the_log_filters_by_action_moderator_and_day(moderator_client, moderator, make_post):
    other_moderator = UserFactory(display_name="Ines")
    services.assign_role(member=other_moderator, role="Moderators")
    old = make_post(UserFactory(), title="Old")
    with time_machine.travel(timezone.now() - timedelta(days=3)):
        moderation.hide(content=old, moderator=other_moderator, note="Three days ago.")
    new = make_post(UserFactory(), title="New")
    moderation.hide(content=new, moderator=moderator, note="Today, hidden.")
    moderation.restore(content=new, moderator=moderator, note="Today, restored.")
    today = timezone.localdate()

    def notes(query):
        page = moderator_client.get(f"{LOG}?{query}").content.decode()
        return {n for n in ("Three days ago.", "Today, hidden.", "Today, restored.") if n in page}

    assert notes("action__exact=restore") == {"Today, restored."}
    assert notes(f"moderator__id__exact={other_moderator.pk}") == {"Three days ago."}
    day = (
        f"created_at__year={today.year}&created_at__month={today.month}"
        f"&created_at__day={today.day}"
    )
    assert notes(day) == {"Today, hidden.", "Today, restored."}
    assert notes("is_automatic__exact=1") == set()


# --- No health data -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_queue_and_log_pages_show_nothing_from_prescriptions(
    moderator_client, moderator, member, make_post
):
    CheckInFactory(member=member, mood=1, note="SECRET-CHECK-IN-NOTE")
    post = make_post(member, title="Reported words")
    report({"post": post}, n=3)
    moderation.suspend(member=member, moderator=moderator, length="1d", note="A day.", post=post)
    report({"member": member})
    item = QueueItem.objects.open().get()

    pages = [
        moderator_client.get(url).content.decode()
        for url in (
            QUEUE,
            f"{QUEUE}?status=all",
            f"{QUEUE}{item.pk}/change/",
            LOG,
            f"{LOG}{ModerationAction.objects.first().pk}/change/",
            f"/admin/community/user/{member.pk}/change/",
        )
    ]
    suspend_form = act(moderator_client, QUEUE, "suspend", [item.pk]).content.decode()

    for page in [*pages, suspend_form]:
        assert "SECRET-CHECK-IN-NOTE" not in page
        assert "check-in" not in page.lower()
        assert "mood" not in page.lower()
