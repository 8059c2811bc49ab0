"""Read queries the community's views (and prescriptions) use.

Every list here costs a constant number of queries whatever its length, and
pages by keyset (fourc.lib.pagination), never by OFFSET.
"""

import re
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import NamedTuple

from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.search import SearchQuery
from django.core.exceptions import BadRequest, PermissionDenied
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.safestring import SafeString

from community import muting, roles, text
from community.handles import is_handle, normalise_handle
from community.models import (
    RSVP,
    AccountDeletion,
    Block,
    CalendarToken,
    CrisisLine,
    DataExport,
    Draft,
    Gathering,
    GatheringStatus,
    HiddenSpace,
    MutedWord,
    Notification,
    Post,
    PostFollow,
    Reaction,
    ReactionKind,
    Reply,
    RSVPStatus,
    Space,
    SpaceFollow,
    User,
)
from community.muting import MutedWords
from fourc.lib.pagination import (
    BROKEN,
    INT_RANGE,
    Page,
    after,
    built_page,
    cursor_number,
    decode_cursor,
    encode_cursor,
    first_page,
    keyset_page,
)
from fourc.lib.prepared import Prepared

NEEDS_A_REPLY_DAYS = 14
SLUG_RE = re.compile(r"[-a-zA-Z0-9_]{1,60}")
PINNED_MAX = 10
SEARCH_CANDIDATES = 200  # the newest matches of each kind ranked: bounds a common word's cost
PAGE_SIZE = 25
# A thread's page holds as many replies as every list holds items: a phone's long scroll
# already, and half a 50-reply page's drawing. A link to a reply opens the page that
# holds it (post_replies, `at_reply`).
REPLIES_PAGE_SIZE = PAGE_SIZE


def draft_for(*, member, space=None, post=None):
    """The member's own draft for a space's new post or a post's reply; None for
    visitors or when there is none."""
    if not member.is_authenticated:
        return None
    found = SPACE_DRAFT if space is not None else REPLY_DRAFT
    return next(iter(found.objects(member=member, target=space or post)), None)


def _own_draft(field: str) -> Prepared:
    """The member's draft for one space's new post or one post's reply (`field`)."""
    return Prepared(
        lambda member, target: Draft.objects.filter(member=member, **{field: target}).order_by(
            "pk"
        )[:1],
        member=Prepared.MEMBER,
        target=Prepared.ID,
    )


# Read on every thread and every new post's form: built once per process.
SPACE_DRAFT = _own_draft("space")
REPLY_DRAFT = _own_draft("post")


def active_crisis_lines() -> QuerySet[CrisisLine]:
    return CrisisLine.objects.filter(is_active=True).order_by("order", "name")


# --- Blocks -------------------------------------------------------------------


def is_blocked_between(viewer, other_id: int) -> bool:
    """Block.objects.between, for a viewer who may be a visitor (who blocked nobody)."""
    return viewer.is_authenticated and BLOCKED_BETWEEN.exists(member=viewer, other=other_id)


# Asked before a member opens a thread or a profile: built once per process.
BLOCKED_BETWEEN = Prepared(
    lambda member, other: Block.objects.pair(member, other).values("pk")[:1],
    member=Prepared.MEMBER,
    other=Prepared.ID,
)


def blocked_members(member: User) -> QuerySet[Block]:
    return Block.objects.filter(blocker=member).select_related("blocked").order_by("-created_at")


# --- Spaces -------------------------------------------------------------------


def spaces_for(member) -> QuerySet[Space]:
    spaces = Space.objects.filter(is_archived=False)
    if member.is_authenticated:
        spaces = spaces.annotate(
            is_followed=Exists(SpaceFollow.objects.filter(member=member, space=OuterRef("pk")))
        )
    return spaces


def space_choices() -> QuerySet[Space]:
    """The open spaces, for a filter's choices: their names and addresses."""
    return Space.objects.filter(is_archived=False).only("slug", "name")


# The space a member opens, with whether they follow it: built once per process.
SPACE_FOR_MEMBER = Prepared(
    lambda member, text: spaces_for(member).filter(slug=text),
    member=Prepared.MEMBER,
    text=Prepared.TEXT,
)


def get_space(*, member, slug: str) -> Space:
    if not SLUG_RE.fullmatch(slug):
        raise Http404("No such space.")
    if not member.is_authenticated:
        return get_object_or_404(spaces_for(member), slug=slug)
    found = SPACE_FOR_MEMBER.objects(member=member, text=slug)
    if not found:
        raise Http404("No such space.")
    return found[0]


SPACE_ORDER = ("-last_activity_at", "-id")


def _space_posts(member, space_id: int) -> QuerySet[Post]:
    return (
        Post.objects.visible_to(member)
        .filter(space_id=space_id)
        .with_byline()
        .select_related("space")
    )


def _pinned(member, space_id: int) -> QuerySet[Post]:
    pinned = _space_posts(member, space_id).filter(is_pinned=True)
    return pinned.order_by("-created_at")[:PINNED_MAX]


