"""A member deletes their account (community/deletion.py): asked with their password, an
email first, confirmed from its link (health data erased at once, signed out everywhere),
seven days to change their mind, then erased: nothing that names them is left anywhere,
their words deleted or kept as "A former member", as they chose."""

import html
import importlib
import re
from datetime import timedelta

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core import mail, signing
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from community import deletion, moderation, sessions
from community import services as community
from community.models import (
    FORMER_MEMBER_NAME,
    RSVP,
    AccountDeletion,
    Gathering,
    GatheringStatus,
    MemberSession,
    ModerationAction,
    Notification,
    Post,
    Reaction,
    Reply,
    Report,
    RSVPStatus,
    User,
)
from community.sessions import SessionStore
from community.tasks import erase_due_accounts
from prescriptions.models import CheckIn, NudgeLog, NudgePreferences, Prescription
from prescriptions.nudges import delivery
from prescriptions.nudges import services as nudges
from tests.everywhere_for_erasure import EMAIL, HANDLE, NAME, member_with_data_everywhere
from tests.factories import (
    PASSWORD,
    CheckInFactory,
    GatheringFactory,
    PostFactory,
    ReplyFactory,
    RSVPFactory,
    UserFactory,
    WellbeingSurveyFactory,
)

pytestmark = pytest.mark.django_db

DELETE_URL = "/settings/delete-account/"
SCHEDULED_URL = "/settings/delete-account/scheduled/"
LINK = re.compile(r"https?://[^/\s]+(/settings/delete-account/confirm/[^/\s]+/)")


def page(response) -> str:
    return html.unescape(response.content.decode())


def ask(client, mode="keep", password=PASSWORD):
    return client.post(DELETE_URL, {"mode": mode, "password": password})


def the_link(message) -> str:
    html_part = {mime: body for body, mime in message.alternatives}["text/html"]
    match = LINK.search(message.body)
    assert match, message.body
    assert match.group(1) in html_part
    return match.group(1)


def asked_and_emailed(client, capture, mode="keep") -> str:
    """The member asks (with their password); returns the path of the emailed link."""
    with capture(execute=True):
        assert ask(client, mode).status_code == 302
    return the_link(mail.outbox[-1])


def confirmed(client, capture, mode="keep"):
    link = asked_and_emailed(client, capture, mode)
    with capture(execute=True):
        response = client.post(link)
    assert response.status_code == 302
    return response


def sign_in(client, email, password=PASSWORD):
    return client.post("/accounts/login/", {"login": email, "password": password})


def after_the_wait(deletion_row: AccountDeletion):
    return time_machine.travel(deletion_row.due_at + timedelta(minutes=1), tick=False)


def erase_now(member) -> AccountDeletion:
    row = AccountDeletion.objects.get(member=member, done_at__isnull=True)
    with after_the_wait(row):
        assert erase_due_accounts() == 1
    member.refresh_from_db()
    return row


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


# --- Asking ---------------------------------------------------------------------------


def test_the_page_says_what_happens_and_offers_the_data_first_if_it_exists(member_client):
    response = member_client.get(DELETE_URL)

    assert response.status_code == 200
    text = page(response)
    assert "Nothing is deleted until you use it" in text
    assert "7 days" in text
    assert "Delete my posts and replies" in text
    assert "Keep them, shown as from a former member" in text
    assert 'type="password"' in text
    assert '<a href="/settings/data/">download your data</a>' in text


def test_asking_emails_a_link_and_changes_nothing_yet(member_client, member, capture):
    CheckInFactory(member=member)
    with capture(execute=True):
        response = ask(member_client, "delete")

    assert response.status_code == 302
    assert response.url == DELETE_URL
    assert "We've sent a link to maya@example.org" in page(member_client.get(DELETE_URL))
    [message] = mail.outbox
    assert message.to == ["maya@example.org"]
    assert message.subject == "4C: confirm deleting your account"
    assert "Nothing is deleted until you confirm" in message.body
    assert "You chose to delete your posts and replies." in message.body
    assert "Why you got this" in message.body
    the_link(message)
    row = AccountDeletion.objects.get(member=member)
    assert (row.mode, row.confirmed_at, row.due_at) == ("delete", None, None)
    member.refresh_from_db()
    assert member.is_active
    assert member.deletion_due_at is None
    assert CheckIn.objects.filter(member=member).count() == 1
    assert member_client.get("/spaces/").status_code == 200


