import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache

from community import roles
from tests.factories import PASSWORD, UserFactory


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
    user = UserFactory(email="rosa@example.org", display_name="Rosa", handle="rosa", is_staff=True)
    user.groups.add(Group.objects.get(name=roles.MODERATORS))
    return user


@pytest.fixture
def link_worker(db):
    user = UserFactory(email="jordan@example.org", display_name="Jordan", handle="jordan")
    user.groups.add(Group.objects.get(name=roles.LINK_WORKERS))
    return user


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client
