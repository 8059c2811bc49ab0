import functools
import re
import zoneinfo
from datetime import UTC, datetime, timedelta
from functools import cached_property

from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.postgres.search import SearchVectorField
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import ExpressionWrapper
from django.db.models.functions import Cast, Coalesce, Lower
from django.utils import timezone

from community.names import validate_display_name, validate_handle_name
from community.safety import PHRASE_MAX, Family, validate_phrase
from fourc.lib import once
from fourc.lib.prepared import Prepared

DISPLAY_NAME_MAX = 50
HANDLE_MIN = 3
HANDLE_MAX = 30
PRONOUNS_MAX = 40
BIO_MAX = 500

# The one handle rule: the validator, the database check, mentions and URL look-ups use it.
HANDLE_PATTERN = rf"[a-z0-9_]{{{HANDLE_MIN},{HANDLE_MAX}}}"
HANDLE_RE = re.compile(HANDLE_PATTERN)

handle_validator = RegexValidator(
    regex=rf"^{HANDLE_PATTERN}$",
    message=(
        f"A handle is {HANDLE_MIN} to {HANDLE_MAX} characters: "
        "lower-case letters, numbers and underscores."
    ),
)


def validate_time_zone(value: str) -> None:
    if value not in available_time_zones():
        raise ValidationError("Choose a time zone from the list, such as Europe/London.")


_TIME_ZONES: frozenset[str] | None = None


_TIME_ZONE_AREAS = (
    "Africa/", "America/", "Antarctica/", "Arctic/", "Asia/", "Atlantic/", "Australia/",
    "Europe/", "Indian/", "Pacific/",
)  # fmt: skip


def available_time_zones() -> frozenset[str]:
    """IANA Area/City zones, plus UTC: no legacy names like "US/Eastern" or "GB"."""
    global _TIME_ZONES  # noqa: PLW0603 - computed once, read often
    if _TIME_ZONES is None:
        _TIME_ZONES = frozenset(
            tz for tz in zoneinfo.available_timezones() if tz.startswith(_TIME_ZONE_AREAS)
        ) | {"UTC"}
    return _TIME_ZONES


