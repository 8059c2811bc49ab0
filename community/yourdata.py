"""What 4C holds about a member, in one home: the areas of their copy of their data.

An area is a name, a line for the member ("Your posts and replies..."), a function of the
member giving what 4C holds there (a dict, or rows read in a fixed number of queries,
streamed with `.iterator()` where a history can grow long), and the relations to the
user model it accounts for, as "app_label.Model.field". The community's areas are
registered below; prescriptions registers its own from its AppConfig.ready()
(prescriptions/yourdata.py), so the community never imports prescriptions.

A relation to the user that is not the member's own data (who blocked them, what was
reported about them, the moderators' log, another member's steps a link worker
suggested) is set aside, with why, beside the areas of its app.
tests/community/test_your_data.py fails when a model relating to the user is neither
exported nor set aside, so a new one can't be forgotten.

Never in a copy: another member's private data (who else has a place, other members'
addresses, the words of a report about the member), and no secret that would unlock
something (calendar link, two-factor keys, password).
"""

import gzip
import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core import signing
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from community.models import (
    DATA_EXPORT_LIFETIME,
    RSVP,
    AccountDeletion,
    Block,
    CalendarToken,
    Draft,
    Gathering,
    GuidelinesAcceptance,
    HiddenSpace,
    Mention,
    MutedWord,
    Notification,
    Post,
    PostFollow,
    Reaction,
    Reply,
    Report,
    RSVPStatus,
    SpaceFollow,
    SpaceRead,
    User,
    reply_address,
)

FORMAT = 1  # bump when the layout of a copy changes
CHUNK = 500  # rows per fetch from a server-side cursor


@dataclass(frozen=True)
class Area:
    name: str
    about: str  # for the member, on /settings/data/: what this part of the copy holds
    rows: Callable[[User], Mapping | Iterable[Mapping]]
    covers: tuple[str, ...]


_AREAS: dict[str, Area] = {}
_SET_ASIDE: dict[str, str] = {}


def area(name: str, *, about: str, covers: Iterable[str] = ()):
    """Registers the decorated function of a member as the area `name` of every copy."""

    def register(rows):
        if name in _AREAS:
            raise ImproperlyConfigured(f"The data area {name!r} is registered twice.")
        _AREAS[name] = Area(name=name, about=about, rows=rows, covers=tuple(covers))
        return rows

    return register


def set_aside(field: str, why: str) -> None:
    """Says that the relation `field` ("app_label.Model.field") to the user model is not
    the member's own data, and why: a copy leaves it out on purpose."""
    _SET_ASIDE[field] = why


def areas() -> list[Area]:
    """Every registered area, the community's first."""
    return list(_AREAS.values())


def covered() -> dict[str, str]:
    """Each relation to the user model an area accounts for, and the area."""
    return {field: a.name for a in _AREAS.values() for field in a.covers}


def set_aside_fields() -> dict[str, str]:
    """Each relation to the user model left out on purpose, and why."""
    return dict(_SET_ASIDE)


# --- Writing a copy ---------------------------------------------------------------------


def write(member: User, out: IO[bytes], *, now=None) -> int:
    """Writes everything 4C holds about `member` to `out` as one JSON document: a few
    words about the copy, then each area by name. Rows are written as they are read, so
    memory stays small whatever the history; each area costs a fixed number of queries
    whatever its number of rows. Returns the bytes written."""
    encode = DjangoJSONEncoder(ensure_ascii=False).encode  # times: ISO 8601
    written = 0

    def put(text: str) -> None:
        nonlocal written
        data = text.encode()
        out.write(data)
        written += len(data)

    head = {
        "about": (
            "Everything 4C holds about you, as of exported_at. Times are in UTC (ISO 8601); "
            "your own time zone is in profile. Each area is one part of 4C."
        ),
        "format": FORMAT,
        "member": member.handle,
        "exported_at": now or timezone.now(),
    }
    put("{\n")
    for key, value in head.items():
        put(f"{encode(key)}: {encode(value)},\n")
    put('"areas": {')
    for number, each in enumerate(areas()):
        put(",\n" if number else "\n")
        put(f"{encode(each.name)}: ")
        value = each.rows(member)
        if isinstance(value, Mapping):
            put(encode(value))
            continue
        put("[")
        count = 0
        for row in value:
            put(",\n  " if count else "\n  ")
            put(encode(row))
            count += 1
        put("\n]" if count else "]")
    put("\n}\n}\n")
    return written


def unpack(blob) -> Iterator[bytes]:
    """The JSON of a stored copy (gzip-compressed), in chunks."""
    with gzip.GzipFile(fileobj=io.BytesIO(blob)) as packed:
        while chunk := packed.read(64 * 1024):
            yield chunk


# --- The download link --------------------------------------------------------------------

DOWNLOAD_SALT = "community.yourdata.download"


