"""What happened in the community, for other apps to hear (prescriptions listens).

Signals are sent inside the service's transaction, after the change is
written, so a receiver's own writes commit or roll back with it. A receiver
with outside effects (email, tasks) must defer them with transaction.on_commit.
`community` never imports its listeners.
"""

from django.dispatch import Signal

# sender: Post; kwargs: post, author
post_created = Signal()
# sender: Post; kwargs: post. Sent when a post leaves or comes back to lists, or
# closes to replies: hidden or restored by a moderator, removed by its author,
# locked or unlocked.
post_changed = Signal()
# sender: Reply; kwargs: reply, post, author
reply_posted = Signal()
# sender: Post or Reply; kwargs: content (the post or reply). Sent when words in crisis
# are written, in a new post or reply or an edit. Sender CrisisPhrase, content None, with
# changed (how many posts and replies changed) and check_ins_since (None: every member's
# latest check-in; a time: those made since): recent posts and replies were matched again
# (their crisis_words), after the phrases changed or by the beat.
crisis_words = Signal()
# sender: Reply; kwargs: reply. Sent when a reply leaves its thread or comes back to it:
# hidden or restored by a moderator, removed by its author.
reply_changed = Signal()
# sender: Reaction; kwargs: reaction, member, post (or None), reply (or None)
reaction_added = Signal()
# sender: RSVP; kwargs: rsvp, gathering, member
gathering_attended = Signal()
# sender: Notification; kwargs: recipient_ids (a set). Sent when replies,
# mentions or news of a gathering reach members (reactions don't: they're quiet).
notified = Signal()
# sender: User; kwargs: member. The member confirmed deleting their account: what only
# they should have (their health data) goes now, before the seven days' wait. Sent again
# when the account is erased, so a repeat must find nothing left and change nothing.
member_erasing = Signal()
# sender: User; kwargs: member. The member chose "Keep my account" during the wait.
member_stayed = Signal()
# sender: User; kwargs: member. The account is erased: the row is a former member now, and
# listeners take its name out of what others keep (a link worker's name on steps).
member_erased = Signal()
