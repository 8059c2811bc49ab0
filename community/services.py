"""Actions that change community state. One function per use case.

Each runs in a transaction; counters move with F() in the same transaction;
notifications and signals go out only after the change is written.
"""

import gzip
import io
import logging
import secrets
from contextlib import nullcontext
from datetime import UTC, timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.postgres.search import SearchVector
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils import timezone

# moderation builds on this module and this one calls it: each uses the other only
# inside functions, so either may be imported first.
from community import (
    guidelines,
    moderation,
    muting,
    notifications,
    roles,
    safety,
    signals,
    text,
    yourdata,
)
from community.models import (
    DATA_EXPORT_GIVE_UP_AFTER,
    DATA_EXPORT_LIFETIME,
    GATHERING_MAX_CAPACITY,
    RSVP,
    Block,
    CalendarToken,
    CrisisPhrase,
    DataExport,
    Draft,
    Gathering,
    GatheringStatus,
    GuidelinesAcceptance,
    HiddenReason,
    HiddenSpace,
    MemberSession,
    Mention,
    ModerationActionKind,
    MutedWord,
    Notification,
    Post,
    PostFollow,
    Reaction,
    ReactionKind,
    Reply,
    Report,
    ReportStatus,
    RSVPStatus,
    Space,
    SpaceFollow,
    SpaceRead,
    User,
    gathering_start_error,
    reaction_count_field,
    validate_single_line,
)
from fourc.lib import once
from fourc.lib import prune as prune_lib

logger = logging.getLogger(__name__)

PROFILE_FIELDS = ("display_name", "handle", "pronouns", "bio", "time_zone")
REPORTS_TO_HIDE = 3
MENTIONS_MAX = 10  # per post or reply: a mention is a tap on a shoulder, not a broadcast
DUPLICATE_WINDOW = timedelta(seconds=60)  # the same words twice this quickly: a double submit
UNREAD_RECOUNT_SECONDS = 3600  # the inbox counts a long inbox again at most this often
# How far back a change of the crisis phrases is matched again: the longest anything reads
# crisis_words (a friend's post as a step, prescriptions.targets.FRIENDS_DAYS).
CRISIS_REMATCH_DAYS = 30
REMATCH_BATCH = 2_000
REMATCH_MARGIN = 5  # seconds after every process has looked at the phrases again
RECENT_REMATCH_DAYS = 2  # the beat's rematch: the crisis rule's window


class CommunityError(Exception):
    """An action that can't happen now; the message is safe to show the member."""


class PostLocked(CommunityError):
    pass


class SpaceClosed(CommunityError):
    pass


class NotAllowed(CommunityError):
    pass


# --- Drafts -------------------------------------------------------------------


@transaction.atomic
def save_draft(*, member: User, body: str, title: str = "", space=None, post=None) -> Draft:
    """Keeps the member's words for later: a post in `space`, or a reply to `post`.
    Saving again replaces the earlier draft for the same place."""
    if (space is None) == (post is None):
        raise ValueError("A draft is for a space or for a post.")
    draft, _ = Draft.objects.update_or_create(
        member=member,
        space=space,
        post=post,
        defaults={"title": title, "body": body, "updated_at": timezone.now()},
    )
    return draft


# --- Profiles -----------------------------------------------------------------


@transaction.atomic
def update_profile(*, member: User, **changes) -> list[str]:
    """Saves the given profile fields; returns the names that changed.

    Saving the same values again changes nothing and writes nothing.
    """
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"Not profile fields: {sorted(unknown)}")
    changed = [name for name, value in changes.items() if getattr(member, name) != value]
    for name in changed:
        setattr(member, name, changes[name])
    if changed:
        member.full_clean(exclude=["password"], validate_unique=True)
        try:
            with transaction.atomic():
                member.save(update_fields=changed)
        except IntegrityError as error:  # someone took the handle a moment ago
            raise ValidationError(
                {"handle": "Someone already has that handle. Try another."}
            ) from error
    return changed


# --- Roles ---------------------------------------------------------------------


@transaction.atomic
def assign_role(*, member: User, role: str) -> bool:
    """Puts a member in a role's group. Moderators also get staff status, which the
    admin needs (and with it, the two-factor rule). Returns False if nothing changed."""
    group = Group.objects.get(name=role)
    changed = not member.groups.filter(pk=group.pk).exists()
    member.groups.add(group)
    roles.forget(member)  # the roles read with their row are asked again
    if role == roles.MODERATORS and not member.is_staff:
        member.is_staff = True
        member.save(update_fields=["is_staff"])
        changed = True
    return changed


# --- Spaces -------------------------------------------------------------------


def follow_space(*, member: User, space: Space) -> bool:
    """Follows a space; returns False when already following (nothing changes)."""
    _, created = SpaceFollow.objects.get_or_create(member=member, space=space)
    return created


def unfollow_space(*, member: User, space: Space) -> bool:
    deleted, _ = SpaceFollow.objects.filter(member=member, space=space).delete()
    return bool(deleted)


READ_MARK_SECONDS = 3600  # a space's "last read" moves at most once an hour per member


def note_space_read(*, member: User, space_id: int) -> None:
    """Remembers that a signed-in member read a space. Costs one upsert an hour per
    member and space; other page views only touch the cache."""
    if not member.is_authenticated:
        return
    try:
        first_this_hour = cache.add(
            f"community:space-read:{member.pk}:{space_id}", 1, READ_MARK_SECONDS
        )
    except Exception:  # the cache is down: the page matters more than this
        logger.warning("Could not reach the cache to note a space read.", exc_info=True)
        return
    if first_this_hour:
        SpaceRead.objects.bulk_create(
            [SpaceRead(member=member, space_id=space_id, read_at=timezone.now())],
            update_conflicts=True,
            unique_fields=["member", "space"],
            update_fields=["read_at"],
        )


# --- Posts --------------------------------------------------------------------


def _twin(model, now, **same) -> Post | Reply | None:
    """The same words by the same author moments ago: a double submit, not new words."""
    return model.objects.filter(created_at__gte=now - DUPLICATE_WINDOW, **same).first()


def _render(source: str) -> tuple[str, set[str]]:
    """The sanitised HTML of `source`, and the handles it mentions that exist."""
    candidates = text.candidate_handles(source)
    known = (
        set(
            User.objects.filter(handle__in=candidates, is_active=True).values_list(
                "handle", flat=True
            )
        )
        if candidates
        else set()
    )
    linked: list[str] = []
    html = text.render_markdown(source, known_handles=known, linked=linked)
    # Only mentions that became links (not those in code) notify, and only the first few.
    return html, set(linked[:MENTIONS_MAX])


