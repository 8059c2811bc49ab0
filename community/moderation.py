"""The moderators' queue, their actions, suspensions, the guards that act when no
moderator is around, and the append-only log that records all of it.

One home for each rule here:
- `record_action`: every moderator action and every automatic one writes one
  log line (other parts of 4C call it too: e.g. "held for review").
- `note_report` (called by `services.report`) and `queue_crisis_item`: what
  enters the queue, at which priority; the 3-reports auto-hide and the
  "5 reported items in 24 hours" pause.
- `dismiss`, `hide`, `restore`, `suspend`, `lift_suspension`: what a moderator
  does. Each closes the target's queue item and settles its open reports in the
  same transaction, and writes the log. A repeat that changes nothing returns
  False and writes nothing.
- `User.is_suspended` is the suspension rule; `community.permissions` enforces it
  on every write view.

Nothing here reads or shows anything from prescriptions.
"""

from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from community import notifications, roles, services
from community.models import (
    REPORT_PRIORITY,
    SUSPENDED_FOREVER,
    SUSPENSION_DAYS,
    HiddenReason,
    ModerationAction,
    ModerationActionKind,
    ModeratorAlert,
    Notification,
    Post,
    QueueItem,
    QueuePriority,
    Reply,
    Report,
    ReportStatus,
    SuspensionLength,
    User,
)

REPORTED_ITEMS_TO_PAUSE = 5
REPORTED_ITEMS_WINDOW = timedelta(hours=24)
POSTING_PAUSED_WHY = "Posting paused: 5 of their posts or replies were reported in 24 hours"
POSTING_PAUSED_MESSAGE = (
    "Posting is paused on your account for a little while: a few of your recent words "
    "were reported, and a moderator will look soon. You can still read, and the help "
    "page is always there."
)
LADDER = list(SuspensionLength)  # 1 day, 1 week, 2 weeks, 1 month, permanently


# --- The log ------------------------------------------------------------------------


def record_action(
    *,
    action: str,
    moderator: User | None = None,
    post: Post | None = None,
    reply: Reply | None = None,
    member: User | None = None,
    note: str = "",
    suspension: str = "",
) -> ModerationAction:
    """Appends one line to the moderation log. `moderator=None` means 4C did it by
    itself (an automatic action). `member` defaults to the author of the post or reply:
    whose words or account the action concerns."""
    if member is None and (post or reply) is not None:
        member = (post or reply).author
    return ModerationAction.objects.create(
        action=action,
        moderator=moderator,
        is_automatic=moderator is None,
        post=post,
        reply=reply,
        member=member,
        note=note.strip(),
        suspension=suspension,
    )


def _target_of(content: Post | Reply | None = None, member: User | None = None) -> dict:
    if isinstance(content, Post):
        return {"post": content}
    if isinstance(content, Reply):
        return {"reply": content}
    if member is not None:
        return {"member": member}
    raise ValueError("A post, a reply or a member.")


# --- The queue ------------------------------------------------------------------------


def _open_item(*, author: User, priority: int, **target) -> QueueItem:
    """The target's open queue item, made if there is none, at `priority` or higher.
    Locked, so two reports at once land on one row."""
    item, _created = QueueItem.objects.select_for_update().get_or_create(
        closed_at__isnull=True,
        **target,
        defaults={"author": author, "priority": priority, "opened_at": timezone.now()},
    )
    if priority < item.priority:
        item.priority = priority
        item.save(update_fields=["priority"])
    return item


def _close_items(*, moderator: User, **target) -> int:
    """Closes the target's open queue item. Reviewing a member's item also ends the
    posting pause: the moderator has looked."""
    items = QueueItem.objects.open().filter(**target)
    closed = items.update(closed_at=timezone.now(), closed_by=moderator)
    if "member" in target and target["member"].posting_paused_at is not None:
        User.objects.filter(pk=target["member"].pk).update(posting_paused_at=None)
        target["member"].posting_paused_at = None
    return closed


def _settle_reports(*, moderator: User, status: str, **target) -> int:
    return Report.objects.filter(status=ReportStatus.OPEN, **target).update(
        status=status, reviewed_at=timezone.now(), reviewed_by=moderator
    )


