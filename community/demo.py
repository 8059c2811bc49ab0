"""Demo members for trying 4C out. Later capabilities add their own demo data here."""

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db import transaction

from community import roles
from community.models import User

DEMO_PASSWORD = "demo-4c-password"  # noqa: S105 - printed on purpose; demo accounts only


@dataclass(frozen=True)
class DemoMember:
    email: str
    display_name: str
    handle: str
    pronouns: str = ""
    bio: str = ""
    time_zone: str = "Europe/London"
    role: str = ""


DEMO_MEMBERS = [
    DemoMember(
        "maya@example.org", "Maya", "maya", "she/her",
        "Learning to be gentler with myself. I like tea, rain and slow walks.",
    ),
    DemoMember(
        "sam@example.org", "Sam", "sam", "they/them",
        "Night owl. Here for the low-energy days and the small wins.",
        time_zone="America/New_York",
    ),
    DemoMember(
        "ade@example.org", "Ade", "ade", "he/him",
        "Dad of two, amateur baker, figuring it out one day at a time.",
    ),
    DemoMember(
        "priya@example.org", "Priya", "priya", "",
        "I draw when words are hard.", time_zone="Asia/Kolkata",
    ),
    DemoMember(
        "rosa@example.org", "Rosa (moderator)", "rosa", "she/her",
        "I help keep 4C kind and safe. Say hello any time.", role=roles.MODERATORS,
    ),
    DemoMember(
        "jordan@example.org", "Jordan (link worker)", "jordan", "he/him",
        "Social prescribing link worker.", role=roles.LINK_WORKERS,
    ),
]  # fmt: skip


@transaction.atomic
def seed_members() -> list[tuple[DemoMember, bool]]:
    """Creates or refreshes the demo members; returns (member, created) pairs.

    Safe to run again: members are matched by email, their demo password and
    confirmed address are put back, nothing is duplicated.
    """
    results = []
    for demo in DEMO_MEMBERS:
        user = User.objects.filter(email=demo.email).first()
        created = user is None
        if created:
            user = User.objects.create_user(
                demo.email,
                DEMO_PASSWORD,
                display_name=demo.display_name,
                handle=demo.handle,
                pronouns=demo.pronouns,
                bio=demo.bio,
                time_zone=demo.time_zone,
            )
        else:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if demo.role == roles.MODERATORS and not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        if demo.role:
            user.groups.add(Group.objects.get(name=demo.role))
        EmailAddress.objects.update_or_create(
            user=user, email=demo.email, defaults={"verified": True, "primary": True}
        )
        results.append((demo, created))
    return results
