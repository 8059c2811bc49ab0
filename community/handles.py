"""Handles: the unique, URL-safe names behind profile addresses and @mentions."""

import re
import secrets
import unicodedata

from django.contrib.auth import get_user_model

from community.models import HANDLE_MAX, HANDLE_MIN, HANDLE_RE
from community.names import is_reserved

# Words that would clash with paths or read as everyone; names that pass for 4C's team
# or an anonymous author, in any spelling, are refused by community.names as well.
RESERVED_HANDLES = frozenset(
    {
        "4c", "admin", "administrator", "moderator", "moderators", "mod", "mods", "staff",
        "support", "help", "team", "official", "system", "linkworker", "link_worker",
        "everyone", "here", "anonymous", "a_member", "member", "members", "null", "none",
    }
)  # fmt: skip


def is_reserved_handle(handle: str) -> bool:
    """Kept for 4C: a path word, or a name that could pass for its team (community.names)."""
    return handle in RESERVED_HANDLES or is_reserved(handle)


def normalise_handle(text: str) -> str:
    """A handle as a member types it ("@Maya ") as it is stored ("maya")."""
    return (text or "").strip().removeprefix("@").strip().lower()


def is_handle(text: str) -> bool:
    """Whether `text` (normalised) has the shape of a handle: worth looking up."""
    return HANDLE_RE.fullmatch(text) is not None


def handle_base(text: str) -> str:
    """A candidate handle from free text: ASCII, lower case, underscores."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")[:HANDLE_MAX]
    if len(base) < HANDLE_MIN:
        base = (base + "_member").strip("_") if base else "member"
    return base


def unique_handle(text: str) -> str:
    """The first free handle built from `text`: maya, maya_2, maya_3, ...

    Never a reserved one: a name that reads as 4C's team ("Admin", from an address
    like admin@example.org) starts again from "member"."""
    User = get_user_model()
    base = handle_base(text)
    if is_reserved(base):
        base = "member"
    # Candidates may be cut short to fit a suffix, so look up the shortest prefix.
    prefix = base[: HANDLE_MAX - 4]
    taken = (
        set(User.objects.filter(handle__startswith=prefix).values_list("handle", flat=True))
        | RESERVED_HANDLES
    )
    if base not in taken:
        return base
    for n in range(2, 1000):
        suffix = f"_{n}"
        candidate = base[: HANDLE_MAX - len(suffix)] + suffix
        if candidate not in taken and not is_reserved(candidate):
            return candidate
    return base[: HANDLE_MAX - 7] + "_" + secrets.token_hex(3)
