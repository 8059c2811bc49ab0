"""Is this member in crisis now, and since when? Is today a low day? The one home of
both rules (community/safety.py is the matcher they use).

- **In crisis** (`crisis_state`; `everyone_in_crisis` for the whole community): their latest
  check-in was a crisis one (crisis words in its note, or made while in crisis), until a
  calmer check-in; or their latest post, or latest reply, of the last two days is in
  crisis words, until a calmer one (an older one says little about today). Then the
  feed shows the help lines and one step towards a person, no page asks "how do you feel
  now?", and nothing they write is ever another member's step.
- **A low day** (`supportive_mode`): mood 2 or less now, or 3 or less on 3 of the last
  5 check-ins, or within 72 hours of a crisis check-in. Then a step towards support
  comes first, and nobody is asked to carry someone else's pain.

Health data: these read check-ins, so only for the member themselves, and for the
engine's targets only as a yes or no about authors, never shown to anyone.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import (
    CharField,
    Exists,
    F,
    OuterRef,
    Q,
    Value,
    Window,
)
from django.db.models.functions import RowNumber
from django.utils import timezone

from community.models import Post, Reply
from community.safety import mentions_crisis
from fourc.lib.prepared import Prepared
from prescriptions import rows as row_shape
from prescriptions.models import CheckIn

CRISIS_WORDS_WINDOW = timedelta(days=2)  # a post from long ago says little about today


@dataclass(frozen=True)
class CrisisState:
    in_crisis: bool
    since: datetime | None = None  # when the earliest of the words that say so came


NOT_IN_CRISIS = CrisisState(in_crisis=False)
_LATEST = object()


def latest_check_in(member) -> CheckIn | None:
    found = LATEST_CHECK_IN.objects(member=member)
    return found[0] if found else None


# On the home page, the feed and every check-in: built once per process.
LATEST_CHECK_IN = Prepared(
    lambda member: CheckIn.objects.filter(member=member).order_by("-created_at", "-id")[:1],
    member=Prepared.MEMBER,
)


def crisis_state(member, *, check_in=_LATEST, now=None) -> CrisisState:
    """Whether the member is in crisis now, and since when (see the module docstring).

    `check_in` is their latest check-in when the caller has it already (None: they
    have none), or the one being recorded now, whose note counts. One query, and one
    more to find the latest check-in when it isn't given."""
    now = now or timezone.now()
    if check_in is _LATEST:
        check_in = latest_check_in(member)
    words = WORDS_SINCE.run(member=member, since=now - CRISIS_WORDS_WINDOW)
    return _crisis_from(member, check_in, words)


def _crisis_from(member, check_in, word_rows) -> CrisisState:
    """crisis_state's rule on their check-in and their words' rows since the window."""
    signs = []
    if check_in is not None and _check_in_in_crisis(check_in.in_crisis, check_in.note):
        signs.append(check_in.created_at)
    signs += _latest_words_in_crisis(word_rows).get(member.pk, [])
    if not signs:
        return NOT_IN_CRISIS
    return CrisisState(in_crisis=True, since=min(signs))


def everyone_in_crisis(*, now=None) -> frozenset[int]:
    """Every member in crisis now: crisis_state's rule for the whole community at once,
    for the targets (nothing they write is anyone's step). Two queries, each through a
    partial index, so it costs as little at a million posts as at a hundred: whose latest
    check-in is a crisis one, and the posts and replies of the last two days by the few
    who wrote crisis words in them (is their latest still one?). A check-in's note counts
    through its in_crisis, kept true to the phrases by rematch_latest_check_ins."""
    since = (now or timezone.now()) - CRISIS_WORDS_WINDOW
    posts, replies = _posts_and_replies(since, crisis_words=True)
    wrote = posts.values("author").union(replies.values("author"))
    found = set(latest_check_ins().filter(in_crisis=True).values_list("member_id", flat=True))
    return frozenset(found | in_crisis_from(words(since, author__in=wrote)))


