"""Your data (/settings/data/): a member asks for a copy of everything 4C holds about
them; a task builds it (community.yourdata's areas) and emails them; the signed link
works for them alone, for 24 hours."""

import gzip
import json
import re
from urllib.parse import quote

import pytest
import time_machine
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from community import services, tasks, yourdata
from community.models import DataExport
from tests.broker import queued
from tests.everywhere import (
    STEP_DONE,
    STEP_FROM_LINK_WORKER,
    STEP_SET_ASIDE,
    kept_from,
    member_with_data_everywhere,
    words_of,
)
from tests.factories import CheckInFactory, PostFactory, ReplyFactory, SpaceFactory
from tests.queries import assert_same_queries_for_one_and_many

pytestmark = pytest.mark.django_db

PAGE = "/settings/data/"
BUILD = "community.build_data_export"


def ask_for_a_copy(client, member, on_commit) -> DataExport:
    """Presses "Prepare my data", and runs the task it queued as a worker would."""
    with on_commit(execute=True):
        response = client.post(PAGE)
    assert response.status_code == 302
    export = DataExport.objects.get(member=member)
    assert queued(BUILD).count([export.pk]) == 1  # enqueued once the request committed
    assert tasks.build_data_export(export.pk) is True
    return export


def link_in(message) -> str:
    [url] = re.findall(r"http://127\.0\.0\.1:8000(/settings/data/download/[^/\s]+/)", message.body)
    return url


def download(client, url) -> dict:
    response = client.get(url)
    assert response.status_code == 200
    return json.loads(b"".join(response.streaming_content))


def copy_of(member) -> tuple[dict, str]:
    """The member's copy, built by the service, as data and as the text of the file."""
    export, _ = services.request_data_export(member=member)
    export = services.build_data_export(export_id=export.pk)
    text = b"".join(yourdata.unpack(DataExport.objects.get(pk=export.pk).data)).decode()
    return json.loads(text), text


# --- Every relation to a member is exported or set aside ----------------------------------


def test_every_relation_to_the_user_is_in_an_area_or_set_aside_with_why():
    """A new model with a foreign key to the user must join an area of the copy, or be
    set aside on purpose (community/yourdata.py, prescriptions/yourdata.py)."""
    user = get_user_model()
    relations = {
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models(include_auto_created=True)
        for field in model._meta.get_fields()
        if field.concrete
        and (field.many_to_one or field.one_to_one)
        and field.related_model is user
    }
    covered, set_aside = yourdata.covered(), yourdata.set_aside_fields()

    assert relations - covered.keys() - set_aside.keys() == set()
    assert (covered.keys() | set_aside.keys()) - relations == set()  # nothing stale
    assert covered.keys() & set_aside.keys() == set()
    assert all(why.strip() for why in set_aside.values())
    assert {"community.Post.author", "prescriptions.CheckIn.member"} <= covered.keys()
    assert "community.Block.blocked" in set_aside


def test_the_areas_run_from_the_community_to_prescriptions():
    names = [area.name for area in yourdata.areas()]

    assert names[:3] == ["profile", "settings", "posts"]
    assert names.index("drafts") < names.index("check_ins")
    assert len(names) == len(set(names))
    assert all(area.about.endswith(".") for area in yourdata.areas())


# --- The whole journey: page, task, email, download ---------------------------------------


