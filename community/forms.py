import functools

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from community.handles import RESERVED_HANDLES
from community.models import (
    BIO_MAX,
    DISPLAY_NAME_MAX,
    HANDLE_MAX,
    PRONOUNS_MAX,
    User,
    available_time_zones,
    handle_validator,
)


@functools.cache
def time_zone_choices() -> list[tuple[str, str]]:
    return [(tz, tz.replace("_", " ")) for tz in sorted(available_time_zones())]


class PlainSelect(forms.Select):
    """A select whose options are written in Python, not one template each.

    Six hundred time zones through the template engine cost about 20 ms a page.
    """

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        selected = "" if value is None else str(value)
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (option, mark_safe(" selected") if str(option) == selected else "", label)  # noqa: S308
                for option, label in self.choices
            ),
        )
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(final_attrs), options)


class TimeZoneField(forms.ChoiceField):
    widget = PlainSelect

    default_error_messages = {
        "invalid_choice": "Choose a time zone from the list, such as Europe/London.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("choices", time_zone_choices)
        kwargs.setdefault("initial", "UTC")
        kwargs.setdefault("help_text", "So reminders and gatherings show in your own time.")
        super().__init__(**kwargs)


def clean_display_name(value: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise forms.ValidationError("Please choose a name to show other members.")
    return value


class SignupForm(AllauthSignupForm):
    """allauth's sign-up with a display name and a time zone.

    The adapter (community.adapters.AccountAdapter) copies these onto the
    new member and gives them a unique handle.
    """

    display_name = forms.CharField(
        max_length=DISPLAY_NAME_MAX,
        label="Display name",
        help_text="How other members see you. It doesn't need to be your real name.",
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
        error_messages={"required": "Please choose a name to show other members."},
    )
    time_zone = TimeZoneField(label="Time zone")

    field_order = ["display_name", "email", "password1", "password2", "time_zone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(self.field_order)
        self.fields["time_zone"].widget.attrs["data-browser-time-zone"] = ""

    def clean_display_name(self) -> str:
        return clean_display_name(self.cleaned_data["display_name"])


class ProfileForm(forms.Form):
    """A member's own profile. The member is passed in to check the handle is free."""

    display_name = forms.CharField(
        max_length=DISPLAY_NAME_MAX,
        label="Display name",
        help_text="How other members see you. It doesn't need to be your real name.",
        error_messages={"required": "Please choose a name to show other members."},
    )
    handle = forms.CharField(
        max_length=HANDLE_MAX,
        label="Handle",
        help_text="For your profile address and @mentions: letters, numbers, underscores.",
    )
    pronouns = forms.CharField(
        max_length=PRONOUNS_MAX, required=False, help_text="Optional, shown as you write them."
    )
    bio = forms.CharField(
        max_length=BIO_MAX,
        required=False,
        label="A little about you",
        help_text=f"Optional, up to {BIO_MAX} characters. Members see it on your page.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    time_zone = TimeZoneField(label="Time zone")

    def __init__(self, *args, member: User, **kwargs):
        self.member = member
        kwargs.setdefault("initial", {name: getattr(member, name) for name in self.base_fields})
        super().__init__(*args, **kwargs)

    def clean_display_name(self) -> str:
        return clean_display_name(self.cleaned_data["display_name"])

    def clean_handle(self) -> str:
        handle = self.cleaned_data["handle"].strip().lower().lstrip("@")
        handle_validator(handle)
        if handle in RESERVED_HANDLES and handle != self.member.handle:
            raise forms.ValidationError("That handle is kept for 4C itself. Try another.")
        if User.objects.filter(handle=handle).exclude(pk=self.member.pk).exists():
            raise forms.ValidationError("Someone already has that handle. Try another.")
        return handle
