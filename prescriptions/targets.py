"""Step targets: the real posts and gatherings a step may point at, and why.

Open this file to answer "why was this post (or gathering) offered, or not?".

A step may point at, for a member:
- a post waiting for its first reply (`community.selectors.needs_a_reply_queryset`:
  published, in an open space, not locked, not a gathering's discussion, from the
  last 14 days), longest waiting first, in a space the member follows or has read
  (anywhere, for a newcomer who knows no space yet);
- a gathering starting within the week, with places left, where they hold no place
  and are not on the waiting list;
- a recent named post, open for replies, by someone they have talked with (a named
  reply to their post, or their reply to that person's named post, in 30 days).
Never their own, never a blocked member's (either way, `Block.objects.members_either_way`;
anonymous words too: leaving one out of a private suggestion names nobody).
Never words in crisis, and nothing by a member in crisis now (prescriptions/crisis.py):
they need a moderator and the help lines, not a peer's step. Posts in crisis words
(`crisis_words`, kept when they are written) never enter the pools; the crisis set is a
shared value of its own, read with the pools and applied when they are read, so a crisis
moves on only that small value (two queries through partial indexes), never a pool.

The waiting posts and the gatherings are the same for everyone, so they are read at
most once a minute into the cache (the pools), beside the catalogue and the
community's mean lifts that every check-in also reads. Each cached value carries the
generation it was built under: `forget(...)`, called by `receivers.py` and the
admin whenever a cached value may have gone wrong (a post answered, hidden, removed,
locked or deleted; a gathering cancelled, changed or full; a space archived; the
catalogue edited), moves the generation on, and the next read builds it again. New
posts and gatherings simply join within the minute. The pools carry authors' ids,
anonymous ones too: they never leave the server, and the targets handed to the
engine carry no author.
"""

import functools
import heapq
import itertools
import logging
import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db import transaction
from django.db.models import CharField, Min, Value
from django.utils import timezone

from community import selectors as community
from community.models import (
    RSVP,
    Block,
    Gathering,
    Post,
    Reply,
    RSVPStatus,
    SpaceFollow,
    SpaceRead,
)
from fourc.lib.prepared import Prepared
from prescriptions import crisis, engine
from prescriptions import rows as row_shape
from prescriptions.models import LinkWorkerConsent

logger = logging.getLogger(__name__)

TARGETS_PER_KIND = 8
GATHERING_DAYS = 7
FRIENDS_DAYS = 30
PARTNER_REPLIES = 12  # each way: see _talked

# What every check-in shares through the cache, and for how long at most.
WAITING = "prescriptions:waiting-pool:3"  # rows (intent, newcomer, at_night), by space too
GATHERINGS = "prescriptions:gathering-pool:2"  # rows with format
CATALOGUE = "prescriptions:catalogue:2"  # ActivityInfo with its tags and fits
IN_CRISIS = "prescriptions:in-crisis"  # the ids of everyone in crisis now
PRIOR = "prescriptions:community-prior:2"  # ((mean, times) per activity, per Way)
# (A cached value's key changes with its shape, so a deploy never reads an old one.)
POOL_SECONDS = 60
WAITING_PER_SPACE = 3 * TARGETS_PER_KIND  # room for the member's own and blocked ones
GATHERING_POOL_SIZE = 50


# --- The shared cache, and forgetting --------------------------------------------------


def generation_key(key: str) -> str:
    """Where the generation of a cached value lives: a random token that forget()
    replaces."""
    return f"{key}:generation-token"


# This process's copies of the shared values, {key: (generation, built_at, value)}: a
# check-in reads only the generations from the cache (tiny), not the pickled values.
_copies: dict[str, tuple] = {}


def _generations(keys: list[str]) -> dict[str, str]:
    """The current generation of each key. A missing one (never moved on, evicted, the
    cache cleared) is set now to a new token, so that no copy built before matches it."""
    names = {generation_key(key): key for key in keys}
    found = cache.get_many(list(names))
    for name in names.keys() - found.keys():
        cache.add(name, uuid.uuid4().hex, None)  # the first of two processes at once wins
        found[name] = cache.get(name) or uuid.uuid4().hex
    return {names[name]: token for name, token in found.items()}


