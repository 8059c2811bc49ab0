import json
import re

import pytest
from django.db import OperationalError, connection
from django.test import RequestFactory
from django.urls import reverse
from django.views import defaults

from community.models import CrisisLine

HELP_URL = "/help/"


@pytest.mark.django_db
def test_visitors_see_what_4c_is_and_how_to_join(client):
    response = client.get("/")

    assert response.status_code == 200
    assert b"peer-support community" in response.content
    assert b"How it works" in response.content
    assert reverse("account_signup").encode() in response.content


@pytest.mark.django_db
def test_members_are_welcomed_by_name_with_a_place_for_the_check_in(member_client, member):
    response = member_client.get("/")

    assert b"Hello, Maya." in response.content
    assert b"Today's check-in" in response.content
    assert b"How it works" not in response.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "signed_in"),
    [
        ("/", False),
        ("/", True),
        ("/accounts/login/", False),
        ("/accounts/signup/", False),
        ("/accounts/password/reset/", False),
        ("/settings/profile/", True),
        ("/accounts/email/", True),
        ("/help/", False),
        ("/nowhere/", False),
        ("/nowhere/", True),
    ],
)
def test_get_help_now_is_one_click_from_every_page(client, member, url, signed_in):
    if signed_in:
        client.force_login(member)

    response = client.get(url)

    assert response.status_code == (404 if url == "/nowhere/" else 200)
    assert b'<a class="help-now" href="/help/">Get help now</a>' in response.content


@pytest.mark.django_db
def test_the_help_page_lists_the_default_crisis_lines_in_order(client):
    response = client.get(HELP_URL)

    content = response.content.decode()
    assert response.status_code == 200
    assert "If you or someone else is in danger now, call 999" in content
    # Danger now first: the emergency number, the US line, then the listening lines.
    positions = [
        content.index(text)
        for text in (
            "If you or someone else is in danger now",
            "Call 999",
            "Call or text 988",
            "Call 116 123",
            "Text SHOUT to 85258",
            "Call 111",
        )
    ]
    assert positions == sorted(positions)
    assert 'href="tel:116123"' in content
    assert 'href="sms:85258?body=SHOUT"' in content
    assert 'href="tel:988"' in content
    assert 'href="sms:988"' in content


@pytest.mark.django_db
def test_the_help_page_shows_what_moderators_keep_in_the_admin(client):
    CrisisLine.objects.filter(name="Shout").update(is_active=False)
    CrisisLine.objects.create(
        name="Lifeline", region="Australia", how_to_reach="Call 13 11 14", phone="131114", order=5
    )

    content = client.get(HELP_URL).content.decode()

    assert "Text SHOUT" not in content
    assert content.index("Call 13 11 14") < content.index("Call 116 123")


@pytest.mark.django_db
def test_an_unknown_page_is_a_friendly_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert b"We couldn't find that page" in response.content
    assert b'class="skip-link"' in response.content


@pytest.mark.django_db
def test_the_500_page_is_friendly_and_needs_nothing_from_the_database():
    request = RequestFactory().get("/")

    with pytest.raises(AssertionError), connection.execute_wrapper(_refuse_queries):
        connection.cursor().execute("SELECT 1")
    with connection.execute_wrapper(_refuse_queries):
        response = defaults.server_error(request)

    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content
    assert b"Get help now" in response.content


def _refuse_queries(execute, sql, params, many, context):
    raise AssertionError(f"The 500 page ran a query: {sql}")


@pytest.mark.django_db
def test_a_403_is_friendly(client, member):
    request = RequestFactory().get("/")
    request.user = member

    response = defaults.permission_denied(request, exception=None)

    assert response.status_code == 403
    assert b"This page isn't open to you" in response.content


@pytest.mark.django_db
def test_health_check_answers_200_when_the_database_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_health_check_answers_503_when_the_database_does_not(client):
    def database_down(execute, sql, params, many, context):
        raise OperationalError("the database is not answering")

    with connection.execute_wrapper(database_down):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert json.loads(response.content)["database"] == "unavailable"


@pytest.mark.django_db
def test_ping_answers_ok_without_a_query(client, django_assert_num_queries):
    """The benchmarks' baseline: no middleware reads the session or the database for a
    visitor without cookies."""
    with django_assert_num_queries(0):
        response = client.get("/ping")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain"
    assert response.content == b"ok"
    assert "Set-Cookie" not in response.headers
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_and_no_inline_script(client):
    response = client.get("/")

    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    scripts = re.findall(rb"<script[^>]*>", response.content)
    assert scripts
    assert all(b" src=" in tag for tag in scripts)


@pytest.mark.django_db
def test_every_asset_is_served_locally(client):
    content = client.get("/").content

    assert not re.search(rb'(src|href)="(https?:)?//', content)
    for path in re.findall(rb'(?:src|href)="(/static/[^"]+)"', content):
        assert client.get(path.decode()).status_code == 200, path


def test_vendored_htmx_carries_its_version_and_licence(settings):
    htmx_dir = settings.BASE_DIR / "static" / "vendor" / "htmx"

    assert "htmx 2." in (htmx_dir / "VERSION").read_text()
    assert "Zero-Clause BSD" in (htmx_dir / "LICENSE").read_text()
    assert (htmx_dir / "htmx.min.js").stat().st_size > 10_000


def test_vendored_axe_carries_its_version_and_licence_and_no_page_loads_it(settings):
    axe_dir = settings.BASE_DIR / "static" / "vendor" / "axe-core"

    assert "axe-core 4." in (axe_dir / "VERSION").read_text()
    assert "Mozilla Public License, version 2.0" in (axe_dir / "LICENSE").read_text()
    assert (axe_dir / "axe.min.js").read_text().startswith("/*! axe v4.")
    for template in (settings.BASE_DIR / "templates").rglob("*.html"):
        text = template.read_text()
        assert "axe-core" not in text, template
        assert "axe.min" not in text, template


def test_the_stylesheet_supports_dark_mode_and_visible_focus(settings):
    css = (settings.BASE_DIR / "static" / "css" / "fourc.css").read_text()

    assert "@media (prefers-color-scheme: dark)" in css
    assert ":focus-visible" in css
    assert "outline: 3px solid var(--focus)" in css
