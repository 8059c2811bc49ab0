"""Crisis language: the one matcher, and what happens on crisis words.

Open this file to answer "what happens when someone writes in crisis words?".

- **Matching**: `mentions_crisis(text)` (yes or no, for every caller) and `assess(text)`
  (which families, and whether the words describe a method). Neither judges how
  serious words are: any match means "show the help, gently, and a person now".
  "I would never kill myself" matches too: gentle help costs little, a miss a lot.
- **The phrases** are moderators' data: `CrisisPhrase` rows in families (suicidal
  thoughts and plans, wishing not to be alive, self-harm, goodbyes and final
  arrangements, hopelessness about living, feeling a burden, and a method described),
  kept in the admin (add, retire, test a sentence on the list's own page). The default
  list ships in the data migration `0016_default_crisis_phrases`. `FALLBACK_PHRASES`
  below, a handful, is used only while the table has no active phrase or cannot be
  read (during migrations, or a flushed test database): an empty list never means
  "no help".
- **The phrase language** (`compile_phrase`), written by moderators, never raw regex:
  words; `(a|b c)` for alternatives; `[words]` for optional words; `...` for up to
  three other words in between; `#` for a number of ten or more (an amount of pills,
  not a dose); a final `.` for the end of a sentence or clause ("want to live ." is
  not "want to live in Leeds"). Refused, with a reason: what isn't the language, a
  phrase whose words are all optional, or one that can match a single short word
  ("die"). Words match whatever the case,
  punctuation, apostrophes (curly, straight or missing: "dont", "im", "cant"), simple
  inflections (a base word also matches -s/-es, -ed, -ing and common irregular forms:
  "take" matches "took", "cut" matches "cutting"; write "took" to match only "took"),
  extra spaces, and a one-letter typo in words of seven letters or more, not counting an
  -s, -ed or -ing ending ("suicidel"; real words near them, such as "overdoes", stay).
  A phrase matches whole words only, inside one sentence (commas don't stop it), never
  part of another word: "kill myself" is not in "skill myselfie". Everyday sayings are
  kept out by writing phrases, never single short words: "die" alone would catch
  "the printer died"; "want to die" does not.
- **Stored, not matched again**: every save of a post or reply sets its `crisis_words`
  (and a check-in's note its `in_crisis`), so the crisis rule and the steps' targets read
  a column through partial indexes instead of matching every recent post. A moderator's
  change of the phrases matches the last 30 days again in a task
  (`services.rematch_crisis_words`, and the members' latest check-ins with it).
- **Speed**: the active phrases are compiled once per process, grouped by the words they
  can start with, and tried only where such a word stands. A moderator's change moves a
  generation in the cache (`forget`); each process looks at it at most every
  `CHECK_SECONDS` and builds again when it moved (a generation missing from the cache
  keeps what the process has).
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

import logging
import re
import threading
import time
import unicodedata
import uuid
from dataclasses import dataclass, field

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import DatabaseError, models, transaction

logger = logging.getLogger(__name__)


class Family(models.TextChoices):
    SUICIDAL = "suicidal", "Suicidal thoughts and plans"
    DEATH_WISH = "death_wish", "Wishing not to be alive"
    SELF_HARM = "self_harm", "Self-harm"
    GOODBYE = "goodbye", "Goodbyes and final arrangements"
    HOPELESS = "hopeless", "Hopelessness about living"
    BURDEN = "burden", "Feeling a burden"
    METHOD = "method", "A method described (held for review)"


# Used only while no active phrase can be read: a few of the clearest, one or two a family.
FALLBACK_PHRASES = (
    (Family.SUICIDAL, "kill myself"),
    (Family.SUICIDAL, "(suicide|suicidal)"),
    (Family.SUICIDAL, "(end|take) my [own] life"),
    (Family.SUICIDAL, "end it all"),
    (Family.DEATH_WISH, "want to die"),
    (Family.DEATH_WISH, "not want to (be here .|be alive|live .|exist|wake up)"),
    (Family.DEATH_WISH, "wish i (be dead|had never been born)"),
    (Family.SELF_HARM, "(self harm|hurt myself|harm myself|cut myself|overdose)"),
    (Family.GOODBYE, "(suicide|goodbye) (note|letter)"),
    (Family.HOPELESS, "(can not go on .|nothing [left] to live for)"),
    (Family.HOPELESS, "no (reason|point) [to|in] live"),
    (Family.BURDEN, "better off without me"),
    (Family.METHOD, "(hang myself|noose|lethal dose)"),
)

PHRASE_MAX = 200
GAP_WORDS = 3  # what "..." may stand for
SINGLE_WORD_MIN = 5  # a phrase that can match one word alone needs a word this long
TYPO_MIN = 7  # words this long match with one letter wrong, missing, extra or swapped
CHECK_SECONDS = 5  # how often a process looks at the generation
GENERATION_KEY = "community:crisis-phrases:generation"


# --- Words: the same normal form for what members write and what moderators match ---

_APOSTROPHES = str.maketrans(dict.fromkeys("\u2019\u2018\u02bc\u0060\u00b4\u2032", "'"))
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*|[.!?;:]+|\n\s*\n|[,\u2013\u2014]")
BREAK = "."  # a sentence ends: no phrase reaches across
COMMA = ","  # a clause ends: phrases read across it, and a phrase's final "." matches it


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Written without an apostrophe (or with it) and meant as two words.
_SPELLED = {
    "dont": "do not", "doesnt": "does not", "didnt": "did not", "cant": "can not",
    "cannot": "can not", "wont": "will not", "isnt": "is not", "arent": "are not",
    "wasnt": "was not", "werent": "were not", "couldnt": "could not",
    "wouldnt": "would not", "shouldnt": "should not", "havent": "have not",
    "hasnt": "has not", "hadnt": "had not", "aint": "am not", "shant": "shall not",
    "im": "i am", "ive": "i have", "youre": "you are", "theyre": "they are",
    "youll": "you will", "thats": "that is", "theres": "there is", "whats": "what is",
    "lifes": "life is", "gonna": "going to", "wanna": "want to", "gotta": "got to",
    "kms": "kill myself", "nobody": "no one", "noone": "no one", "everybody": "everyone",
    "anybody": "anyone", "somebody": "someone", "selfharm": "self harm",
    "let's": "let us",
}  # fmt: skip
# Whose "'s" means "is" ("it's over"); on other words it is a possessive, and dropped.
_IS = _set(
    "it that there what who he she here where life everything nothing everyone someone anyone this"
) | {"no one"}
_SUFFIXES = (("n't", " not"), ("'re", " are"), ("'ve", " have"), ("'ll", " will"),
             ("'d", " would"), ("'m", " am"))  # fmt: skip
# Two words written as one, or one word written as two: one spelling for both.
_JOINED = {
    ("my", "self"): "myself", ("your", "self"): "yourself", ("him", "self"): "himself",
    ("her", "self"): "herself", ("them", "selves"): "themselves",
    ("them", "self"): "themself", ("our", "selves"): "ourselves",
    ("any", "more"): "anymore", ("good", "bye"): "goodbye", ("good", "byes"): "goodbyes",
    ("over", "dose"): "overdose", ("over", "dosed"): "overdosed",
    ("over", "dosing"): "overdosing",
}  # fmt: skip
# Real words one letter away from a long phrase word: never taken for a typo.
NOT_TYPOS = _set(
    "overdoes meditation mourning massage passive shallow reserve exiting thinning turning "
    "boarding carving burying sweeping steeping"
)


def _expand(token: str) -> str:
    """One token, with contractions spelled out ("can't", "cant" -> "can not")."""
    if token in _SPELLED:
        return _SPELLED[token]
    if "'" not in token:
        return token
    plain = token.replace("'", "")
    if plain in _SPELLED:  # "don't", "i'm", "can't", "won't"
        return _SPELLED[plain]
    if token.endswith("'s"):
        base = token[:-2].replace("'", "")
        base = _SPELLED.get(base, base)
        return f"{base} is" if base in _IS else base
    for suffix, words in _SUFFIXES:
        if token.endswith(suffix):
            return token[: -len(suffix)].replace("'", "") + words
    return plain


def words_of(text: str) -> list[str]:
    """The words of `text` in the one normal form (BREAK between sentences), before
    typos are mended: lower case, apostrophes straight, contractions spelled out, split
    and joined spellings made one."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_APOSTROPHES)
    words: list[str] = []
    for piece in _TOKEN.findall(text):
        if not piece[0].isalnum():
            mark = COMMA if piece in ",\u2013\u2014" else BREAK
            if words and words[-1] in (BREAK, COMMA):
                words[-1] = BREAK if BREAK in (mark, words[-1]) else COMMA
            elif words:
                words.append(mark)
        else:
            words.extend(_expand(piece.strip("'")).split())
    return _join(words)


