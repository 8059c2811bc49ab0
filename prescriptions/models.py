"""Prescriptions: the activity catalogue, check-ins (health data), and prescriptions.

Check-ins, notes, moods and wellbeing answers are health data: only the member
(and, for all but notes, a link worker they consented to) ever sees them.
"""

from datetime import time

from django.conf import settings
from django.db import models
from django.utils import timezone

from community.models import Gathering, GatheringFormat, Post
from community.safety import mentions_crisis
from fourc.lib import once

MOOD_MIN, MOOD_MAX = 0, 10
ENERGY_MIN, ENERGY_MAX = 1, 5
NOTE_MAX = 1000
CONSENT_VERSION = 1  # bump when the health-data wording changes; members consent again


class Way(models.TextChoices):
    """The Five Ways to Wellbeing."""

    CONNECT = "connect", "Connect"
    BE_ACTIVE = "be_active", "Be active"
    TAKE_NOTICE = "take_notice", "Take notice"
    KEEP_LEARNING = "keep_learning", "Keep learning"
    GIVE = "give", "Give"


# The Ways that reach other people: every plan has at least one step of these.
CONNECTION_WAYS = (Way.CONNECT, Way.GIVE)
# The one step offered in a crisis: towards a person, now. Never retired or edited.
CRISIS_SLUG = "reach-out-to-someone-now"


class Technique(models.TextChoices):
    ACTIVATION = "activation", "Behavioural activation"
    OPPOSITE = "opposite", "Opposite action"


class Urge(models.TextChoices):
    KEEP_TO_MYSELF = "keep_to_myself", "Keep to myself"
    AVOID = "avoid", "Avoid things"
    STAY_IN_BED = "stay_in_bed", "Stay in bed"
    RUMINATE = "ruminate", "Go over and over things"
    NUMB_OUT = "numb_out", "Numb out or scroll"
    GIVE_UP = "give_up", "Give up on plans"


class CommunityAction(models.TextChoices):
    """The community action that completes an activity by itself."""

    REACT = "react", "React to a post"
    REPLY = "reply", "Reply to a post"
    REPLY_UNANSWERED = "reply_unanswered", "Reply to a post in Needs a reply"
    POST = "post", "Write a post"
    SHARE_WIN = "share_win", "Share a win"
    ATTEND = "attend", "Attend a gathering"
    NONE = "none", "None (offline, done by hand)"


class Satisfaction(models.TextChoices):
    """What doing it tends to give: behavioural activation's two kinds of reward."""

    MASTERY = "mastery", "Mastery: a sense of getting something done"
    PLEASURE = "pleasure", "Pleasure: something enjoyable"


class TargetAuthor(models.TextChoices):
    """Whose post a step on a post may point at."""

    ANYONE = "", "Anyone"
    NEWCOMER = "newcomer", "A newcomer (their first post)"
    FRIEND = "friend", "Someone the member has talked with"


