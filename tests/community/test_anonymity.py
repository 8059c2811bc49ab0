"""A member who writes anonymously is never named, on any page anyone else can see.

Maya Quill (@mayaquill) writes an anonymous post that mentions Sam, a second
anonymous post nobody answers, and an anonymous reply on Sam's post; Sam
replies to her, Ren reacts. Then Sam, Ren and a visitor (the space is open to
visitors; profiles, search and Needs a reply are not) open every page and
notification that shows those words: her name, her handle and her profile
link appear nowhere, and "A member" stands where the author would be.
"""

import re
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from django.test import Client

from community import services
from community.models import Post, Reply, Space
from tests.factories import UserFactory

DISPLAY_NAME = "Maya Quill"
HANDLE = "mayaquill"
PROFILE_PATH = f"/members/{HANDLE}/"
# Every word of her name and handle, matched case-insensitively.
TRACES = ("maya", "quill", HANDLE)
ANONYMOUS_BYLINE = '<span class="byline">A member</span>'
_CSRF_VALUE = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')


@dataclass
class Scene:
    maya: object
    sam: object
    ren: object
    foggy: Post  # anonymous, mentions @sam, Sam replied
    quiet: Post  # anonymous, nobody replied
    named: Post  # Maya's own, under her name, in another space
    sams_post: Post
    anonymous_reply: Reply


@pytest.fixture
def scene(other_member):
    sam = other_member
    maya = UserFactory(email="writer@example.org", display_name=DISPLAY_NAME, handle=HANDLE)
    ren = UserFactory(email="ren@example.org", display_name="Ren", handle="ren")
    space = Space.objects.create(
        slug="low-energy", name="Low-energy days", description="For the slow days.", is_public=True
    )
    elsewhere = Space.objects.create(
        slug="small-wins", name="Small wins", description="Little things that went well."
    )
    for follower in (sam, ren):
        services.follow_space(member=follower, space=space)

    sams_post = services.create_post(
        author=sam,
        space=space,
        title="A short walk counts",
        body="I made it to the corner shop and back.",
        intent="win",
    )
    services.post_reply(author=ren, post=sams_post, body="That counts. Well done.")
    foggy = services.create_post(
        author=maya,
        space=space,
        title="Heavy fog today",
        body="The kettle sounds far away this morning. @sam, did the fog lift for you?",
        intent="support",
        is_anonymous=True,
    )
    quiet = services.create_post(
        author=maya,
        space=space,
        title="Quiet Sunday",
        body="Nothing to say, just wanted to sit near people and their lanterns.",
        intent="hello",
        is_anonymous=True,
    )
    anonymous_reply = services.post_reply(
        author=maya,
        post=sams_post,
        body="The lighthouse path helped me on days like that.",
        is_anonymous=True,
    )
    services.post_reply(author=sam, post=foggy, body="It lifted by noon here. Sending warmth.")
    services.set_reaction(member=ren, kind="hear", on=True, post=foggy)
    services.set_reaction(member=ren, kind="thanks", on=True, reply=anonymous_reply)
    services.set_reaction(member=sam, kind="me_too", on=True, post=quiet)
    named = services.create_post(
        author=maya, space=elsewhere, title="Tea helps", body="Peppermint, mostly.", intent="idea"
    )
    services.post_reply(author=sam, post=named, body="Same here.")  # so it isn't waiting
    return Scene(maya, sam, ren, foggy, quiet, named, sams_post, anonymous_reply)


def _client(member=None) -> Client:
    client = Client()
    if member is not None:
        client.force_login(member)
    return client