def _join(words: list[str]) -> list[str]:
    joined: list[str] = []
    for word in words:
        pair = (joined[-1], word) if joined else None
        if pair in _JOINED:
            joined[-1] = _JOINED[pair]
        else:
            joined.append(word)
    return joined


# --- Inflections ---------------------------------------------------------------------

# Words that never take -s/-ed/-ing (they would only add noise).
_FUNCTION_WORDS = _set(
    """a an the i me my mine myself you your yours yourself he him his himself she her
    hers herself it its itself we us our ours ourselves they them their theirs
    themselves themself this that these those to of in on at by for with without from
    up down out off over under into onto about and or but if so not no never nothing
    anyone everyone someone one all any anymore more most here there now then just only
    ever again too very would could should will can may might must shall than as what
    who why how when where which while once own such every each else after before
    until since because"""
)
# Base form: the irregular forms it also matches.
_IRREGULAR = {
    "be": "am is are was were been being", "do": "does did done doing",
    "go": "goes went gone going", "have": "has had having", "take": "took taken",
    "give": "gave given", "write": "wrote written", "leave": "left", "feel": "felt",
    "think": "thought", "say": "said", "make": "made", "find": "found", "buy": "bought",
    "hang": "hung", "wake": "woke woken", "sleep": "slept", "see": "saw seen",
    "get": "got gotten", "burn": "burnt", "bleed": "bled", "eat": "ate eaten",
    "throw": "threw thrown", "fall": "fell fallen", "shoot": "shot", "stand": "stood",
    "sit": "sat", "tell": "told", "keep": "kept", "lose": "lost", "begin": "began begun",
    "run": "ran", "come": "came", "know": "knew known", "bite": "bit bitten",
    "mean": "meant", "hold": "held", "break": "broke broken", "spend": "spent",
    "send": "sent", "drink": "drank drunk", "swim": "swam swum", "lie": "lay lain",
    "stick": "stuck", "put": "put", "let": "let", "hit": "hit", "cut": "cut",
}  # fmt: skip
_VOWELS = set("aeiou")