def test_a_member_downloads_everything_4c_holds_about_them(
    member_client, member, django_capture_on_commit_callbacks
):
    member_with_data_everywhere(member)
    mine = words_of(member)

    export = ask_for_a_copy(member_client, member, django_capture_on_commit_callbacks)

    [message] = mail.outbox
    assert message.to == [member.email]
    response = member_client.get(link_in(message))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    day = timezone.localdate(DataExport.objects.get(pk=export.pk).ready_at).isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="4c-data-maya-{day}.json"'
    assert "no-store" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    assert int(response["Content-Length"]) == len(body)
    copy = json.loads(body)
    areas = copy["areas"]

    assert copy["member"] == "maya"
    assert list(areas) == [area.name for area in yourdata.areas()]
    assert [name for name, value in areas.items() if not value] == []

    profile = areas["profile"]
    assert (profile["handle"], profile["email"], profile["bio"]) == ("maya", member.email,
                                                                     mine["bio"])  # fmt: skip
    assert (profile["pronouns"], profile["time_zone"]) == ("she/her", "Europe/London")
    assert profile["roles"] == ["Hosts"]
    assert profile["email_addresses"] == [
        {"email": member.email, "verified": True, "primary": True}
    ]
    assert [factor["type"] for factor in profile["two_factor"]] == ["totp"]

    settings_ = areas["settings"]
    assert [w["phrase"] for w in settings_["muted_words"]] == [mine["muted_word"]]
    assert [s["space"] for s in settings_["hidden_spaces"]] == [mine["hidden_space"]]
    assert settings_["calendar_link"]["on"] is True
    assert [g["version"] for g in settings_["guidelines_agreed"]] == [1]

    posts = {p["body"]: p for p in areas["posts"]}
    assert posts[mine["post"]]["anonymous"] is False
    assert posts[mine["anonymous_post"]]["anonymous"] is True
    assert posts[mine["post"]]["url"].startswith("http://127.0.0.1:8000/posts/")
    replies = {r["body"]: r["anonymous"] for r in areas["replies"]}
    assert replies == {mine["reply"]: False, mine["anonymous_reply"]: True}
    assert [r["kind"] for r in areas["reactions"]] == ["strength"]
    follows = areas["follows"]
    assert len(follows["spaces"]) == len(follows["spaces_read"]) == 1
    assert len(follows["posts"]) == 4  # theirs, and their own (posting follows, a discussion too)
    assert len(areas["mentions"]) == 1
    assert {n["kind"] for n in areas["notifications"]} >= {"mention", "reply"}
    assert len(areas["blocks"]) == 1
    assert [r["details"] for r in areas["reports"]] == [mine["report"]]
    [hosted] = areas["gatherings_hosted"]
    assert (hosted["title"], hosted["places_taken"]) == (mine["gathering"], 1)
    [place] = areas["places"]
    assert (place["status"], place["private"]) == ("going", True)
    assert [d["body"] for d in areas["drafts"]] == [mine["draft"]]

    assert [c["given_at"] is not None for c in areas["health_data_consent"]] == [True]
    [check_in] = areas["check_ins"]
    assert (check_in["mood"], check_in["energy"], check_in["urge"], check_in["note"]) == (
        3, 2, "keep_to_myself", mine["check_in_note"],
    )  # fmt: skip
    steps = {s["activity"]: s for s in areas["steps"]}
    assert (steps[STEP_DONE]["mood_before"], steps[STEP_DONE]["mood_after"]) == (3, 6)
    assert steps[STEP_SET_ASIDE]["skip_reason"] == "not_for_me"
    assert steps[STEP_FROM_LINK_WORKER]["personal_message"] == mine["link_worker_message"]
    assert steps[STEP_FROM_LINK_WORKER]["suggested_by"] is not None
    assert [n["activity"] for n in areas["not_for_me"]] == [STEP_SET_ASIDE]
    assert [w["anxious"] for w in areas["wellbeing"]] == [7]
    assert [lw["revoked_at"] for lw in areas["link_workers"]] == [None]
    assert "viewed your steps" in [a["what"] for a in areas["link_worker_access_log"]]
    assert areas["email_preferences"]["daily_step"] is True
    assert [e["status"] for e in areas["emails_sent"]] == ["sent"]


def test_the_copy_holds_nothing_private_of_anyone_else_and_no_secrets(member, other_member):
    member_with_data_everywhere(member)
    member_with_data_everywhere(other_member)

    copy, text = copy_of(member)

    for words in [*words_of(other_member).values(), *kept_from(member).values(),
                  *kept_from(other_member).values()]:  # fmt: skip
        assert words not in text, words
    assert member.password not in text
    assert member.calendar_token.token not in text
    secret = member.authenticator_set.get().data["secret"]
    assert secret not in text
    assert "@example.org" not in text.replace(member.email, "")


def test_a_member_with_nothing_yet_gets_empty_areas_and_valid_json(member):
    copy, text = copy_of(member)

    assert copy["areas"]["posts"] == []
    assert copy["areas"]["check_ins"] == []
    assert copy["areas"]["email_preferences"]["daily_step"] is False  # the defaults
    assert text.endswith("}\n")


# --- The email -------------------------------------------------------------------------------


def test_the_email_has_the_link_and_when_it_ends_and_no_health_data(
    member_client, member, django_capture_on_commit_callbacks
):
    member_with_data_everywhere(member)
    member.time_zone = "Asia/Tokyo"
    member.save(update_fields=["time_zone"])
    with time_machine.travel("2026-06-14 09:00Z", tick=False):
        ask_for_a_copy(member_client, member, django_capture_on_commit_callbacks)

    [message] = mail.outbox
    [(html, _)] = message.alternatives
    text = message.body
    mine = words_of(member)

    assert message.subject == "Your copy of your 4C data is ready"
    assert message.extra_headers["Message-ID"].startswith("<data-export-")
    for part in (text, html):
        assert "/settings/data/download/" in part
        assert "Monday 15 June, 18:00 (JST)" in part  # 24 hours on, in Tokyo
        assert "http://127.0.0.1:8000/settings/data/" in part
        assert "/help/" in part
        for private in (mine["check_in_note"], "mood", "wellbeing", "keep_to_myself",
                        mine["post"], mine["report"]):  # fmt: skip
            assert private not in part, private
    assert "Why you got this: you asked 4C for a copy of your data." in text
    assert "Hello Maya," in text


