"""Listens to what happens in the community and completes open prescriptions.

Receivers run inside the community service's transaction and only call services.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from community import signals
from community.models import RSVP, Gathering, Post, Space, User
from prescriptions import services, targets
from prescriptions.nudges import services as nudges


@receiver(signals.reply_posted, dispatch_uid="prescriptions.reply_posted")
def on_reply_posted(sender, *, reply, post, author, **kwargs):
    services.complete_on_reply(reply=reply, post=post)


@receiver(signals.reaction_added, dispatch_uid="prescriptions.reaction_added")
def on_reaction_added(sender, *, reaction, member, post, reply, **kwargs):
    services.complete_on_reaction(member=member, post=post, reply=reply)


@receiver(signals.post_created, dispatch_uid="prescriptions.post_created")
def on_post_created(sender, *, post, author, **kwargs):
    services.complete_on_post(post=post)


@receiver(signals.gathering_attended, dispatch_uid="prescriptions.gathering_attended")
def on_gathering_attended(sender, *, rsvp, gathering, member, **kwargs):
    services.complete_on_attendance(member=member, gathering=gathering)


# --- Keeping the cached targets true (prescriptions/targets.py) -----------------------
# Anything that would make a cached target wrong (hidden, removed, locked, answered,
# deleted, cancelled, full, in an archived space) forgets it at once. New posts and
# gatherings simply join within the minute.


@receiver(signals.post_changed, dispatch_uid="prescriptions.targets.post_changed")
@receiver(post_delete, sender=Post, dispatch_uid="prescriptions.targets.post_deleted")
def forget_waiting_posts(sender, **kwargs):
    # A post removed or hidden may also have been its author's calmer words: who is in
    # crisis now is counted again too (two small queries).
    targets.forget(targets.WAITING, targets.IN_CRISIS)


@receiver(signals.reply_changed, dispatch_uid="prescriptions.targets.reply_changed")
def forget_who_is_in_crisis(sender, **kwargs):
    # A reply removed or hidden may have been its author's calmer words.
    targets.forget(targets.IN_CRISIS)


@receiver(signals.reply_posted, dispatch_uid="prescriptions.targets.reply_posted")
def forget_an_answered_post(sender, *, reply, post, **kwargs):
    # `post` is as it was before this reply: was anyone waiting for it?
    if post.first_reply_at is None and reply.author_id != post.author_id:
        targets.forget(targets.WAITING)


@receiver(signals.crisis_words, dispatch_uid="prescriptions.targets.crisis_words")
def forget_for_words_in_crisis(sender, *, content, **kwargs):
    # Their author is in crisis now: everything they wrote leaves everyone's steps at once
    # (the pools are read against IN_CRISIS). A post edited into crisis words leaves the
    # waiting pool too; so may anything when words were matched again (content None).
    if content is None:
        check_ins = services.rematch_latest_check_ins(since=kwargs.get("check_ins_since"))
        if check_ins or kwargs.get("changed", 1):
            targets.forget(targets.IN_CRISIS, targets.WAITING)
    elif isinstance(content, Post) and content.edited_at is not None:
        targets.forget(targets.IN_CRISIS, targets.WAITING)
    else:
        targets.forget(targets.IN_CRISIS)


@receiver(post_save, sender=Gathering, dispatch_uid="prescriptions.targets.gathering_saved")
@receiver(post_delete, sender=Gathering, dispatch_uid="prescriptions.targets.gathering_deleted")
@receiver(post_save, sender=RSVP, dispatch_uid="prescriptions.targets.rsvp_saved")
@receiver(post_delete, sender=RSVP, dispatch_uid="prescriptions.targets.rsvp_deleted")
def forget_gatherings(sender, **kwargs):
    targets.forget(targets.GATHERINGS)


@receiver(post_save, sender=Space, dispatch_uid="prescriptions.targets.space_saved")
def forget_everything_in_a_space(sender, **kwargs):
    targets.forget(targets.WAITING, targets.GATHERINGS)


# --- Nudges: keeping the due instants true (prescriptions/nudges/) ---------------------


@receiver(post_save, sender=User, dispatch_uid="prescriptions.nudges.member_saved")
def member_saved(sender, *, instance, created, update_fields=None, **kwargs):
    if created:
        nudges.preferences_for(instance)  # the defaults, so the dispatcher sees them
    elif update_fields is not None and "time_zone" in update_fields:
        nudges.time_zone_changed(member=instance)


@receiver(signals.notified, dispatch_uid="prescriptions.nudges.notified")
def digest_due(sender, *, recipient_ids, **kwargs):
    nudges.notifications_arrived(member_ids=recipient_ids)


# --- A member deleting their account (community.deletion) -----------------------------


@receiver(signals.member_erasing, dispatch_uid="prescriptions.member_erasing")
def erase_health_data(sender, *, member, **kwargs):
    services.erase_health_data(member=member)


@receiver(signals.member_stayed, dispatch_uid="prescriptions.member_stayed")
def email_defaults_again(sender, *, member, **kwargs):
    nudges.preferences_for(member)  # erased with the rest; the dispatcher needs a row


@receiver(signals.member_erased, dispatch_uid="prescriptions.member_erased")
def forget_link_worker(sender, *, member, **kwargs):
    services.forget_link_worker(member=member)
