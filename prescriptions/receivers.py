"""Listens to what happens in the community and completes open prescriptions.

Receivers run inside the community service's transaction and only call services
(or, at the end, forget cached targets).
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from community import signals
from community.models import RSVP, Gathering, Space
from prescriptions import selectors, services


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


# --- Keeping the engine's cached targets true ----------------------------------------
# The community-wide targets are cached for a minute (selectors.WAITING_POOL_KEY);
# anything that would make one wrong (hidden, removed, locked, answered, cancelled,
# full, archived) forgets them at once. A new post or gathering joins within a minute
# anyway, and sooner here.


@receiver(signals.post_created, dispatch_uid="prescriptions.pool.post_created")
@receiver(signals.post_changed, dispatch_uid="prescriptions.pool.post_changed")
def forget_waiting_posts(sender, *, post, **kwargs):
    selectors.forget_waiting_pool()


@receiver(signals.reply_posted, dispatch_uid="prescriptions.pool.reply_posted")
def forget_an_answered_post(sender, *, post, **kwargs):
    if selectors.is_in_waiting_pool(post.pk):
        selectors.forget_waiting_pool()


@receiver(post_save, sender=Gathering, dispatch_uid="prescriptions.pool.gathering_saved")
@receiver(post_save, sender=RSVP, dispatch_uid="prescriptions.pool.rsvp_saved")
@receiver(post_delete, sender=RSVP, dispatch_uid="prescriptions.pool.rsvp_deleted")
def forget_gatherings(sender, **kwargs):
    selectors.forget_gathering_pool()


@receiver(post_save, sender=Space, dispatch_uid="prescriptions.pool.space_saved")
def forget_everything_in_a_space(sender, **kwargs):
    selectors.forget_waiting_pool()
    selectors.forget_gathering_pool()