def forms(word: str) -> frozenset[str]:
    """What a word of a phrase matches: itself, its irregular forms, and, for a word of
    three letters or more that is not a function word, its -s, -ed and -ing forms
    (a last e dropped, a last consonant doubled, y to ies/ied, -es after s, x, z, ch,
    sh and o). A rare wrong form ("cutted") is harmless: nobody writes it by accident
    into an ordinary sentence."""
    found = {word, *_IRREGULAR.get(word, "").split()}
    if len(word) < 3 or word in _FUNCTION_WORDS or not word.isalpha():
        return frozenset(found)
    last = word[-1]
    if word.endswith("ie"):
        found |= {word + "s", word + "d", word[:-2] + "ying"}
    elif last == "e":
        found |= {word + "s", word + "d", word[:-1] + "ing"}
    elif last == "y" and word[-2] not in _VOWELS:
        found |= {word[:-1] + "ies", word[:-1] + "ied", word + "ing"}
    else:
        sibilant = word.endswith(("s", "x", "z", "ch", "sh", "o"))
        found |= {word + ("es" if sibilant else "s"), word + "ed", word + "ing"}
        if last not in _VOWELS and last not in "wxy" and word[-2] in _VOWELS:
            found |= {word + last + "ing", word + last + "ed"}
    return frozenset(found)


# --- The phrase language ---------------------------------------------------------------

_LEXEME = re.compile(r"\s*(\.\.\.|[.()\[\]|#]|[^\W_](?:[^\W_]|['\-])*)")
_TENS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen "
_TENS += "twenty thirty forty fifty sixty seventy eighty ninety hundred hundreds dozen dozens"
_UNITS = "one two three four five six seven eight nine"
# Ten or more: "30", "forty", "twenty five", "a hundred", "dozens" (an amount, not a dose).
_NUMBER = (
    r"(?:[1-9]\d+|" + "|".join(_TENS.split()) + r"),? (?:(?:" + "|".join(_UNITS.split())
    + r"|hundred),? )?"
)  # fmt: skip
# In prepared text a comma sticks to the word before it ("live, honestly").
_GAP = rf"(?:[^ {re.escape(BREAK + COMMA)}]+,? ){{0,{GAP_WORDS}}}"
_END = r"(?:(?<=, )|\. |$)"
HELP = (
    "Write words, with ( | ) for alternatives, [ ] for optional words, ... for up to "
    f"{GAP_WORDS} words in between, # for a number of ten or more, and a full stop at the "
    "end for the end of a sentence, e.g. (don't|do not) want to (wake up|be here)."
)