def test_a_wrong_password_is_a_400_that_says_so_and_keeps_the_choice(member_client, member):
    response = ask(member_client, "delete", password="not-my-password")

    assert response.status_code == 400
    text = page(response)
    assert "That password doesn't match. Please try again." in text
    assert re.search(r'value="delete"[^>]*checked', text)
    assert not AccountDeletion.objects.exists()
    assert not mail.outbox


def test_no_choice_for_the_posts_is_a_400_that_asks_for_one(member_client):
    response = member_client.post(DELETE_URL, {"password": PASSWORD})

    assert response.status_code == 400
    assert "Please choose what happens to your posts and replies." in page(response)
    assert not AccountDeletion.objects.exists()


@pytest.mark.parametrize("url", [DELETE_URL, SCHEDULED_URL, "/settings/delete-account/confirm/x/"])
def test_a_visitor_is_asked_to_sign_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(f"/accounts/login/?next={url}")


def test_asking_twice_keeps_one_request_with_the_latest_choice(member_client, member, capture):
    first = asked_and_emailed(member_client, capture, "delete")
    second = asked_and_emailed(member_client, capture, "keep")

    row = AccountDeletion.objects.get(member=member)
    assert row.mode == "keep"
    assert len(mail.outbox) == 2
    assert "You chose to keep your posts and replies" in page(member_client.get(first))
    assert member_client.get(second).status_code == 200


def test_a_suspended_member_may_still_delete_their_account(
    member_client, member, moderator, capture
):
    moderation.suspend(member=member, moderator=moderator, length="1w", note="Rest.")

    confirmed(member_client, capture)

    member.refresh_from_db()
    assert member.deletion_due_at is not None


# --- The link -------------------------------------------------------------------------


def test_the_link_asks_once_more_and_says_what_and_when(member_client, member, capture):
    link = asked_and_emailed(member_client, capture, "delete")

    with time_machine.travel(timezone.now(), tick=False):
        response = member_client.get(link)
        due = timezone.localtime(timezone.now() + timedelta(days=7))

    assert response.status_code == 200
    text = page(response)
    assert "You chose to delete your posts and replies." in text
    assert f"{due:%A} {due.day} {due:%B %Y}" in text
    assert "Delete my account" in text
    assert AccountDeletion.objects.get().confirmed_at is None


def test_a_tampered_link_is_a_400_that_changes_nothing(member_client, member, capture):
    link = asked_and_emailed(member_client, capture)
    tampered = link.replace("/confirm/", "/confirm/x")

    for response in (member_client.get(tampered), member_client.post(tampered)):
        assert response.status_code == 400
        assert "This link doesn" in page(response)
    assert AccountDeletion.objects.get().confirmed_at is None


def test_an_expired_link_is_a_400(member_client, member, capture):
    link = asked_and_emailed(member_client, capture)

    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        response = member_client.post(link)

    assert response.status_code == 400
    assert "more than 24 hours old" in page(response)
    assert AccountDeletion.objects.get().confirmed_at is None


def test_another_member_cannot_use_someones_link(member_client, member, other_member, capture):
    link = asked_and_emailed(member_client, capture)
    sam = Client()
    sam.force_login(other_member)

    response = sam.post(link)

    assert response.status_code == 403
    assert "This link is for another account" in page(response)
    assert AccountDeletion.objects.get().confirmed_at is None
    other_member.refresh_from_db()
    assert other_member.deletion_due_at is None


def test_a_link_for_a_request_that_is_gone_is_a_400(member_client, member):
    token = signing.dumps({"d": 999999, "m": member.pk}, salt=deletion.LINK_SALT)

    assert member_client.get(f"/settings/delete-account/confirm/{token}/").status_code == 400


def test_confirming_twice_is_fine(member_client, member, capture):
    link = asked_and_emailed(member_client, capture)
    row = AccountDeletion.objects.get()
    with capture(execute=True):
        member_client.post(link)
    first = AccountDeletion.objects.get()

    again = member_client.post(link)  # the same browser: signed out by the first
    assert again.status_code == 302
    assert again.url.startswith("/accounts/login/")
    assert deletion.confirm(deletion=row) is False
    sign_in(member_client, member.email)
    assert member_client.get(link).url == SCHEDULED_URL
    assert AccountDeletion.objects.get().due_at == first.due_at
    assert len(mail.outbox) == 2  # the link, then one "will be deleted on"