class Activity(models.Model):
    """One small, kind, doable thing. Moderators edit, add and retire them in the admin.

    The fields after `action` say what the step may point at (a post of these intents,
    by a newcomer or a friend, written at night; a gathering of this format) and when
    and to whom it is offered (never at night; first on a low day; with a link worker).
    """

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=120)
    how_to = models.TextField(max_length=600)
    energy = models.PositiveSmallIntegerField(help_text="Energy needed, 1 (very little) to 5.")
    way = models.CharField(max_length=16, choices=Way.choices)
    technique = models.CharField(max_length=16, choices=Technique.choices)
    opposite_of = models.JSONField(
        default=list, blank=True, help_text="The urges this is the opposite of."
    )
    minutes = models.PositiveSmallIntegerField()
    action = models.CharField(max_length=24, choices=CommunityAction.choices)
    is_active = models.BooleanField(
        default=True, help_text="Retired activities are never suggested."
    )
    satisfaction = models.CharField(
        max_length=16, choices=Satisfaction.choices, blank=True, help_text="Mastery or pleasure."
    )
    is_support = models.BooleanField(
        default=False,
        help_text="A step towards support or help (telling someone how you are, a GP, a "
        "link worker): offered first on a low day.",
    )
    needs_link_worker = models.BooleanField(
        default=False, help_text="Offered only to members who have invited a link worker."
    )
    night_unsafe = models.BooleanField(
        default=False,
        help_text="Never offered between 22:00 and 07:00 in the member's time (doors, calls, "
        "walks outside).",
    )
    target_intents = models.JSONField(
        default=list,
        blank=True,
        help_text="For a step on a post: the post intents it fits (none ticked: any).",
    )
    target_author = models.CharField(
        max_length=16,
        choices=TargetAuthor.choices,
        blank=True,
        help_text="For a step on a post: whose post it fits.",
    )
    target_at_night = models.BooleanField(
        default=False,
        help_text="For a step on a post: only posts written at night (22:00 to 07:00 in "
        "the writer's time).",
    )
    target_format = models.CharField(
        max_length=16,
        choices=GatheringFormat.choices,
        blank=True,
        help_text="For a gathering step: the format it fits (none: either).",
    )

    class Meta:
        verbose_name_plural = "activities"
        ordering = ["energy", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(energy__gte=ENERGY_MIN, energy__lte=ENERGY_MAX),
                name="activity_energy_range",
            ),
            models.CheckConstraint(condition=models.Q(minutes__gte=1), name="activity_minutes"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_connection(self) -> bool:
        return self.way in CONNECTION_WAYS


class Consent(models.Model):
    """A member's explicit consent to keeping their check-ins (versioned)."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="health_consents"
    )
    version = models.PositiveSmallIntegerField(default=CONSENT_VERSION)
    given_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["member", "-given_at"], name="consent_member")]

    def __str__(self) -> str:
        return f"Consent v{self.version} of {self.member_id}"


class CheckIn(models.Model):
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="check_ins"
    )
    mood = models.PositiveSmallIntegerField()
    energy = models.PositiveSmallIntegerField()
    urge = models.CharField(max_length=24, choices=Urge.choices, blank=True)
    note = models.TextField(max_length=NOTE_MAX, blank=True)
    # Crisis language was found (in the note or a recent post): the feed shows help, not steps.
    in_crisis = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    submit_key = once.key_field()  # the form's one-time key: a repeat finds this check-in

    class Meta:
        indexes = [
            models.Index(fields=["member", "-created_at", "-id"], name="checkin_member"),
            # Who ever checked in in crisis: the few whose latest check-in may say so now.
            models.Index(
                fields=["member"], name="checkin_in_crisis", condition=models.Q(in_crisis=True)
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(mood__gte=MOOD_MIN, mood__lte=MOOD_MAX), name="checkin_mood"
            ),
            models.CheckConstraint(
                condition=models.Q(energy__gte=ENERGY_MIN, energy__lte=ENERGY_MAX),
                name="checkin_energy",
            ),
            once.unique_key("member", name="checkin_submitted_once"),
        ]

    def __str__(self) -> str:
        return f"Check-in {self.pk}"

    def save(self, *args, update_fields=None, **kwargs):
        """A note in crisis words makes a crisis check-in, whoever saves it (never the
        other way: one in crisis stays one); services.rematch_latest_check_ins keeps it
        so when the phrases change."""
        if not self.in_crisis and (update_fields is None or "note" in update_fields):
            self.in_crisis = mentions_crisis(self.note)
            if update_fields is not None:
                update_fields = {*update_fields, "in_crisis"}
        super().save(*args, update_fields=update_fields, **kwargs)


class Status(models.TextChoices):
    SUGGESTED = "suggested", "Suggested"
    PLANNED = "planned", "Planned"
    DONE = "done", "Done"
    SKIPPED = "skipped", "Skipped"
    EXPIRED = "expired", "Expired"


OPEN_STATUSES = (Status.SUGGESTED, Status.PLANNED)


class SkipReason(models.TextChoices):
    NOT_NOW = "not_now", "Not now"
    NOT_FOR_ME = "not_for_me", "Not for me"


# A step's mood lift: the mood after it minus the mood before, for a done step with
# both. Prescription.lift is the same for one row; these are the one definition the
# engine's learning, its community prior and the insights page all read.
LIFTED = models.Q(status=Status.DONE, mood_before__isnull=False, mood_after__isnull=False)
LIFT = models.F("mood_after") - models.F("mood_before")


class PrescriptionQuerySet(models.QuerySet):
    def with_lift(self):
        """Each with `mood_lift`: its lift, or None when it has none (not done, or a
        mood missing)."""
        return self.annotate(
            mood_lift=models.Case(
                models.When(LIFTED, then=LIFT), output_field=models.IntegerField()
            )
        )

    def lift_totals(self):
        """Rows of total lift and `times` per activity id, over the steps that have a
        lift: one row per activity, summed from the partial index prescription_lifted
        alone (an index-only scan: no join, no table rows). A values_list() after it
        that names the activity's title or Way joins the activity and groups by them
        too (the insights page's)."""
        return (
            self.filter(LIFTED)
            .values("activity_id")
            .annotate(total=models.Sum(LIFT), times=models.Count("*"))
            .order_by()
        )


class Prescription(models.Model):
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="prescriptions"
    )
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="prescriptions")
    post = models.ForeignKey(
        Post, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    gathering = models.ForeignKey(
        Gathering, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=300)
    score_parts = models.JSONField(default=dict, blank=True)
    # Who prescribed it: the engine (null) or a link worker.
    prescriber = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    personal_message = models.CharField(max_length=500, blank=True)
    check_in = models.ForeignKey(
        CheckIn, on_delete=models.SET_NULL, null=True, blank=True, related_name="prescriptions"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUGGESTED)
    planned_for = models.DateTimeField(null=True, blank=True)
    skip_reason = models.CharField(max_length=16, choices=SkipReason.choices, blank=True)
    mood_before = models.PositiveSmallIntegerField(null=True, blank=True)
    mood_after = models.PositiveSmallIntegerField(null=True, blank=True)
    completed_automatically = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = PrescriptionQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["member", "status", "-created_at"], name="prescription_member"),
            models.Index(fields=["member", "-created_at", "-id"], name="prescription_history"),
            # The community's prior (selectors._community_prior) reads only this.
            models.Index(
                fields=["activity", "mood_before", "mood_after"],
                condition=LIFTED,
                name="prescription_lifted",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(mood_before__isnull=True)
                | models.Q(mood_before__gte=MOOD_MIN, mood_before__lte=MOOD_MAX),
                name="prescription_mood_before",
            ),
            models.CheckConstraint(
                condition=models.Q(mood_after__isnull=True)
                | models.Q(mood_after__gte=MOOD_MIN, mood_after__lte=MOOD_MAX),
                name="prescription_mood_after",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity} for {self.member_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_crisis_step(self) -> bool:
        """The step towards a person offered in a crisis: "I've reached out" is its only
        answer (services.mark_reached_out); it is never planned, skipped or asked a mood."""
        return self.activity.slug == CRISIS_SLUG

    @property
    def lift(self) -> int | None:
        """LIFT, for this row."""
        if self.status != Status.DONE or self.mood_before is None or self.mood_after is None:
            return None
        return self.mood_after - self.mood_before


SCALE_MIN, SCALE_MAX = 0, 10

# The ONS four personal wellbeing questions, in their standard wording.
WELLBEING_QUESTIONS = (
    ("life_satisfaction", "Overall, how satisfied are you with your life nowadays?"),
    (
        "worthwhile",
        "Overall, to what extent do you feel that the things you do in your life are worthwhile?",
    ),
    ("happy", "Overall, how happy did you feel yesterday?"),
    ("anxious", "Overall, how anxious did you feel yesterday?"),
)
WELLBEING_FIELDS = tuple(name for name, _ in WELLBEING_QUESTIONS)
WELLBEING_SHORT = {
    "life_satisfaction": "Life satisfaction",
    "worthwhile": "Worthwhile",
    "happy": "Happy yesterday",
    "anxious": "Anxious yesterday (lower is better)",
}


class WellbeingSurvey(models.Model):
    """The four ONS personal wellbeing questions, 0 (not at all) to 10 (completely).

    Health data, like check-ins: only the member (and a consented link worker) sees it,
    and withdrawing consent erases it. For anxious, lower is better."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wellbeing_surveys"
    )
    life_satisfaction = models.PositiveSmallIntegerField()
    worthwhile = models.PositiveSmallIntegerField()
    happy = models.PositiveSmallIntegerField()
    anxious = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["member", "-created_at", "-id"], name="wellbeing_member"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(**{f"{name}__gte": SCALE_MIN, f"{name}__lte": SCALE_MAX}),
                name=f"wellbeing_{name}",
            )
            for name in WELLBEING_FIELDS
        ]

    def __str__(self) -> str:
        return f"Wellbeing check {self.pk}"


class LinkWorkerConsent(models.Model):
    """A member's consent for a link worker to see their steps and mood trend (never
    their notes). Revocable at any time; only one active consent per pair."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="link_worker_consents"
    )
    link_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="caseload_consents"
    )
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["member", "link_worker"],
                condition=models.Q(revoked_at__isnull=True),
                name="link_worker_consent_one_active",
            ),
            models.CheckConstraint(
                condition=~models.Q(member=models.F("link_worker")),
                name="link_worker_consent_not_self",
            ),
        ]

    def __str__(self) -> str:
        return f"Link worker {self.link_worker_id} for {self.member_id}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class LinkWorkerAccess(models.Model):
    """Every time a link worker looked at a member's data or suggested a step.
    The member sees this log; it outlives the link worker's account."""

    link_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="link_worker_accesses"
    )
    what = models.CharField(max_length=200)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "link worker accesses"
        indexes = [models.Index(fields=["member", "-at", "-id"], name="link_worker_access_member")]

    def __str__(self) -> str:
        return f"{self.link_worker_id} {self.what} ({self.member_id})"