def download_token(export) -> str:
    """A signed link token for one member's ready copy; it expires with the copy."""
    return signing.dumps({"m": export.member_id, "e": export.pk}, salt=DOWNLOAD_SALT)


def read_download_token(token: str) -> tuple[int, int, bool] | None:
    """(member id, export id, expired) from a token 4C signed; None when it was changed
    or is not one. `expired`: older than DATA_EXPORT_LIFETIME."""
    max_age = DATA_EXPORT_LIFETIME.total_seconds()
    try:
        try:
            data, expired = signing.loads(token, salt=DOWNLOAD_SALT, max_age=max_age), False
        except signing.SignatureExpired:
            data, expired = signing.loads(token, salt=DOWNLOAD_SALT), True
        return int(data["m"]), int(data["e"]), expired
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


# --- The community's areas ----------------------------------------------------------------


def _url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _post_url(post_id) -> str | None:
    return _url(reverse("community:post-detail", args=[post_id])) if post_id else None


def _reply_url(post_id, reply_id) -> str:
    return _url(reply_address(post_id, reply_id))


def _gathering_url(gathering_id) -> str | None:
    if not gathering_id:
        return None
    return _url(reverse("community:gathering-detail", args=[gathering_id]))


def rows_of(queryset, shape: Callable[[dict], dict] | None = None):
    """The rows of a `.values()` queryset, read in chunks from one query, each shaped."""
    for row in queryset.iterator(chunk_size=CHUNK):
        yield shape(row) if shape else row


@area(
    "profile",
    about="Your profile and account: name, handle, email addresses, pronouns, bio, time "
    "zone, when you joined, your roles, and whether two-factor sign-in is on.",
    covers=["community.User_groups.user", "account.EmailAddress.user", "mfa.Authenticator.user"],
)
def _profile(member: User) -> dict:
    return {
        "handle": member.handle,
        "display_name": member.display_name,
        "email": member.email,
        "pronouns": member.pronouns,
        "bio": member.bio,
        "time_zone": member.time_zone,
        "date_joined": member.date_joined,
        "last_login": member.last_login,
        "is_active": member.is_active,
        "roles": sorted(member.groups.values_list("name", flat=True)),
        "email_addresses": list(
            EmailAddress.objects.filter(user=member)
            .order_by("-primary", "email")
            .values("email", "verified", "primary")
        ),
        # Whether two-factor sign-in is on, and since when: never its keys or codes.
        "two_factor": list(
            Authenticator.objects.filter(user=member)
            .order_by("created_at")
            .values("type", "created_at", "last_used_at")
        ),
        "suspended_until": member.suspended_until,
        "suspension_note": member.suspension_note,
        "posting_paused_since": member.posting_paused_at,
    }


@area(
    "settings",
    about="Your settings: muted words, spaces hidden for a break, whether your calendar "
    "link is on, each time you agreed to the community guidelines, and any request to "
    "delete your account.",
    covers=[
        "community.MutedWord.member",
        "community.HiddenSpace.member",
        "community.CalendarToken.member",
        "community.GuidelinesAcceptance.member",
        "community.AccountDeletion.member",
    ],
)
def _settings(member: User) -> dict:
    calendar = CalendarToken.objects.filter(member=member).values("created_at").first()
    return {
        "muted_words": list(
            MutedWord.objects.filter(member=member)
            .order_by("phrase")
            .values("phrase", "created_at")
        ),
        "hidden_spaces": [
            {"space": row["space__name"], "until": row["until"], "since": row["created_at"]}
            for row in HiddenSpace.objects.filter(member=member)
            .order_by("until", "space__name")
            .values("space__name", "until", "created_at")
        ],
        # Whether the private calendar link is on: never the link itself, which would
        # open the feed to whoever holds the copy.
        "calendar_link": {"on": calendar is not None, "since": (calendar or {}).get("created_at")},
        "guidelines_agreed": list(
            GuidelinesAcceptance.objects.filter(member=member)
            .order_by("accepted_at")
            .values("version", "accepted_at")
        ),
        "asked_to_delete_the_account": list(
            AccountDeletion.objects.filter(member=member)
            .order_by("requested_at")
            .values("mode", "requested_at", "confirmed_at", "due_at", "undone_at")
        ),
    }


@area(
    "posts",
    about="Your posts, anonymous ones too (marked anonymous), with removed and hidden ones.",
    covers=["community.Post.author"],
)
def _posts(member: User):
    rows = (
        Post.objects.filter(author=member)
        .order_by("created_at", "id")
        .values(
            "id", "space__name", "title", "body", "intent", "content_warning", "is_anonymous",
            "created_at", "edited_at", "removed_at", "is_hidden",
        )
    )  # fmt: skip

    def shape(row):
        return {
            "id": row["id"],
            "url": _post_url(row["id"]),
            "space": row["space__name"],
            "title": row["title"],
            "body": row["body"],  # as you wrote it (Markdown)
            "intent": row["intent"],
            "content_warning": row["content_warning"],
            "anonymous": row["is_anonymous"],  # shown to others as "A member"
            "created_at": row["created_at"],
            "edited_at": row["edited_at"],
            "removed_at": row["removed_at"],
            "hidden_by_moderators": row["is_hidden"],
        }

    return rows_of(rows, shape)


