"""4C's form markup, and the three helpers every view uses to answer a form: was it
`submitted` (a POST, under the rate limit, valid), `refuse` it when a service says
no, and the `status_of` the page that shows it again (README, "Views")."""

import functools
from functools import cached_property
from pathlib import Path

import django.forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.renderers import TemplatesSetting
from django.template import TemplateDoesNotExist
from django.template.backends.jinja2 import Jinja2
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods, require_safe

from fourc.lib import once, ratelimit

# A refusal is a form-wide error whose code says which status the page gets.
REFUSAL_CODES = {403: "not_allowed", 409: "conflict", 429: "slow_down"}


class FormRenderer(TemplatesSetting):
    """Renders every form field with 4C's markup: label, errors, input, help.

    Drawn in Jinja2: 4C's form and field markup and its scale (templates/jinja2/forms/),
    and Django's own widgets from Django's Jinja2 templates of them (django/forms/jinja2/:
    the same HTML as its own language's, up to whitespace between tags). A check-in form
    alone is some 25 widget templates; Jinja2 draws it in half the time (1.5 ms against
    2.9). What exists only in Django's language (the admin's own widgets) is drawn there.

    Values are written as Django writes them (fourc.jinja2.finalize); unlike the cards'
    environment, a template's last newline is dropped, as Django's widget templates for
    Jinja2 expect (so 4C's end with an empty line, to keep one)."""

    form_template_name = "forms/div.html"
    field_template_name = "forms/field.html"

    @cached_property
    def jinja2(self) -> Jinja2:
        return Jinja2(
            {
                "NAME": "forms",
                "DIRS": [
                    Path(settings.BASE_DIR) / "templates" / "jinja2",
                    Path(django.forms.__file__).parent / "jinja2",
                ],
                "APP_DIRS": False,
                "OPTIONS": {
                    "environment": "fourc.jinja2.environment",
                    "keep_trailing_newline": False,
                },
            }
        )

    def get_template(self, template_name):
        try:
            return self.jinja2.get_template(template_name)
        except TemplateDoesNotExist:
            return super().get_template(template_name)


class DrawnOnce:
    """A form whose empty state is the same for everyone (no initial of its own, no
    prefix): drawn once per class and language, then the fresh one-time key
    (fourc.lib.once.SubmitKeyField, named `submit_key`) stamped in at each drawing.
    The home page draws the check-in form for every member; its 25 widget templates were
    a fifth of the page. A bound form (the member's choices, errors) is drawn as usual.
    A change to its templates shows after a restart."""

    def render(self, template_name=None, context=None, renderer=None):
        if self.is_bound or self.initial or self.prefix or template_name or context or renderer:
            return super().render(template_name, context, renderer)
        drawn = _drawn_empty(type(self), get_language())
        return mark_safe(drawn.replace(KEY_SLOT, once.new_key()))  # noqa: S308 - the key is [A-Za-z0-9_-]

    __str__ = __html__ = render


KEY_SLOT = "fourc-key-slot-0123456789"  # where a key goes: a key's characters, unique


@functools.lru_cache(maxsize=64)
def _drawn_empty(form_class, language) -> str:
    html = str(form_class(initial={"submit_key": KEY_SLOT}))  # drawn as usual
    if html.count(KEY_SLOT) != 1:
        raise ValueError(f"{form_class.__name__} has no one `submit_key` to stamp")
    return html


def submitted(request, form) -> bool:
    """True when this is a POST of a valid form that the member may send now. This is
    where the view's rate limit (`fourc.lib.ratelimit.limit`) counts the POST; over it
    the form is refused with the slow-down words instead, and keeps what was typed."""
    if request.method != "POST" or not form.is_bound:
        return False
    if ratelimit.slow_down(request):
        refuse(form, ratelimit.SLOW_DOWN, status=429)
        return False
    return form.is_valid()


def refuse(form, reason, *, status: int = 403) -> None:
    """Shows `reason` (a service's error, or words) above the form; `status_of(form)`
    then answers `status`: 403 when the member may not do this, 409 when the state of
    things says no (a finished step, a closed gathering), 429 to slow down."""
    form.add_error(None, ValidationError(str(reason), code=REFUSAL_CODES[status]))


def status_of(form) -> int:
    """The status of a page showing `form`: 200 when fresh or fine, the refusal's status
    when refused, 400 when what was typed needs another look."""
    if not form.is_bound or not form.errors:
        return 200
    for status, code in REFUSAL_CODES.items():
        if form.has_error(NON_FIELD_ERRORS, code):
            return status
    return 400


def say_why(request, form) -> None:
    """For a form that is only buttons (a reaction, a place, a step's card): its errors
    become messages, which the page shows at the top and a fragment shows inside itself
    (and in the live region), where the member acted."""
    for errors in form.errors.values():
        for error in errors:
            messages.info(request, error)


# The methods a view answers (README, "Views"); anything else is a 405. A page is read
# with GET (HEAD too); a page with a form also takes its POST; an action is a POST only.
require_page = require_safe
require_form_page = require_http_methods(["GET", "HEAD", "POST"])
