"""The moderators' queue, their actions and the log, suspensions, and the guards that act
when no moderator is around (community.moderation, community.permissions)."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import get_resolver, reverse
from django.utils import timezone

from community import moderation, notifications, services
from community.models import (
    SUSPENDED_FOREVER,
    ModerationAction,
    ModerationActionKind,
    Notification,
    Post,
    QueueItem,
    QueuePriority,
    Report,
    ReportStatus,
    SuspensionLength,
    User,
)
from community.yourdata import download_token
from tests.factories import (
    PASSWORD,
    CalendarTokenFactory,
    DataExportFactory,
    GatheringFactory,
    NotificationFactory,
    ReplyFactory,
    UserFactory,
)

Kind = ModerationActionKind


def report_by(n: int, **target) -> list[User]:
    """`n` different members report the target; returns them."""
    reporters = [UserFactory() for _ in range(n)]
    for reporter in reporters:
        services.report(reporter=reporter, reason=target.pop("reason", "unkind"), **target)
    return reporters


def last_log() -> ModerationAction:
    return ModerationAction.objects.order_by("-id").first()


# --- The queue ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_reports_of_one_target_make_one_queue_item_counting_the_members(member, make_post):
    post = make_post(member)
    report_by(2, post=post)

    item = QueueItem.objects.get()
    assert (item.post, item.author, item.report_count) == (post, member, 2)
    assert item.priority == QueuePriority.HARASSMENT
    assert item.is_open


@pytest.mark.django_db
def test_a_worry_about_safety_raises_the_item_to_crisis_and_spam_never_lowers_it(
    member, make_post
):
    post = make_post(member)
    report_by(1, post=post, reason="spam")
    assert QueueItem.objects.get().priority == QueuePriority.SPAM

    report_by(1, post=post, reason="safety")
    report_by(1, post=post, reason="other")

    assert QueueItem.objects.get().priority == QueuePriority.CRISIS


@pytest.mark.django_db
def test_crisis_words_enter_the_queue_at_the_top_and_are_logged_as_automatic(member, make_post):
    post = make_post(member)
    reply = ReplyFactory(post=post, author=member)

    assert moderation.queue_crisis_item(post=post)
    assert not moderation.queue_crisis_item(post=post)  # already there
    assert moderation.queue_crisis_item(reply=reply)

    items = QueueItem.objects.order_by("id")
    assert [(i.post, i.reply, i.priority, i.is_crisis) for i in items] == [
        (post, None, QueuePriority.CRISIS, True),
        (None, reply, QueuePriority.CRISIS, True),
    ]
    logged = ModerationAction.objects.filter(action=Kind.CRISIS_QUEUED)
    assert logged.count() == 2
    assert all(e.is_automatic and e.moderator is None and e.member == member for e in logged)


@pytest.mark.django_db
def test_a_report_after_review_opens_a_new_queue_item(member, moderator, make_post):
    post = make_post(member)
    report_by(1, post=post)
    moderation.dismiss(moderator=moderator, note="Kind enough.", post=post)

    report_by(1, post=post)

    assert QueueItem.objects.filter(post=post).count() == 2
    assert QueueItem.objects.open().get().report_count == 1


# --- Guards: 3 reports hide, 5 reported items pause posting -------------------------------


@pytest.mark.django_db
def test_three_distinct_reports_hide_until_reviewed_and_log_it_as_automatic(member, make_post):
    post = make_post(member)
    report_by(2, post=post)
    assert not ModerationAction.objects.exists()

    report_by(1, post=post)

    post.refresh_from_db()
    assert (post.is_hidden, post.hidden_reason) == (True, "reports")
    entry = ModerationAction.objects.get()
    assert (entry.action, entry.is_automatic, entry.moderator, entry.post, entry.member) == (
        Kind.AUTO_HIDE, True, None, post, member,
    )  # fmt: skip
    assert Notification.objects.get(recipient=member).kind == notifications.CONTENT_HIDDEN
    report_by(1, post=post)  # a fourth changes nothing more
    assert ModerationAction.objects.count() == 1


@pytest.mark.django_db
def test_five_reported_items_in_a_day_pause_posting_until_a_moderator_looks(
    client, member, moderator, make_post, space
):
    posts = [make_post(member, title=f"Words {i}") for i in range(5)]
    reporter = UserFactory()
    for post in posts[:4]:
        services.report(reporter=reporter, reason="unkind", post=post)
    member.refresh_from_db()
    assert member.posting_paused_at is None

    services.report(reporter=reporter, reason="spam", post=posts[4])

    member.refresh_from_db()
    assert member.posting_paused_at is not None
    entry = ModerationAction.objects.get(action=Kind.POSTING_PAUSED)
    assert (entry.is_automatic, entry.member) == (True, member)
    item = QueueItem.objects.open().get(member=member)
    assert "5 of their posts or replies were reported" in item.why
    client.force_login(member)
    refused = client.post(
        f"/spaces/{space.slug}/new/",
        {"title": "Still here", "body": "Typed with care", "intent": "support"},
    )
    assert refused.status_code == 403
    assert "Posting is paused on your account" in refused.content.decode()
    assert "Typed with care" in refused.content.decode()  # what was typed stays
    reply = client.post(f"/posts/{make_other_post(space).pk}/", {"body": "Me too, truly"})
    assert reply.status_code == 403

    moderation.dismiss(moderator=moderator, note="Reports were a pile-on.", member=member)

    member.refresh_from_db()
    assert member.posting_paused_at is None
    assert services.create_post(
        author=member, space=space, title="Back", body="Hello again.", intent="hello"
    )


def make_other_post(space) -> Post:
    return services.create_post(
        author=UserFactory(), space=space, title="Hi", body="Anyone?", intent="support"
    )


@pytest.mark.django_db
def test_reported_replies_count_too_and_reports_older_than_a_day_do_not(member, make_post, space):
    reporter = UserFactory()
    with time_machine.travel(timezone.now() - timedelta(hours=25)):
        old = make_post(member, title="Old words")
        services.report(reporter=reporter, reason="unkind", post=old)
    replies = [ReplyFactory(post=make_other_post(space), author=member) for _ in range(4)]
    for reply in replies:
        services.report(reporter=reporter, reason="unkind", reply=reply)

    member.refresh_from_db()
    assert member.posting_paused_at is None  # 4 in the last day, and 1 older

    services.report(reporter=reporter, reason="unkind", post=make_post(member, title="New"))

    member.refresh_from_db()
    assert member.posting_paused_at is not None


# --- Each action: its effect, and its log line -------------------------------------------


@pytest.mark.django_db
def test_dismiss_closes_the_item_dismisses_reports_and_brings_back_what_reports_hid(
    member, moderator, make_post
):
    post = make_post(member)
    report_by(3, post=post)

    assert moderation.dismiss(moderator=moderator, note="Nothing wrong here.", post=post)

    post.refresh_from_db()
    assert not post.is_hidden
    assert set(Report.objects.values_list("status", flat=True)) == {ReportStatus.DISMISSED}
    assert not QueueItem.objects.open().exists()
    entry = last_log()
    assert (entry.action, entry.moderator, entry.post, entry.member, entry.note) == (
        Kind.DISMISS, moderator, post, member, "Nothing wrong here.",
    )  # fmt: skip
    assert not moderation.dismiss(moderator=moderator, note="Again.", post=post)
    assert last_log() == entry


@pytest.mark.django_db
def test_hide_resolves_reports_tells_the_author_kindly_and_is_logged(
    client, member, moderator, make_post
):
    post = make_post(member, title="Heavy words")
    report_by(1, post=post)

    assert moderation.hide(content=post, moderator=moderator, note="Too raw for the space.")

    post.refresh_from_db()
    assert (post.is_hidden, post.hidden_reason) == (True, "moderator")
    assert Report.objects.get().status == ReportStatus.RESOLVED
    assert not QueueItem.objects.open().exists()
    entry = last_log()
    assert (entry.action, entry.moderator, entry.post, entry.note) == (
        Kind.HIDE, moderator, post, "Too raw for the space.",
    )  # fmt: skip
    client.force_login(member)
    inbox = client.get("/notifications/").content.decode()
    assert "We've hidden your post" in inbox
    assert "This isn't a punishment — we want everyone here to be safe, you included." in inbox
    assert "Too raw" not in inbox  # a plain hide keeps the note for moderators
    assert not moderation.hide(content=post, moderator=moderator, note="Again.")
    assert last_log() == entry


@pytest.mark.django_db
def test_hide_confirms_an_automatic_hide(member, moderator, make_post):
    post = make_post(member)
    report_by(3, post=post)

    assert moderation.hide(content=post, moderator=moderator, note="Agreed with the reports.")

    post.refresh_from_db()
    assert post.hidden_reason == "moderator"
    assert [e.action for e in ModerationAction.objects.order_by("id")] == [
        Kind.AUTO_HIDE, Kind.HIDE,
    ]  # fmt: skip


@pytest.mark.django_db
def test_hide_and_warn_sends_the_note_to_the_author_and_is_logged(
    client, member, moderator, make_post
):
    post = make_post(member)
    reply = ReplyFactory(post=post, author=UserFactory(display_name="Kit"))
    report_by(1, reply=reply)

    assert moderation.hide_and_warn(
        content=reply, moderator=moderator, note="Please leave out the name-calling."
    )

    reply.refresh_from_db()
    assert reply.is_hidden
    entry = last_log()
    assert (entry.action, entry.reply, entry.member, entry.note) == (
        Kind.WARN, reply, reply.author, "Please leave out the name-calling.",
    )  # fmt: skip
    warning = Notification.objects.get(recipient=reply.author)
    assert warning.kind == notifications.MODERATION_WARNING
    client.force_login(reply.author)
    inbox = client.get("/notifications/").content.decode()
    assert "A moderator has hidden your reply in" in inbox
    assert "Please leave out the name-calling." in inbox
    assert "you're welcome here" in inbox


@pytest.mark.django_db
def test_restore_brings_content_back_dismisses_reports_and_is_logged(member, moderator, make_post):
    post = make_post(member)
    moderation.hide(content=post, moderator=moderator, note="Checking.")
    report_by(1, post=post, reason="spam")  # reported while hidden

    assert moderation.restore(content=post, moderator=moderator, note="Checked: fine.")

    post.refresh_from_db()
    assert not post.is_hidden
    assert Report.objects.get().status == ReportStatus.DISMISSED
    entry = last_log()
    assert (entry.action, entry.post, entry.note) == (Kind.RESTORE, post, "Checked: fine.")
    assert not moderation.restore(content=post, moderator=moderator, note="Again.")
    assert last_log() == entry


@pytest.mark.django_db
def test_suspend_for_a_week_and_permanently_and_lift(member, other_member, moderator, make_post):
    post = make_post(member)
    report_by(1, post=post)
    report_by(1, member=member)
    now = timezone.now()

    with time_machine.travel(now, tick=False):
        assert moderation.suspend(
            member=member, moderator=moderator, length="1w", note="A week away.", post=post
        )

    member.refresh_from_db()
    assert member.suspended_until == now + timedelta(days=7)
    assert member.suspension_note == "A week away."
    assert member.is_suspended()
    assert not member.is_suspended(at=now + timedelta(days=7, seconds=1))
    assert not QueueItem.objects.open().exists()  # the post's item and the member's
    assert set(Report.objects.values_list("status", flat=True)) == {ReportStatus.RESOLVED}
    entry = last_log()
    assert (entry.action, entry.member, entry.post, entry.suspension, entry.note) == (
        Kind.SUSPEND, member, post, SuspensionLength.WEEK, "A week away.",
    )  # fmt: skip

    moderation.suspend(member=other_member, moderator=moderator, length="permanent", note="No.")
    other_member.refresh_from_db()
    assert other_member.suspended_until == SUSPENDED_FOREVER
    assert other_member.suspension_is_permanent

    assert moderation.lift_suspension(member=member, moderator=moderator, note="Talked it over.")
    member.refresh_from_db()
    assert not member.is_suspended()
    assert (last_log().action, last_log().member) == (Kind.LIFT, member)
    assert not moderation.lift_suspension(member=member, moderator=moderator, note="Again.")
    with pytest.raises(services.NotAllowed):
        moderation.suspend(member=moderator, moderator=moderator, length="1d", note="Me?")


@pytest.mark.django_db
def test_locking_and_pinning_are_logged(member, moderator, make_post):
    post = make_post(member)

    services.set_post_flag(post=post, moderator=moderator, flag="is_locked", value=True)
    services.set_post_flag(post=post, moderator=moderator, flag="is_locked", value=True)
    services.set_post_flag(post=post, moderator=moderator, flag="is_pinned", value=True)

    assert [(e.action, e.moderator) for e in ModerationAction.objects.order_by("id")] == [
        (Kind.LOCK, moderator), (Kind.PIN, moderator),
    ]  # fmt: skip


# --- The ladder ------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("earlier", "suggested"),
    [
        ([], "1d"),
        (["warn"], "1d"),
        (["1d"], "1w"),
        (["1w", "1d"], "2w"),
        (["2w"], "1m"),
        (["1m"], "permanent"),
        (["permanent"], "permanent"),
    ],
)
def test_the_ladder_suggests_the_step_after_the_longest_earlier_suspension(
    member, moderator, make_post, earlier, suggested
):
    for step in earlier:
        if step == "warn":
            moderation.hide_and_warn(content=make_post(member), moderator=moderator, note="Hm.")
        else:
            moderation.suspend(member=member, moderator=moderator, length=step, note="Hm.")

    sanctions = moderation.earlier_sanctions(member)

    assert len(sanctions) == len(earlier)
    assert moderation.suggested_length(sanctions) == suggested


# --- The log is append-only ---------------------------------------------------------------


@pytest.mark.django_db
def test_the_log_refuses_to_be_changed_or_deleted_and_outlives_what_it_is_about(
    member, moderator, make_post
):
    post = make_post(member)
    moderation.hide(content=post, moderator=moderator, note="Hidden.")
    entry = last_log()

    entry.note = "Rewritten"
    with pytest.raises(TypeError, match="append-only"):
        entry.save()
    with pytest.raises(TypeError, match="append-only"):
        entry.delete()
    with pytest.raises(TypeError, match="append-only"):
        ModerationAction.objects.filter(pk=entry.pk).update(note="Rewritten")
    with pytest.raises(TypeError, match="append-only"):
        ModerationAction.objects.all().delete()

    member.delete()  # a member deletes their account: the line stays, without them
    entry = ModerationAction.objects.get(pk=entry.pk)
    assert (entry.note, entry.member, entry.post, entry.moderator) == (
        "Hidden.", None, None, moderator,
    )  # fmt: skip


# --- Suspension: every write path -------------------------------------------------------

# What a suspended member may still do, and why: the safety tools (report, block), and
# what touches only themselves or gives something back.
ALLOWED_WHILE_SUSPENDED = {
    "post-report", "reply-report", "member-report",  # telling a moderator: a safety tool
    "member-block", "member-unblock",  # a safety tool
    "post-delete", "reply-delete",  # taking back their own words harms no one
    "gathering-leave",  # a place given up is one for someone else
    "notification-read", "notifications-read-all", "reply-tips-dismiss",  # their own inbox
    "calendar-settings",  # their private feed link
    "muted-words", "hidden-spaces-show",  # what they themselves see
    "your-data",  # a copy of what 4C holds about them
    "guidelines",  # agreeing to them is always possible
    "account-delete",  # asking to delete their account: an email, nothing else yet
}  # fmt: skip
# Confirming from the emailed link and the page of an account waiting to be deleted:
# open to a suspended member too, walked in test_account_deletion.py (confirming signs
# the member out, which would end this walk).
ACCOUNT_DELETION = {"account-delete-confirm", "account-deletion-scheduled"}
REFUSED_WHILE_SUSPENDED = {
    "profile-settings", "space-follow", "post-create", "post-detail", "post-edit",
    "post-follow", "post-react", "reply-edit", "reply-react", "gathering-create",
    "gathering-edit", "gathering-cancel", "gathering-rsvp", "gathering-attended",
}  # fmt: skip
READ_ONLY = {
    "help", "suspension", "blocked", "space-list", "space-detail", "unanswered",
    "notifications", "search", "member-detail", "gathering-list", "gathering-past",
    "gathering-detail", "gathering-ics", "calendar-feed", "your-data-download",
}  # fmt: skip
POST_DATA = {
    "account-delete": {"mode": "keep", "password": PASSWORD},
    "muted-words": {"words": "spiders"},
    "post-report": {"reason": "unkind"},
    "reply-report": {"reason": "unkind"},
    "member-report": {"reason": "spam"},
}


@pytest.fixture
def suspended(member, moderator):
    moderation.suspend(
        member=member, moderator=moderator, length="1w", note="Please take a week to rest."
    )
    member.refresh_from_db()
    return member


@pytest.fixture
def community_urls(member, other_member, space, make_post):
    """Every URL of community/urls.py, by name, built with real objects."""
    theirs = make_post(other_member, title="Sam's words")
    their_reply = ReplyFactory(post=theirs, author=other_member)
    mine = make_post(member, title="My words")
    my_reply = ReplyFactory(post=theirs, author=member)
    gathering = GatheringFactory(space=space)
    notification = NotificationFactory(recipient=member, post=theirs)
    token = CalendarTokenFactory(member=member)
    own = {"post-edit", "post-delete", "reply-edit", "reply-delete"}
    by_prefix = {
        "post-": {"pk": theirs.pk},
        "reply-": {"pk": their_reply.pk},
        "gathering-": {"pk": gathering.pk},
        "notification-": {"pk": notification.pk},
    }
    urls = {}
    for pattern in get_resolver("community.urls").url_patterns:
        name, keys = pattern.name, set(pattern.pattern.regex.groupindex)
        values = {"slug": space.slug, "handle": other_member.handle, "token": token.token}
        if name == "your-data-download":
            values["token"] = download_token(DataExportFactory(member=member))
        for prefix, found in by_prefix.items():
            if name.startswith(prefix):
                values.update(found)
        if name in own:
            values["pk"] = mine.pk if name.startswith("post-") else my_reply.pk
        urls[name] = reverse(f"community:{name}", kwargs={k: values[k] for k in keys})
    return urls


@pytest.mark.django_db
def test_every_url_is_either_read_only_refused_or_allowed_while_suspended(community_urls):
    assert set(community_urls) == (
        READ_ONLY | REFUSED_WHILE_SUSPENDED | ALLOWED_WHILE_SUSPENDED | ACCOUNT_DELETION
    )
    assert not READ_ONLY & (REFUSED_WHILE_SUSPENDED | ALLOWED_WHILE_SUSPENDED)


@pytest.mark.django_db
def test_a_suspended_member_is_refused_every_write_with_why_and_until_when(
    client, suspended, community_urls
):
    client.force_login(suspended)
    answers = {}
    for name in sorted(REFUSED_WHILE_SUSPENDED):
        response = client.post(community_urls[name], {"body": "words", "reaction": "hear:1"})
        page = response.content.decode()
        answers[name] = (
            response.status_code,
            "Writing is paused on your account" in page,
            "Please take a week to rest." in page,
            suspended.suspended_until.astimezone(suspended.tzinfo).strftime("%-d %B %Y") in page,
        )

    assert answers == dict.fromkeys(REFUSED_WHILE_SUSPENDED, (403, True, True, True))


@pytest.mark.django_db
def test_a_suspended_member_may_still_use_the_safety_tools_and_take_back_their_own(
    client, suspended, community_urls
):
    client.force_login(suspended)
    answers = {}
    for name in sorted(ALLOWED_WHILE_SUSPENDED):
        response = client.post(community_urls[name], POST_DATA.get(name, {}))
        answers[name] = response.status_code

    assert answers == dict.fromkeys(ALLOWED_WHILE_SUSPENDED, 302)
    assert Report.objects.filter(reporter=suspended).count() == 3
    assert suspended.blocks_made.count() == 0  # blocked, then unblocked


@pytest.mark.django_db
def test_a_suspended_member_reads_every_page(client, suspended, community_urls):
    client.force_login(suspended)
    answers = {
        name: client.get(community_urls[name]).status_code
        for name in READ_ONLY | {"profile-settings", "post-detail"}
    }

    assert answers == dict.fromkeys(answers, 200)


@pytest.mark.django_db
def test_htmx_takes_a_suspended_member_to_the_page_that_says_why(
    client, suspended, other_member, make_post
):
    post = make_post(other_member)
    client.force_login(suspended)

    response = client.post(f"/posts/{post.pk}/react/", {"kind": "hear"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 403
    assert response["HX-Redirect"] == "/settings/paused/"
    page = client.get("/settings/paused/").content.decode()
    assert "Please take a week to rest." in page
    assert "the help page lists people you can talk to" in page


@pytest.mark.django_db
def test_the_pause_page_sends_a_member_who_is_not_suspended_home(member_client):
    assert member_client.get("/settings/paused/").url == "/"


@pytest.mark.django_db
def test_a_permanent_suspension_says_so_instead_of_a_date(client, member, moderator, make_post):
    moderation.suspend(member=member, moderator=moderator, length="permanent", note="Threats.")
    member.refresh_from_db()
    client.force_login(member)

    page = client.get("/settings/paused/").content.decode()

    assert "until a moderator lifts it" in page
    assert "9999" not in page


@pytest.mark.django_db
def test_a_suspended_member_keeps_their_private_check_ins(client, suspended):
    from prescriptions import services as prescriptions
    from prescriptions.models import CheckIn

    prescriptions.give_consent(member=suspended)
    client.force_login(suspended)

    response = client.post("/check-in/", {"mood": 5, "energy": 3})

    assert response.status_code == 302
    assert CheckIn.objects.filter(member=suspended).exists()


@pytest.mark.django_db
def test_once_lifted_or_over_the_member_writes_again(client, suspended, moderator, make_post):
    post = make_post(UserFactory())
    client.force_login(suspended)
    assert client.post(f"/posts/{post.pk}/react/", {"kind": "hear"}).status_code == 403

    with time_machine.travel(suspended.suspended_until + timedelta(seconds=1)):
        assert client.post(f"/posts/{post.pk}/react/", {"reaction": "hear:1"}).status_code == 302
    moderation.lift_suspension(member=suspended, moderator=moderator, note="Early.")
    assert client.post(f"/posts/{post.pk}/react/", {"reaction": "me_too:1"}).status_code == 302