def _update_search_vector(obj: Post | Reply) -> None:
    if connection.vendor != "postgresql":
        return
    if isinstance(obj, Post):
        vector = SearchVector("title", weight="A", config="english") + SearchVector(
            "body", weight="B", config="english"
        )
    else:
        vector = SearchVector("body", weight="B", config="english")
    type(obj).objects.filter(pk=obj.pk).update(search_vector=vector)


@transaction.atomic
def create_post(
    *,
    author: User,
    space: Space,
    title: str,
    body: str,
    intent: str,
    content_warning: str = "",
    is_anonymous: bool = False,
    submit_key: str | None = None,
) -> Post:
    """Writes a post in a space; the author follows it. Mentioned members hear of it.

    Once per submit (`fourc.lib.once`): a repeat of `submit_key`, however soon or
    late, returns the first post and does nothing else. A submit without a key counts
    the same words by the same author within a minute as the repeat."""
    if (first := once.made(Post, submit_key, author=author)) is not None:
        return first
    if space.is_archived:
        raise SpaceClosed("This space is closed for new posts.")
    _ensure_may_post(author)
    now = timezone.now()
    if submit_key is None:
        twin = _twin(Post, now, author=author, space=space, title=title, body=body)
        if twin is not None:
            return twin  # a double submit: the post is already up
    body_html, mentioned = _render(body)
    post, created = once.create(
        Post,
        submit_key,
        owner="author",
        space=space,
        author=author,
        title=title,
        body=body,
        body_html=body_html,
        intent=intent,
        content_warning=content_warning,
        is_anonymous=is_anonymous,
        created_at=now,
        last_activity_at=now,
    )
    if not created:
        return post  # the same submit, a moment ago, in another request
    PostFollow.objects.get_or_create(member=author, post=post)
    Draft.objects.filter(member=author, space=space).delete()  # published: no longer kept
    _update_search_vector(post)
    _record_mentions(author=author, handles=mentioned, post=post, anonymous=is_anonymous)
    _answer_crisis_words(post, post.title, post.body)
    moderation.hold_first_post(post=post)
    signals.post_created.send(sender=Post, post=post, author=author)
    return post


@transaction.atomic
def edit_post(
    *, post: Post, editor: User, title: str, body: str, intent: str, content_warning: str
) -> Post:
    """Saves the author's changes and marks the post edited. Anonymity never changes."""
    changes = {"title": title, "body": body, "intent": intent, "content_warning": content_warning}
    return _save_edit(post, editor, changes, post=post)


def _save_edit(content: Post | Reply, editor: User, changes: dict, **source) -> Post | Reply:
    """Saves the author's new words (rendered again, searchable again), marks them
    edited, and notifies anyone newly mentioned."""
    _ensure_author(content, editor)
    _ensure_space_open(content)
    for name, value in changes.items():
        setattr(content, name, value)
    content.body_html, mentioned = _render(content.body)
    content.edited_at = timezone.now()
    content.save(update_fields=[*changes, "body_html", "edited_at"])
    _update_search_vector(content)
    _record_mentions(author=editor, handles=mentioned, anonymous=content.is_anonymous, **source)
    _answer_crisis_words(content, getattr(content, "title", ""), content.body)
    return content


@transaction.atomic
def remove_post(*, post: Post, member: User) -> bool:
    """The author removes their post (kept for moderators). A repeat changes nothing."""
    if not _mark_removed(post, member):
        return False
    signals.post_changed.send(sender=Post, post=post)
    return True


def _mark_removed(content: Post | Reply, member: User) -> bool:
    """Soft-deletes the author's own words; False when they were removed already."""
    _ensure_author(content, member)
    _ensure_space_open(content)
    if content.removed_at:
        return False
    content.removed_at = timezone.now()
    content.save(update_fields=["removed_at"])
    _recount_news_of(content)
    return True


def _ensure_may_post(author: User) -> None:
    if refusal := moderation.posting_refusal(author):
        raise NotAllowed(refusal)


def _ensure_author(obj: Post | Reply, member: User) -> None:
    if obj.author_id != member.pk:
        raise NotAllowed("Only the author can change this.")


def _ensure_space_open(content: Post | Reply) -> None:
    """An archived space is read-only for everyone, authors too: what was said there
    stays as the space closed with it (no edits, no removals)."""
    space = content.space if isinstance(content, Post) else content.post.space
    if space.is_archived:
        raise SpaceClosed(
            "This space is closed now, so the posts and replies in it stay as they are."
        )


# --- Replies ------------------------------------------------------------------


@transaction.atomic
def post_reply(*, author: User, post: Post, body: str, is_anonymous: bool = False) -> Reply:
    """Replies in a post: counters move, the replier follows the post, people hear of it."""
    post = Post.objects.select_for_update().select_related("space").get(pk=post.pk)
    if post.is_locked:
        raise PostLocked("This discussion is closed to new replies.")
    if not post.is_published or post.space.is_archived:
        raise NotAllowed("This post can't take replies any more.")
    _ensure_may_post(author)
    if author.pk == post.author_id:
        # The author replies as they posted: a named reply in their own anonymous
        # thread, or an anonymous one in their named thread (which stays in Needs a
        # reply), would give them away.
        is_anonymous = post.is_anonymous
    now = timezone.now()
    twin = _twin(Reply, now, post=post, author=author, body=body)
    if twin is not None:
        return twin  # a double submit: the reply is already there
    body_html, mentioned = _render(body)
    reply = Reply.objects.create(
        post=post,
        author=author,
        body=body,
        body_html=body_html,
        is_anonymous=is_anonymous,
        created_at=now,
    )
    fields = {"reply_count": F("reply_count") + 1, "last_activity_at": now}
    if author.pk != post.author_id and post.first_reply_at is None:
        fields["first_reply_at"] = now
    Post.objects.filter(pk=post.pk).update(**fields)
    Draft.objects.filter(member=author, post=post).delete()  # published: no longer kept
    PostFollow.objects.get_or_create(member=author, post=post)
    _update_search_vector(reply)
    mentioned_ids = _record_mentions(
        author=author, handles=mentioned, reply=reply, anonymous=is_anonymous
    )
    _notify_reply(reply=reply, post=post, skip=mentioned_ids)
    _answer_crisis_words(reply, reply.body)
    signals.reply_posted.send(sender=Reply, reply=reply, post=post, author=author)
    return reply


def _notify_reply(*, reply: Reply, post: Post, skip: set[int]) -> None:
    author = reply.author
    recipients: dict[int, str] = {}
    # The post's author hears while they follow it (they follow their own posts until
    # they choose not to); everyone else following hears of a reply in a post they follow.
    for member_id in PostFollow.objects.filter(post=post).values_list("member_id", flat=True):
        is_author = member_id == post.author_id
        recipients[member_id] = notifications.REPLY if is_author else notifications.FOLLOWED_REPLY
    recipients.pop(author.pk, None)
    for member_id in skip:
        recipients.pop(member_id, None)
    _notify_many(
        recipients=recipients,
        actor=author,
        actor_hidden=reply.is_anonymous,
        post=post,
        reply=reply,
    )


