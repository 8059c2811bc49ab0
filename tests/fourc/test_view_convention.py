"""The one view convention (README, "Views"): rate limits as a decorator, the status
from the form, and htmx answers with their real status and the fragment in the body."""

import html
import re

import pytest
from django import forms
from django.core.cache import cache
from django.test import RequestFactory

from community import services as community_services
from community.models import Post, Reaction, Reply, Report
from fourc.lib import ratelimit
from fourc.lib.forms import refuse, status_of, submitted
from prescriptions import services as prescription_services
from prescriptions.models import Prescription

SLOWLY = "moving quickly"


def text(response) -> str:
    return html.unescape(response.content.decode())


def use_up(action: str, member, limit: int) -> None:
    """The member has already used every action of the window."""
    cache.set(f"ratelimit:{action}:{member.pk}", limit, timeout=600)


# --- The helpers -------------------------------------------------------------------


class NoteForm(forms.Form):
    note = forms.CharField(max_length=5)


def posted(data, *, slow_down=False):
    request = RequestFactory().post("/", data)
    request.slow_down = slow_down
    return request


def test_a_fresh_form_is_a_200_and_not_submitted():
    request = RequestFactory().get("/")
    form = NoteForm(None)

    assert not submitted(request, form)
    assert status_of(form) == 200


def test_a_valid_post_is_submitted_and_a_200():
    request = posted({"note": "hi"})
    form = NoteForm(request.POST)

    assert submitted(request, form)
    assert status_of(form) == 200


def test_invalid_input_is_a_400_and_keeps_what_was_typed():
    request = posted({"note": "far too long"})
    form = NoteForm(request.POST)

    assert not submitted(request, form)
    assert status_of(form) == 400
    assert 'value="far too long"' in str(form)


@pytest.mark.parametrize("status", [403, 409])
def test_a_refusal_is_its_status_with_the_reason_above_the_form(status):
    request = posted({"note": "hi"})
    form = NoteForm(request.POST)
    assert submitted(request, form)

    refuse(form, ValueError("Not now, thank you."), status=status)

    assert status_of(form) == status
    assert form.non_field_errors() == ["Not now, thank you."]
    assert 'value="hi"' in str(form)


def test_over_the_rate_limit_a_valid_form_is_not_submitted_and_is_a_429():
    request = posted({"note": "hi"}, slow_down=True)
    form = NoteForm(request.POST)

    assert not submitted(request, form)
    assert status_of(form) == 429
    assert form.non_field_errors() == [ratelimit.SLOW_DOWN]


@pytest.mark.django_db
def test_the_decorator_counts_posts_per_member_and_action(member, other_member):
    seen = []

    @ratelimit.limit("note", (2, 60))
    def view(request):
        ratelimit.slow_down(request)  # asked twice, counted once
        seen.append(ratelimit.slow_down(request))

    for who in (member, member, member, other_member):
        request = RequestFactory().post("/")
        request.user = who
        view(request)
    get = RequestFactory().get("/")
    get.user = member
    view(get)

    assert seen == [False, False, True, False, False]


# --- 429 on every rate-limited view, with what was typed ------------------------------


@pytest.mark.django_db
def test_posting_over_the_limit_keeps_the_text(member_client, member, space):
    use_up("post", member, 10)

    response = member_client.post(
        "/spaces/low-energy/new/",
        {"title": "My small win", "body": "Curtains open.", "intent": "win"},
    )

    assert response.status_code == 429
    assert SLOWLY in text(response)
    assert 'value="My small win"' in text(response)
    assert "Curtains open." in text(response)
    assert not Post.objects.exists()


@pytest.mark.django_db
def test_replying_over_the_limit_keeps_the_text(member_client, member, other_member, make_post):
    post = make_post(other_member)
    use_up("reply", member, 30)

    response = member_client.post(f"/posts/{post.pk}/", {"body": "Sending a quiet hello."})

    assert response.status_code == 429
    assert SLOWLY in text(response)
    assert "Sending a quiet hello." in text(response)
    assert not Reply.objects.exists()


@pytest.mark.django_db
def test_editing_a_post_over_the_limit_keeps_the_text(member_client, member, make_post):
    post = make_post(member)
    use_up("edit", member, 30)

    response = member_client.post(
        f"/posts/{post.pk}/edit/",
        {"title": "A better title", "body": "New words.", "intent": "support"},
    )

    assert response.status_code == 429
    assert SLOWLY in text(response)
    assert 'value="A better title"' in text(response)
    post.refresh_from_db()
    assert post.title == "A hard week"


