"""Trust in names: no display name or handle may pass for 4C's team or its system.

Members at a hard moment read quickly. A reply signed "Moderator", "4C team" or
"A member" (what 4C shows for an anonymous post) would borrow a trust, or hide an
identity, that its writer does not have. The role itself is shown by a badge that
comes from the member's group, never from their name (community/roles.py), so
nobody, moderators included, needs one of these names; the rule holds everywhere:
sign-up, profile settings, generated handles and, through the model's validators,
the admin.

How a name is compared (the `skeleton` of each word):

- NFKC, then NFD without combining marks ("Ｍｏｄ" → "Mod", "Mödérator" → "Moderator"),
  and without invisible format characters (zero-width spaces and joiners);
- each character mapped to the ASCII letter it can be mistaken for, from Unicode's
  confusables list as the `confusable_homoglyphs` package ships it (Cyrillic "о",
  Greek "ο", Cherokee "Ꮇ", "0" for "O", "1" and "|" for "l", "rn" for "m"; a small
  capital "ᴍ" for "m"), plus the few digit and symbol spellings that list leaves out
  (`_SPELLINGS`: "5taff", "@dmin");
- case folded, with "l" and "i" folded together (a capital "I" and a small "l" are
  the same stroke in many fonts).

A name is split into words at spaces, punctuation, underscores, a change from a
small to a capital letter and a change between letters and digits. It is refused
when any run of its words, put together, is a reserved name ("Sam the mod",
"M o d e r a t o r", "mod_team", "LinkWorker", "m0derator"), and when the long,
unmistakable titles (`_ANYWHERE`) appear anywhere in it ("TheModeratorSam"). Short
words are matched only as words, so "Modesty", "Badminton" and "Staffordshire" are
ordinary names; real names in any script ("Zoë", "Jürgen", "Алексей", "明美") pass,
since only names that look like the reserved ones are refused. A staff title used
as a word is refused even in an innocent phrase ("Administrator's daughter"): from a
glance at a byline nobody can tell the phrase from the imitation, and another name
costs the member little. The words for the team in other languages ("Модератор") are
translations, not look-alikes, and are not on the list.
"""

import functools
import re
import unicodedata

from confusable_homoglyphs.confusables import confusables_data
from django.core.exceptions import ValidationError

TEAM_MESSAGE = "That name could be mistaken for 4C's team. Please choose another."
ANONYMOUS_MESSAGE = (
    "That's how 4C shows posts written anonymously, so it could confuse people. "
    "Please choose another."
)
HANDLE_TEAM_MESSAGE = "That handle could be mistaken for 4C's team. Please choose another."
HANDLE_ANONYMOUS_MESSAGE = (
    "That handle reads like 4C's name for anonymous posts. Please choose another."
)

# The team, its roles and its system, with their plurals.
TEAM_NAMES = (
    "moderator", "moderators", "mod", "mods", "link worker", "link workers", "4C team",
    "4C", "admin", "admins", "administrator", "administrators", "staff", "support team",
    "system", "mod team", "moderation team",
)  # fmt: skip
# What 4C shows in place of an anonymous author (community.models.ANONYMOUS_NAME, which
# imports this module; a test holds the two together), and the word members read the
# same way.
ANONYMOUS_NAMES = ("A member", "Anonymous")

# Titles long enough never to sit inside an ordinary word: refused even run into others.
_ANYWHERE = ("moderator", "administrator", "link worker", "4C team", "support team", "anonymous")

