"""The Jinja2 environment of the cards a list draws many times (templates/jinja2/).

A page stays in Django's template language (base.html, messages); the items of its long
lists are drawn here, a list in one call ({% render_jinja %} and {% render_each %} in
fourc/templatetags/cards.py), and so are forms (fourc.lib.forms.FormRenderer, with
`keep_trailing_newline` off). A card's output is the very HTML the same markup gives
in Django's language:
- every `{{ value }}` goes through `finalize`, Django's own rendering of a value
  (render_value_in_context: local time, localised numbers, Django's escaping, which
  writes &#x27; and &quot; where MarkupSafe's would write &#39; and &#34;);
- the filters are Django's own functions (`date` in local time, as Django's filter
  expects it);
- addresses come from `link_to`, the same cached reversal as {% link_to %};
- a file's last newline is kept, as an include keeps it.
Unlike Django's language, Jinja2 calls no method by itself: a card writes
`post.get_intent_display()`.
"""

import functools
from html import escape as html_escape

from django.conf import settings
from django.template import engines
from django.template.defaultfilters import date, linebreaksbr, pluralize
from django.templatetags.static import static
from django.utils.formats import localize
from django.utils.functional import Promise
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString
from django.utils.timesince import TIME_STRINGS, timesince
from django.utils.timezone import get_current_timezone, template_localtime
from django.utils.translation import get_language
from jinja2 import Environment, Undefined, pass_context
from markupsafe import Markup

from fourc.templatetags.links import link_to


def finalize(value):
    """What Django's `{{ value }}` writes (django.template.base.render_value_in_context),
    with quick ways for the commonest values that give the same text: a string is escaped
    as django.utils.html.escape does it (html.escape, without its lazy-string wrapper), an
    int written as localize() writes it when no thousands separator is set."""
    kind = type(value)
    if kind is str:
        return Markup(html_escape(value))  # noqa: S704 - escaped here
    if kind is int and not settings.USE_THOUSAND_SEPARATOR:
        return Markup(value)  # noqa: S704 - digits
    if kind is SafeString or kind is Markup:
        return value
    if isinstance(value, Promise):  # lazy (a translation, csrf_input): localize() leaves it
        value = str(value)
        return value if hasattr(value, "__html__") else Markup(html_escape(value))  # noqa: S704
    value = localize(template_localtime(value))
    if not issubclass(type(value), str):
        value = str(value)
    return conditional_escape(value)


def here(context) -> tuple:
    """(language, time zone) of this drawing: read once for a list by the cards' context
    (fourc.templatetags.cards, `_here`), else now. Each is a context-local lookup, and a
    thread's list asked for them some 200 times."""
    kept = context.get("_here")
    return kept if kept is not None else (get_language(), get_current_timezone())


@pass_context
def local_date(context, value, arg=None):
    """Django's `date` filter, on the value in local time as Django's language gives it.
    Each moment's words are kept per format, time zone and language: a list shows the
    same gatherings and posts to everyone, and Django's formatting is slow (a page of
    gatherings formatted 75 dates)."""
    # Equal moments may differ in what is written (a fold, a zone of their own): both kept.
    kept_as = (getattr(value, "tzinfo", None), getattr(value, "fold", 0))
    language, zone = here(context)
    try:
        return _local_date(value, kept_as, arg, zone, language)
    except TypeError:  # unhashable: formatted as it comes
        return date(template_localtime(value), arg)


@functools.lru_cache(maxsize=8192)
def _local_date(value, kept_as, arg, zone, language) -> str:
    return date(template_localtime(value), arg)  # in `zone`, the active time zone


@pass_context
def local_timesince(context, value, arg=None):
    """Django's `timesince` filter, with each unit's words ("3 days") made once per
    language: Django makes them from a lazy plural translation every time (a class made
    per call), a tenth of a thread page's time."""
    if not value:
        return ""
    try:
        return timesince(value, arg or None, time_strings=_kept_time_strings(here(context)[0]))
    except (ValueError, TypeError):
        return ""


class _KeptUnit:
    """One of Django's TIME_STRINGS, as timesince uses it: `unit % {"num": n}`."""

    def __init__(self, name: str, language: str):
        self.name = name
        self.language = language

    def __mod__(self, values: dict) -> str:
        return _unit_words(self.name, values["num"], self.language)


@functools.lru_cache(maxsize=1024)
def _unit_words(name: str, num: int, language) -> str:
    return str(TIME_STRINGS[name] % {"num": num})  # in `language`, the active one


@functools.cache
def _kept_time_strings(language: str) -> dict:
    return {name: _KeptUnit(name, language) for name in TIME_STRINGS}


def escaped_linebreaksbr(value):
    """Django's `linebreaksbr`, escaping first as it does under autoescape."""
    return linebreaksbr(value, autoescape=True)


KEY_SLOT = "\x00key\x00"  # where a stamped template writes its key: no text holds a NUL


@pass_context
def stamped(context, template_name: str, key: str, items) -> Markup:
    """`template_name` drawn for each of `items` (hashable: named tuples) with `key` where
    it writes {{ key }}, from a copy drawn once per item's value and language: a thread
    draws two hundred reaction buttons of four kinds and a few dozen counts, each the same
    markup but for its reply's key. The template sees `key` and `item` alone."""
    key = html_escape(key)
    language = here(context)[0]
    return Markup(  # noqa: S704 - drawn by Jinja2, the key escaped
        "".join(_drawn(template_name, item, language).replace(KEY_SLOT, key) for item in items)
    )


@functools.lru_cache(maxsize=4096)
def _drawn(template_name: str, item, language) -> str:
    return engines["jinja2"].env.get_template(template_name).render(key=KEY_SLOT, item=item)


def include_dtl(template_name: str, **context) -> str:
    """A template in Django's language, for a small part the pages share (e.g. the live
    region's words after an htmx answer)."""
    # A name Jinja2 doesn't know is one Django's language doesn't either: left out.
    context = {k: v for k, v in context.items() if not isinstance(v, Undefined)}
    return engines["django"].get_template(template_name).render(context)


def environment(**options) -> Environment:
    from community.models import reply_anchor  # the apps are loaded by now

    options["finalize"] = finalize
    options.setdefault("keep_trailing_newline", True)  # forms: see fourc.lib.forms
    env = Environment(**options)  # noqa: S701 - Django's backend sets autoescape=True
    env.globals.update(
        link_to=link_to,
        static=static,
        include_dtl=include_dtl,
        stamped=stamped,
        current_timezone=get_current_timezone,
        reply_anchor=reply_anchor,
    )
    env.filters.update(
        date=local_date,
        timesince=local_timesince,
        pluralize=pluralize,
        linebreaksbr=escaped_linebreaksbr,
    )
    return env