# --- The link: the member alone, for 24 hours ------------------------------------------------


def test_the_link_is_a_404_for_another_member_and_a_login_for_a_visitor(
    member_client, member, other_member, django_capture_on_commit_callbacks
):
    ask_for_a_copy(member_client, member, django_capture_on_commit_callbacks)
    url = link_in(mail.outbox[0])
    someone_else = Client()
    someone_else.force_login(other_member)

    assert someone_else.get(url).status_code == 404
    visitor = Client().get(url)
    assert (visitor.status_code, visitor.url) == (302, f"/accounts/login/?next={quote(url)}")
    assert member_client.get(url.replace("download/", "download/x")).status_code == 404
    assert member_client.get(url).status_code == 200


def test_another_members_link_signed_for_them_is_a_404_for_me(member_client, other_member):
    theirs, _ = services.request_data_export(member=other_member)
    theirs = services.build_data_export(export_id=theirs.pk)

    url = f"/settings/data/download/{yourdata.download_token(theirs)}/"

    assert member_client.get(url).status_code == 404


def test_after_24_hours_the_link_is_a_calm_page_that_says_how_to_make_a_new_one(
    member_client, member, django_capture_on_commit_callbacks
):
    with time_machine.travel("2026-06-14 09:00Z", tick=False):
        ask_for_a_copy(member_client, member, django_capture_on_commit_callbacks)
    url = link_in(mail.outbox[0])

    with time_machine.travel("2026-06-15 08:59Z", tick=False):
        assert member_client.get(url).status_code == 200
    with time_machine.travel("2026-06-15 09:00:01Z", tick=False):
        response = member_client.get(url)
        page = member_client.get(PAGE).content.decode()

    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    assert 'href="/settings/data/"' in response.content.decode()
    assert "Your last copy has expired." in page
    assert "Prepare my data" in page


def test_the_link_on_the_page_also_ends_with_the_copy(member_client, member):
    with time_machine.travel("2026-06-14 09:00Z", tick=False):
        export, _ = services.request_data_export(member=member)
        services.build_data_export(export_id=export.pk)
    with time_machine.travel("2026-06-15 08:00Z", tick=False):  # an hour before the end
        page = member_client.get(PAGE).content.decode()
    [url] = re.findall(r'href="(/settings/data/download/[^"]+)"', page)

    with time_machine.travel("2026-06-15 08:30Z", tick=False):
        assert member_client.get(url).status_code == 200
    with time_machine.travel("2026-06-15 09:00Z", tick=False):
        assert member_client.get(url).status_code == 410


def test_the_sweep_deletes_copies_past_their_24_hours_and_lost_ones(member, other_member):
    with time_machine.travel("2026-06-14 09:00Z", tick=False):
        ready, _ = services.request_data_export(member=member)
        services.build_data_export(export_id=ready.pk)
        lost, _ = services.request_data_export(member=other_member)

    with time_machine.travel("2026-06-14 09:30Z", tick=False):
        assert tasks.sweep_data_exports() == 0
    with time_machine.travel("2026-06-15 09:00Z", tick=False):
        assert tasks.sweep_data_exports() == 2

    assert not DataExport.objects.exists()
    assert "data-exports-sweep" in settings.CELERY_BEAT_SCHEDULE


def test_a_new_copy_replaces_the_last_and_its_link(member_client, member):
    first, _ = services.request_data_export(member=member)
    first = services.build_data_export(export_id=first.pk)
    old_url = f"/settings/data/download/{yourdata.download_token(first)}/"
    second, _ = services.request_data_export(member=member)
    services.build_data_export(export_id=second.pk)

    assert list(DataExport.objects.values_list("pk", flat=True)) == [second.pk]
    assert member_client.get(old_url).status_code == 410


# --- One copy prepared at a time ------------------------------------------------------------