@transaction.atomic
def edit_reply(*, reply: Reply, editor: User, body: str) -> Reply:
    """Saves the author's changes and marks the reply edited."""
    return _save_edit(reply, editor, {"body": body}, reply=reply)


@transaction.atomic
def remove_reply(*, reply: Reply, member: User) -> bool:
    """The author removes their reply; the thread keeps a "removed" placeholder. A
    repeat changes nothing."""
    if not _mark_removed(reply, member):
        return False
    if not reply.is_hidden:  # a hidden reply already left the counts
        _reply_left_thread(reply)
    return True


def _reply_left_thread(reply: Reply) -> None:
    """Keeps the post's counters true when a reply stops counting (removed or hidden)."""
    post = reply.post
    Post.objects.filter(pk=post.pk, reply_count__gt=0).update(reply_count=F("reply_count") - 1)
    _refresh_first_reply(post)
    signals.reply_changed.send(sender=Reply, reply=reply)


def _reply_back_in_thread(reply: Reply) -> None:
    Post.objects.filter(pk=reply.post_id).update(reply_count=F("reply_count") + 1)
    _refresh_first_reply(reply.post)
    signals.reply_changed.send(sender=Reply, reply=reply)


def _refresh_first_reply(post: Post) -> None:
    """Recomputes first_reply_at and last_activity_at from the replies that count."""
    replies = Reply.objects.published().filter(post_id=post.pk)
    first = replies.exclude(author_id=post.author_id).aggregate(first=Min("created_at"))["first"]
    latest = replies.aggregate(latest=Max("created_at"))["latest"]
    Post.objects.filter(pk=post.pk).update(
        first_reply_at=first, last_activity_at=latest or post.created_at
    )


# --- Reactions ----------------------------------------------------------------


@transaction.atomic
def set_reaction(
    *, member: User, kind: str, on: bool, post: Post | None = None, reply: Reply | None = None
) -> bool:
    """Puts the member's reaction of `kind` on (or off) a post or reply.

    Says the state wanted, not "toggle", so a double submit lands in the same
    state; the database allows one reaction of a kind per member per target.
    Returns True when something changed.
    """
    if kind not in ReactionKind.values:
        raise ValueError(f"Unknown reaction kind: {kind!r}")
    if (post is None) == (reply is None):
        raise ValueError("React to exactly one post or reply.")
    target = {"post": post} if post else {"reply": reply}
    if not on:
        deleted, _ = Reaction.objects.filter(member=member, kind=kind, **target).delete()
        if deleted:
            _count_reaction(post or reply, kind, change=-1)
            _sync_reaction_notification(kind=kind, post=post, reply=reply, added=False)
        return bool(deleted)
    try:
        with transaction.atomic():
            reaction, created = Reaction.objects.get_or_create(member=member, kind=kind, **target)
    except IntegrityError:
        return False  # a concurrent identical tap already added it
    if created:
        _count_reaction(post or reply, kind, change=1)
        _sync_reaction_notification(kind=kind, post=post, reply=reply, added=True)
        signals.reaction_added.send(
            sender=Reaction, reaction=reaction, member=member, post=post, reply=reply
        )
    return created


def _count_reaction(target: Post | Reply, kind: str, *, change: int) -> None:
    """The target's count of `kind` (ReactionCounts) moved by `change` in one UPDATE,
    in the reaction's transaction, and on `target` too (the htmx answer draws it)."""
    field = reaction_count_field(kind)
    moved = Greatest(F(field) + change, 0)
    type(target).objects.filter(pk=target.pk).update(**{field: moved})
    setattr(target, field, max(getattr(target, field) + change, 0))


def _exact_reaction_counts(model) -> dict:
    """Each count of ReactionCounts as the reactions themselves give it."""
    target = "post" if model is Post else "reply"
    return {
        reaction_count_field(kind): Coalesce(
            Subquery(
                Reaction.objects.filter(**{target: OuterRef("pk")}, kind=kind)
                .order_by()
                .values(target)
                .annotate(n=Count("pk"))
                .values("n")
            ),
            0,
        )
        for kind in ReactionKind.values
    }


def recount_reactions(*, posts=(), replies=()) -> int:
    """Sets the reaction counts of `posts` and `replies` (ids, or queries of them) to what
    their reactions give, one UPDATE for each kind of target that writes only counts that
    were wrong; how many rows were."""
    fixed = 0
    for model, ids in ((Post, posts), (Reply, replies)):
        if isinstance(ids, list | tuple | set) and not ids:
            continue
        exact = {f"exact_{field}": count for field, count in _exact_reaction_counts(model).items()}
        right = {field.removeprefix("exact_"): F(field) for field in exact}
        fixed += (
            model.objects.filter(pk__in=ids).annotate(**exact).exclude(**right).update(**right)
        )
    return fixed


def reconcile_reaction_counts(*, batch: int = 10_000) -> int:
    """Every post's and reply's reaction counts recounted, `batch` rows per UPDATE (a short
    lock each); how many were wrong (a reaction deleted by hand, say). Safe to repeat: a
    right count isn't written."""
    fixed = 0
    for model, side in ((Post, "posts"), (Reply, "replies")):
        last = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        for start in range(0, last + 1, batch):
            rows = model.objects.filter(pk__gte=start, pk__lt=start + batch).values("pk")
            with transaction.atomic():
                fixed += recount_reactions(**{side: rows})
    return fixed


def _sync_reaction_notification(*, kind: str, post, reply, added: bool) -> None:
    """Keeps one unread notification per target and kind, counted from the reactions
    themselves: "3 people said I hear you", named after the latest reactor.

    A new reaction makes the notification new again (a fresh row, so keyset
    pages never see it twice); a withdrawn one only lowers the count.
    """
    target = reply or post
    author_id = target.author_id
    where = {"post": post} if reply is None else {"reply": reply}
    group = Notification.objects.filter(
        recipient_id=author_id,
        kind=notifications.REACTION,
        reaction_kind=kind,
        post=post if reply is None else reply.post,
        reply=reply,
    )
    last_seen = (
        group.filter(read_at__isnull=False).order_by("-created_at").values("created_at")[:1]
    )
    reactions = Reaction.objects.filter(kind=kind, **where).exclude(member_id=author_id)
    reactions = reactions.exclude(Block.objects.involving(author_id, "member"))
    seen_before = last_seen.first()
    if seen_before:
        reactions = reactions.filter(created_at__gt=seen_before["created_at"])
    latest = reactions.order_by("-created_at", "-id").first()
    count = reactions.count()
    unread = group.filter(read_at__isnull=True)
    if count == 0:
        count_unread(unread, change=-1)
        unread.delete()
    elif added:
        count_unread(unread, change=-1)
        unread.delete()
        created = Notification.objects.create(
            recipient_id=author_id,
            kind=notifications.REACTION,
            actor_id=latest.member_id,
            post=post if reply is None else reply.post,
            reply=reply,
            reaction_kind=kind,
            count=count,
        )
        count_unread(Notification.objects.filter(pk=created.pk), change=1)
    else:
        # A named notification follows its latest reactor, who may be someone the
        # author blocked long ago: whether it shows may change.
        unread.update(count=count, actor_id=latest.member_id)
        recount_unread([author_id])


