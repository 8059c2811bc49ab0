"""Member text: validation, Markdown rendering with @mentions, and sanitising.

Markdown is rendered once, when written, and the sanitised HTML is stored
beside the source. nh3 is the last step, so whatever markdown-it or the
mention rule produce, only the allow-list reaches a page.
"""

import functools
import html
import re
import threading
import unicodedata
from collections.abc import Iterable

import nh3
import Stemmer
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from markdown_it.token import Token

from community.models import HANDLE_PATTERN

MENTION_RE = re.compile(rf"(?<![\w@/])@({HANDLE_PATTERN})\b", re.IGNORECASE)

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h3", "h4", "h5", "h6",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"

# Tab, line feed and carriage return are text, and the zero-width joiner builds emoji;
# every other control or invisible formatting character (zero-width spaces, direction
# overrides) is refused.
_ALLOWED_FORMAT = {"\t", "\n", "\r", "\u200d"}
_CONTROL = {chr(c) for c in range(32) if chr(c) not in "\t\n\r"} | {"\x7f"}


def validate_plain_text(value: str) -> None:
    """Refuses NUL and other control or invisible formatting characters."""
    for char in value:
        if char not in _ALLOWED_FORMAT and (
            char in _CONTROL or unicodedata.category(char) in ("Cc", "Cs", "Co", "Cf")
        ):
            raise ValidationError(
                "This contains a hidden control character we can't store. "
                "Please retype or paste it as plain text."
            )


def validate_has_words(value: str) -> None:
    if not value.strip():
        raise ValidationError("This is empty. Write a few words, whatever feels right.")


def candidate_handles(source: str) -> set[str]:
    return {match.lower() for match in MENTION_RE.findall(source)}


def _mention_rule(known_handles: set[str], linked: list[str]):
    def rule(state) -> None:
        for block in state.tokens:
            if block.type != "inline" or not block.children:
                continue
            children: list[Token] = []
            link_depth = 0
            for token in block.children:
                if token.type == "link_open":
                    link_depth += 1
                elif token.type == "link_close":
                    link_depth -= 1
                if token.type != "text" or link_depth or "@" not in token.content:
                    children.append(token)
                    continue
                children.extend(_split_mentions(token, known_handles, linked))
            block.children = children

    return rule


def _split_mentions(token: Token, known_handles: set[str], linked: list[str]) -> list[Token]:
    out: list[Token] = []
    position = 0
    text = token.content
    for match in MENTION_RE.finditer(text):
        handle = match.group(1).lower()
        if handle not in known_handles:
            continue
        if handle not in linked:
            linked.append(handle)
        if match.start() > position:
            out.append(_text(text[position : match.start()]))
        link = Token("link_open", "a", 1)
        link.attrs = {"href": reverse("community:member-detail", args=[handle])}
        out.extend([link, _text(match.group(0)), Token("link_close", "a", -1)])
        position = match.end()
    if position < len(text):
        out.append(_text(text[position:]))
    return out


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def render_markdown(
    source: str, *, known_handles: set[str] = frozenset(), linked: list[str] | None = None
) -> str:
    """CommonMark (raw HTML off, images off, strikethrough on), @mentions linked, sanitised.

    The handles actually linked (not those in code) are appended to `linked`, in order.
    """
    md = MarkdownIt("commonmark", {"html": False}).enable("strikethrough").disable("image")
    md.core.ruler.push(
        "mentions", _mention_rule(set(known_handles), [] if linked is None else linked)
    )
    return sanitise_html(md.render(source))


def sanitise_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


# --- Snippets -------------------------------------------------------------------

SNIPPET_CHARS = 220
# When the first match would come late, the snippet starts about this far before it.
_LEAD_CHARS = 60
_TRAILING = " ,.;:-–—"


def plain_text(body_html: str) -> str:
    """The words of stored, sanitised HTML as one line: no tags, no Markdown marks."""
    return " ".join(html.unescape(nh3.clean(body_html, tags=set())).split())


_stemmers = threading.local()


def words_matching(text: str, lexemes: frozenset[str]) -> list[str]:
    """The words of `text` that a full-text search for `lexemes` (PostgreSQL's, of its
    `english` configuration) matched: those whose English Snowball stem is one of them,
    as PostgreSQL stems a word ("gardening" and "gardens" for 'garden'). The same
    Snowball stemmer as PostgreSQL's (libstemmer, through PyStemmer), so the marks are
    the words PostgreSQL matched, without asking it to mark every hit's text
    (ts_headline was half a search's time in the database)."""
    if not lexemes:
        return []
    stemmer = getattr(_stemmers, "english", None)
    if stemmer is None:  # a Stemmer is not to be shared between threads
        stemmer = _stemmers.english = Stemmer.Stemmer("english")
    words = list({word.lower() for word in _candidate_words(lexemes).findall(text)})
    stems = stemmer.stemWords(words)
    return [word for word, stem in zip(words, stems, strict=True) if stem in lexemes]


@functools.lru_cache(maxsize=256)
def _candidate_words(lexemes: frozenset[str]) -> re.Pattern:
    """The words that may stem to one of `lexemes`: those beginning with the letter one
    does. English Snowball changes a word's ending ("dying" is 'die', "skies" 'sky'),
    never its first letter; stemming only these is a fraction of the work."""
    heads = "".join(sorted({re.escape(lexeme[0]) for lexeme in lexemes}))
    return re.compile(rf"\b[{heads}]\w*", re.IGNORECASE)


def snippet(
    text: str, words: Iterable[str], *, whole_words: bool = True, length: int = SNIPPET_CHARS
) -> SafeString:
    """About `length` characters of plain `text` around the first of `words`, cut between
    words with "…" where text is left out, each match in <mark>, everything else escaped.

    `whole_words=False` marks the words inside longer ones too (a substring search).
    """
    words = sorted({word for word in words if word}, key=len, reverse=True)
    matches = None
    if words:
        either = "|".join(re.escape(word) for word in words)
        if whole_words:
            either = rf"(?<!\w)(?:{either})(?!\w)"
        matches = re.compile(either, re.IGNORECASE)
    first = matches.search(text) if matches else None
    start, end = 0, len(text)
    if end > length:
        if first and first.end() > length - _LEAD_CHARS:
            space = text.find(" ", first.start() - _LEAD_CHARS, first.start())
            start = first.start() if space == -1 else space + 1
        end = start + length
        if end < len(text):
            space = text.rfind(" ", start, end + 1)
            end = max(space if space > start else end, first.end() if first else 0)
    piece = text[start:end].strip()
    if end < len(text):
        piece = piece.rstrip(_TRAILING) + "…"
    if start > 0:
        piece = "…" + piece
    if matches is None:
        return escape(piece)
    out, position = [], 0
    for match in matches.finditer(piece):
        out += [
            escape(piece[position : match.start()]),
            "<mark>",
            escape(match.group()),
            "</mark>",
        ]
        position = match.end()
    out.append(escape(piece[position:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece of the text is escaped above