def latest_check_ins():
    """Each member's latest check-in (those with a later one left out). `created_at >=
    its own` is implied by "later" and said too: checkin_member seeks it, where the OR
    alone was a filter on each of the member's check-ins."""
    later = CheckIn.objects.filter(
        Q(created_at__gt=OuterRef("created_at"))
        | Q(created_at=OuterRef("created_at"), pk__gt=OuterRef("pk")),
        member=OuterRef("member"),
        created_at__gte=OuterRef("created_at"),
    )
    return CheckIn.objects.filter(~Exists(later))


def in_crisis_from(word_rows) -> set[int]:
    """The words' half of the rule, on words' rows since the window."""
    return {pk for pk, signs in _latest_words_in_crisis(word_rows).items() if signs}


def _check_in_in_crisis(flagged: bool, note: str) -> bool:
    return flagged or mentions_crisis(note)


def words(since, *conditions, **author):
    """Posts and replies since `since` (by `author`, or meeting `conditions`, when
    given): (kind, author, when, crisis_words) rows. Hidden ones count too: words a
    moderator hid still say how their author is."""
    posts, replies = _posts_and_replies(since, *conditions, **author)
    fields = ("author_id", "created_at", "crisis_words")
    return posts.values_list(_text("post"), *fields).union(
        replies.values_list(_text("reply"), *fields), all=True
    )


def _posts_and_replies(since, *conditions, **author):
    mine = {**author, "removed_at__isnull": True, "created_at__gte": since}
    return Post.objects.filter(*conditions, **mine), Reply.objects.filter(*conditions, **mine)


def _text(value: str) -> Value:
    return Value(value, output_field=CharField())


# Run on every check-in and page that may ask "how do you feel now?": built once.
WORDS_SINCE = Prepared(
    lambda member, since: words(since, author=member),
    member=Prepared.MEMBER,
    since=Prepared.SINCE,
)


def _latest_words_in_crisis(rows) -> dict[int, list[datetime]]:
    """For each author: when their latest post, and latest reply, among `rows` were
    written, for those in crisis words."""
    latest: dict = {}
    for what, author, at, crisis_words in rows:
        if (author, what) not in latest or at > latest[author, what][0]:
            latest[author, what] = (at, crisis_words)
    found: dict[int, list[datetime]] = {}
    for (author, _), (at, crisis_words) in latest.items():
        if crisis_words:
            found.setdefault(author, []).append(at)
    return found


# --- A low day: the supportive mode ------------------------------------------------------

LOW_MOOD = 2  # at or below: a low day whatever came before
LOWISH_MOOD = 3  # at or below on 3 of the last 5 check-ins: a low stretch
LOWISH_OF_LAST = (3, 5)
AFTER_CRISIS = timedelta(hours=72)


def _recent_check_ins_of(member, since):
    """The member's check-ins since `since`, and their last five whenever they were."""
    return CheckIn.objects.filter(member=member).filter(
        Q(created_at__gte=since)
        | Q(
            pk__in=CheckIn.objects.filter(member=member)
            .order_by("-created_at", "-id")
            .values("pk")[: LOWISH_OF_LAST[1]]
        )
    )


def _recent_check_ins(member, since):
    return (
        _recent_check_ins_of(member, since)
        .order_by("-created_at", "-id")
        .values_list("mood", "in_crisis", "created_at")
    )


RECENT_CHECK_INS = Prepared(_recent_check_ins, member=Prepared.MEMBER, since=Prepared.SINCE)


def supportive_mode(member, *, check_in: CheckIn, now=None) -> bool:
    """Whether today is a low day, when 4C offers a step towards support first and
    asks nobody to carry someone else's pain: mood 2 or less now, or 3 or less on 3 of
    the last 5 check-ins, or within 72 hours of a crisis check-in. `check_in` is the
    latest (or the one being recorded, which counts even before it is stored). One
    query."""
    now = now or timezone.now()
    rows = RECENT_CHECK_INS.run(member=member, since=now - AFTER_CRISIS)
    return supportive_from(check_in, rows, now=now)


