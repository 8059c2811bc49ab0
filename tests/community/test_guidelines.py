"""The community guidelines: a public page, agreed to at sign-up, and again after a
change before a member next writes; reading, reporting and the help page never wait."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import get_resolver, reverse
from django.utils import timezone

from community import guidelines, services
from community.models import (
    RSVP,
    Gathering,
    GuidelinesAcceptance,
    Post,
    Reaction,
    Reply,
    Report,
    SpaceFollow,
)
from tests.factories import (
    GatheringFactory,
    HostFactory,
    PostFactory,
    ReplyFactory,
    RSVPFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

GUIDELINES_URL = "/guidelines/"
ASKED = "Before you write, one small thing."


@pytest.fixture
def newcomer():
    """Nia: confirmed address, hosts gatherings, but hasn't agreed to the guidelines."""
    return HostFactory(
        email="nia@example.org", display_name="Nia", handle="nia", accepted_guidelines=False
    )


@pytest.fixture
def newcomer_client(client, newcomer):
    client.force_login(newcomer)
    return client


@pytest.fixture
def scene(newcomer, other_member, space):
    """Something of everyone's to act on: Sam's post and reply, Nia's own post, reply
    and gathering, and a gathering of someone else's, going on now."""
    post = PostFactory(author=other_member, space=space, title="A long week")
    reply = ReplyFactory(post=post, author=other_member, body="Same here.")
    own_post = PostFactory(author=newcomer, space=space, title="Hello, all")
    own_reply = ReplyFactory(post=post, author=newcomer, body="Thinking of you.")
    own_gathering = GatheringFactory(host=newcomer, space=space)
    started = timezone.now() - timedelta(minutes=10)
    now_on = GatheringFactory(
        host=HostFactory(), space=space, starts_at=started, scheduled_at=started - timedelta(1)
    )
    RSVPFactory(gathering=now_on, member=newcomer, taken_at=started - timedelta(hours=1))
    placed = GatheringFactory(host=HostFactory(), space=space)
    RSVPFactory(gathering=placed, member=newcomer)
    return {
        "space": space,
        "post": post,
        "reply": reply,
        "own_post": own_post,
        "own_reply": own_reply,
        "own_gathering": own_gathering,
        "gathering": GatheringFactory(host=HostFactory(), space=space),
        "now_on": now_on,
        "placed": placed,
        "member": other_member,
    }


def gathering_data(space) -> dict:
    starts = (timezone.now() + timedelta(days=5)).strftime("%Y-%m-%d %H:%M")
    return {
        "title": "Walk and talk",
        "space": space.pk,
        "description": "A slow walk in the park.",
        "starts_at": starts,
        "duration_minutes": 60,
        "format": "in_person",
        "place": "The park gates",
    }


# Every write that needs the guidelines: (url name, its arguments, the form it sends).
def gated_writes(s) -> list[tuple[str, list, dict]]:
    return [
        ("community:post-create", [s["space"].slug], {"title": "Hi", "body": "Hello there.",
                                                       "intent": "hello"}),
        ("community:post-detail", [s["post"].pk], {"body": "That sounds really hard."}),
        ("community:post-edit", [s["own_post"].pk], {"title": "Hi", "body": "Edited words.",
                                                     "intent": "hello"}),
        ("community:post-react", [s["post"].pk], {"reaction": "hear:1"}),
        ("community:reply-edit", [s["own_reply"].pk], {"body": "Edited reply."}),
        ("community:reply-react", [s["reply"].pk], {"reaction": "strength:1"}),
        ("community:gathering-create", [], gathering_data(s["space"])),
        ("community:gathering-edit", [s["own_gathering"].pk], gathering_data(s["space"])),
        ("community:gathering-rsvp", [s["gathering"].pk], {}),
        ("community:gathering-attended", [s["now_on"].pk], {}),
    ]  # fmt: skip