# A space's first page, the one most often opened: its two queries built once per process.
SPACE_FIRST_PAGE = Prepared(
    lambda member, space: (
        _space_posts(member, space).filter(is_pinned=False).order_by(*SPACE_ORDER)[: PAGE_SIZE + 1]
    ),
    member=Prepared.MEMBER,
    space=Prepared.ID,
)
SPACE_PINNED = Prepared(_pinned, member=Prepared.MEMBER, space_id=Prepared.ID)
# And the pages after it, from a cursor.
SPACE_NEXT_PAGE = Prepared(
    lambda member, space, at, last: after(
        _space_posts(member, space).filter(is_pinned=False).order_by(*SPACE_ORDER),
        SPACE_ORDER,
        [at, last],
    )[: PAGE_SIZE + 1],
    member=Prepared.MEMBER,
    space=Prepared.ID,
    at=Prepared.SINCE,
    last=Prepared.ID_2,
)


def space_posts(*, space: Space, member, cursor: str | None, size: int = PAGE_SIZE) -> Page:
    """Pinned posts first (on the first page), then the rest by last activity."""
    if size == PAGE_SIZE and member.is_authenticated:
        page = built_page(
            SPACE_FIRST_PAGE, SPACE_NEXT_PAGE, model=Post, ordering=SPACE_ORDER,
            cursor=cursor, size=size, member=member, space=space.pk,
        )  # fmt: skip
        page.extra["pinned"] = (
            [] if cursor else SPACE_PINNED.objects(member=member, space_id=space.pk)
        )
        return page
    page = keyset_page(
        _space_posts(member, space.pk).filter(is_pinned=False),
        ordering=SPACE_ORDER,
        cursor=cursor,
        size=size,
    )
    page.extra["pinned"] = [] if cursor else list(_pinned(member, space.pk))
    return page


_FOLLOWED_ACTIVITY_SQL = """
    SELECT p.id FROM community_spacefollow f
    CROSS JOIN LATERAL (
        SELECT id, last_activity_at FROM community_post
        WHERE space_id = f.space_id AND NOT is_hidden AND removed_at IS NULL
        ORDER BY last_activity_at DESC, id DESC LIMIT %s
    ) p
    WHERE f.member_id = %s AND NOT EXISTS (
        SELECT 1 FROM community_hiddenspace h
        WHERE h.member_id = f.member_id AND h.space_id = f.space_id AND h.until > %s
    )
    ORDER BY p.last_activity_at DESC, p.id DESC LIMIT %s
"""


def _followed_posts(member) -> QuerySet[Post]:
    return (
        Post.objects.visible_to(member)
        .with_byline()
        .select_related("space")
        .order_by("-last_activity_at", "-id")
    )


def _followed_activity(member, now, *, limit: int) -> QuerySet[Post]:
    """PostgreSQL's: the LATERAL walk picks the candidates in the same query."""
    candidates = RawSQL(  # noqa: S611 - a constant, its values as parameters
        _FOLLOWED_ACTIVITY_SQL, [limit * 2, member.pk, now, limit * 2]
    )
    return _followed_posts(member).filter(pk__in=candidates)[:limit]


HOME_ACTIVITY = 8  # the home page's posts from the spaces the member follows
# Its SQL built once per process.
HOME_ACTIVITY_POSTS = Prepared(
    lambda member, now: _followed_activity(member, now, limit=HOME_ACTIVITY),
    member=Prepared.MEMBER,
    now=Prepared.SINCE,
)


def followed_spaces_activity(*, member: User, limit: int = 10) -> list[Post]:
    """Recent posts in the spaces the member follows, for their home page.

    On PostgreSQL, one LATERAL walk of each followed space's activity index picks the
    candidates (a plain join would sort every post of every followed space); the
    visibility rules then apply to those few. One query whatever the sizes. Spaces
    the member hid for a break are left out.
    """
    if connection.vendor != "postgresql":
        hidden = HiddenSpace.objects.in_force(member).values("space")
        posts = _followed_posts(member).filter(space__follows__member=member)
        return list(posts.exclude(space__in=hidden)[:limit])
    if limit == HOME_ACTIVITY:
        return HOME_ACTIVITY_POSTS.objects(member=member, now=timezone.now())
    return list(_followed_activity(member, timezone.now(), limit=limit))


# --- Posts and replies --------------------------------------------------------


def _openable(member) -> QuerySet[Post]:
    mine = Q(author_id=member.pk) if member.is_authenticated else Q(pk__in=[])
    return (
        Post.objects.filter(Q(is_hidden=False) | mine, space__is_archived=False)
        .exclude(removed_at__isnull=False, reply_count=0)
        .with_byline()
        .select_related("space")
    )


# Every thread a member opens: built once per process.
OPENABLE_POST = Prepared(
    lambda member, post: _openable(member).filter(pk=post),
    member=Prepared.MEMBER,
    post=Prepared.ID,
)


def get_post_for_viewer(*, member, post_id: int) -> Post:
    """The post, if this viewer may open it; otherwise Http404.

    Hidden posts open only for their author (with a kind note). A post its
    author removed stays readable only as a placeholder when others replied.
    """
    if post_id not in INT_RANGE:  # no row has it (and the database can't hold it)
        raise Http404("No such post.")
    if member.is_authenticated:
        post = next(iter(OPENABLE_POST.objects(member=member, post=post_id)), None)
        if post is None:
            raise Http404("No such post.")
    else:
        post = get_object_or_404(_openable(member), pk=post_id)
    is_author = member.is_authenticated and post.author_id == member.pk
    if not is_author and not post.is_anonymous and is_blocked_between(member, post.author_id):
        raise Http404("No such post.")
    return post


