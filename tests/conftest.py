import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from community import safety
from tests import reference_data as migration_data
from tests.factories import (
    PASSWORD,
    HostFactory,
    LinkWorkerFactory,
    ModeratorFactory,
    PostFactory,
    SpaceFactory,
    UserFactory,
)

# The embedded suite runs on its own (SQLite, `bin/test --embedded`), never on PostgreSQL.
collect_ignore = ["embedded"]


@pytest.fixture(scope="session", autouse=True)
def _crisis_phrases_compiled(django_db_setup, django_db_blocker):
    """Each process compiles the crisis phrases on first use (one query): done here, so
    no test's query count depends on being the first to match."""
    with django_db_blocker.unblock():
        safety.matcher()
        connection.close()  # opened outside any test: nothing else would close it


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache, so rate limits don't leak between tests."""
    cache.clear()
    return


@pytest.fixture
def member(db):
    return UserFactory(email="maya@example.org", display_name="Maya", handle="maya")


@pytest.fixture
def other_member(db):
    return UserFactory(email="sam@example.org", display_name="Sam", handle="sam")


@pytest.fixture
def unverified_member(db):
    return UserFactory(email="new@example.org", display_name="Newcomer", verified=False)


@pytest.fixture
def moderator(db):
    return ModeratorFactory(email="rosa@example.org", display_name="Rosa", handle="rosa")


@pytest.fixture
def link_worker(db):
    return LinkWorkerFactory(email="jordan@example.org", display_name="Jordan", handle="jordan")


@pytest.fixture
def host(db):
    """Ade, a member a moderator trusted to host gatherings."""
    return HostFactory(email="ade@example.org", display_name="Ade", handle="ade")


@pytest.fixture
def host_client(host):
    """A second browser, signed in as Ade the host (`client` stays free for another)."""
    browser = Client()
    browser.force_login(host)
    return browser


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def space(db):
    return SpaceFactory(
        slug="low-energy",
        name="Low-energy days",
        description="For the days when everything feels heavy.",
        guidelines="Be gentle.\nNo advice unless asked.",
    )


@pytest.fixture
def make_post(space):
    def make(author, **fields):
        fields.setdefault("title", "A hard week")
        fields.setdefault("body", "Nothing big, just tired of everything.")
        fields.setdefault("intent", "support")
        fields.setdefault("space", space)
        return PostFactory(author=author, **fields)

    return make


@pytest.fixture(scope="module")
def _reference_data_after_the_flush(django_db_setup, django_db_blocker):
    """Puts the reference data back after a module's transactional tests: a module
    fixture's teardown runs after the test's own flush (a test fixture's would run before)."""
    yield
    with django_db_blocker.unblock():
        migration_data.put_back()
        connection.close()  # opened outside any test: nothing else would close it


@pytest.fixture
def reference_data(_reference_data_after_the_flush, transactional_db):
    """For a test in real transactions (threads racing, each with its own connection):
    the reference data, whatever an earlier transactional test flushed, and put back
    after the module for the tests that follow."""
    migration_data.put_back()