# --- Mentions and notifications ---------------------------------------------


def _notify_many(
    *, recipients: dict[int, str], actor: User, actor_hidden: bool, post: Post, reply=None
) -> None:
    # Anonymous words reach everyone they concern: holding them back from a member
    # who blocked (or was blocked by) the writer would tell them who wrote them.
    blocked = set()
    if recipients and not actor_hidden:
        blocked = set(Block.objects.members_either_way(actor).filter(other__in=recipients))
    created = Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=member_id,
                kind=kind,
                actor=actor,
                actor_hidden=actor_hidden,
                post=post,
                reply=reply,
            )
            for member_id, kind in recipients.items()
            if member_id not in blocked and member_id != actor.pk
        ]
    )
    _announce(created)


def _announce(created: list[Notification]) -> None:
    """Counts new notifications in their recipients' unread counts and tells listeners.
    Every place that creates notifications calls it, in the same transaction."""
    if created:
        count_unread(Notification.objects.filter(pk__in=[n.pk for n in created]), change=1)
        signals.notified.send(sender=Notification, recipient_ids={n.recipient_id for n in created})


# The unread count (User.unread_notifications) moves with each change, in the change's
# transaction: by one where a notification comes, goes or is read, by a recount where
# what the inbox shows changes (words hidden, removed or restored, a block, a space
# closed). It never goes below zero; the inbox page and a nightly task correct drift.


def count_unread(notifications: QuerySet[Notification], *, change: int) -> int:
    """Moves each recipient's unread count by `change` for each of `notifications` their
    inbox shows (Notification.shown): +1 for new ones, -1 for unread ones about to be
    deleted or just read. One UPDATE; a count is never below zero."""
    shown = (
        notifications.filter(recipient=OuterRef("pk"))
        .shown()
        .order_by()
        .values("recipient")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return User.objects.filter(pk__in=notifications.values("recipient")).update(
        unread_notifications=Greatest(
            F("unread_notifications") + change * Coalesce(Subquery(shown), 0), 0
        )
    )


def recount_unread(members) -> int:
    """Sets the unread count of `members` (ids, or a query of them) to what their inbox
    shows, in one UPDATE that writes only counts that were wrong; how many were."""
    exact = Coalesce(
        Subquery(
            Notification.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True)
            .shown()
            .order_by()
            .values("recipient")
            .annotate(n=Count("pk"))
            .values("n")
        ),
        0,
    )
    return (
        User.objects.filter(pk__in=members)
        .annotate(exact=exact)
        .exclude(unread_notifications=F("exact"))
        .update(unread_notifications=F("exact"))
    )


def _recount_news_of(content: Post | Reply) -> None:
    """Words hidden, removed or restored: the news about them leaves or comes back to
    every inbox that has it."""
    about = {"post": content} if isinstance(content, Post) else {"reply": content}
    recount_unread(Notification.objects.filter(**about).values("recipient"))


def recount_unread_in_space(space: Space) -> int:
    """A space closed or opened again: the news about its posts leaves or comes back."""
    return recount_unread(Notification.objects.filter(post__space=space).values("recipient"))


def correct_unread_count(*, member: User, page, whole_inbox: bool) -> bool:
    """The inbox page's check of the header's count against the notifications on `page`
    (the inbox's rows for `member`): when the page shows the whole inbox the count must
    equal its unread ones, and it can never be fewer than a page shows. Only a count the
    page proves wrong, or one not counted for UNREAD_RECOUNT_SECONDS, is counted again
    (counting thousands of unread with their visibility costs what the counter saves);
    the nightly task counts everyone's. Sets it on the row and on `member`; True when it
    was wrong."""
    unread_here = sum(1 for notification in page if notification.read_at is None)
    kept = member.unread_notifications
    due = _due_a_recount(member)  # a whole inbox on the page is an exact count: it starts
    proven_wrong = kept != unread_here if whole_inbox else kept < unread_here  # the hour too
    if not (proven_wrong or (due and not whole_inbox)):
        return False
    corrected = recount_unread([member.pk])
    if corrected or proven_wrong:  # the row may have been put right meanwhile: show it
        member.refresh_from_db(fields=["unread_notifications"])
    return bool(corrected)


def _due_a_recount(member: User) -> bool:
    try:
        return cache.add(f"unread-recounted:{member.pk}", True, UNREAD_RECOUNT_SECONDS)
    except Exception:  # a cache that is down leaves it to the page's proof and the night
        logger.warning("Could not reach the cache for the unread recount.", exc_info=True)
        return False


def reconcile_unread_counts(*, batch: int = 10_000) -> int:
    """Every member's unread count recounted, `batch` members per UPDATE (a short lock
    each); how many were wrong. Safe to repeat: a right count isn't written."""
    fixed = 0
    last = User.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    for start in range(0, last + 1, batch):
        members = User.objects.filter(pk__gte=start, pk__lt=start + batch).values("pk")
        with transaction.atomic():
            fixed += recount_unread(members)
    return fixed


def _record_mentions(
    *, author: User, handles: set[str], anonymous: bool, post=None, reply=None
) -> set[int]:
    """Stores new mentions and notifies those members; returns the ids mentioned."""
    if not handles:
        return set()
    members = dict(
        User.objects.filter(handle__in=handles, is_active=True)
        .exclude(pk=author.pk)
        .values_list("pk", "handle")
    )
    source = {"post": post} if post else {"reply": reply}
    already = set(Mention.objects.filter(**source).values_list("member_id", flat=True))
    new_ids = set(members) - already
    Mention.objects.bulk_create([Mention(member_id=pk, **source) for pk in new_ids])
    _notify_many(
        recipients=dict.fromkeys(new_ids, notifications.MENTION),
        actor=author,
        actor_hidden=anonymous,
        post=post if post else reply.post,
        reply=reply,
    )
    return set(members)


@transaction.atomic
def mark_notification_read(*, member: User, notification_id: int) -> bool:
    """Marks one of the member's notifications read; False when it was read already."""
    mine = Notification.objects.filter(pk=notification_id, recipient=member)
    updated = mine.filter(read_at__isnull=True).update(read_at=timezone.now())
    if updated:
        count_unread(mine, change=-1)
    return bool(updated)