@pytest.mark.django_db
def test_editing_a_reply_over_the_limit_keeps_the_text(
    member_client, member, other_member, make_post
):
    reply = community_services.post_reply(
        author=member, post=make_post(other_member), body="First words."
    )
    use_up("edit", member, 30)

    response = member_client.post(f"/replies/{reply.pk}/edit/", {"body": "Kinder words."})

    assert response.status_code == 429
    assert SLOWLY in text(response)
    assert "Kinder words." in text(response)
    reply.refresh_from_db()
    assert reply.body == "First words."


@pytest.mark.django_db
def test_reporting_over_the_limit_keeps_the_text(member_client, member, other_member, make_post):
    post = make_post(other_member)
    use_up("report", member, 20)

    response = member_client.post(
        f"/posts/{post.pk}/report/", {"reason": "unkind", "details": "It hurt to read."}
    )

    assert response.status_code == 429
    assert SLOWLY in text(response)
    assert "It hurt to read." in text(response)
    assert re.search(r'value="unkind"[^>]*checked', text(response))
    assert not Report.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("htmx", [False, True])
def test_reacting_over_the_limit_is_a_429_that_says_slow_down(
    member_client, member, other_member, make_post, htmx
):
    post = make_post(other_member)
    use_up("react", member, 120)
    headers = {"HX-Request": "true"} if htmx else {}

    response = member_client.post(
        f"/posts/{post.pk}/react/", {"reaction": "hear:1"}, headers=headers
    )

    assert response.status_code == 429
    assert SLOWLY in text(response)
    assert ("<html" in text(response)) is not htmx
    assert not Reaction.objects.exists()


# --- htmx refusals: the real status, the fragment, the words in the live region -------


def assert_refusal_fragment(response, status, root, why):
    page = text(response)
    assert response.status_code == status
    assert "Fourc-Fragment" not in response
    assert "<html" not in page
    assert page.lstrip().startswith(root)
    assert why in page[: page.index('<div id="live-status"')]  # shown where they acted
    assert re.search(r'<div id="live-status"[^>]*hx-swap-oob="true">[^<]*' + re.escape(why), page)


HTMX = {"HX-Request": "true"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("action", "data", "status", "why"),
    [
        (
            "plan",
            {"when": "choose", "at": "2020-01-01T10:00"},
            400,
            "That time has already passed",
        ),
        ("done", {"mood_after": 5}, 409, "nothing to finish"),
        ("feel", {"mood_after": 5}, 409, "once it's done"),
        ("skip", {"reason": "later"}, 400, "Choose not now or not for me."),
    ],
)
def test_with_htmx_each_card_refusal_is_the_card_with_its_status(
    member_client, member, action, data, status, why
):
    prescription_services.give_consent(member=member)
    prescription_services.record_check_in(member=member, mood=4, energy=2)
    p = Prescription.objects.filter(member=member).first()
    if status == 409:
        prescription_services.skip_prescription(prescription=p, reason="not_now")

    response = member_client.post(f"/prescriptions/{p.pk}/{action}/", data, headers=HTMX)

    root = f'<li class="card prescription" id="prescription-{p.pk}"'
    assert_refusal_fragment(response, status, root, why)


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["rsvp", "leave"])
def test_with_htmx_a_refused_place_is_the_section_with_a_409(
    member_client, member, moderator, space, action
):
    from datetime import timedelta

    from django.utils import timezone

    gathering = community_services.create_gathering(
        host=moderator, space=space, title="Evening chat", description="An easy hour.",
        starts_at=timezone.now() + timedelta(days=1), duration_minutes=60,
        format="online", join_url="https://meet.example.org/x",
    )  # fmt: skip
    community_services.rsvp(gathering=gathering, member=member)
    community_services.cancel_gathering(gathering=gathering, by=moderator)

    response = member_client.post(f"/gatherings/{gathering.pk}/{action}/", headers=HTMX)

    root = '<section class="card card--soft rsvp" id="rsvp"'
    assert_refusal_fragment(response, 409, root, "This gathering was cancelled")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "status", "why"),
    [("love:1", 400, "That isn't a reaction we know."), ("hear:1", 429, SLOWLY)],
)
def test_with_htmx_a_refused_reaction_is_the_reactions_with_its_status(
    member_client, member, other_member, make_post, value, status, why
):
    post = make_post(other_member)
    if status == 429:
        use_up("react", member, 120)

    response = member_client.post(f"/posts/{post.pk}/react/", {"reaction": value}, headers=HTMX)

    root = f'<div class="reactions" id="reactions-post-{post.pk}"'
    assert_refusal_fragment(response, status, root, why)
    assert not Reaction.objects.exists()