# A permanent suspension ends at the end of time: one comparison answers "suspended now?".
SUSPENDED_FOREVER = datetime(9999, 12, 31, tzinfo=UTC)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **fields):
        from community.handles import unique_handle

        email = self.normalize_email(email).lower()
        fields.setdefault("display_name", email.split("@")[0][:DISPLAY_NAME_MAX])
        fields.setdefault("handle", unique_handle(fields["display_name"]))
        user = self.model(email=email, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A member of 4C. Roles (Moderators, Link workers) come from groups."""

    # What a byline shows of its author (byline.jinja): ContentQuerySet.with_byline reads these.
    BYLINE_FIELDS = ("display_name", "handle", "is_active")

    email = models.EmailField("email address", max_length=254, unique=True)
    display_name = models.CharField(
        max_length=DISPLAY_NAME_MAX,
        validators=[validate_display_name],
        help_text="How other members see you. It doesn't need to be your real name.",
    )
    handle = models.CharField(
        max_length=HANDLE_MAX,
        unique=True,
        validators=[handle_validator, validate_handle_name],
        help_text="For your profile address and @mentions.",
    )
    pronouns = models.CharField(max_length=PRONOUNS_MAX, blank=True)
    bio = models.TextField(max_length=BIO_MAX, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # Moderation state (community.moderation changes it; the log keeps the history).
    suspended_until = models.DateTimeField(null=True, blank=True, editable=False)
    suspension_note = models.TextField(blank=True, editable=False)
    posting_paused_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Deleting the account (community.deletion changes it; AccountDeletion keeps the record):
    # while set, the account is paused until then, and the member sees only the page that
    # says so, with "Keep my account" (fourc.middleware.AccountDeletionPendingMiddleware).
    deletion_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    # What the header's count shows: the unread notifications the inbox shows
    # (Notification.objects.shown). community.services keeps it in the transaction that
    # changes them; the inbox page and a nightly task correct any drift.
    unread_notifications = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(handle__regex=rf"^{HANDLE_PATTERN}$"),
                name="user_handle_format",
            ),
            models.CheckConstraint(
                condition=~models.Q(display_name=""), name="user_display_name_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} (@{self.handle})"

    def get_short_name(self) -> str:
        return self.display_name

    def get_full_name(self) -> str:
        return self.display_name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def has_profile(self) -> bool:
        """Whether their name may link to their page (selectors.get_member opens only
        active members'): a former member's, or a closed account's, links nowhere."""
        return self.is_active

    def is_suspended(self, at=None) -> bool:
        """The one suspension rule: suspended until `suspended_until` (SUSPENDED_FOREVER
        when permanent). A suspended member reads, reports and blocks, never writes."""
        return self.suspended_until is not None and self.suspended_until > (at or timezone.now())

    @property
    def suspension_is_permanent(self) -> bool:
        return self.suspended_until == SUSPENDED_FOREVER

    @cached_property
    def has_verified_email(self) -> bool:
        """True once the member has confirmed their primary address: needed to write.
        The signed-in member's row brings it (community.backends): no query then."""
        return VERIFIED_EMAIL.exists(member=self)

    @cached_property
    def has_accepted_guidelines(self) -> bool:
        """True once the member has agreed to the current community guidelines: needed to
        write (community.permissions.refuse_to_write). One query, once per request."""
        from community import guidelines

        return self.guidelines_acceptances.filter(version=guidelines.VERSION).exists()


def verified_address(member):
    """The member's confirmed primary address, if any (a QuerySet of its id): `member` may
    be an OuterRef, for a member read with it (community.backends)."""
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(user=member, verified=True, primary=True).values("pk")[:1]


# Asked on every member page (can a member write?): built once per process.
VERIFIED_EMAIL = Prepared(verified_address, member=Prepared.MEMBER)


class CrisisLine(models.Model):
    """A line on the "Get help now" page. Moderators keep the list in the admin."""

    name = models.CharField(max_length=80)
    region = models.CharField(
        max_length=60, help_text='Where it serves, e.g. "UK", "US", "Anywhere".'
    )
    how_to_reach = models.CharField(
        max_length=120, help_text='What to do, e.g. "Call 116 123" or "Text SHOUT to 85258".'
    )
    phone = models.CharField(
        max_length=30, blank=True, help_text="For a tap-to-call link; digits only is best."
    )
    sms = models.CharField(max_length=30, blank=True, help_text="For a tap-to-text link.")
    sms_body = models.CharField(
        max_length=30,
        blank=True,
        help_text='What to text, e.g. "SHOUT"; pre-filled in the message.',
    )
    url = models.URLField(blank=True)
    hours = models.CharField(max_length=80, blank=True, help_text='e.g. "24 hours, every day".')
    description = models.CharField(max_length=240, blank=True)
    order = models.PositiveSmallIntegerField(default=100, help_text="Lower comes first.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.region})"


class CrisisPhrase(models.Model):
    """A phrase of crisis language, in a family, written in the phrase language of
    `community.safety` (which compiles and matches it). Moderators add and retire
    phrases in the admin; a retired phrase stays, so the list keeps its history.
    The default list ships in a data migration."""

    family = models.CharField(max_length=20, choices=Family.choices)
    pattern = models.CharField(
        max_length=PHRASE_MAX,
        validators=[validate_phrase],
        help_text=(
            "Words, with (a|b) for alternatives, [words] for optional words, ... for up to "
            "three words in between, # for a number of ten or more, and a full stop at the "
            "end for the end of a sentence. Case, apostrophes, -s/-ed/-ing and small typos "
            "are handled for you. Example: (don't|do not) want to (wake up|be here)."
        ),
    )
    note = models.CharField(
        max_length=240, blank=True, help_text="Why this phrase is here, for other moderators."
    )
    is_active = models.BooleanField(default=True, help_text="Retired phrases no longer match.")
    created_by = models.ForeignKey(
        "User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["family", "pattern"]
        constraints = [
            models.UniqueConstraint(
                Lower("pattern"),
                condition=models.Q(is_active=True),
                name="crisis_phrase_active_unique",
                violation_error_message="This phrase is already on the list.",
            )
        ]

    def __str__(self) -> str:
        return self.pattern


# --- Community ----------------------------------------------------------------

TITLE_MAX = 200
BODY_MAX = 20_000
CONTENT_WARNING_MAX = 120
REPORT_DETAILS_MAX = 1000
ANONYMOUS_NAME = "A member"
# The name a deleted account's kept words show (community.deletion): its row keeps it.
FORMER_MEMBER_NAME = "A former member"


class Space(models.Model):
    """A topic room. Moderators create spaces in the admin."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=80)
    description = models.TextField(max_length=600)
    guidelines = models.TextField(
        max_length=1500, blank=True, help_text="A few short lines; one per line."
    )
    order = models.PositiveSmallIntegerField(default=100, help_text="Lower comes first.")
    is_archived = models.BooleanField(
        default=False, help_text="Archived spaces are read-only and leave the lists."
    )
    is_public = models.BooleanField(
        "open to visitors",
        default=False,
        help_text=(
            "Visitors who aren't signed in may read this space and its posts (read-only). "
            "Everything members write is for members unless a moderator opens its space."
        ),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("community:space-detail", args=[self.slug])

    @property
    def guideline_lines(self) -> list[str]:
        return [line.strip() for line in self.guidelines.splitlines() if line.strip()]


class SpaceFollow(models.Model):
    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="space_follows")
    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "space"], name="space_follow_unique")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} follows space {self.space_id}"


class SpaceRead(models.Model):
    """When a member last read a space (its page or a post in it), at most hourly.

    Only the latest time per space is kept, never which posts: enough for
    prescriptions to prefer the spaces a member knows, and nothing more.
    """

    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="space_reads")
    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="reads")
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "space"], name="space_read_unique")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} read space {self.space_id}"


class Intent(models.TextChoices):
    SUPPORT = "support", "Looking for support"
    WIN = "win", "Sharing a win"
    IDEA = "idea", "Offering an idea"
    HELLO = "hello", "Just saying hello"


class HiddenReason(models.TextChoices):
    NOT_HIDDEN = "", "Not hidden"
    REPORTS = "reports", "Several members reported it"
    MODERATOR = "moderator", "A moderator hid it"
    HELD = "held", "Held for review: it describes a method"
    FIRST_POST = "first_post", "A new member's first post, waiting for a moderator"


@functools.cache
def _unread_by_bylines() -> tuple[str, ...]:
    """The author's columns a byline never reads (ContentQuerySet.with_byline)."""
    return tuple(
        f"author__{field.name}"
        for field in User._meta.concrete_fields
        if not field.primary_key and field.name not in User.BYLINE_FIELDS
    )


class ContentQuerySet(models.QuerySet):
    """Filters shared by posts and replies."""

    def published(self):
        """Neither hidden by moderators nor removed by the author (Content.is_published)."""
        return self.filter(is_hidden=False, removed_at__isnull=True)

    def not_blocked_for(self, member):
        """Leaves out named content by members blocked either way.

        Anonymous content stays: hiding it would tell the viewer who wrote it.
        """
        if not member.is_authenticated:
            return self
        return self.exclude(
            models.Q(is_anonymous=False) & Block.objects.involving(member, "author")
        )

    def with_byline(self):
        """Each with its author as a byline draws them (name, handle, whether active:
        User.BYLINE_FIELDS) and their badge, in the same query: a thread reads a page of
        authors, and the rest of a member's row (their password hash, bio, dates) would
        be sent and decoded for nothing."""
        return self.select_related("author").defer(*_unread_by_bylines()).with_author_badge()

    def with_author_badge(self):
        """Each with `author_badge` ("Moderator", "Link worker" or None: roles.badge_of),
        in the same query. Always None for anonymous content: a badge would name its
        author."""
        from community.roles import badge_of

        return self.annotate(
            author_badge=models.Case(
                models.When(is_anonymous=True, then=models.Value(None)),
                default=badge_of("author_id"),
                output_field=models.CharField(),
            )
        )


class WithoutSearchVector(models.Manager):
    """Posts and replies come without their search vector, which PostgreSQL alone reads
    (the search's match and rank): a row's largest value after its words, sent and
    decoded for every post and reply a page drew. A row read so saves what it read
    (Django saves the loaded fields of a row with deferred ones), never the vector."""

    def get_queryset(self):
        return super().get_queryset().defer("search_vector")


class PostQuerySet(ContentQuerySet):
    def visible_to(self, member):
        """Posts the member may see in lists: published, in an open space, not blocked."""
        return self.published().filter(space__is_archived=False).not_blocked_for(member)

    def in_space(self, space):
        return self.filter(space=space)

    def with_is_first(self):
        """Each with `is_first`: whether it is its author's first post (a newcomer's)."""
        earlier = Post.objects.filter(
            author=models.OuterRef("author"), pk__lt=models.OuterRef("pk")
        )
        return self.annotate(is_first=~models.Exists(earlier))

    def conversations(self):
        """Leaves out gatherings' discussion posts: an invitation, not someone waiting
        for words."""
        # NOT EXISTS, not NOT IN: the planner may probe the index for the few rows a
        # query keeps instead of reading every discussion first (0.23 ms at 2,000
        # gatherings, on every check-in).
        return self.exclude(
            models.Exists(Gathering.objects.filter(discussion=models.OuterRef("pk")))
        )


class ReplyQuerySet(ContentQuerySet):
    def visible_to(self, member):
        """Published replies in open posts, leaving out named words by blocked members,
        and replies in a blocked member's named post."""
        replies = (
            self.published()
            .filter(post__is_hidden=False, post__space__is_archived=False)
            .not_blocked_for(member)
        )
        if not member.is_authenticated:
            return replies
        return replies.exclude(
            models.Q(post__is_anonymous=False) & Block.objects.involving(member, "post__author")
        )


def _keep_crisis_words(content, text: str, update_fields) -> object:
    """Sets `content.crisis_words` from its words (community/safety.py) on every save that
    writes them, so no caller can store words without it; gives the update_fields to
    save with."""
    if update_fields is not None and not {"title", "body"} & set(update_fields):
        return update_fields
    from community.safety import mentions_crisis  # the matcher reads the phrases' model

    content.crisis_words = mentions_crisis(text)
    return None if update_fields is None else {*update_fields, "crisis_words"}


class ReactionKind(models.TextChoices):
    HEAR = "hear", "I hear you"
    ME_TOO = "me_too", "Me too"
    STRENGTH = "strength", "Sending strength"
    THANKS = "thanks", "Thank you"


def reaction_count_field(kind: str) -> str:
    """The column that keeps how many gave `kind` (a ReactionKind value): "hear_count"."""
    return f"{kind}_count"


class ReactionCounts(models.Model):
    """How many gave each kind of reaction, kept on the post or reply itself by the
    services (services.set_reaction, one UPDATE each way; services.recount_reactions
    after many at once, and nightly for any drift): the counts a thread draws under its
    post and a page of replies come with their rows, instead of counting a busy post's
    thousands of reactions on every view. A viewer's blocks are taken off per view
    (selectors.reaction_summary)."""

    hear_count = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    me_too_count = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    strength_count = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    thanks_count = models.PositiveIntegerField(default=0, db_default=0, editable=False)

    class Meta:
        abstract = True

    def reaction_counts(self) -> dict[str, int]:
        return {kind: getattr(self, reaction_count_field(kind)) for kind in ReactionKind.values}


class Post(ReactionCounts):
    space = models.ForeignKey(Space, on_delete=models.PROTECT, related_name="posts")
    author = models.ForeignKey(User, on_delete=models.CASCADE, related_name="posts")
    title = models.CharField(max_length=TITLE_MAX)
    body = models.TextField(max_length=BODY_MAX)
    body_html = models.TextField(editable=False)
    intent = models.CharField(max_length=16, choices=Intent.choices, default=Intent.SUPPORT)
    content_warning = models.CharField(max_length=CONTENT_WARNING_MAX, blank=True)
    is_anonymous = models.BooleanField(default=False)
    is_hidden = models.BooleanField(default=False)
    hidden_reason = models.CharField(
        max_length=16, choices=HiddenReason.choices, blank=True, default=""
    )
    is_locked = models.BooleanField(default=False)
    is_pinned = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(default=timezone.now)
    reply_count = models.PositiveIntegerField(default=0)
    # When someone other than the author first replied; null means "needs a reply".
    first_reply_at = models.DateTimeField(null=True, blank=True)
    search_vector = SearchVectorField(null=True, editable=False)
    # In crisis words (community/safety.py), kept by save(): whoever wrote them needs a
    # person and the help lines, so they are nobody's step (prescriptions/crisis.py).
    crisis_words = models.BooleanField(default=False, db_default=False, editable=False)
    submit_key = once.key_field()  # the form's one-time key: a repeat finds this post

    objects = WithoutSearchVector.from_queryset(PostQuerySet)()

    class Meta:
        indexes = [
            models.Index(fields=["space", "-last_activity_at", "-id"], name="post_space_activity"),
            models.Index(fields=["author", "-created_at", "-id"], name="post_author_recent"),
            models.Index(
                fields=["space", "-created_at"],
                name="post_space_pinned",
                condition=models.Q(is_pinned=True),
            ),
            models.Index(
                fields=["space", "created_at", "id"],
                name="post_space_needs_reply",
                condition=models.Q(
                    first_reply_at__isnull=True, is_hidden=False, removed_at__isnull=True
                ),
            ),
            models.Index(
                fields=["created_at", "id"],
                name="post_needs_reply",
                condition=models.Q(
                    first_reply_at__isnull=True, is_hidden=False, removed_at__isnull=True
                ),
            ),
            models.Index(
                fields=["created_at"],
                name="post_crisis_words",
                condition=models.Q(crisis_words=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(title=""), name="post_title_not_empty"),
            once.unique_key("author", name="post_submitted_once"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, update_fields=None, **kwargs):
        update_fields = _keep_crisis_words(self, f"{self.title}\n{self.body}", update_fields)
        super().save(*args, update_fields=update_fields, **kwargs)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("community:post-detail", args=[self.pk])

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None

    @property
    def is_published(self) -> bool:
        """ContentQuerySet.published(), for one row."""
        return not self.is_hidden and self.removed_at is None

    @property
    def author_name(self) -> str:
        return ANONYMOUS_NAME if self.is_anonymous else self.author.display_name


def reply_anchor(reply_id: int | None) -> str:
    """What follows a thread's address to open it at a reply: `?reply=` (which
    selectors.post_replies reads, for a long thread's later page) and the reply's anchor;
    nothing without a reply. The cards write it after the post's address (a Jinja2
    global)."""
    return f"?reply={reply_id}#reply-{reply_id}" if reply_id else ""


def reply_address(post_id: int, reply_id: int) -> str:
    """Where a reply is read: its thread at the page that holds it, scrolled to it."""
    from django.urls import reverse

    return reverse("community:post-detail", args=[post_id]) + reply_anchor(reply_id)


class Reply(ReactionCounts):
    # No index of its own: reply_post_thread (post, created_at, id) leads with the post.
    # A second one on the post alone made the thread's statement, prepared on the server
    # with one plan for every post, scan and sort a whole long thread for each page.
    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="replies", db_index=False
    )
    author = models.ForeignKey(User, on_delete=models.CASCADE, related_name="replies")
    body = models.TextField(max_length=BODY_MAX)
    body_html = models.TextField(editable=False)
    is_anonymous = models.BooleanField(default=False)
    is_hidden = models.BooleanField(default=False)
    hidden_reason = models.CharField(
        max_length=16, choices=HiddenReason.choices, blank=True, default=""
    )
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    search_vector = SearchVectorField(null=True, editable=False)
    crisis_words = models.BooleanField(
        default=False, db_default=False, editable=False
    )  # as Post's

    objects = WithoutSearchVector.from_queryset(ReplyQuerySet)()

    class Meta:
        verbose_name_plural = "replies"
        indexes = [
            models.Index(fields=["post", "created_at", "id"], name="reply_post_thread"),
            # A member's latest replies (whose posts they answered: the check-in's friends).
            models.Index(fields=["author", "-created_at", "-id"], name="reply_author_recent"),
            models.Index(
                fields=["created_at"],
                name="reply_crisis_words",
                condition=models.Q(crisis_words=True),
            ),
        ]

    def __str__(self) -> str:
        return f"Reply {self.pk} to {self.post_id}"

    def save(self, *args, update_fields=None, **kwargs):
        update_fields = _keep_crisis_words(self, self.body, update_fields)
        super().save(*args, update_fields=update_fields, **kwargs)

    def get_absolute_url(self) -> str:
        return reply_address(self.post_id, self.pk)

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None

    @property
    def is_published(self) -> bool:
        """ContentQuerySet.published(), for one row."""
        return not self.is_hidden and self.removed_at is None

    @property
    def author_name(self) -> str:
        return ANONYMOUS_NAME if self.is_anonymous else self.author.display_name


class Reaction(models.Model):
    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="reactions")
    kind = models.CharField(max_length=16, choices=ReactionKind.choices)
    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, null=True, blank=True, related_name="reactions"
    )
    reply = models.ForeignKey(
        Reply, on_delete=models.CASCADE, null=True, blank=True, related_name="reactions"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(post__isnull=False, reply__isnull=True)
                    | models.Q(post__isnull=True, reply__isnull=False)
                ),
                name="reaction_one_target",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=ReactionKind.values), name="reaction_known_kind"
            ),
            models.UniqueConstraint(
                fields=["member", "kind", "post"],
                condition=models.Q(post__isnull=False),
                name="reaction_once_per_post",
            ),
            models.UniqueConstraint(
                fields=["member", "kind", "reply"],
                condition=models.Q(reply__isnull=False),
                name="reaction_once_per_reply",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.member_id}"


class PostFollow(models.Model):
    """A member follows a post: they hear about its new replies."""

    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="post_follows")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "post"], name="post_follow_unique")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} follows post {self.post_id}"