class _Links(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.urls.extend(value for name, value in attrs if value and "/" in value)


def _urls(page: str) -> list[str]:
    parser = _Links()
    parser.feed(page)
    parser.close()
    return parser.urls


def assert_no_trace_of_maya(name: str, page: str) -> None:
    # Form tokens are random letters: one could spell "maya" by chance.
    text = _CSRF_VALUE.sub(r"\1\2", page).lower()
    for trace in TRACES:
        assert trace not in text, f"{name}: {trace!r} shows: ...{_around(text, trace)}..."
    leaks = [url for url in _urls(page) if HANDLE in url.lower()]
    assert not leaks, f"{name}: links to her profile: {leaks}"


def _around(text: str, word: str) -> str:
    at = text.index(word)
    return text[max(0, at - 120) : at + 80]


def _get(client: Client, url: str, **kwargs) -> str:
    response = client.get(url, **kwargs)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def _react(client: Client, url: str, kind: str) -> str:
    response = client.post(url, {"reaction": f"{kind}:1"}, headers={"HX-Request": "true"})
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def _pages_for(client: Client, scene: Scene, *, signed_in: bool) -> dict[str, str]:
    pages = {
        "anonymous post": _get(client, f"/posts/{scene.foggy.pk}/"),
        "unanswered anonymous post": _get(client, f"/posts/{scene.quiet.pk}/"),
        "Sam's post, with the anonymous reply": _get(client, f"/posts/{scene.sams_post.pk}/"),
        "space page": _get(client, "/spaces/low-energy/"),
        "home": _get(client, "/"),
    }
    if signed_in:  # for members only
        pages |= {
            "needs a reply": _get(client, "/unanswered/"),
            "search for the post": _get(client, "/search/", data={"q": "kettle"}),
            "search for the reply": _get(client, "/search/", data={"q": "lighthouse"}),
            "search for the quiet post": _get(client, "/search/", data={"q": "lanterns"}),
            "Sam's profile": _get(client, "/members/sam/"),
            "notifications": _get(client, "/notifications/"),
        }
    return pages


@pytest.mark.django_db
@pytest.mark.parametrize("viewer", ["sam", "ren", "visitor"])
def test_no_page_names_the_anonymous_author(scene, viewer):
    member = None if viewer == "visitor" else getattr(scene, viewer)
    client = _client(member)

    pages = _pages_for(client, scene, signed_in=member is not None)

    for name, page in pages.items():
        assert_no_trace_of_maya(f"{name} (as {viewer})", page)


@pytest.mark.django_db
@pytest.mark.parametrize("viewer", ["sam", "ren", "visitor"])
def test_a_member_stands_where_the_anonymous_author_would_be(scene, viewer):
    member = None if viewer == "visitor" else getattr(scene, viewer)
    pages = _pages_for(_client(member), scene, signed_in=member is not None)

    bylines = {name: page.count(ANONYMOUS_BYLINE) for name, page in pages.items()}
    assert bylines["anonymous post"] >= 1
    assert bylines["unanswered anonymous post"] >= 1
    assert bylines["Sam's post, with the anonymous reply"] == 1
    assert bylines["space page"] == 2
    if member is not None:
        assert bylines["needs a reply"] == 1
        assert bylines["search for the post"] == 1
        assert bylines["search for the reply"] == 1
        assert bylines["search for the quiet post"] == 1
        assert bylines["home"] == 2  # the two anonymous posts from the followed space


@pytest.mark.django_db
def test_sams_notifications_say_a_member_mentioned_and_replied(scene):
    page = _get(_client(scene.sam), "/notifications/")

    assert "A member mentioned you in" in page
    assert "A member replied to your post" in page
    assert_no_trace_of_maya("Sam's notifications", page)


@pytest.mark.django_db
def test_a_follower_hears_a_member_replied_not_who(scene):
    page = _get(_client(scene.ren), "/notifications/")

    assert "A member replied in" in page
    assert_no_trace_of_maya("Ren's notifications", page)


@pytest.mark.django_db
@pytest.mark.parametrize("viewer", ["sam", "ren"])
def test_the_reaction_fragment_names_no_one(scene, viewer):
    client = _client(getattr(scene, viewer))

    fragments = {
        "react to the anonymous post": _react(client, f"/posts/{scene.foggy.pk}/react/", "hear"),
        "react to the quiet post": _react(client, f"/posts/{scene.quiet.pk}/react/", "strength"),
        "react to the anonymous reply": _react(
            client, f"/replies/{scene.anonymous_reply.pk}/react/", "hear"
        ),
    }

    for name, fragment in fragments.items():
        assert 'class="reactions"' in fragment
        assert "<html" not in fragment  # the fragment, not a whole page
        assert_no_trace_of_maya(f"{name} (as {viewer})", fragment)


@pytest.mark.django_db
@pytest.mark.parametrize("viewer", ["sam", "ren"])
def test_her_profile_lists_only_what_she_wrote_under_her_name(scene, viewer):
    page = _get(_client(getattr(scene, viewer)), PROFILE_PATH)

    assert DISPLAY_NAME in page
    assert "Tea helps" in page
    assert f"/posts/{scene.named.pk}/" in _urls(page)
    for anonymous in (scene.foggy, scene.quiet):
        assert anonymous.title not in page
        assert f"/posts/{anonymous.pk}/" not in _urls(page)
    assert "lighthouse" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("words", [DISPLAY_NAME, HANDLE, "Quill", f"@{HANDLE}"])
def test_searching_her_name_finds_none_of_her_anonymous_words(scene, words):
    page = _get(_client(scene.sam), "/search/", data={"q": words})

    for text in ("Heavy fog today", "Quiet Sunday", "lighthouse", "kettle", "lanterns"):
        assert text not in page


@pytest.mark.django_db
def test_the_author_still_sees_that_the_post_is_hers(scene):
    page = _get(_client(scene.maya), f"/posts/{scene.foggy.pk}/")

    assert "(you, posting anonymously)" in page
    assert ANONYMOUS_BYLINE in page


@pytest.mark.django_db
def test_a_named_reply_by_the_author_does_not_single_her_out_as_the_anonymous_author(scene):
    """Anyone else's reply takes a post off "Needs a reply"; the author's own doesn't.

    So if Maya thanks people under her own name on her anonymous post, and the
    post stays "waiting for a first reply" (and says "No replies yet") while its
    page shows her named reply, everyone can tell she wrote it.
    """
    services.post_reply(author=scene.maya, post=scene.quiet, body="Thank you for reading.")
    sam = _client(scene.sam)

    post_page = _get(sam, f"/posts/{scene.quiet.pk}/")
    waiting_urls = _urls(_get(sam, "/unanswered/")) + _urls(_get(sam, "/"))

    named_reply_shown = DISPLAY_NAME in post_page
    still_waiting = f"/posts/{scene.quiet.pk}/" in waiting_urls
    assert not (named_reply_shown and still_waiting), (
        "Her named reply shows on the post, yet the post is still listed as waiting for a "
        "first reply: a wait only the author's replies leave open names her as the author."
    )