# Digit and symbol spellings of letters that Unicode's confusables list leaves out.
# "4" is not here: it is part of 4C's own name, and "AC" is someone's initials.
_SPELLINGS = {"3": "e", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"}

_IGNORED_CATEGORIES = {"Mn", "Me", "Cf"}  # combining marks; invisible format characters
_WORD_RE = re.compile(r"[^\W_]+")
_SMALL_CAPITAL = re.compile(r"LATIN LETTER SMALL CAPITAL ([A-Z])")


def _ascii_choice(members: set[str]) -> str | None:
    """The ASCII letter (or digit, or letters) a set of look-alikes stands for."""
    single = sorted(m for m in members if len(m) == 1 and m.isascii() and m.isalnum())
    for prefer in (str.islower, str.isalpha, str.isdigit):
        found = [m for m in single if prefer(m)]
        if found:
            return found[0]
    several = sorted(m for m in members if m.isascii() and m.isalnum())
    if several:
        return several[0]
    # A class with no ASCII in it may still hold a small capital ("ᴍ", with Cyrillic "м").
    for m in sorted(members):
        small_capital = _SMALL_CAPITAL.fullmatch(unicodedata.name(m, "")) if len(m) == 1 else None
        if small_capital:
            return small_capital.group(1).lower()
    return None


@functools.cache
def _prototypes() -> tuple[dict[str, str], dict[str, str]]:
    """Each confusable character → the ASCII it looks like; and ASCII sequences
    ("rn") → the letter they look like ("m").

    The package's data links every character of a class of look-alikes with that
    class's prototype, both ways; the classes are its connected parts.
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for char, homoglyphs in confusables_data.items():
        for homoglyph in homoglyphs:
            # The data wraps right-to-left characters in LEFT-TO-RIGHT MARKs for display.
            a, b = find(char.replace("\u200e", "")), find(homoglyph["c"].replace("\u200e", ""))
            if a != b:
                parent[a] = b
    classes: dict[str, set[str]] = {}
    for member in list(parent):
        classes.setdefault(find(member), set()).add(member)
    characters: dict[str, str] = {}
    sequences: dict[str, str] = {}
    for members in classes.values():
        target = _ascii_choice(members)
        if target is None:
            continue
        for member in members:
            if len(member) == 1 and member != target:
                characters[member] = target
            elif len(member) > 1 and member.isascii() and len(target) == 1:
                sequences[_fold(member)] = _fold(target)
    characters.update(_SPELLINGS)
    return characters, sequences


def _words(text: str) -> list[str]:
    """The skeletons of the words of `text`, in order."""
    characters, _ = _prototypes()
    text = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text))
    mapped = "".join(
        characters.get(char, char)
        for char in text
        if unicodedata.category(char) not in _IGNORED_CATEGORIES
    )
    words = []
    for chunk in _WORD_RE.findall(mapped):
        for word in _split(chunk):
            words.append(_fold("".join(characters.get(char, char) for char in word.casefold())))
    return words


def _fold(text: str) -> str:
    return text.lower().replace("l", "i")


def _split(chunk: str) -> list[str]:
    """Words within a run of letters and digits: "LinkWorker" → Link, Worker; "admin2" →
    admin, 2."""
    words, start = [], 0
    for i in range(1, len(chunk)):
        before, char = chunk[i - 1], chunk[i]
        if (before.islower() and char.isupper()) or (before.isdigit() != char.isdigit()):
            words.append(chunk[start:i])
            start = i
    words.append(chunk[start:])
    return words


def _join(words: list[str]) -> str:
    """Words put together, with letter sequences read as the letter they look like."""
    _, sequences = _prototypes()
    joined = "".join(words)
    for sequence, letter in sequences.items():
        joined = joined.replace(sequence, letter)
    return joined


def skeleton(text: str) -> str:
    """What `text` looks like, for comparison: "Ｍ0d_Team" and "mod team" share one."""
    return _join(_words(text))


@functools.cache
def _reserved() -> tuple[dict[str, str], tuple[str, ...], int]:
    kinds = {skeleton(name): "team" for name in TEAM_NAMES}
    kinds.update({skeleton(name): "anonymous" for name in ANONYMOUS_NAMES})
    anywhere = tuple(skeleton(name) for name in _ANYWHERE)
    return kinds, anywhere, max(len(s) for s in kinds)


def reserved_kind(text: str) -> str | None:
    """ "team" or "anonymous" when `text` could pass for 4C's team or an anonymous
    author (see the module's docstring for how); None for an ordinary name."""
    kinds, anywhere, longest = _reserved()
    words = _words(text)
    whole = _join(words)
    for part in anywhere:
        if part in whole:
            return kinds[part]
    for start in range(len(words)):
        run = ""
        for word in words[start:]:
            run += word
            if len(run) > longest:
                break
            kind = kinds.get(_join([run]))
            if kind:
                return kind
    return None


def is_reserved(text: str) -> bool:
    return reserved_kind(text) is not None


def validate_display_name(value: str) -> None:
    """The model's and the forms' check: a display name may not pass for the team."""
    kind = reserved_kind(value)
    if kind:
        message = ANONYMOUS_MESSAGE if kind == "anonymous" else TEAM_MESSAGE
        raise ValidationError(message, code="reserved")


def validate_handle_name(value: str) -> None:
    """The same rule for handles ("mod_team", "a_member")."""
    kind = reserved_kind(value)
    if kind:
        message = HANDLE_ANONYMOUS_MESSAGE if kind == "anonymous" else HANDLE_TEAM_MESSAGE
        raise ValidationError(message, code="reserved")