def test_a_link_from_before_keeping_the_account_no_longer_works(member_client, member, capture):
    link = asked_and_emailed(member_client, capture)
    row = AccountDeletion.objects.get()
    with capture(execute=True):
        deletion.confirm(deletion=row)
    deletion.keep_account(member=member)
    sign_in(member_client, member.email)  # confirming signed them out

    response = member_client.post(link)

    assert response.status_code == 409
    assert "You chose to keep your account after it was sent" in page(response)
    member.refresh_from_db()
    assert member.deletion_due_at is None


# --- Confirming: health data now, sessions ended, the account paused ------------------------


def test_the_journey_confirm_sign_in_during_the_wait_and_keep_the_account(
    client, member, other_member, space, capture
):
    post = PostFactory(author=member, space=space, title="Still here")
    CheckInFactory(member=member, note="A private note.")
    WellbeingSurveyFactory(member=member)
    client.force_login(member)
    phone = Client()
    phone.force_login(member)

    response = confirmed(client, capture)

    assert response.url == "/"
    home = page(client.get("/"))
    assert "Your account will be deleted on" in home
    assert "signed out everywhere" in home
    # Signed out everywhere: this browser and the phone.
    assert client.get("/notifications/").status_code == 302
    assert phone.get("/notifications/").url.startswith("/accounts/login/")
    # Health data gone at once; everything else waits.
    assert not CheckIn.objects.filter(member=member).exists()
    assert not Prescription.objects.filter(member=member).exists()
    assert not NudgePreferences.objects.filter(member=member).exists()
    member.refresh_from_db()
    assert member.is_active
    assert member.deletion_due_at == AccountDeletion.objects.get().due_at
    assert Post.objects.filter(pk=post.pk, author=member).exists()
    sam = Client()
    sam.force_login(other_member)
    assert "Still here" in page(sam.get(f"/posts/{post.pk}/"))
    # The email says when, and how to undo.
    scheduled = mail.outbox[-1]
    assert scheduled.subject.startswith("4C: your account will be deleted on")
    assert "Keep my account" in scheduled.body
    assert "/accounts/login/?next=%2Fsettings%2Fdelete-account%2Fscheduled%2F" in scheduled.body

    # Signing in again: every page leads to the one that says when.
    assert sign_in(client, member.email).status_code == 302
    assert client.get("/spaces/").url == SCHEDULED_URL
    assert client.get("/prescriptions/").url == SCHEDULED_URL
    assert client.post(f"/posts/{post.pk}/", {"body": "Hi"}).url == SCHEDULED_URL
    assert client.get("/spaces/", headers={"HX-Request": "true"})["HX-Redirect"] == SCHEDULED_URL
    assert client.get("/help/").status_code == 200
    waiting = client.get(SCHEDULED_URL)
    assert waiting.status_code == 200
    due = timezone.localtime(member.deletion_due_at)
    assert "Your account will be deleted on <time datetime=" in page(waiting)
    assert f"{due.day} {due:%B %Y}" in page(waiting)
    assert "Keep my account" in page(waiting)

    # Keeping it.
    kept = client.post(SCHEDULED_URL)

    assert kept.status_code == 302
    assert "Your account is staying" in page(client.get("/"))
    assert client.get("/spaces/").status_code == 200
    member.refresh_from_db()
    assert member.deletion_due_at is None
    row = AccountDeletion.objects.get()
    assert row.undone_at is not None
    assert row.done_at is None
    assert NudgePreferences.objects.filter(member=member, gatherings=True).exists()
    assert client.post(SCHEDULED_URL).status_code == 302  # a repeat lands the same
    with after_the_wait(row):
        assert erase_due_accounts() == 0
    member.refresh_from_db()
    assert member.is_active
    assert member.email == "maya@example.org"


def test_each_session_knows_its_member_and_ending_them_ends_every_one(member, other_member):
    phone, laptop, sams = Client(), Client(), Client()
    phone.force_login(member)
    laptop.force_login(member)
    sams.force_login(other_member)

    assert MemberSession.objects.filter(member_id=member.pk).count() == 2
    assert sessions.end_sessions(member_id=member.pk) == 2

    assert phone.get("/notifications/").status_code == 302
    assert laptop.get("/notifications/").status_code == 302
    assert sams.get("/notifications/").status_code == 200