# Writes that stay open: telling a moderator, taking back your own words or place,
# following, blocking, and a member's own settings.
OPEN_WRITES = {
    "community:post-report", "community:reply-report", "community:member-report",
    "community:post-delete", "community:reply-delete", "community:gathering-leave",
    "community:gathering-cancel", "community:space-follow", "community:post-follow",
    "community:member-block", "community:member-unblock", "community:reply-tips-dismiss",
    "community:notification-read", "community:notifications-read-all",
    "community:calendar-settings", "community:profile-settings", "community:muted-words",
    "community:hidden-spaces-show", "community:guidelines", "community:your-data",
    "community:account-delete", "community:account-delete-confirm",
    "community:account-deletion-scheduled",
}  # fmt: skip
READ_ONLY = {
    "community:help", "community:blocked", "community:space-list", "community:space-detail",
    "community:unanswered", "community:notifications", "community:search",
    "community:member-detail", "community:gathering-list", "community:gathering-past",
    "community:gathering-detail", "community:gathering-ics", "community:calendar-feed",
    "community:suspension", "community:your-data-download",
}  # fmt: skip
GATED = {
    "community:post-create", "community:post-detail", "community:post-edit",
    "community:post-react", "community:reply-edit", "community:reply-react",
    "community:gathering-create", "community:gathering-edit", "community:gathering-rsvp",
    "community:gathering-attended",
}  # fmt: skip


def written_rows() -> dict:
    models = (Post, Reply, Reaction, Gathering, RSVP, Report)
    return {m.__name__: sorted(m.objects.values_list("pk", flat=True)) for m in models}


def test_every_community_url_is_gated_open_or_read_only():
    """A new write URL must be placed here: asked for the guidelines, or said to be open."""
    names = {
        f"community:{name}"
        for name in get_resolver().namespace_dict["community"][1].reverse_dict
        if isinstance(name, str)
    }

    assert names == GATED | OPEN_WRITES | READ_ONLY
    assert not GATED & OPEN_WRITES
    assert not GATED & READ_ONLY


def test_the_guidelines_are_public_and_say_what_this_place_is(client):
    response = client.get(GUIDELINES_URL)

    assert response.status_code == 200
    page = response.content.decode()
    for words in (
        "peer support", "isn't treatment", "Be kind", "Listen first", "don't have to fix it",
        "No diagnosing", "methods and graphic detail", "content warning", "anonymous",
        "Harassment", "selling", "hide", "pause", "Tell a moderator",
        f"Version {guidelines.VERSION}",
    ):  # fmt: skip
        assert words in page, words
    assert reverse("community:help") in page
    assert "I agree" not in page  # a visitor has nothing to agree to


def test_the_footer_and_the_reply_tips_link_to_the_guidelines(
    member_client, other_member, make_post
):
    post = make_post(other_member)

    home = member_client.get("/").content.decode()
    page = member_client.get(post.get_absolute_url()).content.decode()

    assert f'href="{GUIDELINES_URL}">Community guidelines' in home
    start = page.index('id="reply-tips"')
    tips = page[start : page.index("</aside>", start)]
    assert f'href="{GUIDELINES_URL}"' in tips


def test_signing_up_records_the_version_agreed_and_when(client):
    data = {
        "display_name": "Maya", "email": "maya@example.org", "password1": "river-lantern-42",
        "password2": "river-lantern-42", "time_zone": "Europe/London", "accept_guidelines": "on",
    }  # fmt: skip
    with time_machine.travel("2026-03-02 09:30Z", tick=False):
        response = client.post("/accounts/signup/", data)

    assert response.status_code == 302
    [agreed] = GuidelinesAcceptance.objects.filter(member__email="maya@example.org")
    assert agreed.version == guidelines.VERSION
    assert agreed.accepted_at.isoformat() == "2026-03-02T09:30:00+00:00"


def test_the_sign_up_form_links_to_the_guidelines_in_a_new_tab(client):
    page = client.get("/accounts/signup/").content.decode()

    assert f'<a href="{GUIDELINES_URL}" target="_blank" rel="noopener">' in page
    assert 'type="checkbox" name="accept_guidelines"' in page


