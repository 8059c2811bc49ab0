"""{% link_to %}: `{% url %}` for a view of no argument or one (an id, a handle, a slug),
without reversing the address each time.

A list page links each of its items to addresses of its own (a reply's reaction, edit and
report pages, its author's profile), and every page to the dozen in its navigation:
reversing one costs more than drawing the rest of an item. The address is reversed once
per view, around a stand-in, and the argument put in the stand-in's place; anything the
stand-in can't vouch for is reversed as usual.
"""

import functools
import re

from django import template
from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

register = template.Library()

STAND_IN = 7310954862  # digits: a part of the address that int, slug and str all accept
WORD = re.compile(r"[A-Za-z0-9_-]+")  # safe in a URL as it is; a handle's or a slug's shape


NO_ARGUMENT = object()


@functools.cache
def _address(viewname: str, prefix: str, urlconf) -> str:
    return reverse(viewname, urlconf=urlconf)


@functools.cache
def _around(viewname: str, prefix: str, urlconf) -> tuple[str, str, bool]:
    """The view's address either side of its argument, and whether the argument may be a
    word (slug and str converters) rather than only digits (int)."""
    head, _, tail = reverse(viewname, args=[STAND_IN], urlconf=urlconf).partition(str(STAND_IN))
    try:
        reverse(viewname, args=["a_word"], urlconf=urlconf)
    except NoReverseMatch:
        return head, tail, False
    return head, tail, True


@register.simple_tag
def link_to(viewname: str, arg=NO_ARGUMENT) -> str:
    """The same address as `{% url viewname %}` or `{% url viewname arg %}`."""
    # Keyed by what reverse() reads besides the name: a script prefix (4C served under a
    # path) and the URLconf (a request's own, or the settings' one a test may change).
    return _link(viewname, arg, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)


def link_to_here():
    """`link_to` for one drawing: the script prefix and URLconf read once, not for each
    address (a thread's list writes 150; each read is a context-local lookup)."""
    prefix, urlconf = get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF

    def link_to(viewname: str, arg=NO_ARGUMENT) -> str:
        return _link(viewname, arg, prefix, urlconf)

    return link_to


def _link(viewname: str, arg, prefix: str, urlconf) -> str:
    if arg is NO_ARGUMENT:
        return _address(viewname, prefix, urlconf)
    head, tail, takes_words = _around(viewname, prefix, urlconf)
    if type(arg) is int and arg >= 0:
        return f"{head}{arg}{tail}"
    if takes_words and type(arg) is str and WORD.fullmatch(arg):
        return f"{head}{arg}{tail}"
    return reverse(viewname, args=[arg], urlconf=urlconf)