class Mention(models.Model):
    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="mentions")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, null=True, blank=True)
    reply = models.ForeignKey(Reply, on_delete=models.CASCADE, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(post__isnull=False, reply__isnull=True)
                    | models.Q(post__isnull=True, reply__isnull=False)
                ),
                name="mention_one_source",
            ),
            models.UniqueConstraint(
                fields=["member", "post"],
                condition=models.Q(post__isnull=False),
                name="mention_once_per_post",
            ),
            models.UniqueConstraint(
                fields=["member", "reply"],
                condition=models.Q(reply__isnull=False),
                name="mention_once_per_reply",
            ),
        ]

    def __str__(self) -> str:
        return f"@{self.member_id} in {self.post_id or self.reply_id}"


class NotificationQuerySet(models.QuerySet):
    def shown(self, recipient=None):
        """Those the inbox shows their recipient, and so those the unread count counts.
        News about hidden or removed words, or words in a closed space, leaves the inbox,
        except the moderators' word to their author about hiding them; so does news named
        after someone the recipient blocked or was blocked by (BlockQuerySet).

        Given the one `recipient` (their inbox), the blocked are one set the query reads
        once and hashes; across recipients (the counts), a block is looked up per row.
        Per row, a community's few blocks were scanned for each notification: an inbox of
        312 took 5.3 ms, 2.7 of them there."""
        from community.notifications import ABOUT_HIDDEN_WORDS

        about_hiding = models.Q(kind__in=ABOUT_HIDDEN_WORDS)
        if recipient is not None:
            blocked = models.Q(actor__in=Block.objects.members_either_way(recipient))
        else:
            blocked = models.Exists(
                Block.objects.pair(models.OuterRef("recipient"), models.OuterRef("actor"))
            )
        return (
            self.exclude(models.Q(post__is_hidden=True) & ~about_hiding)
            .exclude(post__removed_at__isnull=False)
            .exclude(post__space__is_archived=True)
            .exclude(models.Q(reply__is_hidden=True) & ~about_hiding)
            .exclude(reply__removed_at__isnull=False)
            .exclude(models.Q(actor_hidden=False) & blocked)
        )


