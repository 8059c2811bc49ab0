"""Sessions that know their member: Django's database sessions (SESSION_ENGINE), each row
also keeping the member it belongs to (`MemberSession.member_id`), so `end_sessions`
signs a member out everywhere in one DELETE, and nothing of theirs (allauth keeps their
address in the session) outlives their account."""

from django.contrib.sessions.backends.db import SessionStore as DatabaseStore

from community.models import MemberSession


class SessionStore(DatabaseStore):
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


def end_sessions(*, member_id: int) -> int:
    """Ends every session of the member, on every device, this one too. Returns how many."""
    ended, _ = MemberSession.objects.filter(member_id=member_id).delete()
    return ended
