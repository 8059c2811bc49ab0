"""Crisis language: one matcher both community and prescriptions use.

The phrase list is deliberately plain and will grow with the moderation work.
It matches what someone might write about wanting to die or to hurt
themselves; it never tries to judge how serious it is: any match means "show
the help, gently, and a person now".
"""

import re
import unicodedata

CRISIS_PHRASES = (
    r"kill(ing)? my ?self",
    r"end(ing)? (it all|my life|things)",
    r"take my (own )?life",
    r"want(ed)? to die",
    r"wish i (was|were) dead",
    r"suicid(e|al)",
    r"self[- ]?harm(ing)?",
    r"hurt(ing)? my ?self",
    r"(do ?n[o']?t|no longer) want to (be here|be alive|live|exist)",
    r"(better|be) off without me",
    r"no (reason|point) (to|in) (live|living|going on)",
    r"can ?n?[o']?t go on",
    r"not safe (right now|tonight|with myself)",
)
_PATTERN = re.compile(r"\b(" + "|".join(CRISIS_PHRASES) + r")\b", re.IGNORECASE)


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(text.split())


def mentions_crisis(text: str) -> bool:
    """True when `text` contains crisis language."""
    return bool(text) and _PATTERN.search(_normalise(text)) is not None
