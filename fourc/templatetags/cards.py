"""Cards drawn by Jinja2 (fourc/jinja2.py) inside a page in Django's language.

    {% render_jinja "community/cards/replies.jinja" replies=replies can_write=can_write %}
    {% render_each "community/cards/post_card.jinja" page.items as="post" show_space=True %}

`render_jinja` draws one template (which loops over its list itself); `render_each` draws
a card once per item, the loop in Jinja2 too: either way one call per list, not one per
item. Besides the arguments, a card sees the page's `request`, `user`, `messages` and
`csrf_input` (the page's own {% csrf_token %}), and what every item reads alike, read once
for the list: `link_to` with the request's script prefix and URLconf, and `_here`, the
language and time zone (fourc.jinja2.here).
"""

import functools

from django import template
from django.template import engines
from django.template.defaulttags import CsrfTokenNode
from django.utils.safestring import mark_safe
from django.utils.timezone import get_current_timezone
from django.utils.translation import get_language

from fourc.templatetags.links import link_to_here

register = template.Library()

_CSRF = CsrfTokenNode()


def _env():
    return engines["jinja2"].env


def _context(context, extra: dict) -> dict:
    return {
        "request": context.get("request"),
        "user": context.get("user"),
        "messages": context.get("messages", ()),
        "csrf_input": _CSRF.render(context),
        # What every item of a list reads alike, read once for the list.
        "_here": (get_language(), get_current_timezone()),
        "link_to": link_to_here(),
        **extra,
    }


@register.simple_tag(takes_context=True)
def render_jinja(context, template_name: str, **extra):
    return mark_safe(_env().get_template(template_name).render(_context(context, extra)))  # noqa: S308 - Jinja2 escaped it


@functools.cache
def _loop(env, template_name: str, target: str):
    return env.from_string(
        "{% for " + target + " in __items %}{% include " + repr(template_name) + " %}{% endfor %}"
    )


@register.simple_tag(takes_context=True)
def render_each(context, template_name: str, items, **extra):
    target = extra.pop("as")
    loop = _loop(_env(), template_name, target)
    return mark_safe(loop.render(_context(context, {**extra, "__items": items})))  # noqa: S308