def _current(copy, generation, now, seconds) -> bool:
    return (
        copy is not None
        and generation is not None
        and copy[0] == generation
        and now - copy[1] < timedelta(seconds=seconds)
    )


def cached(builders: dict) -> dict:
    """Several shared values, {key: (build, seconds)} giving {key: value}, in one cache
    round trip for their generations. A value missing, older than its seconds, or built
    under an older generation is taken from the cache (another process built it) or
    built again and stored there with the generation read before building it, so one
    built from rows that changed meanwhile is never taken for current. A cache that is
    down only costs the builds."""
    return _read_or_build(builders, within=timedelta(0))[0]


def refresh(builders: dict, *, within: timedelta) -> list[str]:
    """The beat's: builds again and stores each value that would be too old within
    `within` (its next refresh, and a margin), so a check-in finds a young copy in the
    cache instead of building one while a member waits; a value that stays young
    longer (the community's prior lives ten minutes) is left alone, not built twice a
    minute. A check-in still builds after a forget, until the next refresh. Returns the
    keys built."""
    return _read_or_build(builders, within=within)[1]


def _read_or_build(builders: dict, *, within: timedelta) -> tuple[dict, list[str]]:
    """cached() and refresh(): the values, and the keys built. A value is taken when it
    is still current `within` from now."""
    now = timezone.now()
    later = now + within
    refreshing = bool(within)
    try:
        generations = _generations(list(builders))
    except Exception:
        logger.warning("Could not reach the cache for shared values.", exc_info=True)
        generations = {}
    copies = {key: _copies.get(key) for key in builders}
    stale = [
        key
        for key, (_, seconds) in builders.items()
        if not _current(copies[key], generations.get(key), later, seconds)
    ]
    values = {key: copies[key][2] for key in builders if key not in stale}
    found = {}
    if stale and generations:
        try:
            found = cache.get_many(stale)
        except Exception:
            logger.warning("Could not reach the cache for shared values.", exc_info=True)
    built = []
    for key in stale:
        build, seconds = builders[key]
        generation = generations.get(key)
        copy = found.get(key)
        if not _current(copy, generation, later, seconds):
            copy = (generation, now, build())
            built.append(key)
            try:
                # A long build (the beat's) that a forget overtook would overwrite a newer
                # copy another process stored: it is not kept (nor taken for current).
                if not refreshing or cache.get(generation_key(key)) == generation:
                    cache.set(key, copy, seconds)
            except Exception:
                logger.warning("Could not keep a shared value in the cache.", exc_info=True)
        _copies[key] = copy
        values[key] = copy[2]
    return values, built


def forget(*keys: str) -> None:
    """Moves on the generation of these shared values, so the next read builds them
    again: now, for reads later in this transaction, and again after the commit, so a
    check-in that read the old rows just before cannot keep them. A cache that is down
    only delays this (values live a minute at most)."""

    def move_on():
        cache.set_many({generation_key(key): uuid.uuid4().hex for key in keys}, None)

    try:
        move_on()
    except Exception:  # the change itself must still go through
        logger.warning("Could not reach the cache to forget shared values.", exc_info=True)
    transaction.on_commit(move_on, robust=True)


# --- The pools: the same for everyone ------------------------------------------------------