def test_a_member_who_has_not_agreed_can_write_nowhere(newcomer_client, scene):
    before = written_rows()

    for name, args, data in gated_writes(scene):
        response = newcomer_client.post(reverse(name, args=args), data)

        assert response.status_code == 403, name
        page = response.content.decode()
        assert ASKED in page, name
        assert "I agree" in page, name
    assert written_rows() == before


def test_htmx_writes_are_sent_to_the_guidelines_and_back_to_the_page(newcomer_client, scene):
    for name, args, data in gated_writes(scene):
        response = newcomer_client.post(
            reverse(name, args=args),
            data,
            headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/posts/7/?x=1"},
        )

        assert response.status_code == 403, name
        assert response["HX-Redirect"] == "/guidelines/?next=%2Fposts%2F7%2F%3Fx%3D1", name


@pytest.mark.parametrize(
    "name", ["community:post-create", "community:post-edit", "community:reply-edit",
             "community:gathering-create", "community:gathering-edit"],
)  # fmt: skip
def test_a_page_with_a_form_sends_them_to_the_guidelines_and_back(newcomer_client, scene, name):
    args = next(args for n, args, _ in gated_writes(scene) if n == name)
    url = reverse(name, args=args)

    response = newcomer_client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/guidelines/?next={url.replace('/', '%2F')}"
    page = newcomer_client.get(response["Location"])
    assert page.status_code == 200
    assert "I agree" in page.content.decode()
    agreed = newcomer_client.post(response["Location"])
    assert agreed.status_code == 302
    assert agreed["Location"] == url
    assert newcomer_client.get(url).status_code == 200


def test_a_reply_waits_on_the_guidelines_page_and_is_sent_when_they_agree(
    newcomer_client, newcomer, scene
):
    post = scene["post"]
    words = "That sounds really hard.\nI'm here if you want to talk <3"

    asked = newcomer_client.post(post.get_absolute_url(), {"body": words, "is_anonymous": "on"})

    assert asked.status_code == 403
    page = asked.content.decode()
    assert "What you wrote is safe" in page
    assert (
        'name="body" value="That sounds really hard.\nI&#x27;m here if you want to talk &lt;3"'
        in page
    )
    assert 'name="is_anonymous" value="on"' in page
    action = f"/guidelines/?next={post.get_absolute_url()}&resend=1"
    assert f'action="{action.replace("&", "&amp;")}"' in page
    assert not Reply.objects.filter(author=newcomer, body=words).exists()

    agreed = newcomer_client.post(action, {"body": words, "is_anonymous": "on"})

    assert agreed.status_code == 307  # the browser sends the same words again, to the post
    assert agreed["Location"] == post.get_absolute_url()
    sent = newcomer_client.post(agreed["Location"], {"body": words, "is_anonymous": "on"})
    assert sent.status_code == 302
    reply = Reply.objects.get(author=newcomer, body=words)
    assert reply.is_anonymous
    assert GuidelinesAcceptance.objects.filter(
        member=newcomer, version=guidelines.VERSION
    ).exists()


def test_the_resent_reply_follows_the_same_rules_as_any_other(newcomer_client, newcomer, scene):
    """Sent again after agreeing, an empty reply is still a 400 that keeps the page."""
    url = f"/guidelines/?next={scene['post'].get_absolute_url()}&resend=1"

    response = newcomer_client.post(url, {"body": "   "}, follow=True)

    assert response.status_code == 400
    assert "This is empty" in response.content.decode()
    assert newcomer.guidelines_acceptances.count() == 1


