"""One factory per model of `community` and `prescriptions`.

Where a service makes the thing, the factory calls it (`_create`), so counters,
rendered HTML, search vectors, notifications and signals are what the product
makes. Plain rows with no service behind them are written with the ORM.
Each factory makes what it needs (an author, a space, a post) when not given.
"""

from datetime import timedelta

import factory
import time_machine
from allauth.account.models import EmailAddress
from django.utils import timezone

from community import roles
from community import services as community
from community.models import (
    RSVP,
    Block,
    CalendarToken,
    CrisisLine,
    DataExport,
    Gathering,
    GatheringFormat,
    Mention,
    Notification,
    Post,
    PostFollow,
    Reaction,
    Reply,
    Report,
    Space,
    SpaceFollow,
    SpaceRead,
    User,
)
from prescriptions import services as prescriptions
from prescriptions.models import (
    Activity,
    CheckIn,
    Consent,
    LinkWorkerAccess,
    LinkWorkerConsent,
    Prescription,
    WellbeingSurvey,
)

PASSWORD = "a-calm-test-password"  # noqa: S105
JOIN_URL = "https://meet.example.org/4c-evening"
DESCRIPTION = "A gentle hour together. Cameras off is fine."


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"member{n}@example.org")
    display_name = factory.Sequence(lambda n: f"Member {n}")
    handle = factory.Sequence(lambda n: f"member_{n}")
    time_zone = "Europe/London"
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified(user, create, extracted, **kwargs):
        """verified=True (the default) gives the member a confirmed primary address."""
        if create and extracted is not False:
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        elif create:
            EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)

    @factory.post_generation
    def accepted_guidelines(user, create, extracted, **kwargs):
        """accepted_guidelines=True (the default): the member agreed to the current
        guidelines, as at sign-up; False makes one who hasn't (yet, or since a change)."""
        if create and extracted is not False:
            community.accept_guidelines(member=user)


def _in_role(role: str):
    """A post-generation step that puts the member in a role's group, as a moderator would."""

    @factory.post_generation
    def in_role(user, create, extracted, **kwargs):
        if create:
            community.assign_role(member=user, role=role)

    return in_role


class ModeratorFactory(UserFactory):
    in_role = _in_role(roles.MODERATORS)


class LinkWorkerFactory(UserFactory):
    in_role = _in_role(roles.LINK_WORKERS)


class HostFactory(UserFactory):
    """A member a moderator trusted to host gatherings."""

    in_role = _in_role(roles.HOSTS)


class CrisisLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CrisisLine

    name = factory.Sequence(lambda n: f"Helpline {n}")
    region = "UK"
    how_to_reach = "Call 116 123"
    phone = "116123"


# --- Community ------------------------------------------------------------------


class SpaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Space

    slug = factory.Sequence(lambda n: f"room-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.title())
    description = "A quiet room."


class SpaceFollowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SpaceFollow

    member = factory.SubFactory(UserFactory)
    space = factory.SubFactory(SpaceFactory)

    @classmethod
    def _create(cls, model_class, *, member, space, **kwargs):
        community.follow_space(member=member, space=space)
        return SpaceFollow.objects.get(member=member, space=space)


class SpaceReadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SpaceRead

    member = factory.SubFactory(UserFactory)
    space = factory.SubFactory(SpaceFactory)


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post

    author = factory.SubFactory(UserFactory)
    space = factory.SubFactory(SpaceFactory)
    title = factory.Sequence(lambda n: f"Post {n}")
    body = "Nothing big, just tired of everything."
    intent = "support"
    content_warning = ""
    is_anonymous = False

    @classmethod
    def _create(cls, model_class, **fields):
        return community.create_post(**fields)


class ReplyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reply

    post = factory.SubFactory(PostFactory)
    author = factory.SubFactory(UserFactory)
    body = "I hear you."
    is_anonymous = False

    @classmethod
    def _create(cls, model_class, **fields):
        return community.post_reply(**fields)


class ReactionFactory(factory.django.DjangoModelFactory):
    """A reaction on a post (made for it when not given), or on `reply` when given."""

    class Meta:
        model = Reaction

    member = factory.SubFactory(UserFactory)
    kind = "hear"
    reply = None
    post = factory.Maybe(
        "reply", yes_declaration=None, no_declaration=factory.SubFactory(PostFactory)
    )

    @classmethod
    def _create(cls, model_class, *, member, kind, post, reply, **kwargs):
        community.set_reaction(member=member, kind=kind, on=True, post=post, reply=reply)
        target = {"reply": reply} if reply else {"post": post}
        return Reaction.objects.get(member=member, kind=kind, **target)


class PostFollowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PostFollow

    member = factory.SubFactory(UserFactory)
    post = factory.SubFactory(PostFactory)

    @classmethod
    def _create(cls, model_class, *, member, post, **kwargs):
        community.follow_post(member=member, post=post)
        return PostFollow.objects.get(member=member, post=post)


class MentionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mention

    member = factory.SubFactory(UserFactory)
    post = factory.SubFactory(PostFactory)


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    kind = "reply"
    post = factory.SubFactory(PostFactory)

    @classmethod
    def _create(cls, model_class, **fields):
        notification = super()._create(model_class, **fields)
        if notification.read_at is None:  # counted, as the services count theirs
            community.count_unread(Notification.objects.filter(pk=notification.pk), change=1)
        return notification


class BlockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Block

    blocker = factory.SubFactory(UserFactory)
    blocked = factory.SubFactory(UserFactory)

    @classmethod
    def _create(cls, model_class, *, blocker, blocked, **kwargs):
        community.block_member(blocker=blocker, blocked=blocked)
        return Block.objects.get(blocker=blocker, blocked=blocked)


class ReportFactory(factory.django.DjangoModelFactory):
    """A report of a post (made for it when not given), or of `reply` or `member`."""

    class Meta:
        model = Report

    reporter = factory.SubFactory(UserFactory)
    reason = "unkind"
    details = ""
    reply = None
    member = None
    post = factory.Maybe(
        factory.LazyAttribute(lambda o: o.reply is None and o.member is None),
        yes_declaration=factory.SubFactory(PostFactory),
        no_declaration=None,
    )

    @classmethod
    def _create(cls, model_class, **fields):
        return community.report(**fields)


class GatheringFactory(factory.django.DjangoModelFactory):
    """A gathering scheduled through the service, online unless `format` says otherwise.

    `starts_in` (from now) or `starts_at`; `scheduled_at`: the instant the host
    scheduled it, for tests on a fixed timeline (it must start after that)."""

    class Meta:
        model = Gathering

    class Params:
        starts_in = timedelta(days=3)

    host = factory.SubFactory(HostFactory)
    space = factory.SubFactory(SpaceFactory)
    title = "Evening chat"
    description = DESCRIPTION
    starts_at = factory.LazyAttribute(lambda o: timezone.now() + o.starts_in)
    duration_minutes = 60
    format = GatheringFormat.ONLINE
    capacity = None
    join_url = factory.LazyAttribute(
        lambda o: JOIN_URL if o.format == GatheringFormat.ONLINE else ""
    )
    place = factory.LazyAttribute(
        lambda o: "" if o.format == GatheringFormat.ONLINE else "The library, room 2"
    )
    scheduled_at = None

    @classmethod
    def _create(cls, model_class, *, scheduled_at=None, **fields):
        if scheduled_at is None:
            return community.create_gathering(**fields)
        with time_machine.travel(scheduled_at, tick=False):
            return community.create_gathering(**fields)


class RSVPFactory(factory.django.DjangoModelFactory):
    """A place taken through the service (on the waiting list when the gathering is
    full); `taken_at`: the instant it was taken, for tests on a fixed timeline."""

    class Meta:
        model = RSVP

    gathering = factory.SubFactory(GatheringFactory)
    member = factory.SubFactory(UserFactory)
    is_private = False
    taken_at = None

    @classmethod
    def _create(cls, model_class, *, taken_at=None, **fields):
        if taken_at is None:
            return community.rsvp(**fields)
        with time_machine.travel(taken_at, tick=False):
            return community.rsvp(**fields)


class CalendarTokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalendarToken

    member = factory.SubFactory(UserFactory)

    @classmethod
    def _create(cls, model_class, *, member, **kwargs):
        return community.regenerate_calendar_token(member=member)


class DataExportFactory(factory.django.DjangoModelFactory):
    """A member's copy of their data, asked for and built (ready: the task's work done
    here, without the email); `ready=False` leaves it being prepared."""

    class Meta:
        model = DataExport

    member = factory.SubFactory(UserFactory)
    ready = True

    @classmethod
    def _create(cls, model_class, *, member, ready, **kwargs):
        export, _ = community.request_data_export(member=member)
        return community.build_data_export(export_id=export.pk) if ready else export


# --- Prescriptions ----------------------------------------------------------------


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    slug = factory.Sequence(lambda n: f"activity-{n}")
    title = factory.Sequence(lambda n: f"Activity {n}")
    how_to = "Do one small thing."
    energy = 1
    way = "connect"
    technique = "activation"
    minutes = 5
    action = "none"


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    member = factory.SubFactory(UserFactory)

    @classmethod
    def _create(cls, model_class, *, member, **kwargs):
        return prescriptions.give_consent(member=member)


class CheckInFactory(factory.django.DjangoModelFactory):
    """A check-in through record_check_in, with the engine's suggestions. A check-in
    needs the member's consent: the factory gives it first (a repeat changes nothing)."""

    class Meta:
        model = CheckIn

    member = factory.SubFactory(UserFactory)
    mood = 4
    energy = 2
    urge = ""
    note = ""

    @classmethod
    def _create(cls, model_class, **fields):
        prescriptions.give_consent(member=fields["member"])
        check_in, _plan = prescriptions.record_check_in(**fields)
        return check_in


class PrescriptionFactory(factory.django.DjangoModelFactory):
    """An open step, stored as record_check_in stores the engine's.

    Written directly: record_check_in lets the engine choose the activity and its
    target, and no service takes a chosen one."""

    class Meta:
        model = Prescription

    member = factory.SubFactory(UserFactory)
    activity = factory.SubFactory(ActivityFactory)
    reason = "A small step."


class WellbeingSurveyFactory(factory.django.DjangoModelFactory):
    """Answers through record_wellbeing; like a check-in, it needs consent, given first."""

    class Meta:
        model = WellbeingSurvey

    member = factory.SubFactory(UserFactory)
    life_satisfaction = 6
    worthwhile = 7
    happy = 5
    anxious = 3

    @classmethod
    def _create(cls, model_class, **fields):
        prescriptions.give_consent(member=fields["member"])
        return prescriptions.record_wellbeing(**fields)


class LinkWorkerConsentFactory(factory.django.DjangoModelFactory):
    """The member invites the link worker by handle."""

    class Meta:
        model = LinkWorkerConsent

    member = factory.SubFactory(UserFactory)
    link_worker = factory.SubFactory(LinkWorkerFactory)

    @classmethod
    def _create(cls, model_class, *, member, link_worker, **kwargs):
        return prescriptions.invite_link_worker(member=member, handle=link_worker.handle)


class LinkWorkerAccessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LinkWorkerAccess

    link_worker = factory.SubFactory(LinkWorkerFactory)
    member = factory.SubFactory(UserFactory)
    what = "viewed"

    @classmethod
    def _create(cls, model_class, **fields):
        return prescriptions.log_access(**fields)