def waiting_pool() -> tuple[tuple[dict, ...], dict[int, list[dict]]]:
    """Each open space's posts waiting longest for a first reply, as plain rows with the
    facts a step is fitted to (engine.Target): all of them, oldest first, and the same
    rows by space (a member's spaces are read without walking the rest). Posts in crisis
    words are left out: they need a moderator and the help lines, not a peer's step. The
    posts of members in crisis now are left out when the pool is read (for_member),
    against IN_CRISIS, which a crisis moves on at once without building this again. Two
    queries, at most once a minute."""
    rows = community.longest_waiting_by_space(
        per_space=WAITING_PER_SPACE,
        fields=("intent", "author__time_zone"),
        crisis_words=False,
    )
    authors = {row["author_id"] for row in rows}
    firsts = set(
        Post.objects.filter(author__in=authors)
        .values("author")
        .annotate(first=Min("pk"))
        .values_list("first", flat=True)
    )
    everywhere = tuple(
        {
            **{k: v for k, v in row.items() if k != "author__time_zone"},
            "newcomer": row["id"] in firsts,
            "at_night": _written_at_night(row["created_at"], row["author__time_zone"]),
        }
        for row in rows
    )
    by_space: dict[int, list[dict]] = {}
    for row in everywhere:
        by_space.setdefault(row["space_id"], []).append(row)
    return everywhere, by_space


def _waiting_order(row: dict) -> tuple:
    return row["created_at"], row["id"]


def _written_at_night(at, time_zone: str) -> bool:
    return engine.is_night(at.astimezone(_zone(time_zone)).hour)


@functools.cache
def _zone(name: str) -> ZoneInfo:
    # ZoneInfo keeps only a few zones strongly; a pool of a thousand authors' posts spans
    # hundreds, each read from disk again (a third of the pool's build at 1M posts).
    return ZoneInfo(name)


def gathering_pool() -> tuple[dict, ...]:
    """Gatherings starting within the week (and the pool's lifetime) with places left,
    soonest first."""
    now = timezone.now()
    horizon = now + timedelta(days=GATHERING_DAYS, seconds=POOL_SECONDS)
    return tuple(
        Gathering.objects.upcoming(now)
        .filter(starts_at__gt=now, starts_at__lte=horizon)
        .with_places_left()
        .order_by("starts_at", "id")
        .values("id", "title", "space__name", "starts_at", "host_id", "format")[
            :GATHERING_POOL_SIZE
        ]
    )


POOLS = {
    WAITING: (waiting_pool, POOL_SECONDS),
    GATHERINGS: (gathering_pool, POOL_SECONDS),
    IN_CRISIS: (crisis.everyone_in_crisis, POOL_SECONDS),
}


def in_crisis_now() -> frozenset[int]:
    """Everyone in crisis now, the shared value (one cache read when it is warm): for what
    was given before (open steps, emails), read against the same set as the pools."""
    return cached({IN_CRISIS: POOLS[IN_CRISIS]})[IN_CRISIS]


# --- One member ----------------------------------------------------------------------------

FOLLOWED, READ, BLOCKED, HAS_PLACE = "followed", "read", "blocked", "place"
LINK_WORKER = "link_worker"


FACT_KINDS = (FOLLOWED, READ, BLOCKED, HAS_PLACE, LINK_WORKER)


def fact_branches(member) -> list:
    """The ids the targets need about the member, as branches of a UNION of
    prescriptions.rows (`kind` one of FACT_KINDS, `ref` the id): the spaces they follow
    and have read, the members blocked either way, the gatherings where they hold or
    wait for a place, the link workers they invited."""
    places = RSVP.objects.filter(member=member, status__in=[RSVPStatus.GOING, RSVPStatus.WAITING])
    consents = LinkWorkerConsent.objects.filter(member=member, revoked_at=None)
    return [
        row_shape.branch(SpaceFollow.objects.filter(member=member), FOLLOWED, ref="space_id"),
        row_shape.branch(SpaceRead.objects.filter(member=member), READ, ref="space_id"),
        row_shape.branch(Block.objects.members_either_way(member), BLOCKED, ref="other"),
        row_shape.branch(places, HAS_PLACE, ref="gathering_id"),
        row_shape.branch(consents, LINK_WORKER, ref="link_worker_id"),
    ]


