"""A member with something in every corner of 4C, built the way the product builds it
(services and factories): for tests that must find, export or erase all of it."""

from dataclasses import dataclass
from datetime import timedelta

import time_machine
from allauth.mfa.models import Authenticator
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from community import moderation, roles
from community import services as community
from community.models import Post, Reply, User
from prescriptions import services as prescriptions
from prescriptions.models import NudgeKind, NudgeLog, SkipReason
from prescriptions.nudges import services as nudges
from tests.factories import (
    ActivityFactory,
    CheckInFactory,
    GatheringFactory,
    LinkWorkerFactory,
    ModeratorFactory,
    PostFactory,
    ReplyFactory,
    RSVPFactory,
    SpaceFactory,
    UserFactory,
    WellbeingSurveyFactory,
)

EMAIL = "zephyrine.q@example.org"
NAME = "Zephyrine Quillfeather"
HANDLE = "zephyrine_q"


@dataclass
class Everywhere:
    member: User
    sam: User  # another member: replies to her, is replied to, mentions her
    rosa: User  # a moderator
    jordan: User  # the link worker she invited
    lee: User  # a member who invited her, as a link worker
    pat: User  # someone she blocked
    quinn: User  # someone who blocked her
    her_post: Post  # named, others replied in it
    her_quiet_post: Post  # anonymous, nobody replied
    her_reply: Reply  # in Sam's post
    sams_post: Post  # mentions her by handle
    sams_reply: Reply  # in her post