def get_own_post(*, member: User, post_id: int, removed_too: bool = False) -> Post:
    """The member's own post; one they removed only with `removed_too` (a repeated
    removal, which the service answers as a no-op)."""
    mine = Post.objects.filter(author=member)
    if not removed_too:
        mine = mine.filter(removed_at__isnull=True)
    return get_object_or_404(mine, pk=post_id)


def get_own_reply(*, member: User, reply_id: int, removed_too: bool = False) -> Reply:
    """The member's own reply; one they removed only with `removed_too`, as above."""
    mine = Reply.objects.filter(author=member).select_related("post")
    if not removed_too:
        mine = mine.filter(removed_at__isnull=True)
    return get_object_or_404(mine, pk=reply_id)


def get_reply_for_viewer(*, member, reply_id: int) -> Reply:
    visible = Reply.objects.visible_to(member).filter(post__removed_at__isnull=True)
    return get_object_or_404(visible.select_related("post"), pk=reply_id)


REPLIES_ORDER = ("created_at", "id")


def _replies(member, post_id: int) -> QuerySet[Reply]:
    replies = Reply.objects.filter(post_id=post_id).not_blocked_for(member).with_byline()
    if member.is_authenticated:
        return replies.filter(Q(is_hidden=False) | Q(author=member))
    return replies.filter(is_hidden=False)


# A thread's pages, the ones most often opened: built once per process and prepared on
# the server, one plan for every post. That plan walks the thread's index
# (reply_post_thread) because it is the only index on the post: with a second one on the
# post alone (Django's default for a foreign key, dropped in 0032) the planner, expecting
# a reply or two, took it and sorted the whole thread, 44 ms for 3,000 replies at 1M
# (tests/fourc/test_keyset_plans.py holds it to the thread's index).
REPLIES_FIRST_PAGE = Prepared(
    lambda member, post: _replies(member, post).order_by(*REPLIES_ORDER)[: REPLIES_PAGE_SIZE + 1],
    member=Prepared.MEMBER,
    post=Prepared.ID,
)


REPLIES_NEXT_PAGE = Prepared(
    lambda member, post, at, last: after(
        _replies(member, post).order_by(*REPLIES_ORDER), REPLIES_ORDER, [at, last]
    )[: REPLIES_PAGE_SIZE + 1],
    member=Prepared.MEMBER,
    post=Prepared.ID,
    at=Prepared.SINCE,
    last=Prepared.ID_2,
)


def post_replies(
    *,
    post: Post,
    member,
    cursor: str | None,
    size: int = REPLIES_PAGE_SIZE,
    at_reply: str | None = None,
) -> Page:
    """Replies oldest first. Removed ones stay as placeholders; hidden ones show only
    to their author. Without a cursor, `at_reply` (a reply's id, as `?reply=` brings it:
    models.reply_address) starts a long thread's page at that reply; `extra["from_start"]`
    says whether the page is the thread's first."""
    if cursor is None and at_reply is not None:
        cursor = _cursor_at(at_reply, post=post, member=member, size=size)
    page = _post_replies(post=post, member=member, cursor=cursor, size=size)
    page.extra["from_start"] = not cursor
    return page


def _cursor_at(reply: str, *, post: Post, member, size: int) -> str | None:
    """A cursor for the page that starts at `reply`; None (the first page) when the first
    page holds the whole thread, or the reply isn't one the member may read there (a
    link to a reply since removed still opens its thread). Not a number: a 400."""
    try:
        reply_id = int(reply)
    except ValueError:
        raise BadRequest(BROKEN) from None
    if reply_id not in INT_RANGE:
        raise BadRequest(BROKEN)
    if post.reply_count <= size:
        return None
    at = _replies(member, post.pk).filter(pk=reply_id).values_list("created_at", flat=True)
    at = at.first()
    # (created_at, id) after (at, id - 1): the reply itself, then the rest in order.
    return None if at is None else encode_cursor([at, reply_id - 1])


def _post_replies(*, post: Post, member, cursor: str | None, size: int) -> Page:
    if size == REPLIES_PAGE_SIZE and member.is_authenticated:
        return built_page(
            REPLIES_FIRST_PAGE, REPLIES_NEXT_PAGE, model=Reply, ordering=REPLIES_ORDER,
            cursor=cursor, size=size, member=member, post=post.pk,
        )  # fmt: skip
    return keyset_page(_replies(member, post.pk), ordering=REPLIES_ORDER, cursor=cursor, size=size)


def is_following_post(*, member, post: Post) -> bool:
    if not member.is_authenticated:
        return False
    return FOLLOWS_POST.exists(member=member, post=post)


FOLLOWS_POST = Prepared(
    lambda member, post: PostFollow.objects.filter(member=member, post=post).values("pk")[:1],
    member=Prepared.MEMBER,
    post=Prepared.ID,
)


class ReactionButton(NamedTuple):
    """One kind's button under a post or reply: read as attributes by the cards (a
    thread draws two hundred)."""

    kind: str
    label: str
    count: int
    mine: bool


# (kind, label) of each reaction: ReactionKind.choices makes the list anew on every read,
# and a thread asks for it once a reply.
REACTION_KINDS = tuple(ReactionKind.choices)


@dataclass
class ReactionSummary:
    counts: dict
    mine: set

    def for_target(self, target) -> list[ReactionButton]:
        key = (type(target).__name__, target.pk)
        counts = self.counts.get(key, {})
        return [
            ReactionButton(kind, label, counts.get(kind, 0), (key, kind) in self.mine)
            for kind, label in REACTION_KINDS
        ]