class PhraseError(ValueError):
    """A phrase that cannot be compiled; the message is for a moderator."""


@dataclass(frozen=True)
class _Node:
    kind: str  # "word", "seq", "alt", "opt", "gap", "num", "end"
    word: str = ""
    parts: tuple = ()


def _lex(pattern: str) -> list[str]:
    text = unicodedata.normalize("NFKC", pattern).casefold().translate(_APOSTROPHES)
    lexemes, at = [], 0
    while at < len(text):
        if text[at:].strip() == "":
            break
        found = _LEXEME.match(text, at)
        if not found:
            bad = text[at:].strip()[0]
            raise PhraseError(f"“{bad}” is not part of the phrase language. {HELP}")
        lexemes.append(found.group(1))
        at = found.end()
    return lexemes


class _Parser:
    def __init__(self, lexemes: list[str]):
        self.lexemes, self.at = lexemes, 0

    def peek(self):
        return self.lexemes[self.at] if self.at < len(self.lexemes) else None

    def take(self):
        self.at += 1
        return self.lexemes[self.at - 1]

    def seq(self, closing: str | None) -> _Node:
        items: list[_Node] = []
        while (lexeme := self.peek()) not in (None, "|", ")", "]"):
            self.take()
            if lexeme == "(":
                items.append(self.alternatives(")", "“(” has no matching “)”."))
            elif lexeme == "[":
                inner = self.alternatives("]", "“[” has no matching “]”.")
                items.append(_Node("opt", parts=(inner,)))
            elif lexeme == "...":
                items.append(_Node("gap"))
            elif lexeme == "#":
                items.append(_Node("num"))
            elif lexeme == ".":
                items.append(_Node("end"))
            else:
                for part in filter(None, lexeme.split("-")):
                    words = _expand(part.strip("'")).split()
                    items.extend(_Node("word", word=w) for w in words)
        return _Node("seq", parts=tuple(_join_nodes(items)))

    def phrase(self) -> _Node:
        """The whole phrase: alternatives without brackets are fine at the top."""
        options = [self.seq(None)]
        while self.peek() == "|":
            self.take()
            options.append(self.seq(None))
        if self.peek() is not None:
            raise PhraseError(f"“{self.peek()}” closes nothing. {HELP}")
        if any(not option.parts for option in options):
            raise PhraseError("An alternative holds nothing: put words on both sides of |.")
        return options[0] if len(options) == 1 else _Node("alt", parts=tuple(options))

    def alternatives(self, closing: str, unclosed: str) -> _Node:
        options = [self.seq(closing)]
        while self.peek() == "|":
            self.take()
            options.append(self.seq(closing))
        self.expect(closing, unclosed)
        if all(not option.parts for option in options):
            raise PhraseError("Brackets that hold nothing: put words inside, split by |.")
        return _Node("alt", parts=tuple(options))

    def expect(self, lexeme: str, message: str) -> None:
        if self.peek() != lexeme:
            raise PhraseError(message)
        self.take()


def _join_nodes(items: list[_Node]) -> list[_Node]:
    """ "my self" in a phrase is "myself", as in members' words."""
    joined: list[_Node] = []
    for item in items:
        if (
            item.kind == "word"
            and joined
            and joined[-1].kind == "word"
            and (joined[-1].word, item.word) in _JOINED
        ):
            joined[-1] = _Node("word", word=_JOINED[joined[-1].word, item.word])
        else:
            joined.append(item)
    return joined


def _fewest_words(node: _Node) -> int:
    """The fewest words and numbers a match of `node` holds."""
    if node.kind in ("word", "num"):
        return 1
    if node.kind == "seq":
        return sum(_fewest_words(part) for part in node.parts)
    if node.kind == "alt":
        return min(_fewest_words(part) for part in node.parts)
    return 0  # opt, gap, end


