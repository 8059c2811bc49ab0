"""Muted words: the one matcher.

Open this file to answer "what does a muted word fold?". A member lists words or
phrases in their settings (`/settings/muted-words/`); a post (its title, content
warning or text) or a reply containing one, as a whole word, in any case, folds for
them like a content warning, with "Contains a word you muted" as the summary, in lists
and on the post page. Never their own words. The words are read once per page
(`selectors.muted_words_for`), and matching is done here, in Python, on what the page
already loaded.
"""

import re
import unicodedata

# The phrases read with a member's row (`with_muted_words`), joined: a stored phrase holds
# no newline (`normalise` keeps single spaces).
_READ_AS, _BETWEEN = "muted_phrases_read", "\n"
_UNREAD = object()


def with_muted_words(members):
    """`members` (a QuerySet of users) each read with their muted phrases, in the same
    query: community.backends reads the signed-in member so, since every page of posts
    folds what holds one."""
    from django.db.models import OuterRef, StringAgg, Subquery, Value

    from community.models import MutedWord  # the models import this module

    phrases = (
        MutedWord.objects.filter(member=OuterRef("pk"))
        .order_by()
        .values("member")
        .annotate(joined=StringAgg("phrase", Value(_BETWEEN)))
        .values("joined")
    )
    return members.annotate(**{_READ_AS: Subquery(phrases)})


def read_with(member) -> list[str] | None:
    """The phrases read with `member`'s row, or None when it was read without them."""
    joined = getattr(member, _READ_AS, _UNREAD)
    if joined is _UNREAD:
        return None
    return joined.split(_BETWEEN) if joined else []


def forget(member) -> None:
    """Drops the phrases read with `member`'s row (after changing them): asked again."""
    if hasattr(member, _READ_AS):
        delattr(member, _READ_AS)  # through request.user's lazy wrapper too


_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


def normalise(text: str) -> str:
    """The form words are stored and compared in: compatibility-normalised, curly
    apostrophes made straight, case-folded, with single spaces."""
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).casefold()
    return " ".join(text.split())


def has_letters(phrase: str) -> bool:
    """A phrase needs a letter or a number: punctuation alone is no word to match."""
    return any(char.isalnum() for char in phrase)


class MutedWords:
    """A viewer's muted words, compiled once; falsy when there are none."""

    def __init__(self, phrases=(), *, viewer_id: int | None = None):
        self.phrases = sorted({normalise(p) for p in phrases if has_letters(p)})
        self.viewer_id = viewer_id
        # A phrase's words may be split by any run of spaces or punctuation ("self harm"
        # also finds "self-harm"); a match never starts or ends inside a word.
        alternatives = (r"\W+".join(map(re.escape, p.split())) for p in self.phrases)
        self._pattern = (
            re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")
            if self.phrases
            else None
        )

    def __bool__(self) -> bool:
        return self._pattern is not None

    def matches(self, *texts: str) -> bool:
        return self._pattern is not None and any(
            text and self._pattern.search(normalise(text)) for text in texts
        )

    def folds(self, content) -> bool:
        """Whether a post or reply folds for this viewer: it contains a muted word and
        isn't their own."""
        if self._pattern is None or content.author_id == self.viewer_id:
            return False
        return self.matches(
            getattr(content, "title", ""),
            getattr(content, "content_warning", ""),
            content.body,
        )

    def mark(self, contents):
        """Sets `muted` on each post or reply (what the templates read); returns them."""
        for content in contents:
            content.muted = self.folds(content)
        return contents