class Notification(models.Model):
    """Something a member may want to know. `kind` is open: other apps register kinds.

    `actor` is kept for blocking and grouping; when `actor_hidden` is set (the
    actor wrote anonymously) the actor is never shown, only "A member".
    """

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40)
    actor = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    actor_hidden = models.BooleanField(default=False)
    post = models.ForeignKey(Post, on_delete=models.CASCADE, null=True, blank=True)
    reply = models.ForeignKey(Reply, on_delete=models.CASCADE, null=True, blank=True)
    gathering = models.ForeignKey(
        "Gathering", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    reaction_kind = models.CharField(max_length=16, blank=True)
    count = models.PositiveIntegerField(default=1)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_inbox"),
            models.Index(
                fields=["recipient"],
                name="notification_unread",
                condition=models.Q(read_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"

    @property
    def actor_name(self) -> str:
        if self.actor_hidden or self.actor is None:
            return ANONYMOUS_NAME
        return self.actor.display_name

    @property
    def is_unread(self) -> bool:
        return self.read_at is None

    @property
    def template(self) -> str:
        from community.notifications import template_for

        return template_for(self.kind)

    @property
    def reaction_label(self) -> str:
        return (
            ReactionKind(self.reaction_kind).label
            if self.reaction_kind in ReactionKind.values
            else ""
        )


class BlockQuerySet(models.QuerySet):
    """What a block hides, in one place. A block works both ways: neither member sees
    the other's named posts, replies, reactions, mentions or notifications, and no
    step points one at the other. Anonymous words stay visible (hiding them would
    name their author); every other rule asks these methods."""

    def either_way(self, member):
        """The blocks `member` made or received."""
        return self.filter(models.Q(blocker=member) | models.Q(blocked=member))

    def members_either_way(self, member):
        """The ids of everyone `member` blocked or was blocked by (a subquery)."""
        other = models.Case(
            models.When(blocker=member, then=models.F("blocked")), default=models.F("blocker")
        )
        return self.either_way(member).annotate(other=other).values_list("other", flat=True)

    def pairs_either_way(self, member_ids):
        """(member, other) for each of `member_ids` and everyone they blocked or were
        blocked by: members_either_way for many members at once."""
        made = self.filter(blocker__in=member_ids).values_list("blocker", "blocked")
        received = self.filter(blocked__in=member_ids).values_list("blocked", "blocker")
        return made.union(received, all=True)

    def involving(self, member, field: str) -> models.Q:
        """A condition on `field` (a member) matching anyone blocked either way."""
        return models.Q(**{f"{field}__in": self.members_either_way(member)})

    def pair(self, member, other):
        """The blocks between `member` and `other` (members, ids or OuterRefs), either way."""
        return self.filter(
            models.Q(blocker=member, blocked=other) | models.Q(blocker=other, blocked=member)
        )

    def between(self, member, other) -> bool:
        """Whether `member` and `other` (members or ids) blocked each other, either way."""
        return self.pair(member, other).exists()


class Block(models.Model):
    blocker = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocks_made")
    blocked = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocks_received")
    created_at = models.DateTimeField(default=timezone.now)

    objects = BlockQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_unique"),
            models.CheckConstraint(
                condition=~models.Q(blocker=models.F("blocked")), name="block_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocked {self.blocked_id}"


class ReportReason(models.TextChoices):
    UNKIND = "unkind", "Unkind or hurtful"
    SAFETY = "safety", "I'm worried about someone's safety"
    SPAM = "spam", "Spam or advertising"
    PRIVATE = "private", "Shares someone's private information"
    OTHER = "other", "Something else"


class ReportStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved: action taken"
    DISMISSED = "dismissed", "Dismissed: no action needed"


class Report(models.Model):
    """A member's report of a post, a reply or a member, for moderators."""

    reporter = models.ForeignKey(User, on_delete=models.CASCADE, related_name="reports_made")
    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, null=True, blank=True, related_name="reports"
    )
    reply = models.ForeignKey(
        Reply, on_delete=models.CASCADE, null=True, blank=True, related_name="reports"
    )
    member = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="reports_received"
    )
    reason = models.CharField(max_length=16, choices=ReportReason.choices)
    details = models.TextField(max_length=REPORT_DETAILS_MAX, blank=True)
    status = models.CharField(
        max_length=16, choices=ReportStatus.choices, default=ReportStatus.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["status", "-created_at"], name="report_queue")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(post__isnull=False, reply__isnull=True, member__isnull=True)
                    | models.Q(post__isnull=True, reply__isnull=False, member__isnull=True)
                    | models.Q(post__isnull=True, reply__isnull=True, member__isnull=False)
                ),
                name="report_one_target",
            ),
            models.UniqueConstraint(
                fields=["reporter", "post"],
                condition=models.Q(status="open", post__isnull=False),
                name="report_open_once_per_post",
            ),
            models.UniqueConstraint(
                fields=["reporter", "reply"],
                condition=models.Q(status="open", reply__isnull=False),
                name="report_open_once_per_reply",
            ),
            models.UniqueConstraint(
                fields=["reporter", "member"],
                condition=models.Q(status="open", member__isnull=False),
                name="report_open_once_per_member",
            ),
        ]

    def __str__(self) -> str:
        return f"Report {self.pk} ({self.get_reason_display()})"

    @property
    def target(self):
        return self.post or self.reply or self.member