@transaction.atomic
def mark_all_notifications_read(*, member: User) -> int:
    """Marks all the member's notifications read; how many were unread."""
    updated = Notification.objects.filter(recipient=member, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    recount_unread([member.pk])
    return updated


# --- Following posts ----------------------------------------------------------


def follow_post(*, member: User, post: Post) -> bool:
    _, created = PostFollow.objects.get_or_create(member=member, post=post)
    return created


def unfollow_post(*, member: User, post: Post) -> bool:
    deleted, _ = PostFollow.objects.filter(member=member, post=post).delete()
    return bool(deleted)


# --- Blocking -----------------------------------------------------------------


@transaction.atomic
def block_member(*, blocker: User, blocked: User) -> bool:
    """Blocks a member both ways for content and notifications. A repeat changes nothing."""
    if blocker.pk == blocked.pk:
        raise NotAllowed("You can't block yourself.")
    # Neither hears from the other any more: the inbox and its count leave out their
    # named notifications both ways (BlockQuerySet), and an unblock brings them back.
    _, created = Block.objects.get_or_create(blocker=blocker, blocked=blocked)
    if created:
        recount_unread([blocker.pk, blocked.pk])
    return created


@transaction.atomic
def unblock_member(*, blocker: User, blocked: User) -> bool:
    deleted, _ = Block.objects.filter(blocker=blocker, blocked=blocked).delete()
    if deleted:
        recount_unread([blocker.pk, blocked.pk])
    return bool(deleted)


# --- Reports and moderation ---------------------------------------------------


@transaction.atomic
def report(
    *,
    reporter: User,
    reason: str,
    details: str = "",
    post: Post | None = None,
    reply: Reply | None = None,
    member: User | None = None,
) -> Report | None:
    """Stores a report for moderators; None when this member's report is already open.

    The target enters the moderators' queue; content with REPORTS_TO_HIDE
    distinct open reports is hidden until a moderator reviews it, and a member
    with 5 items reported in 24 hours stops posting until then
    (`community.moderation.note_report`).
    """
    targets = {"post": post, "reply": reply, "member": member}
    target = {name: obj for name, obj in targets.items() if obj is not None}
    if len(target) != 1:
        raise ValueError("Report exactly one post, reply or member.")
    if member is not None and member.pk == reporter.pk:
        raise NotAllowed("You can't report yourself.")
    content = post or reply
    if content is not None:
        # Lock the reported row, so simultaneous reports count each other.
        content = type(content).objects.select_for_update().get(pk=content.pk)
        if content.author_id == reporter.pk:
            raise NotAllowed("These are your own words: you can edit or remove them instead.")
        if content.removed_at:
            raise NotAllowed("This was removed by its author.")
    if Report.objects.filter(reporter=reporter, status=ReportStatus.OPEN, **target).exists():
        return None
    try:
        with transaction.atomic():
            new = Report.objects.create(
                reporter=reporter, reason=reason, details=details, **target
            )
    except IntegrityError:
        return None
    moderation.note_report(report=new, content=content)
    return new


def _answer_crisis_words(content: Post | Reply, *texts: str) -> None:
    """Words in crisis (`community/safety.py`) put the post or reply at the top of the
    moderators' queue, so a person looks soon; words that describe a method are held
    (hidden until a moderator restores them) and logged as held. Its author saw the
    support card first (the views) and sees help again after."""
    found = safety.assess("\n".join(texts))
    if not found.matched:
        return
    signals.crisis_words.send(sender=type(content), content=content)
    target = {"post": content} if isinstance(content, Post) else {"reply": content}
    if found.describes_method and _hide(content, HiddenReason.HELD):
        moderation.record_action(action=ModerationActionKind.HELD, **target)
    moderation.queue_crisis_item(**target)


def hide_automatically(content: Post | Reply, reason: str) -> bool:
    """Hides without a moderator (held words, a first post waiting): moderation's rules
    decide when; the counters and caches follow as for any hide."""
    return _hide(content, reason)


def _hide(content: Post | Reply, reason: str) -> bool:
    updated = (
        type(content)
        .objects.filter(pk=content.pk, is_hidden=False)
        .update(is_hidden=True, hidden_reason=reason)
    )
    if updated:
        content.is_hidden, content.hidden_reason = True, reason
        _recount_news_of(content)
        if isinstance(content, Post):
            signals.post_changed.send(sender=Post, post=content)
        elif not content.removed_at:
            _reply_left_thread(content)
    return bool(updated)


def _restore(content: Post | Reply) -> bool:
    updated = (
        type(content)
        .objects.filter(pk=content.pk, is_hidden=True)
        .update(is_hidden=False, hidden_reason="")
    )
    if updated:
        content.is_hidden, content.hidden_reason = False, ""
        _recount_news_of(content)
        if isinstance(content, Post):
            signals.post_changed.send(sender=Post, post=content)
        elif not content.removed_at:
            _reply_back_in_thread(content)
    return bool(updated)


def hide_content(*, content: Post | Reply, moderator: User, note: str = "") -> bool:
    """A moderator hides a post or reply: `community.moderation.hide` (logged)."""
    return moderation.hide(content=content, moderator=moderator, note=note)


def restore_content(*, content: Post | Reply, moderator: User, note: str = "") -> bool:
    """A moderator restores hidden content: `community.moderation.restore` (logged)."""
    return moderation.restore(content=content, moderator=moderator, note=note)


FLAG_ACTIONS = {
    ("is_locked", True): "lock",
    ("is_locked", False): "unlock",
    ("is_pinned", True): "pin",
    ("is_pinned", False): "unpin",
}


@transaction.atomic
def set_post_flag(*, post: Post, moderator: User, flag: str, value: bool, note: str = "") -> bool:
    """Locks/unlocks or pins/unpins a post, in the moderation log. Returns False when
    nothing changed (and logs nothing)."""
    if flag not in ("is_locked", "is_pinned"):
        raise ValueError(flag)
    changed = bool(
        Post.objects.filter(pk=post.pk).exclude(**{flag: value}).update(**{flag: value})
    )
    if changed:
        setattr(post, flag, value)
        moderation.record_action(
            action=FLAG_ACTIONS[flag, value], moderator=moderator, post=post, note=note
        )
        if flag == "is_locked":
            signals.post_changed.send(sender=Post, post=post)
    return changed


# --- Gatherings -----------------------------------------------------------------


class GatheringClosed(CommunityError):
    pass


class GatheringOutOfBounds(CommunityError):
    """Details outside what a gathering may hold (the form says so first)."""


def _check_gathering_bounds(*, title: str, starts_at, capacity) -> None:
    """The model's bounds, checked before the database sees them: an overflow there
    would be a 500, not a word the host can act on."""
    error = gathering_start_error(starts_at)
    if error:
        raise GatheringOutOfBounds(error)
    if capacity is not None and not 1 <= capacity <= GATHERING_MAX_CAPACITY:
        raise GatheringOutOfBounds(
            f"Up to {GATHERING_MAX_CAPACITY} places, or leave it empty for no limit."
        )
    try:
        validate_single_line(title)
    except ValidationError as error:
        raise GatheringOutOfBounds(error.messages[0]) from error


GATHERING_FIELDS = (
    "space", "title", "description", "starts_at", "duration_minutes", "capacity", "format",
    "join_url", "place",
)  # fmt: skip


def _end(starts_at, minutes: int):
    """Real elapsed time: in UTC, so a gathering across a clock change keeps its length."""
    return starts_at.astimezone(UTC) + timedelta(minutes=minutes)


@transaction.atomic
def create_gathering(
    *,
    host: User,
    space: Space,
    title: str,
    description: str,
    starts_at,
    duration_minutes: int,
    format: str,  # noqa: A002 - the field's name
    capacity: int | None = None,
    join_url: str = "",
    place: str = "",
    submit_key: str | None = None,
) -> Gathering:
    """Schedules a gathering, with a discussion post for before and after.

    Once per submit (`fourc.lib.once`): a repeat of `submit_key` returns the first
    gathering and does nothing else."""
    if (first := once.made(Gathering, submit_key, host=host)) is not None:
        return first
    if not roles.can_host(host):
        raise NotAllowed("Only hosts can create gatherings.")
    _check_gathering_bounds(title=title, starts_at=starts_at, capacity=capacity)
    if starts_at <= timezone.now():
        raise GatheringClosed("Please choose a start time in the future.")
    gathering, created = once.create(
        Gathering,
        submit_key,
        owner="host",
        host=host,
        space=space,
        title=title,
        description=description,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        ends_at=_end(starts_at, duration_minutes),
        capacity=capacity,
        format=format,
        join_url=join_url,
        place=place,
    )
    if not created:
        return gathering  # the same submit, a moment ago, in another request
    # Its body names this gathering, so no earlier post is ever taken for its twin.
    gathering.discussion = create_post(
        author=host,
        space=space,
        title=f"Gathering: {title}"[:200],
        body=f"{description}\n\n[Times and places]({gathering.get_absolute_url()})\n\n"
        "Say hello here before, and share how it went after.",
        intent="hello",
    )
    gathering.save(update_fields=["discussion"])
    return gathering


@transaction.atomic
def edit_gathering(*, gathering: Gathering, editor: User, **changes) -> Gathering:
    """The host changes the details; calendars see a new SEQUENCE. More places promote
    people from the waiting list."""
    unknown = set(changes) - set(GATHERING_FIELDS)
    if unknown:
        raise TypeError(f"Not gathering fields: {sorted(unknown)}")
    gathering = Gathering.objects.select_for_update().get(pk=gathering.pk)
    if gathering.host_id != editor.pk and not roles.is_moderator(editor):
        raise NotAllowed("Only the host can change this gathering.")
    if gathering.is_cancelled:
        raise GatheringClosed("This gathering was cancelled.")
    for name, value in changes.items():
        setattr(gathering, name, value)
    _check_gathering_bounds(
        title=gathering.title, starts_at=gathering.starts_at, capacity=gathering.capacity
    )
    gathering.ends_at = _end(gathering.starts_at, gathering.duration_minutes)
    gathering.sequence += 1
    gathering.updated_at = timezone.now()
    gathering.save()
    _promote_from_waiting_list(gathering)
    return gathering


@transaction.atomic
def cancel_gathering(*, gathering: Gathering, by: User) -> bool:
    """Cancels a gathering and tells everyone with a place or on the waiting list.
    A repeat changes nothing."""
    gathering = Gathering.objects.select_for_update().get(pk=gathering.pk)
    if gathering.host_id != by.pk and not roles.is_moderator(by):
        raise NotAllowed("Only the host can cancel this gathering.")
    if gathering.is_cancelled:
        return False
    gathering.status = GatheringStatus.CANCELLED
    gathering.sequence += 1
    gathering.updated_at = timezone.now()
    gathering.save(update_fields=["status", "sequence", "updated_at"])
    recipients = RSVP.objects.filter(
        gathering=gathering, status__in=[RSVPStatus.GOING, RSVPStatus.WAITING]
    ).values_list("member_id", flat=True)
    created = Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=member_id,
                kind=notifications.GATHERING_CANCELLED,
                actor=gathering.host,
                gathering=gathering,
            )
            for member_id in recipients
            if member_id != gathering.host_id
        ]
    )
    _announce(created)
    return True