def test_reading_reporting_and_help_never_wait_on_the_guidelines(newcomer_client, newcomer, scene):
    post, reply, member = scene["post"], scene["reply"], scene["member"]
    for url in (
        "/", "/help/", GUIDELINES_URL, "/spaces/", scene["space"].get_absolute_url(),
        post.get_absolute_url(), "/unanswered/", "/search/?q=week", "/gatherings/",
        f"/members/{member.handle}/", "/notifications/",
    ):  # fmt: skip
        assert newcomer_client.get(url).status_code == 200, url

    for url in (f"/posts/{post.pk}/report/", f"/replies/{reply.pk}/report/",
                f"/members/{member.handle}/report/"):  # fmt: skip
        response = newcomer_client.post(url, {"reason": "safety"})
        assert response.status_code == 302, url
    assert Report.objects.filter(reporter=newcomer).count() == 3

    assert newcomer_client.post(f"/replies/{scene['own_reply'].pk}/delete/").status_code == 302
    assert newcomer_client.post(f"/posts/{scene['own_post'].pk}/delete/").status_code == 302
    assert newcomer_client.post(f"/spaces/{scene['space'].slug}/follow/").status_code == 302
    assert SpaceFollow.objects.filter(member=newcomer).exists()
    left = newcomer_client.post(f"/gatherings/{scene['placed'].pk}/leave/")
    assert left.status_code == 302
    assert RSVP.objects.get(gathering=scene["placed"], member=newcomer).status == "cancelled"
    assert not newcomer.guidelines_acceptances.exists()


def test_an_unconfirmed_member_is_asked_to_confirm_first(client, space):
    newcomer = UserFactory(verified=False, accepted_guidelines=False)
    client.force_login(newcomer)

    response = client.post(f"/spaces/{space.slug}/new/", {"title": "Hi", "body": "Hello."})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/email/"


def test_a_change_of_version_asks_everyone_again_and_keeps_both_on_record(
    member_client, member, other_member, make_post, monkeypatch
):
    post = make_post(other_member)
    monkeypatch.setattr(guidelines, "VERSION", guidelines.VERSION + 1)

    asked = member_client.post(post.get_absolute_url(), {"body": "I hear you."})

    assert asked.status_code == 403
    assert ASKED in asked.content.decode()
    assert f"Version {guidelines.VERSION}," in asked.content.decode()
    member_client.post(GUIDELINES_URL)
    assert member_client.post(post.get_absolute_url(), {"body": "I hear you."}).status_code == 302
    assert sorted(member.guidelines_acceptances.values_list("version", flat=True)) == [
        guidelines.VERSION - 1,
        guidelines.VERSION,
    ]


def test_agreeing_twice_changes_nothing(newcomer):
    with time_machine.travel("2026-01-05 10:00Z", tick=False):
        assert services.accept_guidelines(member=newcomer)
    with time_machine.travel("2026-01-06 10:00Z", tick=False):
        assert not services.accept_guidelines(member=newcomer)

    [agreed] = newcomer.guidelines_acceptances.all()
    assert agreed.accepted_at.day == 5


def test_agreeing_goes_back_only_inside_4c(newcomer_client):
    for evil in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = newcomer_client.post(f"/guidelines/?next={evil}&resend=1")
        assert response.status_code == 302
        assert response["Location"] == "/"


def test_a_visitor_cannot_agree_and_is_asked_to_log_in(client):
    response = client.post(GUIDELINES_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not GuidelinesAcceptance.objects.exists()


def test_a_member_who_agreed_sees_thanks_not_a_button(member_client):
    page = member_client.get(GUIDELINES_URL).content.decode()

    assert "You've agreed to these guidelines" in page
    assert "I agree" not in page


def test_a_moderator_sees_which_versions_a_member_agreed_to_and_cannot_change_them(
    client, moderator, newcomer
):
    from tests.fourc.test_admin_and_roles import enrol_totp

    with time_machine.travel("2026-02-03 08:15Z", tick=False):
        services.accept_guidelines(member=newcomer)
    enrol_totp(moderator)
    client.force_login(moderator)

    page = client.get(f"/admin/community/user/{newcomer.pk}/change/").content.decode()

    assert "Guidelines acceptances" in page
    assert "3 Feb 2026" in page
    assert 'name="guidelines_acceptances-0-version"' not in page  # read-only, no input
    assert "guidelines_acceptances-0-DELETE" not in page