@pytest.mark.django_db
def test_with_htmx_a_reaction_on_a_removed_post_is_a_409(
    member_client, member, other_member, make_post
):
    post = make_post(other_member)
    community_services.post_reply(author=member, post=post, body="Still here.")
    community_services.remove_post(post=post, member=other_member)

    response = member_client.post(f"/posts/{post.pk}/react/", {"reaction": "hear:1"}, headers=HTMX)

    root = f'<div class="reactions" id="reactions-post-{post.pk}"'
    assert_refusal_fragment(response, 409, root, "This post was removed.")
    assert not Reaction.objects.exists()


@pytest.mark.django_db
def test_base_html_tells_htmx_to_swap_the_refusal_statuses(client):
    page = client.get("/help/").content.decode()

    config = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", page).group(1)
    assert '{"code": "^(400|409|429)$", "swap": true, "error": false}' in config


# --- Every writing view has a limit: over it a 429, with what was typed ---------------


def _step(member):
    prescription_services.give_consent(member=member)
    prescription_services.record_check_in(member=member, mood=4, energy=2)
    return Prescription.objects.filter(member=member).first()


def _gathering(space, host, member=None):
    from tests.factories import GatheringFactory, RSVPFactory

    gathering = GatheringFactory(host=host, space=space)
    if member is not None:
        RSVPFactory(gathering=gathering, member=member)
    return gathering