def _friends_posts(member, since):
    """Recent named posts, open for replies, that the member may see, by the people
    they talked with since `since` (_talked). Newest first."""
    return (
        Post.objects.visible_to(member)
        .conversations()
        .filter(
            author__in=_talked(member, since),
            is_anonymous=False,
            is_locked=False,
            created_at__gte=since,
        )
        .exclude(author=member)
        .order_by("-created_at", "-id")
    )


FRIEND_POST = "friend_post"


def friend_post_branch(member, since):
    """The newest TARGETS_PER_KIND of _friends_posts, as a branch of a UNION of
    prescriptions.rows (kind FRIEND_POST)."""
    newest = _friends_posts(member, since).values("pk")[:TARGETS_PER_KIND]
    return row_shape.branch(
        Post.objects.filter(pk__in=newest).with_is_first(),
        FRIEND_POST,
        at="created_at",
        ref="id",
        flag="crisis_words",
        title="title",
        space="space__name",
        intent="intent",
        time_zone="author__time_zone",
        first="is_first",
        author="author_id",
    )


def _talked(member, since):
    """The people the member talked with since `since` (a subquery), most recently
    first and at most PARTNER_REPLIES each way: who wrote the last named replies under
    the member's posts, and whose named posts the member's own last replies answered.
    Bounded, so a check-in costs the same however many people someone talks with."""
    said = Reply.objects.published().filter(created_at__gte=since).order_by("-created_at", "-id")
    to_them = said.filter(post__author=member, is_anonymous=False).values("pk")
    by_them = said.filter(author=member, post__is_anonymous=False).values("pk")
    return (
        Reply.objects.filter(pk__in=to_them[:PARTNER_REPLIES])
        .values("author")
        .union(Reply.objects.filter(pk__in=by_them[:PARTNER_REPLIES]).values("post__author"))
    )


# These run on every check-in, and building them costs more than running them, so each
# is built once (fourc.lib.prepared) and run with the member's values: one query each.
FACTS = Prepared(lambda member: row_shape.union(*fact_branches(member)), member=Prepared.MEMBER)
FRIENDS_POSTS = Prepared(friend_post_branch, member=Prepared.MEMBER, since=Prepared.SINCE)


def _facts_of_many(member_ids):
    """fact_branches for many members at once: (member, kind, id) rows."""

    def ids(kind, rows, member_field, field):
        return rows.values_list(member_field, Value(kind, output_field=CharField()), field)

    places = RSVP.objects.filter(
        member_id__in=member_ids, status__in=[RSVPStatus.GOING, RSVPStatus.WAITING]
    )
    consents = LinkWorkerConsent.objects.filter(member_id__in=member_ids, revoked_at=None)
    blocks = Block.objects.pairs_either_way(member_ids)
    return ids(
        FOLLOWED, SpaceFollow.objects.filter(member_id__in=member_ids), "member_id", "space_id"
    ).union(
        ids(READ, SpaceRead.objects.filter(member_id__in=member_ids), "member_id", "space_id"),
        ids(HAS_PLACE, places, "member_id", "gathering_id"),
        ids(LINK_WORKER, consents, "member_id", "link_worker_id"),
        all=True,
    ), blocks


def facts_of_many(member_ids) -> dict[int, dict[str, set[int]]]:
    """member_facts for many members: two queries, however many members."""
    facts = {
        pk: {kind: set() for kind in (FOLLOWED, READ, BLOCKED, HAS_PLACE, LINK_WORKER)}
        for pk in member_ids
    }
    rows, blocks = _facts_of_many(list(member_ids))
    for member_id, kind, ref in rows:
        facts[member_id][kind].add(ref)
    for member_id, other in blocks:
        facts[member_id][BLOCKED].add(other)
    return facts


def member_facts(member, *, rows: list | None = None) -> dict[str, set[int]]:
    """The ids the targets need about one member (see fact_branches). One query, none
    when the caller read their `rows` with others (rows of other kinds are passed over)."""
    facts: dict[str, set[int]] = {kind: set() for kind in FACT_KINDS}
    if rows is None:
        rows = row_shape.read(FACTS.run(member=member))
    for row in rows:
        if row.kind in facts:
            facts[row.kind].add(row.ref)
    return facts