@transaction.atomic
def rsvp(*, gathering: Gathering, member: User, is_private: bool = False) -> RSVP:
    """Takes a place, or a spot on the waiting list when the gathering is full.

    The gathering's row is locked, so two members taking the last place at the
    same moment end with one place and one waiting. A repeat keeps the place.
    """
    gathering = Gathering.objects.select_for_update().get(pk=gathering.pk)
    now = timezone.now()
    if gathering.is_cancelled:
        raise GatheringClosed("This gathering was cancelled.")
    if gathering.has_ended(now):
        raise GatheringClosed("This gathering has already happened.")
    existing = RSVP.objects.filter(gathering=gathering, member=member).first()
    if existing and existing.status in (RSVPStatus.GOING, RSVPStatus.WAITING):
        if existing.is_private != is_private:
            existing.is_private = is_private
            existing.save(update_fields=["is_private"])
        return existing
    going = RSVP.objects.filter(gathering=gathering, status=RSVPStatus.GOING).count()
    full = gathering.capacity is not None and going >= gathering.capacity
    status = RSVPStatus.WAITING if full else RSVPStatus.GOING
    fields = {
        "status": status,
        "is_private": is_private,
        "waitlisted_at": now if full else None,
        "updated_at": now,
    }
    if existing:
        for name, value in fields.items():
            setattr(existing, name, value)
        existing.save(update_fields=list(fields))
        return existing
    return RSVP.objects.create(gathering=gathering, member=member, **fields)


@transaction.atomic
def cancel_rsvp(*, gathering: Gathering, member: User) -> bool:
    """Gives up a place (or a spot on the waiting list); the next in line is promoted.

    Refused once the gathering is cancelled or over: the place is part of what
    happened (calendars show the cancellation, attendance needs the place)."""
    gathering = Gathering.objects.select_for_update().get(pk=gathering.pk)
    if gathering.is_cancelled:
        raise GatheringClosed("This gathering was cancelled, so there's nothing to give up.")
    if gathering.has_ended(timezone.now()):
        raise GatheringClosed("This gathering has already happened.")
    place = RSVP.objects.filter(
        gathering=gathering, member=member, status__in=[RSVPStatus.GOING, RSVPStatus.WAITING]
    ).first()
    if place is None:
        return False
    place.status = RSVPStatus.CANCELLED
    place.waitlisted_at = None
    place.updated_at = timezone.now()
    place.save(update_fields=["status", "waitlisted_at", "updated_at"])
    _promote_from_waiting_list(gathering)
    return True