def _writing_view(name, *, member, other_member, link_worker, host, space, make_post):
    """(who acts, action, limit, url, data, what must still be on the page) for one view."""
    from community.models import Notification
    from prescriptions.models import LinkWorkerConsent
    from tests.factories import BlockFactory, NotificationFactory

    if name == "check-in":
        prescription_services.give_consent(member=member)
        return (
            member,
            "check-in",
            30,
            "/check-in/",
            {"mood": 7, "energy": 3},
            r'name="mood" value="7"[^>]*checked',
        )
    if name == "consent":
        return (
            member,
            "check-in",
            30,
            "/check-in/consent/",
            {"agree": "on"},
            r'name="agree"[^>]*checked',
        )
    if name in ("plan", "done", "feel", "skip"):
        p = _step(member)
        data = {"plan": {"when": ""}, "skip": {"reason": "not_now"}}.get(name, {"mood_after": 7})
        kept = r'<details class="done" open>' if name == "done" else None
        return member, "step", 120, f"/prescriptions/{p.pk}/{name}/", data, kept
    if name == "wellbeing":
        prescription_services.give_consent(member=member)
        data = {"life_satisfaction": 6, "worthwhile": 9, "happy": 5, "anxious": 3}
        return (
            member,
            "wellbeing",
            10,
            "/wellbeing/",
            data,
            r'name="worthwhile" value="9"[^>]*checked',
        )
    if name == "health-data":
        prescription_services.give_consent(member=member)
        return member, "health-data", 10, "/settings/health-data/", {}, None
    if name == "invite":
        return (
            member,
            "link-worker",
            30,
            "/link-workers/",
            {"action": "invite", "handle": "jordan"},
            'value="jordan"',
        )
    if name == "revoke":
        prescription_services.invite_link_worker(member=member, handle="jordan")
        return (
            member,
            "link-worker",
            30,
            "/link-workers/",
            {"action": "revoke", "link_worker": "jordan"},
            None,
        )
    if name == "suggest":
        prescription_services.invite_link_worker(member=member, handle="jordan")
        data = {"activity": "", "message": "Only if it feels right."}
        return (
            link_worker,
            "suggest",
            60,
            "/link-workers/members/maya/",
            data,
            "Only if it feels right.",
        )
    if name == "profile":
        data = {"display_name": "Maya Rose", "handle": "maya"}
        return member, "profile", 30, "/settings/profile/", data, 'value="Maya Rose"'
    if name == "account-delete":
        from tests.factories import PASSWORD

        data = {"mode": "delete", "password": PASSWORD}
        return (
            member,
            "account-deletion",
            10,
            "/settings/delete-account/",
            data,
            r'value="delete"[^>]*checked',
        )
    if name == "space-follow":
        return member, "follow", 60, f"/spaces/{space.slug}/follow/", {}, None
    if name == "post-follow":
        return member, "follow", 60, f"/posts/{make_post(other_member).pk}/follow/", {}, None
    if name == "post-delete":
        return member, "edit", 30, f"/posts/{make_post(member).pk}/delete/", {}, None
    if name == "reply-delete":
        reply = community_services.post_reply(
            author=member, post=make_post(other_member), body="Hi."
        )
        return member, "edit", 30, f"/replies/{reply.pk}/delete/", {}, None
    if name == "block":
        return member, "block", 30, "/members/sam/block/", {}, None
    if name == "unblock":
        BlockFactory(blocker=member, blocked=other_member)
        return member, "block", 30, "/members/sam/unblock/", {}, None
    if name == "calendar":
        return member, "calendar", 20, "/settings/calendar/", {"action": "regenerate"}, None
    if name == "data-export":
        return member, "data-export", 5, "/settings/data/", {}, None
    if name == "notification-read":
        note = NotificationFactory(recipient=member)
        assert Notification.objects.filter(pk=note.pk).exists()
        return member, "read", 300, f"/notifications/{note.pk}/read/", {}, None
    if name == "notifications-read-all":
        return member, "read", 300, "/notifications/read-all/", {}, None
    if name == "gathering-create":
        data = {"space": space.pk, "title": "Morning walk"}
        return host, "gathering", 20, "/gatherings/new/", data, 'value="Morning walk"'
    if name == "gathering-edit":
        gathering = _gathering(space, host)
        data = {"space": space.pk, "title": "A new name"}
        return (
            host,
            "gathering",
            20,
            f"/gatherings/{gathering.pk}/edit/",
            data,
            'value="A new name"',
        )
    if name == "gathering-cancel":
        return host, "gathering", 20, f"/gatherings/{_gathering(space, host).pk}/cancel/", {}, None
    if name == "rsvp":
        return (
            member,
            "place",
            60,
            f"/gatherings/{_gathering(space, host).pk}/rsvp/",
            {"is_private": "on"},
            r'name="is_private"[^>]*checked',
        )
    if name == "leave":
        return (
            member,
            "place",
            60,
            f"/gatherings/{_gathering(space, host, member).pk}/leave/",
            {},
            None,
        )
    if name == "attended":
        return (
            member,
            "attended",
            200,
            f"/gatherings/{_gathering(space, host, member).pk}/attended/",
            {},
            None,
        )
    assert LinkWorkerConsent  # every name above is a case
    raise AssertionError(name)


WRITING_VIEWS = [
    "check-in", "consent", "plan", "done", "feel", "skip", "wellbeing", "health-data",
    "invite", "revoke", "suggest", "profile", "account-delete", "space-follow", "post-follow",
    "post-delete", "reply-delete", "block", "unblock", "calendar", "notification-read",
    "notifications-read-all", "gathering-create", "gathering-edit", "gathering-cancel",
    "rsvp", "leave", "attended", "data-export",
]  # fmt: skip


def _everything(models=None):
    """A snapshot of every row a writing view could change."""
    from community.models import (
        RSVP,
        Block,
        CalendarToken,
        DataExport,
        Gathering,
        Notification,
        SpaceFollow,
        User,
    )
    from prescriptions.models import CheckIn, Consent, LinkWorkerConsent, WellbeingSurvey

    models = models or [
        User, Post, Reply, Block, CalendarToken, Gathering, RSVP, Notification, SpaceFollow,
        CheckIn, Consent, Prescription, WellbeingSurvey, LinkWorkerConsent, DataExport,
    ]  # fmt: skip
    return {m.__name__: sorted(map(repr, m.objects.values())) for m in models}


@pytest.mark.django_db
@pytest.mark.parametrize("name", WRITING_VIEWS)
def test_every_writing_view_over_its_limit_is_a_429_that_keeps_what_was_typed(
    client, member, other_member, link_worker, host, space, make_post, name
):
    who, action, limit, url, data, kept = _writing_view(
        name, member=member, other_member=other_member, link_worker=link_worker,
        host=host, space=space, make_post=make_post,
    )  # fmt: skip
    client.force_login(who)
    use_up(action, who, limit)
    before = _everything()

    response = client.post(url, data)

    assert response.status_code == 429
    assert SLOWLY in text(response)
    if kept:
        assert re.search(kept, text(response)), kept
    assert _everything() == before