def test_a_session_part_way_through_signing_in_is_the_members_too(client, member):
    Authenticator.objects.create(
        user=member, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )

    response = sign_in(client, member.email)

    assert response.url == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session
    assert MemberSession.objects.filter(member_id=member.pk).count() == 1


def test_sessions_from_before_the_member_column_get_their_member(member, other_member):
    migration = importlib.import_module("community.migrations.0025_member_sessions")
    old_style = Client()
    old_style.force_login(member)
    anonymous = SessionStore()
    anonymous["visit_noted_on"] = "2026-01-01"
    anonymous.create()
    MemberSession.objects.update(member_id=None)

    migration.fill_in_members(apps, connection.schema_editor())

    assert MemberSession.objects.get(session_key=old_style.session.session_key).member_id == (
        member.pk
    )
    assert MemberSession.objects.get(session_key=anonymous.session_key).member_id is None


def test_no_email_reaches_a_member_while_their_account_waits(
    member_client, member, moderator, capture
):
    from community import roles

    community.assign_role(member=member, role=roles.MODERATORS)
    confirmed(member_client, capture)
    mail.outbox.clear()
    moderation.record_action(action="crisis_queued", post=PostFactory())

    assert moderation.alert_moderators() == 1

    assert [m.to for m in mail.outbox] == [[moderator.email]]
    assert not NudgePreferences.objects.filter(member=member).exists()


def test_no_nudge_goes_while_the_account_waits_even_if_preferences_come_back(
    member_client, member, capture
):
    confirmed(member_client, capture)
    member.refresh_from_db()
    prefs = nudges.update_preferences(member=member, daily_step=True)  # e.g. an old stop link

    delivery.dispatch(now=prefs.daily_due_at + timedelta(minutes=1), enqueue=lambda ids: None)

    assert not NudgeLog.objects.filter(member=member).exists()


# --- After the wait --------------------------------------------------------------------------


@pytest.fixture
def scene(space):
    """Maya wrote a post Sam replied in, a reply in Sam's post, and reacted; Sam follows
    her post and was notified of her reply."""
    maya = UserFactory(email="maya@example.org", display_name="Maya Rivers", handle="maya_r")
    sam = UserFactory(email="sam@example.org", display_name="Sam", handle="sam")
    hers = PostFactory(author=maya, space=space, title="Her walk", body="A walk by the river.")
    sams = PostFactory(author=sam, space=space, title="Sam's day", body="Rain again.")
    sams_reply = ReplyFactory(post=hers, author=sam, body="Lovely.")
    her_reply = ReplyFactory(post=sams, author=maya, body="Hope it clears, riverwords.")
    lonely = PostFactory(author=maya, space=space, title="Nobody yet", body="Quiet one.")
    community.set_reaction(member=maya, kind="hear", on=True, post=sams)
    return {"maya": maya, "sam": sam, "hers": hers, "sams": sams, "sams_reply": sams_reply,
            "her_reply": her_reply, "lonely": lonely}  # fmt: skip


def erased_with(scene, mode, capture):
    maya = scene["maya"]
    client = Client()
    client.force_login(maya)
    confirmed(client, capture, mode)
    erase_now(maya)
    return maya


def test_kept_words_show_a_former_member_everywhere_and_link_nowhere(scene, space, capture):
    maya = erased_with(scene, "keep", capture)
    sam = Client()
    sam.force_login(scene["sam"])

    post_page = page(sam.get(f"/posts/{scene['hers'].pk}/"))
    assert "Her walk" in post_page
    assert f'<span class="byline">{FORMER_MEMBER_NAME}</span>' in post_page
    their_post = page(sam.get(f"/posts/{scene['sams'].pk}/"))
    assert "Hope it clears" in their_post
    assert f'<span class="byline">{FORMER_MEMBER_NAME}</span>' in their_post
    space_page = page(sam.get(f"/spaces/{space.slug}/"))
    assert f'<span class="byline">{FORMER_MEMBER_NAME}</span>' in space_page
    found = page(sam.get("/search/?q=river"))
    assert "Her walk" in found
    assert f'<span class="byline">{FORMER_MEMBER_NAME}</span>' in found
    inbox = page(sam.get("/notifications/"))
    assert f"{FORMER_MEMBER_NAME} replied" in inbox
    for text in (post_page, their_post, space_page, found, inbox):
        assert "Maya Rivers" not in text
        assert "maya_r" not in text
        assert f'href="/members/{maya.handle}/"' not in text
    assert sam.get(f"/members/{maya.handle}/").status_code == 404
    assert sam.get("/members/maya_r/").status_code == 404
    assert Reaction.objects.filter(member=maya).count() == 1
    assert Post.objects.get(pk=scene["hers"].pk).author_id == maya.pk


