"""Deleting an account: the request, the confirmation, the seven days' wait, the erasure.

1. `request_deletion`: the member asks on /settings/delete-account/ with their password,
   choosing what happens to their posts and replies (`DeletionMode`). Nothing changes
   yet: an email brings a signed link that works for 24 hours (`confirmation_link`).
2. `confirm`, from that link, while signed in as that member: their health data is
   erased at once (`signals.member_erasing`: prescriptions erases what it keeps), every
   session of theirs ends (`community.sessions`: each session row knows its member), and
   the account is paused until `due_at`, seven days on. An email says when, and how to
   undo.
3. While paused, a member who signs in sees only the page that says when, with "Keep
   my account" (`answer_while_pending`, asked by fourc's middleware for every view;
   `keep_account` undoes). Their words stay where they are until then.
4. `erase_due` (beat, every 15 minutes; `manage.py erase_due_accounts`) erases each
   account whose day has come (`erase`), one transaction each, in a bounded number of
   queries whatever the member wrote. The member's row stays, as the author of what is
   kept, emptied of everything that named them: the name "A former member", a random
   handle and address, no password, inactive, no roles. Their posts and replies are
   deleted (a post others replied in stays as "Removed by the author", so their replies
   still make sense) or kept under that name. Everything else of theirs goes: follows,
   reads, drafts, notifications, blocks they made, muted words, guidelines agreements,
   calendar link, places at gatherings (upcoming ones they host are cancelled, and
   everyone told), addresses, two-factor keys, sessions. Moderation records stay
   without their name: the log, the queue, reports about them and by them.

The old handle is free at once. Nothing keeps it, because keeping it (even to reserve
it) would keep the name the member asked us to erase; instead, every link to it goes:
mentions in others' words become "a former member" and stop linking, so someone who
takes the handle later inherits nothing.
"""

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from email.utils import make_msgid

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import SearchVector
from django.core import signing
from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django_htmx.http import HttpResponseClientRedirect

from community import roles, services, sessions, signals, text
from community.models import (
    FORMER_MEMBER_NAME,
    RSVP,
    AccountDeletion,
    Block,
    CalendarToken,
    CrisisPhrase,
    DeletionMode,
    Draft,
    Gathering,
    GatheringStatus,
    GuidelinesAcceptance,
    HiddenSpace,
    Mention,
    ModerationAction,
    MutedWord,
    Notification,
    Post,
    PostFollow,
    QueueItem,
    Reaction,
    Reply,
    Report,
    RSVPStatus,
    SpaceFollow,
    SpaceRead,
    User,
)
from fourc.lib import emails

logger = logging.getLogger(__name__)

GRACE = timedelta(days=7)
LINK_HOURS = 24
LINK_MAX_AGE = timedelta(hours=LINK_HOURS)
LINK_SALT = "community.account-deletion"
# What a deleted post that others replied in keeps (a title can't be empty).
REMOVED_TITLE = "A removed post"
# Where a member whose account is paused may still go: the page that says when, the
# help page and the guidelines (for everyone), their data, and signing out.
OPEN_WHILE_PENDING = frozenset(
    {
        "community:account-deletion-scheduled",
        "community:help",
        "community:guidelines",
        "community:your-data",
        "account_logout",
        "healthz",
    }
)


class BadLink(Exception):
    """A confirmation link that was changed, is too old, or whose request is gone."""


class NotYourLink(Exception):
    """A good link, for another member than the one signed in."""


class AlreadyKept(services.CommunityError):
    """The member kept their account after this link was sent."""


# --- Asking, confirming, keeping --------------------------------------------------------


@transaction.atomic
def request_deletion(*, member: User, mode: str, now=None) -> AccountDeletion:
    """Records the member's wish (their password was checked by the form) and emails
    the link that confirms it. Nothing else changes. Asking again replaces the choice
    and sends a new link; the earlier one confirms the latest choice (its page says it)."""
    if mode not in DeletionMode.values:
        raise ValueError(f"Unknown deletion mode: {mode!r}")
    now = now or timezone.now()
    User.objects.select_for_update().filter(pk=member.pk).get()  # one request at a time
    deletion = AccountDeletion.objects.open().filter(member=member).first()
    if deletion is not None and deletion.is_pending:
        return deletion  # confirmed already: the paused account's page says what's next
    if deletion is None:
        deletion = AccountDeletion.objects.create(member=member, mode=mode, requested_at=now)
    else:
        deletion.mode, deletion.requested_at = mode, now
        deletion.save(update_fields=["mode", "requested_at"])
    context = {
        "deletion": deletion,
        "link": confirmation_link(deletion),
        "hours": LINK_HOURS,
        "why": "someone signed in to your 4C account asked to delete it.",
    }
    transaction.on_commit(lambda: _send(member, "account/deletion_confirm", context))
    return deletion


