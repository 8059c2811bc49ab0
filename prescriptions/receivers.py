"""Listens to what happens in the community and completes open prescriptions.

Receivers run inside the community service's transaction and only call services.
"""

from django.dispatch import receiver

from community import signals
from prescriptions import services


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