@pytest.mark.django_db
@pytest.mark.parametrize("name", WRITING_VIEWS)
def test_under_its_limit_each_writing_view_counts_the_post(
    client, member, other_member, link_worker, host, space, make_post, name
):
    who, action, limit, url, data, _ = _writing_view(
        name, member=member, other_member=other_member, link_worker=link_worker,
        host=host, space=space, make_post=make_post,
    )  # fmt: skip
    client.force_login(who)

    assert client.post(url, data).status_code != 429
    assert cache.get(f"ratelimit:{action}:{who.pk}") == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "root"),
    [("done", '<li class="card prescription"'), ("rsvp", '<section class="card card--soft rsvp"')],
)
def test_with_htmx_over_the_limit_is_the_fragment_with_a_429(
    client, member, other_member, link_worker, host, space, make_post, name, root
):
    who, action, limit, url, data, _ = _writing_view(
        name, member=member, other_member=other_member, link_worker=link_worker,
        host=host, space=space, make_post=make_post,
    )  # fmt: skip
    client.force_login(who)
    use_up(action, who, limit)

    response = client.post(url, data, headers=HTMX)

    assert_refusal_fragment(response, 429, root, SLOWLY)


# --- What counts: only a POST that reaches the form --------------------------------------


@pytest.mark.django_db
def test_a_reply_refused_before_the_form_costs_nothing(
    client, member, unverified_member, other_member, make_post
):
    post = make_post(other_member)
    client.force_login(unverified_member)
    asked = client.post(f"/posts/{post.pk}/", {"body": "Hello."})
    client.force_login(member)
    missing = client.post("/posts/999999/", {"body": "Hello."})

    assert asked.status_code == 302
    assert asked.url == "/accounts/email/"
    assert missing.status_code == 404
    assert cache.get(f"ratelimit:reply:{unverified_member.pk}") is None
    assert cache.get(f"ratelimit:reply:{member.pk}") is None

    assert client.post(f"/posts/{post.pk}/", {"body": "Hello."}).status_code == 302
    assert cache.get(f"ratelimit:reply:{member.pk}") == 1


@pytest.mark.django_db
def test_a_member_at_the_limit_still_gets_a_404_for_a_missing_post(member_client, member):
    use_up("reply", member, 30)

    assert member_client.post("/posts/999999/", {"body": "Hello."}).status_code == 404


# --- htmx: asked to confirm or log in, the whole page goes there -------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("where", ["react", "rsvp"])
def test_with_htmx_an_unconfirmed_member_is_sent_to_confirm_as_a_whole_page(
    client, unverified_member, other_member, host, space, make_post, where
):
    url = (
        f"/posts/{make_post(other_member).pk}/react/"
        if where == "react"
        else f"/gatherings/{_gathering(space, host).pk}/rsvp/"
    )
    client.force_login(unverified_member)

    response = client.post(url, {"reaction": "hear:1"}, headers=HTMX)

    assert response.status_code == 200
    assert response["HX-Redirect"] == "/accounts/email/"
    assert "Location" not in response
    assert "confirm your email address" in text(client.get("/accounts/email/"))
    assert not Reaction.objects.exists()


@pytest.mark.django_db
def test_with_htmx_a_signed_out_visitor_logs_in_and_comes_back_to_the_page(
    client, other_member, make_post
):
    post = make_post(other_member)

    response = client.post(
        f"/posts/{post.pk}/react/",
        {"reaction": "hear:1"},
        headers={**HTMX, "HX-Current-URL": f"http://testserver/posts/{post.pk}/"},
    )

    assert response["HX-Redirect"] == f"/accounts/login/?next=/posts/{post.pk}/"


@pytest.mark.django_db
def test_without_htmx_an_unconfirmed_member_is_still_redirected(
    client, unverified_member, other_member, make_post
):
    client.force_login(unverified_member)

    response = client.post(f"/posts/{make_post(other_member).pk}/react/", {"reaction": "hear:1"})

    assert response.status_code == 302
    assert response.url == "/accounts/email/"