# --- The moderators' queue and log ----------------------------------------------

MODERATION_NOTE_MAX = 1000


class QueuePriority(models.IntegerChoices):
    """The queue's order: lower first. Crisis before harassment before spam."""

    CRISIS = 0, "Crisis"
    HARASSMENT = 1, "Harassment"
    SPAM = 2, "Spam"
    OTHER = 3, "Other"


# Each reason a member can give, and where it puts the target in the queue: a
# worry about someone's safety is a crisis; unkind words and shared private
# details are harassment.
REPORT_PRIORITY = {
    ReportReason.SAFETY: QueuePriority.CRISIS,
    ReportReason.UNKIND: QueuePriority.HARASSMENT,
    ReportReason.PRIVATE: QueuePriority.HARASSMENT,
    ReportReason.SPAM: QueuePriority.SPAM,
    ReportReason.OTHER: QueuePriority.OTHER,
}


class QueueItemQuerySet(models.QuerySet):
    def open(self):
        return self.filter(closed_at__isnull=True)

    def for_target(self, *, post=None, reply=None, member=None):
        return self.filter(**_one_target(post=post, reply=reply, member=member))


def _one_target(*, post=None, reply=None, member=None) -> dict:
    target = {
        name: obj
        for name, obj in {"post": post, "reply": reply, "member": member}.items()
        if obj is not None
    }
    if len(target) != 1:
        raise ValueError("Exactly one post, reply or member.")
    return target


class QueueItem(models.Model):
    """One row per target (a post, a reply or a member) waiting for a moderator.

    Reports and crisis words open it (or raise its priority and count on it);
    any moderator action on the target closes it. At most one open row per
    target, enforced by the database; a later report opens a new one.
    `author` is whose words or account it is: the person a sanction would reach.
    """

    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, null=True, blank=True, related_name="queue_items"
    )
    reply = models.ForeignKey(
        Reply, on_delete=models.CASCADE, null=True, blank=True, related_name="queue_items"
    )
    member = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="queue_items"
    )
    author = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    priority = models.PositiveSmallIntegerField(choices=QueuePriority.choices)
    is_crisis = models.BooleanField(default=False)
    report_count = models.PositiveIntegerField(
        default=0, help_text="How many members reported it (open reports)."
    )
    why = models.CharField(max_length=200, blank=True)
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = QueueItemQuerySet.as_manager()

    class Meta:
        verbose_name = "queue item"
        indexes = [
            models.Index(
                fields=["priority", "opened_at", "id"],
                name="queue_open_order",
                condition=models.Q(closed_at__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(post__isnull=False, reply__isnull=True, member__isnull=True)
                    | models.Q(post__isnull=True, reply__isnull=False, member__isnull=True)
                    | models.Q(post__isnull=True, reply__isnull=True, member__isnull=False)
                ),
                name="queue_item_one_target",
            ),
            models.UniqueConstraint(
                fields=["post"],
                condition=models.Q(closed_at__isnull=True, post__isnull=False),
                name="queue_item_open_once_per_post",
            ),
            models.UniqueConstraint(
                fields=["reply"],
                condition=models.Q(closed_at__isnull=True, reply__isnull=False),
                name="queue_item_open_once_per_reply",
            ),
            models.UniqueConstraint(
                fields=["member"],
                condition=models.Q(closed_at__isnull=True, member__isnull=False),
                name="queue_item_open_once_per_member",
            ),
        ]

    def __str__(self) -> str:
        if self.post_id:
            return f"Post {self.post_id}"
        if self.reply_id:
            return f"Reply {self.reply_id}"
        return f"Member {self.member_id}"

    @property
    def content(self) -> "Post | Reply | None":
        return self.post or self.reply

    @property
    def target(self):
        return self.post or self.reply or self.member

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class ModerationActionKind(models.TextChoices):
    # By a moderator
    DISMISS = "dismiss", "Dismissed the reports"
    HIDE = "hide", "Hid"
    WARN = "warn", "Hid and warned the author"
    SUSPEND = "suspend", "Suspended"
    RESTORE = "restore", "Restored"
    LIFT = "lift", "Lifted a suspension"
    LOCK = "lock", "Locked"
    UNLOCK = "unlock", "Unlocked"
    PIN = "pin", "Pinned"
    UNPIN = "unpin", "Unpinned"
    # Automatic
    AUTO_HIDE = "auto_hide", "Hidden after 3 reports"
    POSTING_PAUSED = "posting_paused", "Posting paused: 5 items reported in 24 hours"
    CRISIS_QUEUED = "crisis_queued", "Crisis words: put in the queue"
    HELD = "held", "Held for review"
    FIRST_POST_HELD = "first_post_held", "A first post held for review"


