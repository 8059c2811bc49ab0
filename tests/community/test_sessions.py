"""Sessions live in the database with Redis in front (community.sessions): a page read
asks the database nothing about the session, and ending a member's sessions ends the
cached copies too (test_account_deletion ends them on two devices)."""

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community import sessions
from community.backends import MEMBER_BY_ID
from community.models import MemberSession


def session_queries(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in queries if "django_session" in q["sql"]]


@pytest.mark.django_db
def test_a_signed_in_page_read_asks_the_database_nothing_about_the_session(client, member):
    client.force_login(member)
    client.get("/notifications/")  # the day's first visit is noted in the session

    assert session_queries(client, "/notifications/") == []


@pytest.mark.django_db
def test_a_session_the_cache_has_lost_is_read_from_the_database_and_cached_again(client, member):
    client.force_login(member)
    client.get("/notifications/")
    cache.clear()

    assert len(session_queries(client, "/notifications/")) == 1
    assert session_queries(client, "/notifications/") == []


@pytest.mark.django_db
def test_ending_a_members_sessions_leaves_nothing_of_them_in_the_cache(client, member):
    client.force_login(member)
    client.get("/notifications/")
    key = client.session.session_key
    assert cache.get(sessions.SessionStore.cache_key_prefix + key) is not None

    assert sessions.end_sessions(member_id=member.pk) == 1

    assert cache.get(sessions.SessionStore.cache_key_prefix + key) is None
    assert not MemberSession.objects.filter(session_key=key).exists()
    assert client.get("/notifications/").status_code == 302


# --- Who the session belongs to (community.backends) -------------------------------------


def signed_in_under(client, member, backend_path: str) -> None:
    client.force_login(member)
    session = client.session
    session[BACKEND_SESSION_KEY] = backend_path
    session.save()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "community.backends.ModelBackend",
        "community.backends.AuthenticationBackend",
        # Sessions begun before 4C's backends name the ones they extend: still signed in.
        "django.contrib.auth.backends.ModelBackend",
        "allauth.account.auth_backends.AuthenticationBackend",
    ],
)
def test_a_session_under_each_backend_reads_its_member(client, member, path):
    signed_in_under(client, member, path)

    response = client.get("/notifications/")

    assert response.status_code == 200
    assert response.wsgi_request.user == member


@pytest.mark.django_db
def test_the_members_row_is_one_query_built_once(client, member):
    client.force_login(member)
    client.get("/notifications/")

    with CaptureQueriesContext(connection) as queries:
        client.get("/notifications/")

    # EXECUTE of the statement prepared once per connection (its SQL where not prepared)
    reads = [
        q["sql"]
        for q in queries
        if MEMBER_BY_ID.name in q["sql"] or 'FROM "community_user"' in q["sql"]
    ]
    assert len(reads) == 1


@pytest.mark.django_db
def test_a_paused_account_or_a_changed_password_ends_the_session(client, member, other_member):
    signed_in_under(client, member, "community.backends.ModelBackend")
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert client.get("/notifications/").status_code == 302

    signed_in_under(client, other_member, "community.backends.AuthenticationBackend")
    other_member.set_password("a new one, long enough")
    other_member.save(update_fields=["password"])
    assert client.get("/notifications/").status_code == 302


@pytest.mark.django_db
def test_an_unknown_backend_signs_nobody_in(client, member):
    signed_in_under(client, member, "somewhere.else.Backend")

    assert client.get("/notifications/").status_code == 302
