"""Crisis language: the one matcher, and what happens on crisis words.

Open this file to answer "what happens when someone writes in crisis words?".

- **Matching**: `mentions_crisis(text)` below. It never judges how serious words are:
  any match means "show the help, gently, and a person now". The phrase list is
  deliberately plain and will grow with the moderation work.
- **A post, reply or edit in crisis words**: its author sees a calm message with the
  help page on the next page (`community.views._offer_help_if_needed`).
- **A check-in whose note is in crisis words**, or made while the member's latest post
  or reply of the last two days is: the check-in is stored as a crisis one and the
  engine's plan is the crisis plan (`prescriptions.engine`): the help lines and one
  step towards a person, now, nothing else.
- **While the member is in crisis** (`prescriptions/crisis.py`, the one
  rule: latest check-in, or latest post or reply of two days, until a calmer one):
  the feed shows the help lines and only the step towards a person; no page asks
  "how do you feel now?" (the nudges, when they come, ask the same rule).
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
