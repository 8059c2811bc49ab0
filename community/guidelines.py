"""The community guidelines: which version is current.

The words live in `templates/community/guidelines_text.html`; this number says which
version of them is in force. Members agree to it at sign-up, and a member who hasn't
agreed to the current version is asked to before they next write
(`community.permissions.refuse_to_write`); what they agreed to, and when, is kept in
`GuidelinesAcceptance`.

Bump VERSION (and UPDATED) when a change matters enough that every member should read
the guidelines again before writing; a typo or a clearer sentence doesn't need it.
"""

import datetime

VERSION = 1
UPDATED = datetime.date(2025, 12, 1)


def context(extra: dict) -> dict:
    """What the guidelines page shows besides the words: their version and date."""
    return {"version": VERSION, "updated": UPDATED, **extra}