def note_report(*, report: Report, content: Post | Reply | None) -> None:
    """What a new report sets going (inside `services.report`'s transaction, with the
    reported row locked): the target's queue item, its priority and count; three
    distinct open reports hide the content until reviewed; five of one member's
    items reported within 24 hours pause their posting until a moderator looks."""
    target = _target_of(content, report.member)
    author = content.author if content is not None else report.member
    item = _open_item(author=author, priority=REPORT_PRIORITY[report.reason], **target)
    reporters = (
        Report.objects.filter(status=ReportStatus.OPEN, **target)
        .values("reporter")
        .distinct()
        .count()
    )
    QueueItem.objects.filter(pk=item.pk).update(report_count=reporters)
    if content is None:
        return
    if reporters >= services.REPORTS_TO_HIDE and services.hide_automatically(
        content, HiddenReason.REPORTS
    ):
        record_action(
            action=ModerationActionKind.AUTO_HIDE,
            note=f"{reporters} members reported it.",
            **target,
        )
        _tell_author(content, notifications.CONTENT_HIDDEN)
    _pause_posting_if_flooded(author)


def _pause_posting_if_flooded(author: User) -> None:
    if author.posting_paused_at is not None:
        return
    since = timezone.now() - REPORTED_ITEMS_WINDOW
    recent = Report.objects.filter(status=ReportStatus.OPEN, created_at__gte=since)
    posts = recent.filter(post__author=author).values("post").distinct().count()
    replies = recent.filter(reply__author=author).values("reply").distinct().count()
    if posts + replies < REPORTED_ITEMS_TO_PAUSE:
        return
    now = timezone.now()
    User.objects.filter(pk=author.pk).update(posting_paused_at=now)
    author.posting_paused_at = now
    item = _open_item(author=author, priority=QueuePriority.HARASSMENT, member=author)
    QueueItem.objects.filter(pk=item.pk).update(why=POSTING_PAUSED_WHY)
    record_action(
        action=ModerationActionKind.POSTING_PAUSED,
        member=author,
        note=f"{posts + replies} of their posts and replies were reported in 24 hours.",
    )


@transaction.atomic
def queue_crisis_item(*, post: Post | None = None, reply: Reply | None = None) -> bool:
    """Puts a post or reply written in crisis words at the top of the queue (crisis
    priority) and logs it as automatic. False when it is there already."""
    if (post is None) == (reply is None):
        raise ValueError("Exactly one post or reply.")
    content = post or reply
    target = _target_of(content)
    item = _open_item(author=content.author, priority=QueuePriority.CRISIS, **target)
    if item.is_crisis:
        return False
    QueueItem.objects.filter(pk=item.pk).update(is_crisis=True, why="Crisis words")
    record_action(action=ModerationActionKind.CRISIS_QUEUED, **target)
    return True


def hold_first_post(*, post: Post) -> bool:
    """With "first posts reviewed" on (settings.FIRST_POSTS_REVIEWED, off by default), a
    new member's first post waits, hidden, in the queue until a moderator restores it
    (or hides it for good). False when it isn't their first, or the setting is off."""
    if not settings.FIRST_POSTS_REVIEWED:
        return False
    earlier = Post.objects.filter(author=post.author).exclude(pk=post.pk)
    if earlier.exists() or not services.hide_automatically(post, HiddenReason.FIRST_POST):
        return False
    item = _open_item(author=post.author, priority=QueuePriority.OTHER, post=post)
    QueueItem.objects.filter(pk=item.pk).update(why="A new member's first post")
    record_action(action=ModerationActionKind.FIRST_POST_HELD, post=post)
    return True


# --- Moderators' actions ---------------------------------------------------------------


def _lock(content: Post | Reply) -> None:
    """Locks the row and brings the caller's object up to date with it, so the
    caller's copy says what the action did (hidden or not) afterwards."""
    fresh = (
        type(content)
        .objects.select_for_update()
        .only("is_hidden", "hidden_reason", "removed_at")
        .get(pk=content.pk)
    )
    content.is_hidden, content.hidden_reason = fresh.is_hidden, fresh.hidden_reason
    content.removed_at = fresh.removed_at


def _tell_author(content: Post | Reply, kind: str, note: str = "") -> None:
    """A kind, private notification to the author (never naming who reported or acted)."""
    post = content if isinstance(content, Post) else content.post
    reply = content if isinstance(content, Reply) else None
    created = Notification.objects.create(
        recipient_id=content.author_id,
        kind=kind,
        post=post,
        reply=reply,
        data={"note": note} if note else {},
    )
    services._announce([created])