def test_pressing_twice_prepares_one_copy(
    member_client, member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = member_client.post(PAGE, follow=True)
        second = member_client.post(PAGE, follow=True)

    [export] = DataExport.objects.filter(member=member)
    assert queued(BUILD).count([export.pk]) == 1
    assert "We're preparing your copy" in first.content.decode()
    assert "Your copy is already being prepared." in second.content.decode()
    assert "We're preparing your copy. It usually takes a minute or two" in (
        second.content.decode()
    )
    assert "Prepare my data</button>" not in second.content.decode()


def test_a_copy_a_worker_lost_can_be_asked_for_again(member_client, member):
    with time_machine.travel("2026-06-14 09:00Z", tick=False):
        lost, created = services.request_data_export(member=member)
    with time_machine.travel("2026-06-14 10:01Z", tick=False):
        page = member_client.get(PAGE).content.decode()
        again, created_again = services.request_data_export(member=member)

    assert (created, created_again) == (True, True)
    assert "took much longer than it should" in page
    assert list(DataExport.objects.values_list("pk", flat=True)) == [again.pk]
    assert tasks.build_data_export(lost.pk) is False  # its late task finds nothing to do


def test_a_repeated_task_builds_nothing_more(member):
    export, _ = services.request_data_export(member=member)
    built = services.build_data_export(export_id=export.pk)
    ready_at = built.ready_at

    with CaptureQueriesContext(connection) as queries:
        again = services.build_data_export(export_id=export.pk)

    assert (again.pk, again.ready_at) == (export.pk, ready_at)
    assert len(queries) == 1  # it read the row, found it ready, and stopped


def test_over_the_limit_a_429_and_no_copy(member_client, member):
    from django.core.cache import cache

    cache.set(f"ratelimit:data-export:{member.pk}", 5, timeout=600)

    response = member_client.post(PAGE)

    assert response.status_code == 429
    assert "moving quickly" in response.content.decode()
    assert not DataExport.objects.exists()


# --- The page ----------------------------------------------------------------------------


def test_the_page_says_what_is_in_a_copy_and_is_never_stored(member_client):
    response = member_client.get(PAGE)
    page = response.content.decode()

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "Your posts, anonymous ones too" in page
    assert "Your check-ins: mood, energy" in page
    assert "Prepare my data" in page


def test_a_ready_copy_shows_its_link_and_until_when(member_client, member):
    with time_machine.travel("2026-06-14 09:00Z", tick=False):
        export, _ = services.request_data_export(member=member)
        services.build_data_export(export_id=export.pk)
        page = member_client.get(PAGE).content.decode()

    assert "Download your data" in page
    assert "until Monday 15 June, 10:00 (Europe/London time)" in page
    assert "Prepare a new copy" in page


def test_a_visitor_is_asked_to_log_in(client):
    assert client.get(PAGE).url == f"/accounts/login/?next={PAGE}"


def test_the_settings_pages_link_here(member_client):
    assert f'href="{PAGE}"' in member_client.get("/settings/profile/").content.decode()


def test_the_page_links_to_deleting_the_account(member_client):
    page = member_client.get(PAGE).content.decode()

    assert '<a href="/settings/delete-account/">Delete my account</a>' in page


def test_the_page_costs_the_same_queries_for_one_post_or_fifty(
    member_client, member, space, django_assert_num_queries
):
    export, _ = services.request_data_export(member=member)
    services.build_data_export(export_id=export.pk)

    def add_item(i):  # the page reads none of it: it says what a copy holds, not how much
        post = PostFactory(author=member, space=space, title=f"Post {i}")
        ReplyFactory(post=post, author=member)

    page = assert_same_queries_for_one_and_many(
        member_client, PAGE, add_item, django_assert_num_queries
    )
    assert "Download your data" in page


# --- The task: a fixed number of queries, whatever the history -----------------------------


def _build_queries(member) -> int:
    export, _ = services.request_data_export(member=member)
    with CaptureQueriesContext(connection) as queries:
        services.build_data_export(export_id=export.pk)
    return len(queries)


def test_building_a_copy_costs_the_same_queries_for_one_row_or_fifty(
    member, other_member, django_assert_num_queries
):
    space = SpaceFactory()
    member_with_data_everywhere(member)
    member_with_data_everywhere(other_member)
    for who, count in ((member, 1), (other_member, 50)):
        for i in range(count):
            PostFactory(author=who, space=space, title=f"Post {i}")
            CheckInFactory(member=who, note=f"Note {i}")

    one = _build_queries(member)
    export, _ = services.request_data_export(member=other_member)
    with django_assert_num_queries(one):
        services.build_data_export(export_id=export.pk)

    copy = json.loads(
        gzip.decompress(bytes(DataExport.objects.get(member=other_member).data)).decode()
    )
    assert len(copy["areas"]["check_ins"]) == 51