def reaction_summary(*, member, posts=(), replies=()) -> ReactionSummary:
    """Counts per kind for each target, and which the viewer gave: the counts from the
    targets' own rows (ReactionCounts), less any reactions of members blocked either way
    with the viewer, found with the viewer's own in one query (none for a visitor)."""
    targets = [*posts, *replies]
    counts = {(type(t).__name__, t.pk): t.reaction_counts() for t in targets}
    mine: set = set()
    if not targets or not member.is_authenticated:
        return ReactionSummary(counts=counts, mine=mine)
    post_ids = [p.pk for p in posts]
    reply_ids = [r.pk for r in replies]
    if connection.vendor == "postgresql":
        # Id 0 is no row: an empty side keeps the one SQL.
        rows = REACTIONS_SEEN_BY.run(
            member=member, posts=post_ids or [0], replies=reply_ids or [0]
        )
    else:
        rows = _reactions_seen_by(member, Q(post_id__in=post_ids) | Q(reply_id__in=reply_ids))
    for post_id, reply_id, kind, reactor in rows:
        key = ("Post", post_id) if post_id else ("Reply", reply_id)
        if reactor == member.pk:
            mine.add((key, kind))
        else:  # blocked either way: not counted for this viewer
            counts[key][kind] = max(counts[key][kind] - 1, 0)
    return ReactionSummary(counts=counts, mine=mine)


def _reactions_seen_by(member, targets: Q) -> QuerySet:
    """The reactions on `targets` that a member's counts treat apart: their own, and
    those of anyone blocked either way with them. Found from the member's side (their
    reactions and the few blocked members'), not by reading a busy post's thousands."""
    themselves = User.objects.filter(pk=member.pk).values_list("pk")
    who = Block.objects.members_either_way(member).union(themselves, all=True)
    return (
        Reaction.objects.filter(targets)
        .filter(member__in=who)
        .values_list("post_id", "reply_id", "kind", "member_id")
    )


# Under every post and reply a member reads: its SQL built once per process and prepared
# on the server (the ids as two arrays, so their number never changes it).
REACTIONS_SEEN_BY = Prepared(
    lambda member, posts, replies: _reactions_seen_by(
        member,
        Q(_among("community_reaction", posts, column="post_id"))
        | Q(_among("community_reaction", replies, column="reply_id")),
    ),
    member=Prepared.MEMBER,
    posts=Prepared.IDS,
    replies=Prepared.IDS_2,
)


# --- Needs a reply ------------------------------------------------------------


def needs_a_reply_queryset(member) -> QuerySet[Post]:
    now = timezone.now()
    return _waiting(member, since=now - timedelta(days=NEEDS_A_REPLY_DAYS), now=now)


def _waiting(member, *, since, now) -> QuerySet[Post]:
    """Needs a reply's posts: written since `since`, in no space the member hid until
    after `now`."""
    posts = (
        Post.objects.visible_to(member)
        .conversations()
        .filter(first_reply_at__isnull=True, is_locked=False, created_at__gte=since)
        .with_byline()
        .select_related("space")
    )
    if member.is_authenticated:
        posts = posts.exclude(author=member).exclude(
            space__in=HiddenSpace.objects.in_force(member, at=now).values("space")
        )
    return posts


def longest_waiting_by_space(
    *, per_space: int, fields: tuple[str, ...] = (), **conditions
) -> list[dict]:
    """For everyone at once: each open space's posts waiting longest for a first reply
    (and meeting `conditions`), oldest first, as plain rows (id, title, space_id,
    space__name, created_at, author_id, and `fields`). No viewer's blocks are applied:
    callers filter per member, and must never show `author_id` (anonymous posts carry it
    too)."""
    place = Window(
        RowNumber(), partition_by=F("space_id"), order_by=(F("created_at").asc(), F("id").asc())
    )
    # Ranked on the posts' own narrow columns first; only the chosen rows are then joined
    # to their space and author (at 1M posts: 7,000 waiting rows ranked, 1,100 joined).
    chosen = (
        needs_a_reply_queryset(AnonymousUser())
        .filter(**conditions)
        .select_related(None)
        .annotate(place=place)
        .filter(place__lte=per_space)
        .values("pk")
    )
    return list(
        Post.objects.filter(pk__in=chosen)
        .order_by("created_at", "id")
        .values("id", "title", "space_id", "space__name", "created_at", "author_id", *fields)
    )


def needs_a_reply_page(*, member, cursor: str | None = None) -> Page:
    """The Needs a reply page: waiting posts, each with its count of reactions."""
    page = needs_a_reply(member=member, cursor=cursor)
    summary = reaction_summary(member=member, posts=page.items)
    page.extra["rows"] = [
        (post, sum(r.count for r in summary.for_target(post))) for post in page.items
    ]
    return page


WAITING_ORDER = ("created_at", "id")
HOME_WAITING = 3  # the home page shows the three waiting longest


def _first_waiting(size: int) -> Prepared:
    return Prepared(
        lambda member, since, now: _waiting(member, since=since, now=now).order_by(*WAITING_ORDER)[
            : size + 1
        ],
        member=Prepared.MEMBER,
        since=Prepared.SINCE,
        now=Prepared.SINCE_2,
    )