def friends_posts(
    member, *, since, in_crisis=frozenset(), rows: list | None = None
) -> tuple[engine.Target, ...]:
    """The recent posts of the people the member talked with (see _friends_posts),
    newest first, leaving out words in crisis and the posts of members `in_crisis` now.
    One query, none when the caller read their `rows` (friend_post_branch) with others
    (rows of other kinds are passed over)."""
    if rows is None:
        rows = row_shape.read(FRIENDS_POSTS.run(member=member, since=since))
    found = sorted(
        (row for row in rows if row.kind == FRIEND_POST),
        key=lambda row: (row.at, row.ref),
        reverse=True,
    )
    return tuple(
        engine.Target(
            "post", row.ref, row.title, row.space, row.at,
            intent=row.intent, newcomer=row.first, friend=True,
            at_night=_written_at_night(row.at, row.time_zone),
        )
        for row in found
        if row.author not in in_crisis and not row.flag
    )  # fmt: skip


def friends_since(now):
    """Since when a friend's post is recent, and the talk that made them one."""
    return now - timedelta(days=FRIENDS_DAYS)


def for_member(
    member,
    *,
    now,
    pools: dict,
    facts: dict | None = None,
    friends: bool = True,
    member_rows: list | None = None,
) -> engine.Targets:
    """What this member may be pointed at now, from the shared `pools` (see cached())
    and their `facts` (member_facts, read here when not given). One or two queries,
    whoever the member and however big the community; none with `facts` given and
    either `member_rows` holding their friends' posts (friend_post_branch, since
    friends_since(now): a check-in's MEMBER_NOW) or `friends=False` (their friends'
    posts left out: an email's step, for many members at once)."""
    facts = member_facts(member) if facts is None else facts
    not_theirs = facts[BLOCKED] | {member.pk}  # authors and hosts to leave out
    cutoff = now - timedelta(days=community.NEEDS_A_REPLY_DAYS)
    in_crisis = pools[IN_CRISIS]  # read with the pool, and never older than the last crisis
    everywhere, by_space = pools[WAITING]
    known = facts[FOLLOWED] | facts[READ]
    # A newcomer who knows no space yet is shown the whole community; anyone else their
    # spaces' rows alone, merged in the pool's order (longest waiting first).
    rows = (
        heapq.merge(*(by_space[pk] for pk in known if pk in by_space), key=_waiting_order)
        if known
        else everywhere
    )
    waiting = list(
        itertools.islice(
            (
                p
                for p in rows
                if p["author_id"] not in not_theirs
                and p["author_id"] not in in_crisis
                and p["created_at"] >= cutoff
            ),
            TARGETS_PER_KIND,
        )
    )
    gatherings = [
        g
        for g in pools[GATHERINGS]
        if now < g["starts_at"] <= now + timedelta(days=GATHERING_DAYS)
        and g["host_id"] not in not_theirs
        and g["id"] not in facts[HAS_PLACE]
    ]
    return engine.Targets(
        waiting_posts=tuple(
            engine.Target(
                "post",
                p["id"],
                p["title"],
                p["space__name"],
                p["created_at"],
                waiting_for_reply=True,
                intent=p["intent"],
                newcomer=p["newcomer"],
                at_night=p["at_night"],
            )  # fmt: skip
            for p in waiting
        ),  # fmt: skip
        gatherings=tuple(
            engine.Target(
                "gathering",
                g["id"],
                g["title"],
                g["space__name"],
                g["starts_at"],
                format=g["format"],
            )  # fmt: skip
            for g in gatherings[:TARGETS_PER_KIND]
        ),
        friends_posts=friends_posts(
            member, since=friends_since(now), in_crisis=pools[IN_CRISIS], rows=member_rows
        )
        if friends
        else (),
    )
