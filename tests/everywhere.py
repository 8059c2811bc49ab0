"""A member with something in every area 4C keeps about a member (community/yourdata.py
names the areas), built through the factories and services, as the product makes it.

For the tests of a member's copy of their data, and of anything else that must reach
every area (deleting an account). The words put in are distinctive and carry the
member's handle (`words_of`), so two such members never share a word; `kept_from` names
what other members keep private around the member (who blocked them, a report about
them, a private place at their gathering), which must never reach them.
"""

from datetime import timedelta

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import timezone

from community import roles
from community import services as community
from prescriptions import services as prescriptions
from prescriptions.models import NudgeKind, NudgeLog, NudgeStatus
from prescriptions.nudges import services as nudges
from tests.factories import (
    ActivityFactory,
    BlockFactory,
    CalendarTokenFactory,
    CheckInFactory,
    GatheringFactory,
    HostFactory,
    LinkWorkerAccessFactory,
    LinkWorkerConsentFactory,
    LinkWorkerFactory,
    PostFactory,
    PostFollowFactory,
    PrescriptionFactory,
    ReactionFactory,
    ReplyFactory,
    ReportFactory,
    RSVPFactory,
    SpaceFactory,
    SpaceFollowFactory,
    SpaceReadFactory,
    UserFactory,
    WellbeingSurveyFactory,
)

# The steps' activities, named apart from the catalogue's (a check-in suggests some of those).
STEP_DONE = "Test step, done with moods"
STEP_SET_ASIDE = "Test step, not for me"
STEP_FROM_LINK_WORKER = "Test step, from a link worker"


def words_of(member) -> dict[str, str]:
    """What the member wrote or chose, area by area: all of it is theirs, in their copy."""
    h = member.handle
    return {
        "bio": f"Bio of {h}: slow mornings and strong tea.",
        "post": f"Post by {h}: curtains open today.",
        "anonymous_post": f"Anonymous post by {h}: hard to say with my name on it.",
        "reply": f"Reply by {h}: that sounds heavy.",
        "anonymous_reply": f"Anonymous reply by {h}: me too, quietly.",
        "draft": f"Draft by {h}: not ready to share.",
        "report": f"Report by {h}: this felt unkind.",
        "gathering": f"Tea and talk with {h}",
        "muted_word": f"thunder {h}",
        "check_in_note": f"Private note of {h}: slept badly.",
        "link_worker_message": f"For {h}: only if it feels right.",
        "hidden_space": f"Quiet room of {h}",
    }


def kept_from(member) -> dict[str, str]:
    """What other members keep private around the member: never in the member's copy."""
    h = member.handle
    return {
        "blocker_handle": f"blocks_{h}",
        "report_about_them": f"Report about {h}: only moderators read this.",
        "private_guest_handle": f"guest_of_{h}",
        "private_guest_email": f"guest-of-{h}@example.org",
        "fellow_guest_handle": f"also_going_{h}",
        "friend_note": f"Private note of the friend of {h}.",
        "friend_draft": f"Draft of the friend of {h}.",
        "friend_email": f"friend-of-{h}@example.org",
    }


def member_with_data_everywhere(member=None):
    """`member` (a new one when None) with data in every area of their copy, and other
    members around them with private things of their own. Returns the member."""
    member = member or UserFactory()
    mine, theirs = words_of(member), kept_from(member)
    now = timezone.now()

    # Profile and settings
    community.update_profile(member=member, pronouns="she/her", bio=mine["bio"])
    community.assign_role(member=member, role=roles.HOSTS)
    TOTP.activate(member, generate_totp_secret())
    space = SpaceFactory()
    quiet_room = SpaceFactory(name=mine["hidden_space"])
    community.set_muted_words(member=member, phrases=[mine["muted_word"]])
    community.hide_spaces(member=member, spaces=[quiet_room], until=now + timedelta(days=7))
    CalendarTokenFactory(member=member)

    # Words, reactions, follows
    friend = UserFactory(email=theirs["friend_email"])
    own_post = PostFactory(author=member, space=space, body=mine["post"])
    PostFactory(author=member, space=space, body=mine["anonymous_post"], is_anonymous=True)
    their_post = PostFactory(
        author=friend, space=space, body=f"Thinking of @{member.handle} this week."
    )  # a mention, and a notification
    ReplyFactory(post=their_post, author=member, body=mine["reply"])
    ReplyFactory(post=their_post, author=member, body=mine["anonymous_reply"], is_anonymous=True)
    ReplyFactory(post=own_post, author=friend, body="Sending strength.")  # a notification
    ReactionFactory(member=member, post=their_post, kind="strength")
    SpaceFollowFactory(member=member, space=space)
    PostFollowFactory(member=member, post=their_post)
    SpaceReadFactory(member=member, space=space)

    # Blocks and reports, both ways
    BlockFactory(blocker=member, blocked=UserFactory())
    BlockFactory(blocker=UserFactory(handle=theirs["blocker_handle"]), blocked=member)
    ReportFactory(reporter=member, post=their_post, details=mine["report"])
    ReportFactory(reporter=UserFactory(), member=member, details=theirs["report_about_them"])

    # Gatherings: one they host (with a private guest), a place at someone else's
    hosted = GatheringFactory(host=member, space=space, title=mine["gathering"])
    guest = UserFactory(handle=theirs["private_guest_handle"], email=theirs["private_guest_email"])
    RSVPFactory(gathering=hosted, member=guest, is_private=True)
    elsewhere = GatheringFactory(host=HostFactory(), space=space)
    RSVPFactory(gathering=elsewhere, member=member, is_private=True)
    RSVPFactory(gathering=elsewhere, member=UserFactory(handle=theirs["fellow_guest_handle"]))

    # Health data: consent, a check-in with a note, steps (done with moods, "not for
    # me", one from a link worker), the wellbeing check
    CheckInFactory(member=member, mood=3, energy=2, urge="keep_to_myself",
                   note=mine["check_in_note"])  # fmt: skip
    CheckInFactory(member=friend, mood=8, energy=4, note=theirs["friend_note"])
    done = PrescriptionFactory(member=member, activity=ActivityFactory(title=STEP_DONE))
    prescriptions.mark_done(prescription=done, mood_before=3, mood_after=6)
    set_aside = PrescriptionFactory(member=member, activity=ActivityFactory(title=STEP_SET_ASIDE))
    prescriptions.skip_prescription(prescription=set_aside, reason="not_for_me")
    WellbeingSurveyFactory(member=member, life_satisfaction=4, worthwhile=6, happy=5, anxious=7)
    link_worker = LinkWorkerFactory()
    LinkWorkerConsentFactory(member=member, link_worker=link_worker)
    LinkWorkerAccessFactory(link_worker=link_worker, member=member, what="viewed your steps")
    prescriptions.prescribe_by_hand(
        member=member,
        activity=ActivityFactory(title=STEP_FROM_LINK_WORKER),
        prescriber=link_worker,
        message=mine["link_worker_message"],
    )

    # Drafts last: publishing in a space (a gathering's discussion post too) discards one
    community.save_draft(member=member, space=space, title="Later", body=mine["draft"])
    community.save_draft(member=friend, space=space, body=theirs["friend_draft"])

    # Emails
    nudges.update_preferences(member=member, daily_step=True)
    NudgeLog.objects.create(
        member=member, kind=NudgeKind.DAILY_STEP, period=f"{now:%Y-%m-%d}",
        status=NudgeStatus.SENT, finished_at=now,
    )  # fmt: skip
    return member