def _lone_words(node: _Node) -> set[str]:
    """The words that can make up a one-word match of `node`."""
    if node.kind == "word":
        return {node.word}
    if node.kind == "num":
        return {"#"}
    if node.kind == "seq":
        needed = [part for part in node.parts if _fewest_words(part)]
        return _lone_words(needed[0]) if len(needed) == 1 else set()
    if node.kind == "alt":
        return set().union(*(_lone_words(p) for p in node.parts if _fewest_words(p) == 1))
    return set()


def _regex(node: _Node) -> str:
    """Every word of the match is followed by one space, as in `_prepared`'s text."""
    if node.kind == "word":
        word = node.word
        found = forms(word)
        endings = sorted({f[len(word) :] for f in found if f.startswith(word) and f != word})
        options = [re.escape(word) + ("(?:" + "|".join(endings) + ")?" if endings else "")]
        options += sorted(re.escape(f) for f in found if not f.startswith(word))
        return (options[0] if len(options) == 1 else "(?:" + "|".join(options) + ")") + ",? "
    if node.kind == "num":
        return _NUMBER
    if node.kind == "end":
        return _END
    if node.kind == "gap":
        return _GAP
    if node.kind == "opt":
        return "(?:" + _regex(node.parts[0]) + ")?"
    if node.kind == "alt":
        return "(?:" + "|".join(_regex(part) for part in node.parts) + ")"
    return "".join(_regex(part) for part in node.parts)


def _words_in(node: _Node) -> set[str]:
    if node.kind == "word":
        return {node.word}
    return set().union(*(_words_in(part) for part in node.parts)) if node.parts else set()


NUMBER = "#"  # the key of every number word, in `_firsts`
_NUMBERS = _set(_TENS + " " + _UNITS)


def _firsts(node: _Node) -> tuple[frozenset[str] | None, bool]:
    """The words a match of `node` can start with (None: any word), and whether it can
    match nothing at all (so the next part's first words count too)."""
    if node.kind == "word":
        return forms(node.word), False
    if node.kind == "num":
        return frozenset({NUMBER}), False
    if node.kind == "end":
        return frozenset({BREAK, COMMA}), False
    if node.kind == "gap":
        return None, True
    if node.kind == "opt":
        return _firsts(node.parts[0])[0], True
    found: set[str] = set()
    nullable = node.kind == "seq"
    for part in node.parts:
        firsts, empty = _firsts(part)
        if firsts is None:
            return None, True
        found |= firsts
        if node.kind == "seq" and not empty:
            return frozenset(found), False
        if node.kind == "alt":
            nullable = nullable or empty
    return frozenset(found), nullable


@dataclass(frozen=True)
class CompiledPhrase:
    pattern: str
    regex: str
    words: frozenset[str]  # the phrase's words as written (their base forms)
    firsts: frozenset[str] | None  # the words a match can start with (None: any word)
    search: re.Pattern  # finds the phrase in prepared text


def compile_phrase(pattern: str) -> CompiledPhrase:
    """The phrase language to a regular expression over `_prepared` text, or
    PhraseError with a message a moderator can act on. Everything a moderator writes is
    escaped: only words, alternatives, optional parts, gaps and numbers reach the regex."""
    if not pattern or not pattern.strip():
        raise PhraseError(f"Write a phrase. {HELP}")
    if len(pattern) > PHRASE_MAX:
        raise PhraseError(f"Keep a phrase under {PHRASE_MAX} characters: split it in two.")
    tree = _Parser(_lex(pattern)).phrase()
    if not _words_in(tree):
        raise PhraseError(f"A phrase needs at least one word. {HELP}")
    if _fewest_words(tree) == 0:
        raise PhraseError(
            "Every word of this phrase is optional, so it would match any text: "
            "make at least one word required (outside [ ])."
        )
    short = sorted(w for w in _lone_words(tree) if len(w) < SINGLE_WORD_MIN)
    if short:
        raise PhraseError(
            f"“{short[0]}” on its own would match too much everyday talk (“the printer "
            "died”): add the words around it, such as “want to die”."
        )
    if tree.kind == "seq" and tree.parts[0].kind in ("gap", "end"):
        raise PhraseError("A phrase starts with a word: “...” and “.” go after words.")
    regex = _regex(tree)
    try:
        search = re.compile("(?<= )" + regex)
    except re.error as error:  # pragma: no cover - escaped input; kept as a last guard
        raise PhraseError(f"This phrase could not be read ({error}). {HELP}") from error
    return CompiledPhrase(
        pattern=pattern.strip(),
        regex=regex,
        words=frozenset(_words_in(tree)),
        firsts=_firsts(tree)[0],
        search=search,
    )


