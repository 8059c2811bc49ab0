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

from html import escape as html_escape

from django.conf import settings
from django.template import engines
from django.template.defaultfilters import date, linebreaksbr, pluralize, timesince_filter
from django.templatetags.static import static
from django.utils.formats import localize
from django.utils.functional import Promise
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString
from django.utils.timezone import get_current_timezone, template_localtime
from jinja2 import Environment, Undefined
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


def local_date(value, arg=None):
    """Django's `date` filter, on the value in local time as Django's language gives it."""
    return date(template_localtime(value), arg)


def escaped_linebreaksbr(value):
    """Django's `linebreaksbr`, escaping first as it does under autoescape."""
    return linebreaksbr(value, autoescape=True)


def include_dtl(template_name: str, **context) -> str:
    """A template in Django's language, for a small part the pages share (e.g. the live
    region's words after an htmx answer)."""
    # A name Jinja2 doesn't know is one Django's language doesn't either: left out.
    context = {k: v for k, v in context.items() if not isinstance(v, Undefined)}
    return engines["django"].get_template(template_name).render(context)


def environment(**options) -> Environment:
    options["finalize"] = finalize
    options.setdefault("keep_trailing_newline", True)  # forms: see fourc.lib.forms
    env = Environment(**options)  # noqa: S701 - Django's backend sets autoescape=True
    env.globals.update(
        link_to=link_to,
        static=static,
        include_dtl=include_dtl,
        current_timezone=get_current_timezone,
    )
    env.filters.update(
        date=local_date,
        timesince=timesince_filter,
        pluralize=pluralize,
        linebreaksbr=escaped_linebreaksbr,
    )
    return env