class SuspensionLength(models.TextChoices):
    """The ladder, in order: each step is the suggestion after the one before."""

    DAY = "1d", "1 day"
    WEEK = "1w", "1 week"
    TWO_WEEKS = "2w", "2 weeks"
    MONTH = "1m", "1 month"
    PERMANENT = "permanent", "Permanently"


SUSPENSION_DAYS = {
    SuspensionLength.DAY: 1,
    SuspensionLength.WEEK: 7,
    SuspensionLength.TWO_WEEKS: 14,
    SuspensionLength.MONTH: 30,
}


class ModerationActionQuerySet(models.QuerySet):
    """Append-only: rows are added, never changed or removed through the ORM.

    (Deleting a member or their words still clears the link on the rows about
    them: Django does that through the base manager, which this does not guard.)
    """

    def update(self, **kwargs):
        raise TypeError("The moderation log is append-only.")

    def delete(self):
        raise TypeError("The moderation log is append-only.")


class ModerationAction(models.Model):
    """One line of the moderation log: who (a moderator, or 4C itself), what, to
    which target (a post, a reply, a member), when and why.

    Written by every moderator action and every automatic one
    (community.moderation.record_action); nobody edits or deletes it, in the admin
    or through the ORM. It holds nothing from prescriptions: no moods, no check-ins.
    """

    action = models.CharField(max_length=20, choices=ModerationActionKind.choices)
    moderator = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_automatic = models.BooleanField(default=False)
    member = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="moderation_actions",
        help_text="Whose words or account.",
    )
    post = models.ForeignKey(
        Post, on_delete=models.SET_NULL, null=True, blank=True, related_name="moderation_actions"
    )
    reply = models.ForeignKey(
        Reply,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="moderation_actions",
    )
    note = models.TextField(max_length=MODERATION_NOTE_MAX, blank=True)
    suspension = models.CharField(max_length=10, choices=SuspensionLength.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ModerationActionQuerySet.as_manager()

    class Meta:
        verbose_name = "moderation log entry"
        verbose_name_plural = "moderation log"
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="moderation_log_recent"),
            models.Index(fields=["member", "action"], name="moderation_log_member"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_automatic=False) | models.Q(moderator__isnull=True),
                name="moderation_action_automatic_has_no_moderator",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.created_at:%Y-%m-%d %H:%M})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("The moderation log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The moderation log is append-only.")

    @property
    def by(self) -> str:
        if self.is_automatic:
            return "4C (automatic)"
        return self.moderator.display_name if self.moderator else "A former moderator"


# --- Gatherings ------------------------------------------------------------------

GATHERING_MAX_MINUTES = 8 * 60
# Bounds every gathering keeps, in the model, the form and the service alike: well
# inside what PostgreSQL, SQLite and Python's datetime can hold, so no input reaches
# the database as an overflow (a 500) instead of a clear word.
GATHERING_MAX_CAPACITY = 500
GATHERING_MAX_AHEAD = timedelta(days=2 * 365)


def gathering_start_error(starts_at) -> str | None:
    """Why `starts_at` can't be a gathering's start (None: it can). Within two years
    from now, so a year-9999 start (whatever its zone) never overflows the end time."""
    try:
        too_far = starts_at - timezone.now() > GATHERING_MAX_AHEAD
    except OverflowError:  # so far out its UTC instant doesn't exist
        too_far = True
    if too_far:
        return "Please choose a start within the next two years."
    return None


def validate_gathering_start(starts_at) -> None:
    error = gathering_start_error(starts_at)
    if error:
        raise ValidationError(error)


def validate_single_line(value: str) -> None:
    """Titles are one line: a calendar, an email subject and a page heading all
    expect one, and a line break there can break a calendar file for everyone."""
    if any(char in value for char in "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"):
        raise ValidationError("Please keep the title on one line.")


JOIN_LINK_OPENS_BEFORE = timedelta(minutes=15)
ATTENDANCE_CLOSES_AFTER = timedelta(hours=24)


class GatheringFormat(models.TextChoices):
    ONLINE = "online", "Online"
    IN_PERSON = "in_person", "In person"


class GatheringStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    CANCELLED = "cancelled", "Cancelled"


class GatheringQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(space__is_archived=False)

    def with_going_count(self):
        """Each with `going_count`: the places taken. Counted for each gathering read, by
        the index of its places (rsvp_queue): under a LIMIT only the gatherings of the
        page are counted, not every place of every gathering before the sort."""
        going = (
            RSVP.objects.filter(gathering=models.OuterRef("pk"), status=RSVPStatus.GOING)
            .order_by()
            .values("gathering")
            .annotate(n=models.Count("pk"))
            .values("n")
        )
        return self.annotate(
            going_count=Coalesce(models.Subquery(going), 0, output_field=models.IntegerField())
        )

    def with_places_left(self):
        """Those without a capacity, or with a place still free."""
        return self.with_going_count().filter(
            models.Q(capacity__isnull=True) | models.Q(capacity__gt=models.F("going_count"))
        )

    def upcoming(self, at):
        """Scheduled and not over yet (one in progress still counts). A gathering lasts
        at most GATHERING_MAX_MINUTES, so one not over began after `at` less that: said
        too, so the walk of gathering_upcoming (status, starts_at) starts there instead of
        at the first gathering ever held (1,602 past ones filtered out at 1M)."""
        earliest = ExpressionWrapper(
            Cast(models.Value(at), models.DateTimeField())  # typed, whatever comes first
            - models.Value(timedelta(minutes=GATHERING_MAX_MINUTES)),
            output_field=models.DateTimeField(),
        )
        return self.visible().filter(
            status=GatheringStatus.SCHEDULED, ends_at__gt=at, starts_at__gt=earliest
        )

    def past(self, at):
        return self.visible().filter(ends_at__lte=at)