# Needs a reply's first page and the home page's three: their SQL built once per process.
WAITING_FIRST = {size: _first_waiting(size) for size in (HOME_WAITING, PAGE_SIZE)}


def needs_a_reply(*, member, limit: int = PAGE_SIZE, cursor: str | None = None) -> Page:
    """Recent posts nobody but their author has answered, longest-waiting first.

    Excludes hidden and removed posts, the viewer's own, and blocked members'.
    Prescriptions use this to point members at someone waiting.
    """
    if cursor is None and limit in WAITING_FIRST and member.is_authenticated:
        now = timezone.now()
        since = now - timedelta(days=NEEDS_A_REPLY_DAYS)
        return first_page(
            WAITING_FIRST[limit],
            ordering=WAITING_ORDER,
            size=limit,
            member=member,
            since=since,
            now=now,
        )
    return keyset_page(
        needs_a_reply_queryset(member),
        ordering=WAITING_ORDER,
        cursor=cursor,
        size=limit,
    )


# --- Notifications ------------------------------------------------------------


def visible_notifications(member: User) -> QuerySet[Notification]:
    """What the inbox shows, and so what the unread count counts (Notification.shown)."""
    return Notification.objects.filter(recipient=member).shown(recipient=member)


def _unless(condition: Q, value):
    """`value`, or None where `condition` holds (a hidden actor has no badge)."""
    return Case(When(condition, then=Value(None)), default=value, output_field=CharField())


NOTIFICATIONS_ORDER = ("-created_at", "-id")


# What an inbox card draws (templates/jinja2/community/notifications/): the
# notification's own columns, and of what it names only the actor's name and the post's
# or gathering's title (a reply is linked by its id). Whole rows were five model objects
# of every column per notification, the bodies of posts and replies among them.
INBOX_FIELDS = (
    *(field.attname for field in Notification._meta.concrete_fields),
    "actor__display_name",
    "post__title",
    "gathering__title",
)


def _inbox(member: User) -> QuerySet[Notification]:
    return (
        visible_notifications(member)
        .select_related("actor", "post", "gathering")
        .only(*INBOX_FIELDS)
        .annotate(actor_badge=_unless(Q(actor_hidden=True), roles.badge_of("actor_id")))
    )


# The inbox's first page, the one a member opens: its SQL built once per process
# (building it took longer than running it).
INBOX_FIRST_PAGE = Prepared(
    lambda member: _inbox(member).order_by(*NOTIFICATIONS_ORDER)[: PAGE_SIZE + 1],
    member=Prepared.MEMBER,
)


def notifications_for(*, member: User, cursor: str | None, size: int = PAGE_SIZE) -> Page:
    if cursor is None and size == PAGE_SIZE:
        return first_page(INBOX_FIRST_PAGE, ordering=NOTIFICATIONS_ORDER, size=size, member=member)
    return keyset_page(_inbox(member), ordering=NOTIFICATIONS_ORDER, cursor=cursor, size=size)


def unread_notification_count(member: User) -> int:
    """The exact count, counted; pages show `member.unread_notifications`, kept by
    community.services, and the inbox corrects it from this."""
    return visible_notifications(member).filter(read_at__isnull=True).count()


# --- Member controls: muted words, spaces hidden for a break ----------------------


def muted_words_for(member) -> MutedWords:
    """The viewer's muted words, compiled: read with the signed-in member's row
    (muting.with_muted_words, community.backends), else one query (none for a visitor). A
    page reads them once and marks what it shows (`MutedWords.mark`)."""
    if not member.is_authenticated:
        return MutedWords()
    phrases = muting.read_with(member)
    if phrases is None:
        phrases = [phrase for (phrase,) in MUTED_PHRASES.run(member=member)]
    return MutedWords(phrases, viewer_id=member.pk)


# Read on every page of posts a member opens: built once per process.
MUTED_PHRASES = Prepared(
    lambda member: MutedWord.objects.filter(member=member).values_list("phrase"),
    member=Prepared.MEMBER,
)


def muted_phrases(member: User) -> list[str]:
    return list(
        MutedWord.objects.filter(member=member).order_by("phrase").values_list("phrase", flat=True)
    )


def hidden_spaces(member) -> list[Space]:
    """The spaces the member hid for their break, still hidden now: one query (none for
    a visitor). For the note that says so, with "show them again"."""
    if not member.is_authenticated:
        return []
    return HIDDEN_SPACES.objects(member=member, now=timezone.now())


# On every home page: built once per process.
HIDDEN_SPACES = Prepared(
    lambda member, now: Space.objects.filter(
        pk__in=HiddenSpace.objects.in_force(member, at=now).values("space")
    ).order_by("order", "name"),
    member=Prepared.MEMBER,
    now=Prepared.SINCE,
)


# --- Members ------------------------------------------------------------------


def get_member(*, handle: str) -> User:
    handle = normalise_handle(handle)
    if not is_handle(handle):
        raise Http404("No such member.")
    members = User.objects.filter(is_active=True).annotate(badge=roles.badge_of("pk"))
    return get_object_or_404(members, handle=handle)


def member_recent_posts(*, member: User, viewer, limit: int = 20) -> list[Post]:
    """A member's recent posts under their own name: never their anonymous ones."""
    return list(
        Post.objects.visible_to(viewer)
        .filter(author=member, is_anonymous=False)
        .select_related("space")
        .order_by("-created_at", "-id")[:limit]
    )