def member_with_data_everywhere(**fields) -> Everywhere:
    """Zephyrine (or whoever `fields` make her), a host and a link worker, with posts,
    replies, reactions, mentions both ways, notifications both ways, follows, reads,
    drafts, blocks both ways, reports by her and about her, a moderator's warning, muted
    words, hidden spaces, a calendar link, places at gatherings and one to host, a past
    gathering she hosted, check-ins with a note, steps (one "not for me"), wellbeing
    answers, a link worker she invited and their look, a member she is link worker for
    (a step she suggested, with her name on it), a "hard week" note, email preferences
    and a nudge sent, an email address, a two-factor key, and an admin log line."""
    fields = {"email": EMAIL, "display_name": NAME, "handle": HANDLE, **fields}
    member = UserFactory(pronouns="she/her", bio=f"Hi, I'm {fields['display_name']}.", **fields)
    community.assign_role(member=member, role=roles.HOSTS)
    community.assign_role(member=member, role=roles.LINK_WORKERS)
    sam = UserFactory(display_name="Sam", handle="sam_e")
    rosa = ModeratorFactory(display_name="Rosa", handle="rosa_m")
    jordan = LinkWorkerFactory(display_name="Jordan", handle="jordan_l")
    lee = UserFactory(display_name="Lee", handle="lee_w")
    pat = UserFactory(display_name="Pat", handle="pat_o")
    quinn = UserFactory(display_name="Quinn", handle="quinn_r")
    space = SpaceFactory(slug="everywhere", name="Everywhere")
    other_space = SpaceFactory(slug="elsewhere", name="Elsewhere")

    # Words, both ways.
    her_post = PostFactory(author=member, space=space, title="Small wins", body="A walk.")
    her_quiet_post = PostFactory(
        author=member, space=space, title="Quietly", body="Hard day.", is_anonymous=True
    )
    sams_post = PostFactory(
        author=sam,
        space=space,
        title="Thanks",
        body=f"Thank you @{member.handle} for the walk idea.",
    )
    sams_reply = ReplyFactory(post=her_post, author=sam, body="Well done.")
    her_reply = ReplyFactory(post=sams_post, author=member, body="You're welcome @sam_e.")
    ReplyFactory(post=her_post, author=member, body="Thank you, Sam.")
    community.set_reaction(member=member, kind="hear", on=True, post=sams_post)
    community.set_reaction(member=member, kind="thanks", on=True, reply=sams_reply)
    community.set_reaction(member=sam, kind="strength", on=True, post=her_post)
    community.follow_space(member=member, space=space)
    community.follow_post(member=member, post=sams_post)
    community.note_space_read(member=member, space_id=space.pk)
    community.save_draft(member=member, space=space, title="Later", body="Not ready yet.")

    # Blocks, reports, a warning.
    community.block_member(blocker=member, blocked=pat)
    community.block_member(blocker=quinn, blocked=member)
    community.report(
        reporter=member, reason="unkind", details=f"I'm {member.display_name}; this hurt.",
        post=PostFactory(author=pat, space=space, title="Rude"),
    )  # fmt: skip
    community.report(
        reporter=sam, reason="other", details=f"@{member.handle} keeps asking.", member=member
    )
    community.report(reporter=lee, reason="unkind", post=her_post)
    moderation.hide_and_warn(
        content=her_reply,
        moderator=rosa,
        note=f"{member.display_name}, please keep it kind (@{member.handle}).",
    )
    moderation.hide(
        content=PostFactory(author=pat, space=space, title="Spam"),
        moderator=rosa,
        note=f"Reported by @{member.handle}.",
    )

    # Her controls.
    community.set_muted_words(member=member, phrases=["spiders"])
    community.hide_spaces(
        member=member, spaces=[other_space], until=timezone.now() + timedelta(days=3)
    )
    community.regenerate_calendar_token(member=member)

    # Gatherings: one she hosts, one she goes to, one she hosted in the past.
    later = timedelta(days=30)  # still to come when a week's wait is over
    hosting = GatheringFactory(host=member, space=space, title="Her evening", starts_in=later)
    RSVPFactory(gathering=hosting, member=sam)
    going = GatheringFactory(
        host=rosa, space=space, title="Rosa's morning", capacity=1, starts_in=later
    )
    RSVPFactory(gathering=going, member=member)
    RSVPFactory(gathering=going, member=sam)  # waiting
    started = timezone.now() - timedelta(days=2)
    past = GatheringFactory(
        host=member, space=space, title="Her past evening",
        starts_at=started, scheduled_at=started - timedelta(days=1),
    )  # fmt: skip
    with time_machine.travel(started + timedelta(minutes=10), tick=False):
        RSVPFactory(gathering=past, member=sam)  # a place taken before the start
        community.mark_attended(gathering=past, member=sam, by=member)

    # Health data.
    CheckInFactory(member=member, mood=3, energy=2, note="Quiet note about my week.")
    step = CheckInFactory(member=member, mood=2, energy=1).prescriptions.first()
    prescriptions.skip_prescription(prescription=step, reason=SkipReason.NOT_FOR_ME)
    WellbeingSurveyFactory(member=member)
    prescriptions.invite_link_worker(member=member, handle=jordan.handle)
    prescriptions.log_access(link_worker=jordan, member=member, what="viewed")
    prescriptions.tell_link_worker_this_week_is_hard(member=member, link_worker=jordan)
    nudges.update_preferences(member=member, daily_step=True, include_mood=True)
    NudgeLog.objects.create(member=member, kind=NudgeKind.DAILY_STEP, period="2025-01-01")

    # Her as a link worker, for Lee.
    prescriptions.invite_link_worker(member=lee, handle=member.handle)
    prescriptions.prescribe_as_link_worker(
        link_worker=member, member=lee, activity=ActivityFactory(), message="Only if it feels OK."
    )

    # Accounts.
    Authenticator.objects.create(
        user=member, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    LogEntry.objects.create(
        user=rosa,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(member.pk),
        object_repr=str(member),
        action_flag=CHANGE,
        change_message="[]",
    )
    return Everywhere(
        member=member, sam=sam, rosa=rosa, jordan=jordan, lee=lee, pat=pat, quinn=quinn,
        her_post=her_post, her_quiet_post=her_quiet_post, her_reply=her_reply,
        sams_post=sams_post, sams_reply=sams_reply,
    )  # fmt: skip