def test_deleted_words_go_and_a_post_others_replied_in_stays_for_their_replies(
    scene, space, capture
):
    maya = erased_with(scene, "delete", capture)
    sam = Client()
    sam.force_login(scene["sam"])

    assert not Reply.objects.filter(author=maya).exists()
    assert not Post.objects.filter(pk=scene["lonely"].pk).exists()
    assert not Reaction.objects.filter(member=maya).exists()
    assert Post.objects.get(pk=scene["sams"].pk).reaction_counts()["hear"] == 0  # was 1
    shell = Post.objects.get(pk=scene["hers"].pk)
    assert (shell.title, shell.body, shell.body_html) == (deletion.REMOVED_TITLE, "", "")
    assert shell.removed_at is not None
    assert shell.search_vector is None
    post_page = page(sam.get(f"/posts/{shell.pk}/"))
    assert "Removed by the author" in post_page
    assert "Lovely." in post_page  # Sam's reply stays
    assert "A walk by the river" not in post_page
    sams = Post.objects.get(pk=scene["sams"].pk)
    assert (sams.reply_count, sams.first_reply_at) == (0, None)
    assert sams.last_activity_at == sams.created_at
    assert "Hope it clears" not in page(sam.get(f"/posts/{sams.pk}/"))
    assert "Her walk" not in page(sam.get("/search/?q=river"))
    assert not Notification.objects.filter(actor=maya).exists()
    assert "replied" not in page(sam.get("/notifications/"))


def test_erasing_twice_or_early_or_after_undo_does_nothing(member_client, member, capture):
    confirmed(member_client, capture)
    row = AccountDeletion.objects.get()

    assert deletion.erase(deletion_id=row.pk) is False  # not due yet
    assert erase_due_accounts() == 0
    with after_the_wait(row):
        assert erase_due_accounts() == 1
        assert erase_due_accounts() == 0
        assert deletion.erase(deletion_id=row.pk) is False
    member.refresh_from_db()
    assert not member.is_active


def test_the_former_member_cannot_sign_in_and_the_handle_is_free_again(
    client, scene, space, capture
):
    sams = PostFactory(author=scene["sam"], space=space, title="Hi", body="Thanks @maya_r!")
    maya = erased_with(scene, "keep", capture)

    assert sign_in(client, "maya@example.org").status_code == 400  # the form again
    assert "_auth_user_id" not in client.session
    assert maya.handle.startswith("former_")
    assert "maya" not in maya.handle
    assert not maya.has_usable_password()
    newcomer = UserFactory(email="new@example.org", display_name="Maya", handle="maya_r")
    sams.refresh_from_db()
    assert "maya_r" not in sams.body
    assert "Thanks a former member!" in sams.body
    assert "/members/" not in sams.body_html
    assert newcomer.handle == "maya_r"


def test_gatherings_to_come_are_cancelled_and_a_place_goes_to_the_next_in_line(space, capture):
    maya = UserFactory(email="maya@example.org", display_name="Maya", handle="maya")
    from community import roles

    community.assign_role(member=maya, role=roles.HOSTS)
    sam = UserFactory(display_name="Sam", handle="sam")
    later = timedelta(days=10)  # still to come when the week's wait is over
    hers = GatheringFactory(host=maya, space=space, title="Her evening", starts_in=later)
    RSVPFactory(gathering=hers, member=sam)
    full = GatheringFactory(space=space, title="Full", capacity=1, starts_in=later)
    RSVPFactory(gathering=full, member=maya)
    RSVPFactory(gathering=full, member=sam)
    client = Client()
    client.force_login(maya)
    confirmed(client, capture)

    erase_now(maya)

    assert Gathering.objects.get(pk=hers.pk).status == GatheringStatus.CANCELLED
    assert Notification.objects.filter(recipient=sam, kind="gathering_cancelled").exists()
    assert RSVP.objects.get(gathering=full, member=sam).status == RSVPStatus.GOING
    assert not RSVP.objects.filter(member=maya).exists()
    sam_client = Client()
    sam_client.force_login(sam)
    detail = page(sam_client.get(f"/gatherings/{hers.pk}/"))
    assert FORMER_MEMBER_NAME in detail
    assert "/members/" not in detail.split("<dt>Host</dt>")[1].split("</dd>")[0]