def supportive_from(check_in: CheckIn, rows, *, now) -> bool:
    """supportive_mode's rule on the member's recent (mood, in_crisis, created_at) rows,
    newest first, as RECENT_CHECK_INS or recent_check_ins_of read them."""
    earlier = [row for row in rows if row[2] < check_in.created_at or check_in.pk is None]
    moods = [check_in.mood] + [row[0] for row in earlier]
    lowish, of_last = LOWISH_OF_LAST
    return (
        check_in.mood <= LOW_MOOD
        or sum(mood <= LOWISH_MOOD for mood in moods[:of_last]) >= lowish
        or check_in.in_crisis
        or any(row[1] and now - row[2] <= AFTER_CRISIS for row in earlier)
    )


def recent_check_ins_of(member_ids, *, now) -> dict[int, list[tuple]]:
    """RECENT_CHECK_INS for many members in one query: each member's last five
    check-ins and all since AFTER_CRISIS, as (mood, in_crisis, created_at, energy, urge)
    rows, newest first (so the first is their latest)."""
    newest_first = [F("created_at").desc(), F("id").desc()]
    rows = (
        CheckIn.objects.filter(member_id__in=member_ids)
        .annotate(rank=Window(RowNumber(), partition_by=F("member_id"), order_by=newest_first))
        .filter(Q(rank__lte=LOWISH_OF_LAST[1]) | Q(created_at__gte=now - AFTER_CRISIS))
        .order_by("member_id", *newest_first)
        .values_list("member_id", "mood", "in_crisis", "created_at", "energy", "urge")
    )
    found: dict[int, list[tuple]] = {pk: [] for pk in member_ids}
    for member_id, *row in rows:
        found[member_id].append(tuple(row))
    return found


# --- Both, for the check-in being made: one query -------------------------------------------


def sign_branches(member, since) -> list:
    """The member's words (posts and replies) since `since`, and their check-ins since
    then or among their last five, as branches of a UNION of prescriptions.rows: kind
    "post", "reply" or "check_in", `at` when, `ref` its id, `number` a check-in's mood,
    `flag` a post's or reply's crisis_words, a check-in's in_crisis."""
    posts, replies = _posts_and_replies(since, author=member)
    words = {"at": "created_at", "ref": "id", "flag": "crisis_words"}
    return [
        row_shape.branch(posts, "post", **words),
        row_shape.branch(replies, "reply", **words),
        row_shape.branch(
            _recent_check_ins_of(member, since),
            "check_in",
            at="created_at",
            ref="id",
            number="mood",
            flag="in_crisis",
        ),
    ]


SIGNS_SINCE = Prepared(
    lambda member, since: row_shape.union(*sign_branches(member, since)),
    member=Prepared.MEMBER,
    since=Prepared.SINCE,
)


def signs_since(now):
    """Since when crisis_and_low_day needs the member's signs (sign_branches)."""
    return min(now - CRISIS_WORDS_WINDOW, now - AFTER_CRISIS)


def crisis_and_low_day(
    member, *, check_in: CheckIn, now=None, signs: list | None = None
) -> tuple[CrisisState, bool]:
    """crisis_state and supportive_mode for the check-in being made (or the latest), in
    one query: what the engine asks on every check-in. `signs` are the member's rows of
    sign_branches since signs_since(now), when the caller read them with others (rows of
    other kinds are passed over)."""
    now = now or timezone.now()
    if signs is None:
        signs = row_shape.read(SIGNS_SINCE.run(member=member, since=signs_since(now)))
    words_since = now - CRISIS_WORDS_WINDOW
    words = [
        (row.kind, member.pk, row.at, row.flag)
        for row in signs
        if row.kind in ("post", "reply") and row.at >= words_since
    ]
    check_ins = sorted(
        (row for row in signs if row.kind == "check_in"),
        key=lambda row: (row.at, row.ref),
        reverse=True,
    )  # newest first, as RECENT_CHECK_INS
    recent = [(row.number, row.flag, row.at) for row in check_ins]
    return _crisis_from(member, check_in, words), supportive_from(check_in, recent, now=now)