def _promote_from_waiting_list(gathering: Gathering) -> None:
    waiting = RSVP.objects.filter(gathering=gathering, status=RSVPStatus.WAITING).order_by(
        "waitlisted_at", "id"
    )
    if gathering.capacity is not None:
        going = RSVP.objects.filter(gathering=gathering, status=RSVPStatus.GOING).count()
        waiting = waiting[: max(gathering.capacity - going, 0)]
    promoted = list(waiting)
    now = timezone.now()
    for place in promoted:
        place.status = RSVPStatus.GOING
        place.waitlisted_at = None
        place.updated_at = now
    RSVP.objects.bulk_update(promoted, ["status", "waitlisted_at", "updated_at"])
    created = Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=place.member_id,
                kind=notifications.GATHERING_PROMOTED,
                actor_id=gathering.host_id,
                gathering=gathering,
            )
            for place in promoted
        ]
    )
    _announce(created)


@transaction.atomic
def mark_attended(*, gathering: Gathering, member: User, by: User) -> bool:
    """Notes that a member with a place was there: said by the member, or by the host.

    Open from the start until 24 hours after the end. Returns False when it was
    noted already. Prescriptions hear of it through `gathering_attended`.
    """
    if by.pk != member.pk and by.pk != gathering.host_id:
        raise NotAllowed("Only the host can note someone else's attendance.")
    now = timezone.now()
    if not gathering.attendance_open(now):
        raise GatheringClosed(
            "Attendance can be noted from the start until a day after the gathering."
        )
    place = (
        RSVP.objects.select_for_update()
        .filter(gathering=gathering, member=member, status=RSVPStatus.GOING)
        .first()
    )
    if place is None:
        raise NotAllowed("Only members with a place can be noted as there.")
    if place.attended_at:
        return False
    place.attended_at = now
    place.attendance_marked_by = by
    place.save(update_fields=["attended_at", "attendance_marked_by"])
    signals.gathering_attended.send(sender=RSVP, rsvp=place, gathering=gathering, member=member)
    return True


def regenerate_calendar_token(*, member: User) -> CalendarToken:
    """A new secret feed URL; the old one stops working at once."""
    with transaction.atomic():
        CalendarToken.objects.filter(member=member).delete()
        return CalendarToken.objects.create(member=member, token=secrets.token_urlsafe(32))


def revoke_calendar_token(*, member: User) -> bool:
    deleted, _ = CalendarToken.objects.filter(member=member).delete()
    return bool(deleted)


# --- Guidelines and member controls ------------------------------------------------


def accept_guidelines(*, member: User, version: int | None = None, now=None) -> bool:
    """Records that `member` agreed to `version` of the guidelines (the current one by
    default). A repeat (a double tap, a second tab) changes nothing and returns False:
    the first agreement, and its time, is the one on record."""
    version = guidelines.VERSION if version is None else version
    _, created = GuidelinesAcceptance.objects.get_or_create(
        member=member, version=version, defaults={"accepted_at": now or timezone.now()}
    )
    if version == guidelines.VERSION:
        member.has_accepted_guidelines = True  # the cached answer, for the rest of this request
    return created


@transaction.atomic
def set_muted_words(*, member: User, phrases: list[str]) -> bool:
    """Makes `phrases` (normalised, as MutedWordsForm gives them) the member's muted words,
    replacing the list. False when the list is already exactly that."""
    wanted = {muting.normalise(phrase) for phrase in phrases}
    current = set(MutedWord.objects.filter(member=member).values_list("phrase", flat=True))
    if wanted == current:
        return False
    MutedWord.objects.filter(member=member, phrase__in=current - wanted).delete()
    MutedWord.objects.bulk_create(
        [MutedWord(member=member, phrase=phrase) for phrase in sorted(wanted - current)],
        ignore_conflicts=True,  # a second tab saving the same words at the same moment
    )
    muting.forget(member)
    return True


@transaction.atomic
def hide_spaces(*, member: User, spaces, until) -> None:
    """Hides `spaces` from the member's lists until `until`, for a break (prescriptions'
    take_a_break calls this). Like the break itself, the latest choice replaces the
    earlier one: spaces not chosen now come back at once."""
    space_ids = {space.pk for space in spaces}
    HiddenSpace.objects.filter(member=member).exclude(space_id__in=space_ids).delete()
    for space_id in space_ids:
        HiddenSpace.objects.update_or_create(
            member=member, space_id=space_id, defaults={"until": until}
        )


def show_hidden_spaces(*, member: User) -> bool:
    """Brings back every space the member hid for a break. False when none was hidden."""
    was_hidden = HiddenSpace.objects.in_force(member).exists()
    HiddenSpace.objects.filter(member=member).delete()  # ended ones too: nothing to keep
    return was_hidden


# --- Crisis phrases ----------------------------------------------------------------------


def add_crisis_phrase(*, family: str, pattern: str, by: User, note: str = "") -> CrisisPhrase:
    """A moderator's new phrase: it matches in this process at once and in every other
    within seconds (`safety.forget`). The phrase language is checked here too
    (ValidationError), so no caller can store a phrase that cannot compile."""
    phrase = CrisisPhrase(family=family, pattern=pattern.strip(), note=note, created_by=by)
    phrase.full_clean()
    with transaction.atomic():
        phrase.save()
        safety.forget()
        _rematch_after_commit()
    return phrase


def retire_crisis_phrase(*, phrase: CrisisPhrase, by: User) -> bool:
    """The phrase stops matching and stays on the list, retired (phrases are never
    deleted, so the list keeps its history). Retiring a retired phrase changes nothing."""
    with transaction.atomic():
        retired = CrisisPhrase.objects.filter(pk=phrase.pk, is_active=True).update(is_active=False)
        if retired:
            safety.forget()
            _rematch_after_commit()
    phrase.is_active = False
    return bool(retired)


def _rematch_after_commit() -> None:
    """Twice: at once, and again once every process has the new phrases (each looks at
    most every CHECK_SECONDS), so words saved meanwhile with the old ones are matched too.
    The beat's rematch of recent words (`crisis-words-rematch`) catches what both miss."""
    from community.tasks import rematch_crisis_words  # tasks import this module

    def queue():
        rematch_crisis_words.delay()
        rematch_crisis_words.apply_async(countdown=safety.CHECK_SECONDS + REMATCH_MARGIN)

    transaction.on_commit(queue, robust=True)