@transaction.atomic
def dismiss(
    *,
    moderator: User,
    note: str,
    post: Post | None = None,
    reply: Reply | None = None,
    member: User | None = None,
) -> bool:
    """Nothing to act on: the target's open reports are dismissed, content hidden only
    by reports comes back, and its queue item closes (for a member, their posting
    pause ends). False when there was nothing open."""
    content = post or reply
    target = _target_of(content, member)
    settled = _settle_reports(moderator=moderator, status=ReportStatus.DISMISSED, **target)
    closed = _close_items(moderator=moderator, **target)
    if content is not None:
        _lock(content)
        if content.hidden_reason == HiddenReason.REPORTS:
            services._restore(content)
    if not (settled or closed):
        return False
    record_action(action=ModerationActionKind.DISMISS, moderator=moderator, note=note, **target)
    return True


@transaction.atomic
def hide(*, content: Post | Reply, moderator: User, note: str, warn: bool = False) -> bool:
    """A moderator hides a post or reply: its reports are resolved, its queue item
    closes, and the author hears of it kindly; with `warn`, the note goes to the
    author as a warning. False when it was already hidden by a moderator with
    nothing open (a warning is always new)."""
    _lock(content)
    target = _target_of(content)
    changed = services._hide(content, HiddenReason.MODERATOR)
    if not changed and content.hidden_reason == HiddenReason.REPORTS:
        type(content).objects.filter(pk=content.pk).update(hidden_reason=HiddenReason.MODERATOR)
        content.hidden_reason = HiddenReason.MODERATOR
        changed = True
    settled = _settle_reports(moderator=moderator, status=ReportStatus.RESOLVED, **target)
    closed = _close_items(moderator=moderator, **target)
    if not (changed or settled or closed or warn):
        return False
    if warn:
        _tell_author(content, notifications.MODERATION_WARNING, note)
    elif changed:
        _tell_author(content, notifications.CONTENT_HIDDEN)
    action = ModerationActionKind.WARN if warn else ModerationActionKind.HIDE
    record_action(action=action, moderator=moderator, note=note, **target)
    return True


def hide_and_warn(*, content: Post | Reply, moderator: User, note: str) -> bool:
    """`hide` with a warning: the author reads the note in a kind notification."""
    return hide(content=content, moderator=moderator, note=note, warn=True)


@transaction.atomic
def restore(*, content: Post | Reply, moderator: User, note: str) -> bool:
    """Brings hidden content back; its open reports are dismissed and its queue item
    closes. False when it was not hidden and nothing was open."""
    _lock(content)
    target = _target_of(content)
    restored = services._restore(content)
    settled = _settle_reports(moderator=moderator, status=ReportStatus.DISMISSED, **target)
    closed = _close_items(moderator=moderator, **target)
    if not (restored or settled or closed):
        return False
    record_action(action=ModerationActionKind.RESTORE, moderator=moderator, note=note, **target)
    return True


def suspension_end(length: str, start):
    if length == SuspensionLength.PERMANENT:
        return SUSPENDED_FOREVER
    return start + timedelta(days=SUSPENSION_DAYS[SuspensionLength(length)])


@transaction.atomic
def suspend(
    *,
    member: User,
    moderator: User,
    length: str,
    note: str,
    post: Post | None = None,
    reply: Reply | None = None,
) -> bool:
    """Suspends a member for `length` (from now; a new suspension replaces a running
    one). They can still read, report, block and use the help page; they are told
    why (the note) and until when whenever they try to write. The member's queue
    item closes and their reports are resolved; so are those of `post`/`reply`,
    when the suspension comes from it. Always a new sanction: returns True."""
    if member.pk == moderator.pk:
        raise services.NotAllowed("You can't suspend yourself.")
    member = User.objects.select_for_update().get(pk=member.pk)
    member.suspended_until = suspension_end(length, timezone.now())
    member.suspension_note = note.strip()
    member.save(update_fields=["suspended_until", "suspension_note"])
    _settle_reports(moderator=moderator, status=ReportStatus.RESOLVED, member=member)
    _close_items(moderator=moderator, member=member)
    content = post or reply
    if content is not None:
        _settle_reports(moderator=moderator, status=ReportStatus.RESOLVED, **_target_of(content))
        _close_items(moderator=moderator, **_target_of(content))
    record_action(
        action=ModerationActionKind.SUSPEND,
        moderator=moderator,
        member=member,
        post=post,
        reply=reply,
        note=note,
        suspension=length,
    )
    return True


