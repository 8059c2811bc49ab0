"""The authentication backends: Django's and allauth's, each reading the signed-in
member's row from SQL built once per process (fourc.lib.prepared).

Every page a member opens reads their row (`request.user`), and building that one-row
query cost more than running it (about a tenth of a simple member page's time at a
million posts). The row is the whole `User`, as Django's `ModelBackend.get_user` reads
it, with what every page asks of it in the same statement: the member's roles
(community.roles.with_roles), whether their address is confirmed
(`has_verified_email`) and their muted words (community.muting.with_muted_words),
each a query of its own before. Everything else the two backends
do is theirs.
"""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.db.models import Exists, OuterRef

from community import muting, roles
from community.models import User, verified_address
from fourc.lib.prepared import Prepared


# The member's row, with what every page asks of it: their roles (the menu links to a
# link worker's members), whether they confirmed their address (may they write?) and
# their muted words (every page of posts folds what holds one).
def _member(id):
    members = User.objects.filter(pk=id).annotate(
        has_verified_email=Exists(verified_address(OuterRef("pk")))
    )
    return muting.with_muted_words(roles.with_roles(members))


MEMBER_BY_ID = Prepared(_member, id=Prepared.ID)

# Sessions begun before these backends carry the paths of the ones they extend
# (community.sessions reads them as these).
RENAMED = {
    "django.contrib.auth.backends.ModelBackend": "community.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend": (
        "community.backends.AuthenticationBackend"
    ),
}


class _ReadsMemberOnce:
    def get_user(self, user_id):
        found = MEMBER_BY_ID.objects(id=user_id)
        user = found[0] if found else None
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(_ReadsMemberOnce, DjangoModelBackend):
    """Django's: signing in by email and password (the admin's form)."""


class AuthenticationBackend(_ReadsMemberOnce, AllauthBackend):
    """allauth's: signing in through its pages (and the one its login records)."""