def rematch_crisis_words(
    *, days: float = CRISIS_REMATCH_DAYS, every_check_in: bool = True, now=None
) -> int:
    """The last `days` of posts and replies matched again with the phrases as they stand
    now (a matcher built here, not this process's copy), their `crisis_words` corrected,
    and the listeners told (`signals.crisis_words`: the members' latest check-ins are
    matched again too, every one or those of the same days). After the phrases change,
    and from the beat for recent words, which also covers words saved by a process that
    didn't yet know a change (or by the code before this column, during a deploy). A row
    edited since it was read is left as its own save set it. Returns how many changed."""
    since = (now or timezone.now()) - timedelta(days=days)
    matches = safety.build().matches
    changed = 0
    for model, words in ((Post, ("title", "body")), (Reply, ("body",))):
        recent = model.objects.filter(created_at__gte=since)
        rows = recent.values_list("pk", "edited_at", "crisis_words", *words)
        for pk, edited_at, flagged, *written in rows.iterator(chunk_size=REMATCH_BATCH):
            if (found := matches("\n".join(written))) != flagged:
                same = model.objects.filter(pk=pk, edited_at=edited_at, crisis_words=flagged)
                changed += same.update(crisis_words=found)
    signals.crisis_words.send(
        sender=CrisisPhrase,
        content=None,
        changed=changed,
        check_ins_since=None if every_check_in else since,
    )
    return changed


# --- Your data: a copy of everything 4C holds about a member ------------------------------


def request_data_export(*, member: User, now=None) -> tuple[DataExport, bool]:
    """Asks for a copy of everything 4C holds about the member; a task builds it once this
    commits (`build_data_export`) and emails them. One copy is prepared at a time: while
    one is, a repeat (a double tap, a second tab) returns it and False, changing nothing;
    the partial unique constraint decides between two taps at once. A copy a worker lost
    (still not ready after DATA_EXPORT_GIVE_UP_AFTER) is replaced by the new one."""
    from community.tasks import build_data_export as build

    now = now or timezone.now()
    with transaction.atomic():
        DataExport.objects.filter(
            member=member, ready_at__isnull=True, requested_at__lt=now - DATA_EXPORT_GIVE_UP_AFTER
        ).delete()
        try:
            with transaction.atomic():
                export = DataExport.objects.create(member=member, requested_at=now)
        except IntegrityError:
            waiting = DataExport.objects.defer("data").get(member=member, ready_at__isnull=True)
            return waiting, False
        transaction.on_commit(lambda: build.delay(export.pk))
    return export, True


def build_data_export(*, export_id: int) -> DataExport | None:
    """Builds the copy asked for: every area of community.yourdata, written as JSON and
    gzip-compressed into the row, ready to download for DATA_EXPORT_LIFETIME. The member's
    earlier copies are deleted with it: one copy at a time.

    Returns the ready export. A repeat (a retried or redelivered task) finds it ready and
    builds nothing; None when it is gone (expired, replaced after a lost worker, or the
    account deleted). The conditional UPDATE makes two builds at once end with one copy."""
    export = DataExport.objects.defer("data").select_related("member").filter(pk=export_id).first()
    if export is None or export.is_ready:
        return export
    packed = io.BytesIO()
    # PostgreSQL reads through server-side cursors (.iterator()), kept inside one
    # transaction so they work behind a transaction-pooling PgBouncer. SQLite has no such
    # cursors, and its transaction would hold the write lock for the whole build.
    reading = transaction.atomic() if connection.vendor == "postgresql" else nullcontext()
    with reading, gzip.GzipFile(fileobj=packed, mode="wb", compresslevel=6) as out:
        size = yourdata.write(export.member, out)
    now = timezone.now()
    with transaction.atomic():
        made_ready = DataExport.objects.filter(pk=export.pk, ready_at__isnull=True).update(
            data=packed.getvalue(),
            size=size,
            ready_at=now,
            expires_at=now + DATA_EXPORT_LIFETIME,
        )
        if not made_ready:  # another build finished first: its copy stands
            return (
                DataExport.objects.defer("data")
                .select_related("member")
                .filter(pk=export.pk)
                .first()
            )
        DataExport.objects.filter(member_id=export.member_id).exclude(pk=export.pk).delete()
    export.ready_at, export.expires_at, export.size = now, now + DATA_EXPORT_LIFETIME, size
    return export


def email_data_export_ready(*, export: DataExport) -> None:
    """Tells the member their copy is ready: a link to download it (they sign in first)
    and until when it works, in their own time. Nothing from the copy is in the email:
    no health data, no words. A retry sends the same Message-ID, so a mail server can
    drop a repeat."""
    from fourc.lib import emails

    member = export.member

    def absolute(path: str) -> str:
        return f"{settings.SITE_URL}{path}"

    token = yourdata.download_token(export)
    context = {
        "member": member,
        "download_url": absolute(reverse("community:your-data-download", args=[token])),
        "page_url": absolute(reverse("community:your-data")),
        "password_url": absolute(reverse("account_change_password")),
        "help_url": absolute(reverse("community:help")),
        "expires_at": export.expires_at,
        "zone": export.expires_at.astimezone(member.tzinfo).tzname(),
        "why": "you asked 4C for a copy of your data.",
    }
    rendered = emails.render("yourdata/ready", context, zone=member.tzinfo)
    message = emails.message(
        rendered,
        to=member.email,
        message_id=f"<data-export-{export.pk}@{settings.NUDGE_MESSAGE_ID_DOMAIN}>",
    )
    emails.mailer().send_messages([message])


# Read notifications are kept this long, then deleted by the daily prune; unread ones
# stay until read (the inbox and its count are the member's to clear).
READ_NOTIFICATIONS_KEPT = timedelta(days=180)


def prune(*, now=None) -> dict[str, int]:
    """The community's hourly housekeeping: read notifications past READ_NOTIFICATIONS_KEPT
    and expired sessions. Short batches (fourc.lib.prune); safe to run twice at once."""
    now = now or timezone.now()
    notifications = prune_lib.delete_in_batches(
        Notification.objects.filter(read_at__lt=now - READ_NOTIFICATIONS_KEPT)
    )
    sessions = prune_lib.delete_in_batches(MemberSession.objects.filter(expire_date__lt=now))
    return {"notifications": notifications, "sessions": sessions}


def sweep_data_exports(*, now=None) -> int:
    """Deletes every copy past its 24 hours, and every one a worker lost. Returns how
    many. Safe to run twice at once: a row is deleted once."""
    now = now or timezone.now()
    deleted, _ = DataExport.objects.filter(
        Q(expires_at__lte=now)
        | Q(ready_at__isnull=True, requested_at__lt=now - DATA_EXPORT_GIVE_UP_AFTER)
    ).delete()
    return deleted