def confirmation_token(deletion: AccountDeletion) -> str:
    """Signed, for one request of one member; `read_link` checks it and its age."""
    return signing.dumps({"d": deletion.pk, "m": deletion.member_id}, salt=LINK_SALT)


def confirmation_link(deletion: AccountDeletion) -> str:
    path = reverse("community:account-delete-confirm", args=[confirmation_token(deletion)])
    return f"{settings.SITE_URL}{path}"


def read_link(token: str, *, member: User) -> AccountDeletion:
    """The request a confirmation link is for. BadLink when it was changed, is older
    than a day or its request is gone; NotYourLink when it is another member's: a link
    only works for the member who asked, signed in."""
    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=LINK_MAX_AGE)
        deletion_id, member_id = int(data["d"]), int(data["m"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise BadLink from None
    if member_id != member.pk:
        raise NotYourLink
    deletion = AccountDeletion.objects.filter(pk=deletion_id, member=member).first()
    if deletion is None or deletion.done_at is not None:
        raise BadLink
    return deletion


@transaction.atomic
def confirm(*, deletion: AccountDeletion, now=None) -> bool:
    """Confirms the request: the member's health data is erased now (prescriptions hears
    `member_erasing`), and which spaces they read; every session of theirs ends; the
    account waits seven days (`due_at`), paused, and an email says when and how to undo.
    A repeat (a double tap, a second tab) changes nothing and returns False; a link from
    before the member kept their account raises AlreadyKept."""
    now = now or timezone.now()
    deletion = AccountDeletion.objects.select_for_update().get(pk=deletion.pk)
    if deletion.undone_at is not None:
        raise AlreadyKept(
            "You chose to keep your account after this link was sent, so it no longer works."
        )
    if deletion.confirmed_at is not None:
        return False
    member = deletion.member
    deletion.confirmed_at, deletion.due_at = now, now + GRACE
    deletion.save(update_fields=["confirmed_at", "due_at"])
    member.deletion_due_at = deletion.due_at
    member.save(update_fields=["deletion_due_at"])
    sessions.end_sessions(member_id=member.pk)
    SpaceRead.objects.filter(member=member).delete()  # kept only to choose their steps
    signals.member_erasing.send(sender=User, member=member)
    context = {
        "deletion": deletion,
        "keep_url": _keep_url(),
        "why": "you confirmed deleting your 4C account.",
    }
    transaction.on_commit(lambda: _send(member, "account/deletion_scheduled", context))
    return True


@transaction.atomic
def keep_account(*, member: User, now=None) -> bool:
    """Undoes a confirmed deletion during the wait: the account is as it was, except what
    was erased at once (health data, email choices: prescriptions hears `member_stayed`
    and sets the email defaults again). False when nothing was waiting (a repeat)."""
    deletion = AccountDeletion.objects.pending().select_for_update().filter(member=member).first()
    if deletion is None:
        return False
    deletion.undone_at = now or timezone.now()
    deletion.save(update_fields=["undone_at"])
    member.deletion_due_at = None
    member.save(update_fields=["deletion_due_at"])
    signals.member_stayed.send(sender=User, member=member)
    return True


def answer_while_pending(request):
    """None, unless the signed-in member's account is waiting to be deleted and this
    view isn't one they may still use: then the way to the page that says when (for
    htmx, the whole page goes there). Reads only the member's own row."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.deletion_due_at is None:
        return None
    match = getattr(request, "resolver_match", None)
    if match is not None and match.view_name in OPEN_WHILE_PENDING:
        return None
    to = reverse("community:account-deletion-scheduled")
    if getattr(request, "htmx", None):
        return HttpResponseClientRedirect(to)
    return redirect(to)


# --- Erasing, after the wait ----------------------------------------------------------------


def erase_due(*, now=None, limit: int = 50) -> int:
    """Erases up to `limit` accounts whose day has come, oldest first, each in its own
    transaction; returns how many. Safe to run anywhere at once and again: each row is
    taken with SKIP LOCKED and marked done in its transaction, so two workers never
    erase one account and a repeat finds nothing. One that fails is logged and tried
    again at the next run; the others go on."""
    now = now or timezone.now()
    due = AccountDeletion.objects.due(now).order_by("due_at", "pk")
    erased = 0
    for deletion_id in list(due.values_list("pk", flat=True)[:limit]):
        try:
            erased += erase(deletion_id=deletion_id, now=now)
        except Exception:
            logger.exception(
                "Could not erase account deletion %s; trying again later.", deletion_id
            )
    return erased


@transaction.atomic
def erase(*, deletion_id: int, now=None) -> bool:
    """Erases one account whose day has come (see the module's docstring for what goes
    and what stays). False when it isn't due, was undone or done, or another worker
    holds it: nothing changes."""
    now = now or timezone.now()
    deletion = (
        AccountDeletion.objects.due(now)
        .select_for_update(skip_locked=True)
        .filter(pk=deletion_id)
        .select_related("member")
        .first()
    )
    if deletion is None:
        return False
    member = deletion.member
    names = _Names.of(member)
    # Whose inbox may change: news they sent, news about their words, and those they
    # blocked. Their unread counts are recounted once it's done.
    told = Notification.objects.filter(
        Q(actor=member) | Q(post__author=member) | Q(reply__author=member)
    ).exclude(recipient=member)
    inboxes = {*told.values_list("recipient", flat=True).distinct()}
    inboxes |= {*Block.objects.filter(blocker=member).values_list("blocked", flat=True)}
    signals.member_erasing.send(sender=User, member=member)  # anything new since confirming
    if deletion.mode == DeletionMode.DELETE:
        _delete_words(member, now)
    _leave_gatherings(member, now)
    _unname_in_others_words(member, names)
    _delete_what_was_theirs(member)
    _forget_who_acted(member)
    _unname_in_moderation(member, names)
    _close_account(member)
    services.recount_unread(inboxes)
    signals.member_erased.send(sender=User, member=member)
    deletion.done_at = now
    deletion.save(update_fields=["done_at"])
    return True


@dataclass(frozen=True)
class _Names:
    """What named the member, and how to take it out of text."""

    email: str
    handle: str
    display_name: str

    @classmethod
    def of(cls, member: User) -> "_Names":
        return cls(member.email, member.handle, member.display_name)

    def mention_re(self) -> re.Pattern:
        return re.compile(rf"(?<![\w@/])@{re.escape(self.handle)}(?!\w)", re.IGNORECASE)

    def without_mentions(self, words: str) -> str:
        """Others' words: "@handle" becomes "a former member", which links nowhere."""
        return self.mention_re().sub(FORMER_MEMBER_NAME.lower(), words)

    def without_identifiers(self, words: str) -> str:
        """The address and the handle (with or without @), wherever they are."""
        words = re.sub(re.escape(self.email), FORMER_MEMBER_NAME.lower(), words, flags=re.I)
        handle = rf"(?<!\w)@?{re.escape(self.handle)}(?!\w)"  # in a link to their page too
        return re.sub(handle, FORMER_MEMBER_NAME.lower(), words, flags=re.IGNORECASE)

    def without_name(self, words: str) -> str:
        """Words about this member: their name too, as it is written."""
        words = self.without_identifiers(words)
        name = rf"(?<!\w){re.escape(self.display_name)}(?!\w)"
        return re.sub(name, FORMER_MEMBER_NAME.lower(), words)


def _delete_words(member: User, now) -> None:
    """Their posts and replies go, with what hangs on them (reactions, mentions,
    notifications, follows, reports, queue items); their reactions and what they
    sent others too. A post others replied in stays as "Removed by the author", with
    nothing of theirs in it, so the replies still make sense. Counters move in one
    UPDATE. Queries don't grow with how much they wrote."""
    mine = Post.objects.filter(author=member)
    others_replied = Reply.objects.filter(post=OuterRef("pk")).exclude(author=member)
    kept_for_replies = list(mine.filter(Exists(others_replied)).values_list("pk", flat=True))
    their_replies = Reply.objects.filter(author=member)
    recount = set(their_replies.values_list("post_id", flat=True)) - set(
        mine.exclude(pk__in=kept_for_replies).values_list("pk", flat=True)
    )
    theirs = Reaction.objects.filter(member=member)
    targets = list(theirs.values_list("post_id", "reply_id"))  # one of each row is None
    theirs.delete()
    Notification.objects.filter(actor=member).delete()
    their_replies.delete()
    mine.exclude(pk__in=kept_for_replies).delete()
    Reaction.objects.filter(post_id__in=kept_for_replies).delete()
    Mention.objects.filter(post_id__in=kept_for_replies).delete()
    Notification.objects.filter(post_id__in=kept_for_replies, reply__isnull=True).delete()
    Post.objects.filter(pk__in=kept_for_replies).update(
        title=REMOVED_TITLE,
        body="",
        body_html="",
        content_warning="",
        is_pinned=False,
        edited_at=None,
        removed_at=Coalesce(F("removed_at"), Value(now)),
        search_vector=None,
    )
    _recount(recount)
    services.recount_reactions(
        posts=[post for post, _ in targets if post] + kept_for_replies,
        replies=[reply for _, reply in targets if reply],
    )
    for post in Post.objects.filter(pk__in=kept_for_replies).only("pk"):
        signals.post_changed.send(sender=Post, post=post)


def _recount(post_ids) -> None:
    """Each post's reply count, first reply by someone else and last activity, from the
    replies that count (published): what services keeps one reply at a time."""
    if not post_ids:
        return
    published = Reply.objects.published().filter(post=OuterRef("pk")).order_by()
    Post.objects.filter(pk__in=post_ids).update(
        reply_count=Coalesce(
            Subquery(published.values("post").annotate(n=Count("pk")).values("n")), 0
        ),
        first_reply_at=Subquery(
            published.exclude(author_id=OuterRef("author_id"))
            .order_by("created_at")
            .values("created_at")[:1]
        ),
        last_activity_at=Coalesce(
            Subquery(published.order_by("-created_at").values("created_at")[:1]),
            F("created_at"),
        ),
    )


def _leave_gatherings(member: User, now) -> None:
    """Gatherings they would host are cancelled (everyone with a place is told) and
    their places at gatherings to come are given up (the waiting list moves on), through
    the services that do it by hand: one per gathering, and there are few. Past
    gatherings stay, hosted by a former member."""
    to_come = Gathering.objects.filter(status=GatheringStatus.SCHEDULED, starts_at__gt=now)
    for gathering in to_come.filter(host=member):
        services.cancel_gathering(gathering=gathering, by=member)
    places = RSVP.objects.filter(member=member, status__in=[RSVPStatus.GOING, RSVPStatus.WAITING])
    for gathering in to_come.filter(pk__in=places.values("gathering")):
        services.cancel_rsvp(gathering=gathering, member=member)


def _unname_in_others_words(member: User, names: _Names) -> None:
    """Others' posts and replies that mention them (`Mention`): "@handle" becomes "a
    former member" and no longer links, rendered and searchable again. A constant number
    of queries."""
    mentions = Mention.objects.filter(member=member)
    posts = list(Post.objects.filter(pk__in=mentions.values("post")).only("pk", "title", "body"))
    replies = list(Reply.objects.filter(pk__in=mentions.values("reply")).only("pk", "body"))
    mentions.delete()
    if not posts and not replies:
        return
    for content in [*posts, *replies]:
        content.body = names.without_mentions(content.body)
    for post in posts:
        post.title = names.without_mentions(post.title)
    candidates = set().union(*(text.candidate_handles(c.body) for c in [*posts, *replies]))
    known = set(
        User.objects.filter(handle__in=candidates, is_active=True)
        .exclude(pk=member.pk)
        .values_list("handle", flat=True)
    )
    for content in [*posts, *replies]:
        content.body_html = text.render_markdown(content.body, known_handles=known)
    Post.objects.bulk_update(posts, ["title", "body", "body_html"])
    Reply.objects.bulk_update(replies, ["body", "body_html"])
    if connection.vendor == "postgresql":
        Post.objects.filter(pk__in=[p.pk for p in posts]).update(
            search_vector=SearchVector("title", weight="A", config="english")
            + SearchVector("body", weight="B", config="english")
        )
        Reply.objects.filter(pk__in=[r.pk for r in replies]).update(
            search_vector=SearchVector("body", weight="B", config="english")
        )


def _delete_what_was_theirs(member: User) -> None:
    """Rows that are only theirs. Blocks others made against them stay: those members
    keep the protection they chose, and the row names nobody."""
    for model, field in (
        (SpaceFollow, "member"),
        (SpaceRead, "member"),
        (PostFollow, "member"),
        (Notification, "recipient"),
        (Block, "blocker"),
        (Draft, "member"),
        (CalendarToken, "member"),
        (GuidelinesAcceptance, "member"),
        (MutedWord, "member"),
        (HiddenSpace, "member"),
        (RSVP, "member"),
    ):
        model.objects.filter(**{field: member}).delete()


def _forget_who_acted(member: User) -> None:
    """Where they acted for others (as a moderator, a host), the record stays and says
    "a former moderator" or nobody, as when such a link is cleared."""
    # The log refuses changes through its own manager; clearing who acted is what Django
    # itself does on its base manager when a member goes.
    ModerationAction._base_manager.filter(moderator=member).update(moderator=None)
    QueueItem.objects.filter(closed_by=member).update(closed_by=None)
    Report.objects.filter(reviewed_by=member).update(reviewed_by=None)
    RSVP.objects.filter(attendance_marked_by=member).update(attendance_marked_by=None)
    CrisisPhrase.objects.filter(created_by=member).update(created_by=None)


def _unname_in_moderation(member: User, names: _Names) -> None:
    """The moderators' records stay, without naming them: log notes and report details
    about them or by them lose their name, handle and address; any other note or report
    that spells out their handle or address loses those. A constant number of queries."""
    log = ModerationAction._base_manager
    about = Q(member=member)
    spelled = Q(note__icontains=names.handle) | Q(note__icontains=names.email)
    entries = list(log.filter(about | spelled).only("pk", "note", "member"))
    for entry in entries:
        scrub = names.without_name if entry.member_id == member.pk else names.without_identifiers
        entry.note = scrub(entry.note)
    log.bulk_update(entries, ["note"])
    about = Q(member=member) | Q(reporter=member)
    spelled = Q(details__icontains=names.handle) | Q(details__icontains=names.email)
    reports = list(
        Report.objects.filter(about | spelled).only("pk", "details", "member", "reporter")
    )
    for report in reports:
        mine = report.member_id == member.pk or report.reporter_id == member.pk
        report.details = (names.without_name if mine else names.without_identifiers)(
            report.details
        )
    Report.objects.bulk_update(reports, ["details"])
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(member.pk)
    ).update(object_repr=FORMER_MEMBER_NAME)


def _close_account(member: User) -> None:
    """The row becomes a former member: no address, name, handle, profile, password,
    roles or keys; inactive, so it signs nobody in and its page is gone."""
    EmailAddress.objects.filter(user=member).delete()
    Authenticator.objects.filter(user=member).delete()
    member.groups.clear()
    roles.forget(member)
    member.user_permissions.clear()
    handle = f"former_{secrets.token_hex(8)}"
    User.objects.filter(pk=member.pk).update(
        email=f"{handle}@former.invalid",
        display_name=FORMER_MEMBER_NAME,
        handle=handle,
        pronouns="",
        bio="",
        time_zone="UTC",
        password=make_password(None),
        is_active=False,
        is_staff=False,
        is_superuser=False,
        last_login=None,
        suspended_until=None,
        suspension_note="",
        posting_paused_at=None,
        deletion_due_at=None,
        unread_notifications=0,
    )
    sessions.end_sessions(member_id=member.pk)  # those signed in during the wait
    member.refresh_from_db()


# --- Emails -------------------------------------------------------------------------------


def _keep_url() -> str:
    after = reverse("community:account-deletion-scheduled")
    return f"{settings.SITE_URL}{reverse('account_login')}?{urlencode({'next': after})}"


def _send(member: User, name: str, context: dict) -> None:
    context = {
        **context,
        "member": member,
        "help_url": f"{settings.SITE_URL}{reverse('community:help')}",
        "grace_days": GRACE.days,
    }
    message = emails.message(
        emails.render(name, context, zone=member.tzinfo),
        to=member.email,
        message_id=make_msgid("account", domain=settings.NUDGE_MESSAGE_ID_DOMAIN),
    )
    emails.mailer().send_messages([message])
