"""Sessions live in the database with Redis in front (community.sessions): a page read
asks the database nothing about the session, and ending a member's sessions ends the
cached copies too (test_account_deletion ends them on two devices)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community import sessions
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