# --- Search -------------------------------------------------------------------


def _snippet(content: Post | Reply, *, lexemes: frozenset[str]) -> SafeString:
    """The snippet shows the words as members read them (rendered, not Markdown), with
    the words that match the search's `lexemes` (community.text.words_matching)."""
    plain = text.plain_text(content.body_html)
    return text.snippet(plain, text.words_matching(plain, lexemes))


@dataclass
class SearchHit:
    post: Post
    reply: Reply | None
    snippet: SafeString
    rank: float


# Each row carries the search as PostgreSQL reads it (its lexemes: stemmed, without
# stop words), for the snippets' marks.
_RANKED_SQL = """
    SELECT id, rank, query::text FROM (
        SELECT id, ts_rank(search_vector, query)::double precision AS rank, query
        FROM ({candidates}) AS candidates, websearch_to_tsquery('english'::regconfig, %s) query
    ) AS ranked {after}
    ORDER BY rank DESC, id DESC LIMIT %s
"""
_LEXEME = re.compile(r"'((?:[^']|'')*)'")


def _lexemes(rows) -> frozenset[str]:
    """The lexemes of the search, from a stream's rows ('garden' & 'walk' -> both), in
    lower case: PostgreSQL lowers letters beyond ASCII only under a locale that knows
    them ('Émile' stays so under C), Python always."""
    for row in rows:
        return frozenset(lexeme.replace("''", "'").lower() for lexeme in _LEXEME.findall(row[2]))
    return frozenset()


def _words(text: str) -> SearchQuery:
    return SearchQuery(text, config="english", search_type="websearch")


def _candidates(queryset, query):
    """The newest SEARCH_CANDIDATES matches with their vectors (the planner walks the
    newest rows for a common word, the GIN index for a rare one), each read once and
    ranked after the limit (_RANKED_SQL): a plan that finds the matches in no order (a
    word in most rows of a small community) ranks these, not every match (at 10k posts,
    "garden" ranked 1,185 posts for 500). The rank is ts_rank as double precision, exact
    in a cursor."""
    return (
        queryset.filter(search_vector=query)
        .order_by("-id")
        .values_list("id", "search_vector")[:SEARCH_CANDIDATES]
    )


# A search's two streams and its hits, built once per process (fourc.lib.prepared) and
# planned for each search: a common word and a rare one want different plans.
POST_CANDIDATES = Prepared(
    lambda member, text: _candidates(Post.objects.visible_to(member), _words(text)),
    member=Prepared.MEMBER,
    text=Prepared.TEXT,
    on_server=False,
)
REPLY_CANDIDATES = Prepared(
    lambda member, text: _candidates(
        Reply.objects.visible_to(member).filter(post__removed_at__isnull=True), _words(text)
    ),
    member=Prepared.MEMBER,
    text=Prepared.TEXT,
    on_server=False,
)


def _among(table: str, ids, *, column: str = "id") -> RawSQL:
    """`id = ANY(%s)` with the ids as one parameter, a list (psycopg2 writes it as an
    array): the SQL is the same for any number of them, so PostgreSQL prepares it once
    per connection (fourc.lib.prepared) instead of planning each page's list."""
    return RawSQL(f'"{table}"."{column}" = ANY(%s)', (ids,), BooleanField())  # noqa: S611


def _hits(model, related: tuple[str, ...], unread: tuple[str, ...]) -> Prepared:
    """A page's chosen posts or replies, by id, with their bylines and their `related`
    rows less the columns a result never reads (`unread`): a space's description and
    guidelines, a reply's post's rendered words."""
    return Prepared(
        lambda ids: (
            model.objects.with_byline()
            .select_related(*related)
            .defer(*unread)
            .filter(_among(model._meta.db_table, ids))
        ),
        ids=Prepared.IDS,
    )


POST_HITS = _hits(Post, ("space",), unread=("space__description", "space__guidelines"))
REPLY_HITS = _hits(
    Reply,
    ("post", "post__space"),
    unread=(
        "post__search_vector",
        "post__body_html",
        "post__space__description",
        "post__space__guidelines",
    ),
)


def _search_stream(candidates: Prepared, member, q: str, cursor_values, size):
    """One page of a stream: [(id, rank, the search as PostgreSQL read it)], by rank then
    id, after `cursor_values`, from the stream's newest candidates (so a very common word
    costs about what a rare one does)."""
    sql, params = candidates.sql(member=member, text=q)
    after, cursor_params = "", ()
    if cursor_values[0] is not None:
        after, cursor_params = "WHERE (rank, id) < (%s, %s)", tuple(cursor_values)
    with connection.cursor() as cursor:
        ranked = _RANKED_SQL.format(candidates=sql, after=after)
        cursor.execute(ranked, (*params, q, *cursor_params, size + 1))
        return cursor.fetchall()


def _search_start(cursor: str | None) -> list:
    """Where each stream stopped: [post rank, post id, reply rank, reply id], a pair
    being [None, None] while its stream hasn't started. Anything else is a 400."""
    if not cursor:
        return [None, None, None, None]
    values = decode_cursor(cursor, 4)
    start = []
    for rank, last_id in (values[0:2], values[2:4]):
        if rank is None and last_id is None:
            start += [None, None]
        else:
            start += [cursor_number(rank), cursor_number(last_id, integer=True)]
    if start == [None, None, None, None]:  # a next page always has a stream moved on
        raise BadRequest(BROKEN)
    return start