def validate_phrase(pattern: str) -> None:
    """The model field's validator: the form shows the phrase language's own message."""
    try:
        compile_phrase(pattern)
    except PhraseError as error:
        raise ValidationError(str(error), code="phrase") from error


# --- Typos -------------------------------------------------------------------------------


def _one_edit_apart(a: str, b: str) -> bool:
    """One letter changed, missing, extra, or two neighbours swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return a == b
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (
            len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )  # fmt: skip
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = next((i for i in range(len(short)) if short[i] != long[i]), len(short))
    return short[i:] == long[i + 1 :]


def _long(word: str) -> bool:
    """Seven letters or more, not counting an -s, -ed or -ing ending: "suicidal" and
    "painkillers" are long; "cutting" and "burning" are not (one letter from "putting"
    and "turning": a short word's forms are never mended to)."""
    for ending in ("ing", "ed", "s"):
        if word.endswith(ending):
            word = word[: -len(ending)]
            break
    return len(word) >= TYPO_MIN and word.isalpha()


class _Typos:
    """Mends a one-letter typo in a long word towards a long word of the phrases
    (and its forms). Real words near them (NOT_TYPOS) stay as written."""

    def __init__(self, long_words: set[str], known: set[str]):
        self.known = known
        self.index: dict[str, set[str]] = {}
        for word in long_words:
            for variant in {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}:
                self.index.setdefault(variant, set()).add(word)
        self.seen: dict[str, str] = {}

    def mend(self, word: str) -> str:
        # A typed word one letter short of a long one ("sucide") is mended too.
        if len(word) < TYPO_MIN - 1 or word in self.known or not self.index:
            return word
        if word in self.seen:
            return self.seen[word]
        mended = word
        if word not in NOT_TYPOS and word.isalpha():
            near = set()
            for variant in {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}:
                near |= self.index.get(variant, set())
            near = sorted(w for w in near if _one_edit_apart(word, w))
            if near:
                mended = near[0]
        if len(self.seen) > 50_000:
            self.seen.clear()
        self.seen[word] = mended
        return mended


# --- Matching ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Phrase:
    family: str
    pattern: str
    pk: int | None = None  # None for a fallback phrase


@dataclass(frozen=True)
class Assessment:
    """What `assess` found: the families and phrases that matched. Falsy when nothing did."""

    families: frozenset[str] = frozenset()
    phrases: tuple[Phrase, ...] = ()
    read_as: str = field(default="", compare=False)  # the words as matched, for the admin

    @property
    def matched(self) -> bool:
        return bool(self.phrases)

    @property
    def describes_method(self) -> bool:
        """Words that describe a method: the support card holds the post for review."""
        return Family.METHOD in self.families

    def __bool__(self) -> bool:
        return self.matched


class Matcher:
    """A set of compiled phrases. For "any?", the phrases are indexed by the words they
    can start with and tried only where such a word stands: a long post costs a walk over
    its words, not every phrase at every word. For "which?", each phrase in turn."""

    def __init__(self, phrases: list[tuple[Phrase, CompiledPhrase]], *, token=None):
        self.token = token
        self.checked_at = _clock()
        self.phrases = tuple(phrase for phrase, _ in phrases)
        self.each = tuple(c.search for _, c in phrases)
        starting: dict[str, list[re.Pattern]] = {}
        self.anywhere = tuple(c.search for _, c in phrases if c.firsts is None)
        for _, c in phrases:
            for first in c.firsts or ():
                starting.setdefault(first, []).append(c.search)
        self.starting = {first: tuple(searches) for first, searches in starting.items()}
        written = {word for _, c in phrases for word in c.words}
        known = {form for word in written for form in forms(word)}
        long_forms = {form for word in written if _long(word) for form in forms(word)}
        self.typos = _Typos(long_forms, known)

    def words(self, text: str) -> list[str]:
        """The words as phrases read them (see `words_of`), typos mended."""
        return [self.typos.mend(w) for w in words_of(text)]

    @staticmethod
    def _prepared(words: list[str]) -> tuple[str, list[tuple[int, str]]]:
        """The text as phrases read it (words between single spaces, a space at each end,
        a comma stuck to the word before it: " i want to live, honestly "), and where
        each word starts."""
        parts: list[str] = []
        starts: list[tuple[int, str]] = []
        at = 1
        for word in words:
            if word == COMMA and parts:
                parts[-1] += COMMA
                at += 1
                continue
            starts.append((at, word))
            parts.append(word)
            at += len(word) + 1
        return " " + " ".join(parts) + " ", starts

    def _found(self, prepared: str, starts: list[tuple[int, str]]) -> bool:
        if any(search.search(prepared) for search in self.anywhere):
            return True
        for at, word in starts:
            key = NUMBER if word in _NUMBERS or word.isdigit() else word
            for search in self.starting.get(key, ()):
                if search.match(prepared, at):
                    return True
        return False

    def matches(self, text: str) -> bool:
        return bool(text) and self._found(*self._prepared(self.words(text)))

    def assess(self, text: str) -> Assessment:
        if not text:
            return Assessment()
        prepared, starts = self._prepared(self.words(text))
        read_as = prepared.strip()
        if not self._found(prepared, starts):
            return Assessment(read_as=read_as)
        found = tuple(
            phrase
            for phrase, regex in zip(self.phrases, self.each, strict=True)
            if regex.search(prepared)
        )
        return Assessment(
            families=frozenset(p.family for p in found), phrases=found, read_as=read_as
        )


def _clock() -> float:
    return time.monotonic()


def _fallback() -> list[tuple[Phrase, CompiledPhrase]]:
    return [
        (Phrase(family, pattern), compile_phrase(pattern)) for family, pattern in FALLBACK_PHRASES
    ]


def build() -> Matcher:
    """A matcher on the active phrases, read now (the fallback when there are none or the
    table cannot be read). One query."""
    from community.models import CrisisPhrase  # models import this module

    token = _generation()  # read first: a change after the read moves it on again
    try:
        with transaction.atomic():  # a missing table must not break the caller's transaction
            rows = list(
                CrisisPhrase.objects.filter(is_active=True)
                .order_by("pk")
                .values_list("pk", "family", "pattern")
            )
    except DatabaseError:
        logger.warning("Crisis phrases could not be read; using the fallback.", exc_info=True)
        rows = []
    phrases = []
    for pk, family, pattern in rows:
        try:
            phrases.append((Phrase(family, pattern, pk), compile_phrase(pattern)))
        except PhraseError:  # saved before a rule tightened: skipped, and said
            logger.warning("Crisis phrase %s no longer compiles; skipped.", pk)
    if not phrases:
        logger.warning("No active crisis phrase: using the fallback list.")
        phrases = _fallback()
    return Matcher(phrases, token=token)


_lock = threading.Lock()
_current: Matcher | None = None


def _generation():
    """The generation in the cache (None when missing or unreachable: keep what we have)."""
    try:
        return cache.get(GENERATION_KEY)
    except Exception:
        logger.warning("Could not reach the cache for the crisis phrases.", exc_info=True)
        return None


def matcher() -> Matcher:
    """This process's matcher: built on first use; looked at every CHECK_SECONDS, and
    built again when a moderator's change moved the generation. A generation missing
    from the cache (evicted, cleared) keeps the matcher: only a change rebuilds."""
    global _current
    current = _current
    now = _clock()
    if current is not None and now - current.checked_at < CHECK_SECONDS:
        return current
    with _lock:
        current = _current
        if current is not None and now - current.checked_at < CHECK_SECONDS:
            return current
        token = _generation() if current is not None else None
        if current is None or (token is not None and token != current.token):
            current = build()
        else:
            current.checked_at = now
        _current = current
        return current


def forget() -> None:
    """The phrases changed: this process builds again at its next match, and every other
    within CHECK_SECONDS. The generation moves now and again after the commit, so a
    process that read the old rows just before cannot keep them. A cache that is down
    delays only the other processes."""
    global _current

    def move_on():
        global _current
        _current = None
        try:
            cache.set(GENERATION_KEY, uuid.uuid4().hex, None)
        except Exception:
            logger.warning("Could not reach the cache to refresh crisis phrases.", exc_info=True)

    move_on()
    transaction.on_commit(move_on)


def mentions_crisis(text: str) -> bool:
    """True when `text` contains crisis language (any family)."""
    return bool(text) and matcher().matches(text)


def assess(text: str) -> Assessment:
    """Which families and phrases `text` matches; `.describes_method` for a method."""
    return matcher().assess(text)