@area(
    "replies",
    about="Your replies, anonymous ones too (marked anonymous), with removed and hidden ones.",
    covers=["community.Reply.author"],
)
def _replies(member: User):
    rows = (
        Reply.objects.filter(author=member)
        .order_by("created_at", "id")
        .values(
            "id", "post_id", "body", "is_anonymous", "created_at", "edited_at",
            "removed_at", "is_hidden",
        )
    )  # fmt: skip

    def shape(row):
        return {
            "id": row["id"],
            "url": _reply_url(row["post_id"], row["id"]),
            "post": row["post_id"],
            "body": row["body"],
            "anonymous": row["is_anonymous"],
            "created_at": row["created_at"],
            "edited_at": row["edited_at"],
            "removed_at": row["removed_at"],
            "hidden_by_moderators": row["is_hidden"],
        }

    return rows_of(rows, shape)


@area(
    "reactions",
    about="The reactions you gave, and to which post or reply.",
    covers=["community.Reaction.member"],
)
def _reactions(member: User):
    rows = (
        Reaction.objects.filter(member=member)
        .order_by("created_at", "id")
        .values("kind", "post_id", "reply_id", "created_at")
    )
    return rows_of(
        rows,
        lambda r: {"kind": r["kind"], "post": r["post_id"], "reply": r["reply_id"],
                   "created_at": r["created_at"]},
    )  # fmt: skip


@area(
    "follows",
    about="The spaces and posts you follow, and the spaces you've read lately.",
    covers=["community.SpaceFollow.member", "community.PostFollow.member",
            "community.SpaceRead.member"],
)  # fmt: skip
def _follows(member: User) -> dict:
    return {
        "spaces": [
            {"space": row["space__name"], "since": row["created_at"]}
            for row in SpaceFollow.objects.filter(member=member)
            .order_by("created_at")
            .values("space__name", "created_at")
        ],
        "posts": [
            {"post": row["post_id"], "url": _post_url(row["post_id"]), "since": row["created_at"]}
            for row in PostFollow.objects.filter(member=member)
            .order_by("created_at")
            .values("post_id", "created_at")
        ],
        # Only the latest time per space, never which posts (community.SpaceRead).
        "spaces_read": [
            {"space": row["space__name"], "read_at": row["read_at"]}
            for row in SpaceRead.objects.filter(member=member)
            .order_by("space__name")
            .values("space__name", "read_at")
        ],
    }


@area(
    "mentions",
    about="Where someone mentioned you: the post or reply, and when (not their words).",
    covers=["community.Mention.member"],
)
def _mentions(member: User):
    rows = (
        Mention.objects.filter(member=member)
        .order_by("created_at", "id")
        .values("post_id", "reply_id", "reply__post_id", "created_at")
    )

    def shape(row):
        url = (
            _reply_url(row["reply__post_id"], row["reply_id"])
            if row["reply_id"]
            else _post_url(row["post_id"])
        )
        return {"post": row["post_id"], "reply": row["reply_id"], "url": url,
                "created_at": row["created_at"]}  # fmt: skip

    return rows_of(rows, shape)


@area(
    "notifications",
    about="Your notifications: what each was about, when it came, and when you read it.",
    covers=["community.Notification.recipient"],
)
def _notifications(member: User):
    rows = (
        Notification.objects.filter(recipient=member)
        .order_by("created_at", "id")
        .values(
            "kind", "post_id", "reply_id", "gathering_id", "reaction_kind", "count", "data",
            "created_at", "read_at",
        )
    )  # fmt: skip

    def shape(row):
        return {
            "kind": row["kind"],
            "post": row["post_id"],
            "reply": row["reply_id"],
            "gathering": row["gathering_id"],
            "reaction": row["reaction_kind"],
            "count": row["count"],
            "details": row["data"],  # a moderator's note to you, when there is one
            "created_at": row["created_at"],
            "read_at": row["read_at"],
        }

    return rows_of(rows, shape)


@area(
    "blocks",
    about="The members you blocked.",
    covers=["community.Block.blocker"],
)
def _blocks(member: User):
    rows = (
        Block.objects.filter(blocker=member)
        .order_by("created_at")
        .values("blocked__handle", "blocked__display_name", "created_at")
    )
    return rows_of(
        rows,
        lambda r: {"handle": r["blocked__handle"], "display_name": r["blocked__display_name"],
                   "since": r["created_at"]},
    )  # fmt: skip