def search(*, member, q: str, cursor: str | None = None, size: int = PAGE_SIZE) -> Page:
    """Ranked full-text search over posts and replies the viewer may see.

    Posts and replies are two keyset streams, each ordered by (rank, id),
    merged by rank; the cursor holds where each stream stopped.
    """
    q = q.strip()
    if not q or not member.is_authenticated:  # search is for members (its SQL is theirs)
        return Page(items=[])
    if connection.vendor != "postgresql":
        return _search_fallback(member=member, q=q, cursor=cursor, size=size)
    start = _search_start(cursor)
    post_rows = _search_stream(POST_CANDIDATES, member, q, start[0:2], size)
    reply_rows = _search_stream(REPLY_CANDIDATES, member, q, start[2:4], size)
    lexemes = _lexemes(post_rows) or _lexemes(reply_rows)
    merged = sorted(
        [("post", pk, rank) for pk, rank, _ in post_rows]
        + [("reply", pk, rank) for pk, rank, _ in reply_rows],
        key=lambda row: (-row[2], -row[1]),
    )
    chosen = merged[:size]
    post_cursor, reply_cursor = start[0:2], start[2:4]
    for kind, pk, rank in chosen:
        if kind == "post":
            post_cursor = [rank, pk]
        else:
            reply_cursor = [rank, pk]
    # Both are read even when a page holds none of one kind (id 0 is no row): a search
    # asks the same four queries whatever it finds, as every page does.
    post_ids = [pk for kind, pk, _ in chosen if kind == "post"] or [0]
    reply_ids = [pk for kind, pk, _ in chosen if kind == "reply"] or [0]
    posts = {post.pk: post for post in POST_HITS.objects(ids=post_ids)}
    replies = {reply.pk: reply for reply in REPLY_HITS.objects(ids=reply_ids)}
    items = []
    for kind, pk, rank in chosen:
        if kind == "post":
            post = posts[pk]
            items.append(
                SearchHit(
                    post=post, reply=None, snippet=_snippet(post, lexemes=lexemes), rank=rank
                )
            )
        else:
            reply = replies[pk]
            items.append(
                SearchHit(
                    post=reply.post,
                    reply=reply,
                    snippet=_snippet(reply, lexemes=lexemes),
                    rank=rank,
                )
            )
    more = len(merged) > size
    next_cursor = encode_cursor(post_cursor + reply_cursor) if more else None
    return Page(items=items, next_cursor=next_cursor)


def _search_fallback(*, member, q: str, cursor: str | None, size: int) -> Page:
    """SQLite (the embedded default): titles and bodies containing the words, newest first."""
    posts = Post.objects.visible_to(member).with_byline().select_related("space")
    words = q.split()[:8]
    for word in words:
        posts = posts.filter(Q(title__icontains=word) | Q(body__icontains=word))
    page = keyset_page(posts, ordering=("-id",), cursor=cursor, size=size)
    page.items = [
        SearchHit(
            post=post,
            reply=None,
            snippet=text.snippet(text.plain_text(post.body_html), words, whole_words=False),
            rank=0.0,
        )
        for post in page.items
    ]
    return page


# --- Gatherings -----------------------------------------------------------------

UPCOMING_DAYS_FOR_SPACE = 30
CALENDAR_PAST_DAYS = 30
REMINDER_LEADS = {"24h": timedelta(hours=24), "1h": timedelta(hours=1)}


def _with_going_count(gatherings: QuerySet[Gathering]) -> QuerySet[Gathering]:
    return (
        gatherings.select_related("space", "host")
        .with_going_count()
        .annotate(host_badge=roles.badge_of("host_id"))
    )


# What a gathering's card draws (templates/jinja2/community/cards/gathering_card.jinja):
# its own when, format, places and status, its space's name and its host's name. Whole
# rows were each gathering's description and place, its space's description and
# guidelines and its host's row (email, password hash, bio among them).
GATHERING_CARD_FIELDS = (
    "space_id",
    "host_id",
    "title",
    "starts_at",
    "ends_at",
    "capacity",
    "format",
    "status",
    "space__name",
    "space__slug",
    *(f"host__{field}" for field in User.BYLINE_FIELDS),
)


def _gathering_cards(gatherings: QuerySet[Gathering]) -> QuerySet[Gathering]:
    return _with_going_count(gatherings).only(*GATHERING_CARD_FIELDS)


GATHERINGS_ORDER = ("starts_at", "id")
# The gatherings page as most see it (everyone's, first page): its SQL built once per
# process, the same for every member.
GATHERINGS_FIRST_PAGE = Prepared(
    lambda at: _gathering_cards(Gathering.objects.upcoming(at)).order_by(*GATHERINGS_ORDER)[
        : PAGE_SIZE + 1
    ],
    at=Prepared.SINCE,
)


def upcoming_gatherings(
    *, at=None, space: Space | None = None, cursor: str | None = None, size: int = PAGE_SIZE
) -> Page:
    """Scheduled gatherings not over yet, soonest first."""
    at = at or timezone.now()
    if space is None and cursor is None and size == PAGE_SIZE:
        return first_page(GATHERINGS_FIRST_PAGE, ordering=GATHERINGS_ORDER, size=size, at=at)
    gatherings = Gathering.objects.upcoming(at)
    if space is not None:
        gatherings = gatherings.filter(space=space)
    return keyset_page(
        _gathering_cards(gatherings), ordering=GATHERINGS_ORDER, cursor=cursor, size=size
    )


