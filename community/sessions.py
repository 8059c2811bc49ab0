"""Sessions that know their member: Django's cached database sessions (SESSION_ENGINE),
each row also keeping the member it belongs to (`MemberSession.member_id`), so
`end_sessions` signs a member out everywhere in one DELETE, and nothing of theirs
(allauth keeps their address in the session) outlives their account.

A page read finds the session in the cache (SESSION_CACHE_ALIAS) and asks the database
nothing; every change is written to both. The cache must be one every process shares
(Redis): a session ended by a worker must end in every web process too, so without
Redis the settings give the sessions a cache that keeps nothing."""

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDatabaseStore
from django.core.cache import caches
from django.db import connection

from community.backends import RENAMED
from community.models import MemberSession


class SessionStore(CachedDatabaseStore):
    @classmethod
    def get_model_class(cls):
        return MemberSession

    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        session.member_id = MemberSession.member_in(data)
        return session

    async def acreate_model_instance(self, data):
        session = await super().acreate_model_instance(data)
        session.member_id = MemberSession.member_in(data)
        return session

    # A session begun under a backend 4C has since extended names its extension.
    def load(self):
        return _renamed(super().load())

    async def aload(self):
        return _renamed(await super().aload())


def _renamed(data: dict) -> dict:
    if (path := data.get(BACKEND_SESSION_KEY)) in RENAMED:
        data[BACKEND_SESSION_KEY] = RENAMED[path]
    return data


def end_sessions(*, member_id: int) -> int:
    """Ends every session of the member, on every device, this one too, in the database
    and in the cache. Returns how many.

    The rows deleted are the keys dropped from the cache (RETURNING), so a session that
    begins while this runs is either left whole or ended in both."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {MemberSession._meta.db_table} WHERE member_id = %s "  # noqa: S608
            "RETURNING session_key",
            [member_id],
        )
        keys = [key for (key,) in cursor.fetchall()]
    caches[settings.SESSION_CACHE_ALIAS].delete_many(
        [SessionStore.cache_key_prefix + key for key in keys]
    )
    return len(keys)