@transaction.atomic
def lift_suspension(*, member: User, moderator: User, note: str) -> bool:
    """Ends a member's suspension now. False when they were not suspended."""
    updated = User.objects.filter(pk=member.pk, suspended_until__gt=timezone.now()).update(
        suspended_until=None, suspension_note=""
    )
    if not updated:
        return False
    member.suspended_until, member.suspension_note = None, ""
    record_action(action=ModerationActionKind.LIFT, moderator=moderator, member=member, note=note)
    return True


# --- The ladder -------------------------------------------------------------------------


def earlier_sanctions(member: User) -> list[ModerationAction]:
    """The member's warnings and suspensions, oldest first: what a moderator sees
    beside "suspend"."""
    return list(
        ModerationAction.objects.filter(
            member=member,
            action__in=[ModerationActionKind.WARN, ModerationActionKind.SUSPEND],
        )
        .select_related("moderator")
        .order_by("created_at", "id")
    )


def suggested_length(sanctions: list[ModerationAction]) -> str:
    """The next step of the ladder: one step beyond the longest earlier suspension;
    1 day for a first one."""
    steps = [LADDER.index(SuspensionLength(s.suspension)) for s in sanctions if s.suspension]
    if not steps:
        return SuspensionLength.DAY
    return LADDER[min(max(steps) + 1, len(LADDER) - 1)]


def posting_refusal(author: User) -> str:
    """Why this member may not post or reply now ("" when they may): the pause after
    5 reported items in 24 hours, until a moderator looks."""
    return POSTING_PAUSED_MESSAGE if author.posting_paused_at is not None else ""


# --- When no moderator is around --------------------------------------------------------

ALERT_EVERY = timedelta(minutes=15)
ALERTED = (
    ModerationActionKind.CRISIS_QUEUED,
    ModerationActionKind.AUTO_HIDE,
    ModerationActionKind.HELD,
)


def alert_moderators(*, now=None) -> int:
    """Emails every active moderator with a confirmed address when crisis items,
    auto-hides or held words came in since the last alert: at most once every 15
    minutes, with counts and a link to the queue, never anyone's words. Returns how many
    emails went. Beat ticks it every five minutes; a repeat in the same slot sends
    nothing (ModeratorAlert's unique slot)."""
    from allauth.account.models import EmailAddress

    from fourc.lib import emails

    now = now or timezone.now()
    last = ModeratorAlert.objects.order_by("-sent_at").first()
    if last is not None and now - last.sent_at < ALERT_EVERY:
        return 0
    since = last.sent_at if last is not None else now - ALERT_EVERY
    new = ModerationAction.objects.filter(
        action__in=ALERTED, created_at__gt=since, created_at__lte=now
    )
    counts = Counter(new.values_list("action", flat=True))
    if not counts:
        return 0
    slot = now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)
    with transaction.atomic():
        alert, created = ModeratorAlert.objects.get_or_create(
            slot=slot, defaults={"sent_at": now, "counts": dict(counts)}
        )
    if not created:
        return 0
    addresses = EmailAddress.objects.filter(
        user__groups__name=roles.MODERATORS,
        user__is_active=True,
        user__deletion_due_at__isnull=True,  # a moderator leaving 4C hears nothing more
        verified=True,
        primary=True,
    ).select_related("user")
    context = {
        "crisis": counts[ModerationActionKind.CRISIS_QUEUED],
        "auto_hidden": counts[ModerationActionKind.AUTO_HIDE],
        "held": counts[ModerationActionKind.HELD],
        "since": since,
        "why": "you're one of 4C's moderators, and nobody may have looked yet.",
        "queue_url": f"{settings.SITE_URL}{reverse('admin:community_queueitem_changelist')}",
    }
    messages = [
        emails.message(
            emails.render(
                "moderators/alert", {**context, "member": address.user}, zone=address.user.tzinfo
            ),
            to=address.email,
            message_id=f"<moderators-{alert.pk}-{address.user_id}@{settings.NUDGE_MESSAGE_ID_DOMAIN}>",
        )
        for address in addresses
    ]
    if messages:
        emails.mailer().send_messages(messages)
    return len(messages)