def past_gatherings(*, at=None, cursor: str | None = None, size: int = PAGE_SIZE) -> Page:
    gatherings = Gathering.objects.past(at or timezone.now())
    return keyset_page(
        _gathering_cards(gatherings), ordering=("-ends_at", "-id"), cursor=cursor, size=size
    )


SPACE_GATHERINGS = 3  # a space's page shows its next three


def _space_gatherings(space, at, *, limit: int):
    upcoming = Gathering.objects.upcoming(at).filter(space_id=space)
    return _gathering_cards(upcoming).order_by(*GATHERINGS_ORDER)[:limit]


# A space's next three, on its page: built once per process.
SPACE_NEXT_GATHERINGS = Prepared(
    lambda space, at: _space_gatherings(space, at, limit=SPACE_GATHERINGS),
    space=Prepared.ID,
    at=Prepared.SINCE,
)


def space_upcoming_gatherings(*, space: Space, limit: int = SPACE_GATHERINGS) -> list[Gathering]:
    if limit == SPACE_GATHERINGS:
        return SPACE_NEXT_GATHERINGS.objects(space=space.pk, at=timezone.now())
    return list(_space_gatherings(space.pk, timezone.now(), limit=limit))


def get_gathering(*, gathering_id: int) -> Gathering:
    gatherings = _with_going_count(Gathering.objects.visible()).select_related("discussion")
    return get_object_or_404(gatherings, pk=gathering_id)


def get_hosted_gathering(*, member: User, gathering_id: int) -> Gathering:
    """The gathering if `member` hosts it: 404 when there is none, 403 for another host."""
    gathering = get_gathering(gathering_id=gathering_id)
    if gathering.host_id != member.pk:
        raise PermissionDenied("Only the host can change this gathering.")
    return gathering


@dataclass
class GatheringPeople:
    going: list  # RSVPs the viewer may see named
    private_going: int  # others going who chose to RSVP privately
    waiting: int
    viewer_place: RSVP | None


def gathering_people(*, gathering: Gathering, viewer) -> GatheringPeople:
    """Who is going. Private RSVPs are named only to the host. Two queries."""
    places = list(
        RSVP.objects.filter(gathering=gathering, status__in=[RSVPStatus.GOING, RSVPStatus.WAITING])
        .select_related("member")
        .annotate(member_badge=roles.badge_of("member_id"))
    )
    is_host = viewer.is_authenticated and viewer.pk == gathering.host_id
    going = [p for p in places if p.status == RSVPStatus.GOING]
    named = [p for p in going if is_host or not p.is_private]
    viewer_place = None
    if viewer.is_authenticated:
        viewer_place = RSVP.objects.filter(gathering=gathering, member=viewer).first()
    return GatheringPeople(
        going=sorted(named, key=lambda p: p.member.display_name.lower()),
        private_going=len(going) - len(named),
        waiting=sum(1 for p in places if p.status == RSVPStatus.WAITING),
        viewer_place=viewer_place,
    )


def member_calendar(*, member: User) -> list[Gathering]:
    """The member's confirmed places, cancelled gatherings included (their calendar
    must hear of the cancellation), from a month ago onwards."""
    since = timezone.now() - timedelta(days=CALENDAR_PAST_DAYS)
    return list(
        Gathering.objects.filter(
            rsvps__member=member, rsvps__status=RSVPStatus.GOING, ends_at__gte=since
        )
        .select_related("space")
        .order_by("starts_at", "id")
    )


def get_calendar_member(*, token: str) -> User:
    tokens = CalendarToken.objects.filter(member__is_active=True).select_related("member")
    return get_object_or_404(tokens, token=token).member


def places_needing_reminder(*, at, lead: str) -> QuerySet[RSVP]:
    """Confirmed places whose gathering starts within `lead` ("24h" or "1h") of `at`.

    The nudges send from this and record what they sent, so a place is
    reminded once however often the dispatcher asks.
    """
    window = REMINDER_LEADS[lead]
    at = at.astimezone(UTC)  # instants, not wall clocks: a clock change can't shift the window
    return RSVP.objects.filter(
        status=RSVPStatus.GOING,
        gathering__status=GatheringStatus.SCHEDULED,
        gathering__space__is_archived=False,
        gathering__starts_at__gt=at,
        gathering__starts_at__lte=at + window,
        member__is_active=True,
    ).select_related("gathering", "member")


# --- Your data --------------------------------------------------------------------------


def latest_data_export(member: User) -> DataExport | None:
    """The member's newest copy of their data (being prepared, ready or expired), without
    the copy itself."""
    return DataExport.objects.defer("data").filter(member=member).order_by("-requested_at").first()


def ready_data_export(*, member: User, export_id: int) -> DataExport | None:
    """The member's own ready copy `export_id`, with its data; None when there is none
    (never someone else's)."""
    return DataExport.objects.filter(member=member, pk=export_id, ready_at__isnull=False).first()


# --- Deleting an account ------------------------------------------------------------------


def pending_deletion(member) -> AccountDeletion | None:
    """The member's confirmed request to delete their account, while it waits."""
    return AccountDeletion.objects.pending().filter(member=member).first()
