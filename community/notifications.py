"""Notification kinds. Each kind has a template that says it in 4C's voice.

Other apps register their own kinds at start-up (in AppConfig.ready):

    notifications.register_kind("prescription_done", "prescriptions/notifications/done.jinja")

A template (Jinja2, in templates/jinja2/: fourc/jinja2.py) gets `n` (the Notification, with
actor_name, post, reply, count and data); the inbox and the nudge emails draw it.
"""

REPLY = "reply"  # a reply to your post
FOLLOWED_REPLY = "followed_reply"  # a reply in a post you follow
MENTION = "mention"
REACTION = "reaction"
GATHERING_PROMOTED = "gathering_promoted"  # a place opened up from the waiting list
GATHERING_CANCELLED = "gathering_cancelled"
CONTENT_HIDDEN = "content_hidden"  # a moderator (or several reports) hid your words
MODERATION_WARNING = "moderation_warning"  # hidden, with a moderator's note to you
# Shown to the author although the words they speak of are hidden.
ABOUT_HIDDEN_WORDS = (CONTENT_HIDDEN, MODERATION_WARNING)

_KINDS: dict[str, str] = {}


def register_kind(kind: str, template: str) -> None:
    if kind in _KINDS and _KINDS[kind] != template:
        raise ValueError(f"Notification kind {kind!r} is already registered.")
    _KINDS[kind] = template


def template_for(kind: str) -> str:
    return _KINDS.get(kind, "community/notifications/unknown.jinja")


for _kind in (
    REPLY, FOLLOWED_REPLY, MENTION, REACTION, GATHERING_PROMOTED, GATHERING_CANCELLED,
    CONTENT_HIDDEN, MODERATION_WARNING,
):  # fmt: skip
    register_kind(_kind, f"community/notifications/{_kind}.jinja")