class Gathering(models.Model):
    """A scheduled group discussion members can join."""

    space = models.ForeignKey(Space, on_delete=models.PROTECT, related_name="gatherings")
    host = models.ForeignKey(User, on_delete=models.PROTECT, related_name="hosted_gatherings")
    title = models.CharField(max_length=TITLE_MAX, validators=[validate_single_line])
    description = models.TextField(max_length=5000)
    starts_at = models.DateTimeField(validators=[validate_gathering_start])
    duration_minutes = models.PositiveSmallIntegerField()
    ends_at = models.DateTimeField(editable=False)
    capacity = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(GATHERING_MAX_CAPACITY)],
    )
    format = models.CharField(max_length=16, choices=GatheringFormat.choices)
    join_url = models.URLField(blank=True, max_length=500)
    place = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=16, choices=GatheringStatus.choices, default=GatheringStatus.SCHEDULED
    )
    discussion = models.ForeignKey(
        Post, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Bumped on every change a calendar should pick up (RFC 5545 SEQUENCE).
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submit_key = once.key_field()  # the form's one-time key: a repeat finds this gathering

    objects = GatheringQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["status", "starts_at", "id"], name="gathering_upcoming"),
            models.Index(fields=["space", "starts_at"], name="gathering_space"),
            models.Index(fields=["-ends_at", "-id"], name="gathering_past"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    duration_minutes__gte=1, duration_minutes__lte=GATHERING_MAX_MINUTES
                ),
                name="gathering_duration_range",
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__isnull=True) | models.Q(capacity__gte=1),
                name="gathering_capacity_positive",
            ),
            once.unique_key("host", name="gathering_submitted_once"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("community:gathering-detail", args=[self.pk])

    @property
    def is_cancelled(self) -> bool:
        return self.status == GatheringStatus.CANCELLED

    def has_ended(self, at) -> bool:
        return at >= self.ends_at

    def join_link_open(self, at) -> bool:
        """The join link shows from 15 minutes before the start until the end."""
        return (
            self.format == GatheringFormat.ONLINE
            and not self.is_cancelled
            and self.starts_at - JOIN_LINK_OPENS_BEFORE <= at < self.ends_at
        )

    def join_link_for(self, place, at) -> str:
        """The join link as the holder of `place` (their RSVP, or None) may see it at `at`:
        only with a place, from 15 minutes before the start until the end; "" otherwise.
        Lists, calendars and emails never show it."""
        if place is None or place.status != RSVPStatus.GOING or not self.join_link_open(at):
            return ""
        return self.join_url

    def attendance_open(self, at) -> bool:
        """ "I was there" can be said from the start until 24 hours after the end."""
        return (
            not self.is_cancelled
            and self.starts_at <= at <= self.ends_at + ATTENDANCE_CLOSES_AFTER
        )


class RSVPStatus(models.TextChoices):
    GOING = "going", "Going"
    WAITING = "waiting", "On the waiting list"
    CANCELLED = "cancelled", "Not going"


class RSVP(models.Model):
    gathering = models.ForeignKey(Gathering, on_delete=models.CASCADE, related_name="rsvps")
    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="rsvps")
    status = models.CharField(max_length=16, choices=RSVPStatus.choices)
    is_private = models.BooleanField(
        default=False, help_text="Only the host sees this member in the list of who is going."
    )
    # When the member joined the waiting list: the queue order.
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    attended_at = models.DateTimeField(null=True, blank=True)
    attendance_marked_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "RSVP"
        constraints = [
            models.UniqueConstraint(fields=["gathering", "member"], name="rsvp_once_per_member"),
        ]
        indexes = [
            models.Index(fields=["gathering", "status", "waitlisted_at"], name="rsvp_queue"),
            models.Index(fields=["member", "status"], name="rsvp_member"),
        ]

    def __str__(self) -> str:
        # A private place is named only to the host: not here either (the admin shows it).
        who = PRIVATE_PLACE if self.is_private else f"member {self.member_id}"
        return f"{who} ({self.status}) at gathering {self.gathering_id}"


PRIVATE_PLACE = "a private place"


class CalendarToken(models.Model):
    """The secret in a member's private calendar feed URL. Revoke by deleting."""

    member = models.OneToOneField(User, on_delete=models.CASCADE, related_name="calendar_token")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Calendar feed of {self.member_id}"


class Draft(models.Model):
    """Words a member kept for later instead of publishing: a post in a space, or a
    reply to a post. One per member and place; publishing there discards it. Private:
    only its author ever sees it (the support card offers it when words sound like
    crisis)."""

    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="drafts")
    space = models.ForeignKey(Space, on_delete=models.CASCADE, null=True, blank=True)
    post = models.ForeignKey(Post, on_delete=models.CASCADE, null=True, blank=True)
    title = models.CharField(max_length=TITLE_MAX, blank=True)
    body = models.TextField(max_length=BODY_MAX)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(space__isnull=False, post__isnull=True)
                | models.Q(space__isnull=True, post__isnull=False),
                name="draft_for_a_space_or_a_post",
            ),
            models.UniqueConstraint(
                fields=["member", "space"],
                condition=models.Q(space__isnull=False),
                name="draft_one_per_space",
            ),
            models.UniqueConstraint(
                fields=["member", "post"],
                condition=models.Q(post__isnull=False),
                name="draft_one_per_post",
            ),
        ]

    def __str__(self) -> str:
        return f"Draft of {self.member_id}"


# Rows whose very link to a member may be private: a private place at a gathering, and a
# draft (the support card offers it for words that sound like crisis). No admin filter,
# search or ordering passes through them, and no delete confirmation lists them
# (fourc.admin holds every model admin to it).
PRIVATE_RELATIONS = (RSVP, Draft)


# --- Guidelines and member controls ------------------------------------------------


class GuidelinesAcceptance(models.Model):
    """A member agreed to a version of the community guidelines (community/guidelines.py).

    Append-only: a new version adds a row, so who agreed to which version, and when,
    stays on record."""

    member = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="guidelines_acceptances"
    )
    version = models.PositiveSmallIntegerField()
    accepted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "version"], name="guidelines_accepted_once")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} accepted version {self.version}"


MUTED_WORDS_MAX = 30
MUTED_WORD_MAX = 40