def test_the_moderation_record_stays_without_naming_them(capture):
    everywhere = member_with_data_everywhere()
    member = everywhere.member
    log = list(ModerationAction.objects.filter(member=member).values_list("pk", flat=True))
    reports = list(Report.objects.filter(reporter=member).values_list("pk", flat=True)) + list(
        Report.objects.filter(member=member).values_list("pk", flat=True)
    )
    client = Client()
    client.force_login(member)
    confirmed(client, capture)

    erase_now(member)

    assert set(ModerationAction.objects.filter(member=member).values_list("pk", flat=True)) == set(
        log
    )
    warning = ModerationAction.objects.get(action="warn", member=member)
    assert warning.note == "a former member, please keep it kind (a former member)."
    assert warning.by == "Rosa"
    assert ModerationAction.objects.get(note__startswith="Reported by").note == (
        "Reported by a former member."
    )
    kept = Report.objects.filter(pk__in=reports)
    assert kept.count() == 2
    assert {r.details for r in kept} == {
        "I'm a former member; this hurt.",
        "a former member keeps asking.",
    }


# --- Nothing left anywhere ---------------------------------------------------------------------

TEXT_TYPES = ("text", "character varying", "json", "jsonb")


def traces(*needles: str) -> dict[str, set[str]]:
    """For each needle, the `table.column`s (every text, varchar and JSON column of every
    table in the database: the app registry's, auth's, allauth's, sessions', admin's)
    whose value contains it, ignoring case."""
    quote = connection.ops.quote_name
    found = {needle: set() for needle in needles}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND data_type IN %s",
            [TEXT_TYPES],
        )
        columns = cursor.fetchall()
        for table, column in columns:
            for needle in needles:
                cursor.execute(
                    f"SELECT count(*) FROM {quote(table)} "  # noqa: S608 - names from the catalogue
                    f"WHERE position(%s in lower({quote(column)}::text)) > 0",
                    [needle.lower()],
                )
                if cursor.fetchone()[0]:
                    found[needle].add(f"{table}.{column}")
    return found


def every_table() -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


def rows_pointing_at(member) -> set[str]:
    """`app.Model.field` for every foreign key in the app registry that still points at
    the member's row."""
    found = set()
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            points = field.is_relation and field.related_model is User
            if points and model._base_manager.filter(**{field.name: member}).exists():
                found.add(f"{model._meta.label}.{field.name}")
    return found


# What may still point at a former member's row: the words they chose to keep, records that
# are others' (a block someone made, a report, the log, a step their link worker...), and
# the gatherings that happened. Nothing of prescriptions' but a step they suggested.
MAY_POINT_AT_A_FORMER_MEMBER = {
    "community.Post.author", "community.Reply.author", "community.Reaction.member",
    "community.Notification.actor", "community.Block.blocked", "community.Report.reporter",
    "community.Report.member", "community.QueueItem.author", "community.QueueItem.member",
    "community.ModerationAction.member", "community.Gathering.host",
    "community.AccountDeletion.member", "prescriptions.Prescription.prescriber",
}  # fmt: skip