# --- Nudges: the reminder emails (prescriptions/nudges/) ----------------------------------


class NudgeKind(models.TextChoices):
    """Each kind is one line in the member's email preferences and one unsubscribe."""

    DAILY_STEP = "daily_step", "A small step for today"
    WEEKLY = "weekly", "Your week, looking back"
    GATHERING = "gathering", "Reminders for gatherings you have a place at"
    DIGEST = "digest", "Replies and mentions"
    WELCOME_BACK = "welcome_back", "We're here when you're ready"
    LINK_WORKER = "link_worker", "Steps from your link worker"


class NudgeStatus(models.TextChoices):
    CLAIMED = "claimed", "Claimed, not sent yet"
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Not sent"
    FAILED = "failed", "Failed"


# The reason code of a nudge held back for the member's wellbeing (nothing cheerful to
# someone in crisis): the only code that says so, and no more than that.
HELD = "held"
# The nudges that tell of health use or a link worker just by being there: a daily step
# or a week looking back (the member checks in and takes steps), a link worker's step,
# and any nudge held for the member's wellbeing. The admin never says whose they are.
TELLING_KINDS = (NudgeKind.DAILY_STEP, NudgeKind.WEEKLY, NudgeKind.LINK_WORKER)
TELLS_OF_HEALTH = models.Q(kind__in=TELLING_KINDS) | models.Q(reason=HELD)