class MutedWord(models.Model):
    """A word or phrase a member would rather not read: posts and replies containing it
    fold for them (community/muting.py). Stored normalised (muting.normalise)."""

    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="muted_words")
    phrase = models.CharField(max_length=MUTED_WORD_MAX)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "phrase"], name="muted_word_once"),
            models.CheckConstraint(condition=~models.Q(phrase=""), name="muted_word_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} muted {self.phrase!r}"


class HiddenSpaceQuerySet(models.QuerySet):
    def in_force(self, member, at=None):
        """The member's spaces hidden until a moment still to come (`at`, or now)."""
        if not member.is_authenticated:
            return self.none()
        return self.filter(member=member, until__gt=at or timezone.now())


class HiddenSpace(models.Model):
    """A space a member hid from their lists for a break (prescriptions' "take a break"),
    until `until`. The home page, the space list and Needs a reply leave it out
    (HiddenSpaceQuerySet.in_force); its own page still opens."""

    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="hidden_spaces")
    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="+")
    until = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)

    objects = HiddenSpaceQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "space"], name="hidden_space_once")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} hid space {self.space_id} until {self.until}"


class ModeratorAlert(models.Model):
    """One email to the Moderators group about new crisis items, auto-hides and held
    words: at most one per 15-minute slot (the unique slot decides between two workers)
    and never with anyone's words in it (community.moderation.alert_moderators)."""

    slot = models.DateTimeField(unique=True)
    sent_at = models.DateTimeField(default=timezone.now)
    counts = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"Moderators alerted at {self.sent_at:%Y-%m-%d %H:%M}"


# --- Your data ----------------------------------------------------------------------

# How long a ready copy may be downloaded: its link and the row itself.
DATA_EXPORT_LIFETIME = timedelta(hours=24)
# A copy still being prepared after this was lost by a worker: it may be asked for again.
DATA_EXPORT_GIVE_UP_AFTER = timedelta(hours=1)


class DataExport(models.Model):
    """A copy of everything 4C holds about a member (community/yourdata.py), asked for on
    /settings/data/ and built by a task.

    The copy is gzip-compressed JSON kept in the row: the worker that builds it and the
    web process that serves it need to share nothing but the database, on SQLite and
    PostgreSQL alike (no media folder shared between hosts, no object store). One copy is
    prepared at a time per member (the database decides between two taps at once); a
    ready copy can be downloaded for DATA_EXPORT_LIFETIME, then the sweep deletes it."""

    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="data_exports")
    requested_at = models.DateTimeField(default=timezone.now)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    data = models.BinaryField(default=b"", editable=False)  # gzip-compressed JSON
    size = models.PositiveBigIntegerField(default=0, help_text="Bytes of JSON, unpacked.")

    class Meta:
        indexes = [
            models.Index(fields=["member", "-requested_at"], name="data_export_member"),
            models.Index(fields=["expires_at"], name="data_export_expiry"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=models.Q(ready_at__isnull=True),
                name="data_export_one_in_preparation",
            ),
        ]

    def __str__(self) -> str:
        return f"Data export {self.pk} of {self.member_id}"

    @property
    def is_ready(self) -> bool:
        return self.ready_at is not None

    def has_expired(self, at) -> bool:
        return self.expires_at is not None and at >= self.expires_at

    def state(self, at) -> str:
        """ "preparing", "lost" (a worker lost it: it may be asked for again), "ready" or
        "expired"."""
        if self.ready_at is None:
            return "lost" if at - self.requested_at > DATA_EXPORT_GIVE_UP_AFTER else "preparing"
        return "expired" if self.has_expired(at) else "ready"


# --- Deleting an account (community/deletion.py) -------------------------------------------


class DeletionMode(models.TextChoices):
    """What happens to a member's posts and replies when their account is deleted."""

    DELETE = "delete", "Delete my posts and replies"
    KEEP = "keep", "Keep them, shown as from a former member"


class AccountDeletionQuerySet(models.QuerySet):
    def open(self):
        """Asked for, and neither undone nor done yet (confirmed or not)."""
        return self.filter(undone_at__isnull=True, done_at__isnull=True)

    def pending(self):
        """Confirmed: the account is paused until `due_at`."""
        return self.open().filter(confirmed_at__isnull=False)

    def due(self, at):
        return self.pending().filter(due_at__lte=at)


class AccountDeletion(models.Model):
    """A member's request to delete their account, and what became of it.

    Asked for with their password (`requested_at`), confirmed from the email's link
    (`confirmed_at`: their health data is erased then, and `due_at` is seven days on),
    then undone by the member (`undone_at`) or carried out (`done_at`). The member row
    stays, emptied of everything that named them: the record names nobody. At most one
    open request per member, enforced by the database."""

    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="account_deletions")
    mode = models.CharField(max_length=8, choices=DeletionMode.choices)
    requested_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    objects = AccountDeletionQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["due_at"],
                name="account_deletion_due",
                condition=models.Q(
                    confirmed_at__isnull=False, undone_at__isnull=True, done_at__isnull=True
                ),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=models.Q(undone_at__isnull=True, done_at__isnull=True),
                name="account_deletion_one_open",
            ),
            models.CheckConstraint(
                condition=models.Q(confirmed_at__isnull=True, due_at__isnull=True)
                | models.Q(confirmed_at__isnull=False, due_at__isnull=False),
                name="account_deletion_confirmed_has_due",
            ),
            models.CheckConstraint(
                condition=models.Q(mode__in=DeletionMode.values), name="account_deletion_mode"
            ),
        ]

    def __str__(self) -> str:
        return f"Deletion of {self.member_id} ({self.get_mode_display()})"

    @property
    def is_pending(self) -> bool:
        return self.confirmed_at is not None and self.undone_at is None and self.done_at is None


class MemberSession(AbstractBaseSession):
    """Django's database session, with the member it belongs to: the same table
    (`django_session`, which django.contrib.sessions keeps) and one column more, so every
    session of a member can be found and ended at once (community.sessions). A session
    belongs to whoever is signed in with it, or is part-way through signing in (allauth
    keeps the address there until then)."""

    member_id = models.BigIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        db_table = "django_session"
        managed = False  # migration 0025_member_sessions adds the column to Django's table

    @classmethod
    def get_session_store_class(cls):
        from community.sessions import SessionStore

        return SessionStore

    @staticmethod
    def member_in(data: dict) -> int | None:
        """The member a session's data belongs to, if any."""
        signing_in = data.get("account_login") or {}
        for value in (
            data.get(SESSION_KEY),
            data.get("account_authentication_methods_user"),
            signing_in.get("user_pk") if isinstance(signing_in, dict) else None,
        ):
            try:
                return int(value)
            except (TypeError, ValueError):
                continue
        return None