@area(
    "reports",
    about="The reports you made to moderators, with what you wrote and where they stand.",
    covers=["community.Report.reporter"],
)
def _reports(member: User):
    rows = (
        Report.objects.filter(reporter=member)
        .order_by("created_at", "id")
        .values(
            "post_id", "reply_id", "member__handle", "reason", "details", "status",
            "created_at", "reviewed_at",
        )
    )  # fmt: skip

    def shape(row):
        return {
            "post": row["post_id"],
            "reply": row["reply_id"],
            "member": row["member__handle"],
            "reason": row["reason"],
            "details": row["details"],
            "status": row["status"],
            "created_at": row["created_at"],
            "reviewed_at": row["reviewed_at"],
        }

    return rows_of(rows, shape)


@area(
    "gatherings_hosted",
    about="The gatherings you host or hosted, with how many places were taken (not who).",
    covers=["community.Gathering.host"],
)
def _gatherings_hosted(member: User):
    rows = (
        Gathering.objects.filter(host=member)
        .annotate(places_taken=Count("rsvps", filter=Q(rsvps__status=RSVPStatus.GOING)))
        .order_by("starts_at", "id")
        .values(
            "id", "space__name", "title", "description", "starts_at", "ends_at",
            "duration_minutes", "format", "join_url", "place", "capacity", "status",
            "places_taken", "created_at", "updated_at",
        )
    )  # fmt: skip

    def shape(row):
        gathering_id = row.pop("id")
        return {"id": gathering_id, "url": _gathering_url(gathering_id),
                "space": row.pop("space__name"), **row}  # fmt: skip

    return rows_of(rows, shape)


@area(
    "places",
    about="Your places at gatherings: going, waiting or given up, private or not, and "
    "whether you were there.",
    covers=["community.RSVP.member"],
)
def _places(member: User):
    rows = (
        RSVP.objects.filter(member=member)
        .order_by("gathering__starts_at", "id")
        .values(
            "gathering_id", "gathering__title", "gathering__starts_at", "status", "is_private",
            "waitlisted_at", "attended_at", "created_at", "updated_at",
        )
    )  # fmt: skip

    def shape(row):
        return {
            "gathering": row["gathering_id"],
            "url": _gathering_url(row["gathering_id"]),
            "title": row["gathering__title"],
            "starts_at": row["gathering__starts_at"],
            "status": row["status"],
            "private": row["is_private"],
            "waiting_since": row["waitlisted_at"],
            "attended_at": row["attended_at"],
            "created_at": row["created_at"],
            "updated_at": row["updated_at"],
        }

    return rows_of(rows, shape)


@area(
    "drafts",
    about="Words you kept as drafts, just for you.",
    covers=["community.Draft.member"],
)
def _drafts(member: User):
    rows = (
        Draft.objects.filter(member=member)
        .order_by("updated_at", "id")
        .values("space__name", "post_id", "title", "body", "updated_at")
    )
    return rows_of(
        rows,
        lambda r: {"space": r["space__name"], "reply_to_post": r["post_id"],
                   "title": r["title"], "body": r["body"], "updated_at": r["updated_at"]},
    )  # fmt: skip


# --- Relations to the user that are not the member's own data ------------------------------

for _field, _why in {
    # Django's and allauth's
    "admin.LogEntry.user": "Staff's record of their changes in the admin: 4C's work log.",
    "community.User_user_permissions.user": (
        "Permissions given one by one to staff; a member's roles (groups) are in profile."
    ),
    # The community's
    "community.CrisisPhrase.created_by": "A moderator's work on the crisis-phrase list.",
    "community.Notification.actor": (
        "The notifications other members got about what you did are theirs."
    ),
    "community.Block.blocked": "Who blocked you is theirs to keep: they aren't told of yours.",
    "community.Report.member": "Reports about you are the reporters' words, for moderators.",
    "community.Report.reviewed_by": "Which moderator reviewed a report: moderators' work.",
    "community.QueueItem.member": "The moderators' queue: their work, about reports and words.",
    "community.QueueItem.author": "The moderators' queue: their work, about reports and words.",
    "community.QueueItem.closed_by": "The moderators' queue: which moderator closed an item.",
    "community.ModerationAction.moderator": "The moderation log: moderators' work.",
    "community.ModerationAction.member": (
        "The moderation log, kept for everyone's safety. What reached you (a hidden post, "
        "a warning and its note, a suspension and its note) is in notifications and profile."
    ),
    "community.RSVP.attendance_marked_by": (
        "The places a host marked attended are the guests' data, not the host's."
    ),
    "community.DataExport.member": "The copy itself: a copy can't contain itself.",
}.items():
    set_aside(_field, _why)