# The preference that turns each kind on or off.
WANTS_FIELD = {
    NudgeKind.DAILY_STEP: "daily_step",
    NudgeKind.WEEKLY: "weekly",
    NudgeKind.GATHERING: "gatherings",
    NudgeKind.DIGEST: "digest",
    NudgeKind.WELCOME_BACK: "welcome_back",
    NudgeKind.LINK_WORKER: "link_worker",
}
DAILY_CAP_DEFAULT = 2
DAILY_CAP_MAX = 10


def daily_step_time() -> time:
    """The daily step's default hour, 10:00 on the member's own clock. A callable, not
    `time(10)`: Django's check warns of a fixed time default (fields.W161) when it runs
    within ten seconds of that time, and `check --deploy` must be clean at any hour."""
    return time(10)


class NudgePreferences(models.Model):
    """What a member wants emailed, when, and when each kind is next due.

    The `*_due_at` instants are kept current by prescriptions.nudges.services whenever
    a preference, the time zone, a break or a visit changes, and moved on by the
    dispatcher when it claims one; the dispatcher finds who is due by these alone.
    """

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="nudge_preferences",
    )
    daily_step = models.BooleanField(default=False)
    daily_at = models.TimeField(default=daily_step_time)
    weekly = models.BooleanField(default=False)
    gatherings = models.BooleanField(default=True)
    digest = models.BooleanField(default=True)
    welcome_back = models.BooleanField(default=False)
    link_worker = models.BooleanField(default=True)
    include_mood = models.BooleanField(default=False)
    # Nothing is sent from quiet_from until quiet_until (local time); equal: no quiet hours.
    quiet_from = models.TimeField(default=time(22))
    quiet_until = models.TimeField(default=time(8))
    daily_cap = models.PositiveSmallIntegerField(default=DAILY_CAP_DEFAULT)
    paused_until = models.DateTimeField(null=True, blank=True)
    last_visit_at = models.DateTimeField(null=True, blank=True)
    welcome_back_unanswered = models.PositiveSmallIntegerField(default=0)
    welcome_back_last_at = models.DateTimeField(null=True, blank=True)
    # When the last digest was claimed: the next covers what came after it.
    digest_last_at = models.DateTimeField(null=True, blank=True)
    daily_due_at = models.DateTimeField(null=True, blank=True)
    weekly_due_at = models.DateTimeField(null=True, blank=True)
    digest_due_at = models.DateTimeField(null=True, blank=True)
    welcome_back_due_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "nudge preferences"
        indexes = [
            models.Index(
                fields=[f"{kind}_due_at"],
                name=f"nudge_{kind}_due",
                condition=models.Q(**{f"{kind}_due_at__isnull": False}),
            )
            for kind in ("daily", "weekly", "digest", "welcome_back")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(daily_cap__gte=1, daily_cap__lte=DAILY_CAP_MAX),
                name="nudge_daily_cap_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Email preferences of {self.member_id}"

    def wants(self, kind: str) -> bool:
        return getattr(self, WANTS_FIELD[kind])


class NudgeLog(models.Model):
    """One row per nudge per member per period, written before anything is sent: the
    unique constraint is what makes a nudge go out at most once, however many
    dispatchers, beats or retries race for it. Holds no health data: the kind, the
    period, the status, and a reason code a moderator may read."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="nudge_logs"
    )
    kind = models.CharField(max_length=16, choices=NudgeKind.choices)
    # A local date, a week, a gathering and its lead, a prescription: see nudges.schedule.
    period = models.CharField(max_length=64)
    # The gathering or the prescription the nudge is about, when it is about one.
    about_id = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=NudgeStatus.choices, default=NudgeStatus.CLAIMED
    )
    reason = models.CharField(max_length=32, blank=True)
    claim = models.UUIDField(null=True, blank=True, editable=False)
    due_at = models.DateTimeField(default=timezone.now)  # when it was meant to go
    # A digest covers notifications after this (and up to claimed_at).
    since = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["member", "kind", "period"], name="nudge_one_per_period"
            ),
        ]
        indexes = [
            models.Index(
                fields=["claimed_at"],
                name="nudge_waiting",
                condition=models.Q(status="claimed"),
            ),
            models.Index(fields=["claim"], name="nudge_claim"),
            models.Index(fields=["member", "-claimed_at"], name="nudge_member"),
            models.Index(fields=["-claimed_at"], name="nudge_recent"),
        ]

    def __str__(self) -> str:
        # The admin titles its page with this: a nudge that tells of health names no one.
        whose = "a member" if self.tells_of_health else f"member {self.member_id}"
        return f"{self.kind} {self.period} for {whose}"

    @property
    def tells_of_health(self) -> bool:
        """TELLS_OF_HEALTH, for this row."""
        return self.kind in TELLING_KINDS or self.reason == HELD

    @property
    def message_id(self) -> str:
        """Stable across retries, so a mail server can drop a repeat."""
        return f"<nudge-{self.pk}@{settings.NUDGE_MESSAGE_ID_DOMAIN}>"


# --- What the admin never reaches (fourc.admin holds every model admin to it) -------------

# Health data and link-worker relations. No admin registers them or shows them inline, and
# no admin filter, search, ordering or autocomplete reaches them, at any depth. The email
# preferences are here too: they say who asked for a daily step, a week looking back or
# their mood by email.
HEALTH_MODELS = (
    Consent,
    CheckIn,
    Prescription,
    WellbeingSurvey,
    LinkWorkerConsent,
    LinkWorkerAccess,
    NudgePreferences,
)
# Not health data, but some rows tell of it (TELLS_OF_HEALTH): its own admin leaves those
# rows unnamed, and no other admin reaches it.
HEALTH_TELLING_MODELS = (NudgeLog,)