@pytest.mark.parametrize("mode", ["keep", "delete"])
def test_after_erasure_no_table_holds_their_email_name_or_handle(mode, capture):
    everywhere = member_with_data_everywhere()
    member = everywhere.member
    client = Client()
    client.force_login(member)
    before = traces(EMAIL, NAME, HANDLE)
    assert all(before.values()), before  # the scan finds them while they are there
    assert {"account_emailaddress.email", "community_user.email"} <= before[EMAIL]
    assert "community_post.body" in before[HANDLE]
    confirmed(client, capture, mode)
    phone = Client()
    sign_in(phone, EMAIL)  # a session made during the wait

    erase_now(member)

    assert traces(EMAIL, NAME, HANDLE) == {EMAIL: set(), NAME: set(), HANDLE: set()}
    tables = every_table()
    assert {m._meta.db_table for m in apps.get_models(include_auto_created=True)} <= tables
    assert {"django_session", "account_emailaddress", "mfa_authenticator"} <= tables
    for session in Session.objects.all():
        decoded = str(session.get_decoded()).lower()
        assert not any(n.lower() in decoded for n in (EMAIL, NAME, HANDLE))
    assert phone.get("/notifications/").status_code == 302  # signed out
    assert rows_pointing_at(member) <= MAY_POINT_AT_A_FORMER_MEMBER
    prescriptions_rows = {
        f"{m._meta.label}.{f.name}"
        for m in apps.get_app_config("prescriptions").get_models()
        for f in m._meta.concrete_fields
        if f.is_relation and f.related_model is User and f.name != "prescriber"
        and m._base_manager.filter(**{f.name: member}).exists()
    }  # fmt: skip
    assert prescriptions_rows == set()
    assert (member.display_name, member.pronouns, member.bio) == (FORMER_MEMBER_NAME, "", "")
    assert not member.is_active
    assert not member.is_staff
    assert not member.groups.exists()
    assert member.email.endswith("@former.invalid")
    lees_step = Prescription.objects.get(member=everywhere.lee)
    assert lees_step.reason == "From your link worker."
    assert not everywhere.lee.link_worker_consents.exists()
    # What others keep stays theirs: Sam's words, Quinn's block, Rosa's log.
    assert Post.objects.filter(pk=everywhere.sams_post.pk).exists()
    assert everywhere.quinn.blocks_made.filter(blocked=member).exists()
    assert ModerationAction.objects.filter(member=member).exists()


# --- Bounded cost -------------------------------------------------------------------------------


def writer_of(n: int, *, space, others) -> User:
    """A member with n of each thing whose number could drive the erasure's queries."""
    member = UserFactory()
    for i in range(n):
        post = PostFactory(author=member, space=space, title=f"Mine {i}", body="Words.")
        answered = PostFactory(author=member, space=space, title=f"Answered {i}")
        ReplyFactory(post=answered, author=others[i], body="Reply.")
        theirs = PostFactory(author=others[i], space=space, body=f"Hi @{member.handle}")
        ReplyFactory(post=theirs, author=member, body="Hello.")
        community.set_reaction(member=member, kind="hear", on=True, post=theirs)
        community.set_reaction(member=others[i], kind="hear", on=True, post=post)
        community.follow_post(member=member, post=theirs)
        community.report(reporter=others[i], reason="spam", post=post)
        community.block_member(blocker=member, blocked=others[i])
    moderation.record_action(action="dismiss", member=member, note=f"About @{member.handle}.")
    return member


@pytest.mark.parametrize("mode", ["keep", "delete"])
def test_the_erasure_costs_the_same_queries_for_1_and_for_8_of_everything(space, mode):
    others = [UserFactory() for _ in range(8)]
    ContentType.objects.get_for_model(User)  # cached per process: not the erasure's cost
    counts = []
    for n in (1, 8):
        member = writer_of(n, space=space, others=others)
        row = deletion.request_deletion(member=member, mode=mode)
        deletion.confirm(deletion=row)
        row.refresh_from_db()
        with after_the_wait(row), CaptureQueriesContext(connection) as queries:
            assert deletion.erase(deletion_id=row.pk) is True
        counts.append(len(queries))

    assert counts[0] == counts[1], counts


# --- Wiring --------------------------------------------------------------------------------------


def test_beat_erases_due_accounts_every_quarter_hour(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["accounts-erase"]

    assert entry["task"] == "community.erase_due_accounts"
    assert entry["schedule"] == timedelta(minutes=15)


def test_the_command_says_who_is_due_and_erases_them(member, capsys):
    row = deletion.request_deletion(member=member, mode="keep")
    deletion.confirm(deletion=row)
    row.refresh_from_db()

    with after_the_wait(row):
        call_command("erase_due_accounts", "--dry-run")
        assert "1 account due." in capsys.readouterr().out
        assert AccountDeletion.objects.get().done_at is None
        call_command("erase_due_accounts")
    assert "Erased 1 account." in capsys.readouterr().out
    member.refresh_from_db()
    assert not member.is_active
