import functools

from allauth.account import forms as allauth_forms
from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.forms.utils import flatatt
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from community import muting
from community.handles import RESERVED_HANDLES, normalise_handle
from community.models import (
    BIO_MAX,
    BODY_MAX,
    CONTENT_WARNING_MAX,
    DISPLAY_NAME_MAX,
    GATHERING_MAX_CAPACITY,
    GATHERING_MAX_MINUTES,
    HANDLE_MAX,
    MUTED_WORD_MAX,
    MUTED_WORDS_MAX,
    PRONOUNS_MAX,
    REPORT_DETAILS_MAX,
    TITLE_MAX,
    DeletionMode,
    GatheringFormat,
    Intent,
    ReactionKind,
    ReportReason,
    Space,
    User,
    available_time_zones,
    gathering_start_error,
    handle_validator,
    validate_single_line,
)
from community.names import validate_display_name, validate_handle_name
from community.text import validate_has_words, validate_plain_text
from fourc.lib.once import SubmitKeyField


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
    """Spaces tidied; no hidden characters; nothing that passes for 4C's team or an
    anonymous author (community.names, the same validator the model runs)."""
    value = " ".join(value.split())
    if not value:
        raise forms.ValidationError("Please choose a name to show other members.")
    validate_plain_text(value)
    validate_display_name(value)
    return value


class SentenceCaseLabels:
    """allauth's Title Case labels in 4C's sentence case; placeholders follow them."""

    labels: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in self.labels.items():
            field = self.fields[name]
            field.label = label
            if "placeholder" in field.widget.attrs:
                field.widget.attrs["placeholder"] = label


class LoginForm(SentenceCaseLabels, allauth_forms.LoginForm):
    labels = {"remember": "Keep me logged in on this device"}


class ChangePasswordForm(SentenceCaseLabels, allauth_forms.ChangePasswordForm):
    labels = {
        "oldpassword": "Current password",
        "password1": "New password",
        "password2": "New password (again)",
    }


class ResetPasswordKeyForm(SentenceCaseLabels, allauth_forms.ResetPasswordKeyForm):
    labels = {"password1": "New password", "password2": "New password (again)"}


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
    accept_guidelines = forms.BooleanField(
        label="I've read the community guidelines and I'll help keep 4C kind",
        error_messages={
            "required": "To join, please read the community guidelines and tick the box. "
            "They're how we keep this place kind and safe."
        },
    )

    field_order = [
        "display_name", "email", "password1", "password2", "time_zone", "accept_guidelines",
    ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(self.field_order)
        self.fields["time_zone"].widget.attrs["data-browser-time-zone"] = ""
        self.fields["accept_guidelines"].help_text = format_html(
            '<a href="{}" target="_blank" rel="noopener">Read the community guidelines</a> '
            "(they open in a new tab, so nothing here is lost; a few minutes' read).",
            reverse("community:guidelines"),
        )

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
        max_length=PRONOUNS_MAX,
        required=False,
        help_text="Optional, shown as you write them.",
        validators=[validate_plain_text],
    )
    bio = forms.CharField(
        max_length=BIO_MAX,
        required=False,
        label="A little about you",
        help_text=f"Optional, up to {BIO_MAX} characters. Members see it on your page.",
        widget=forms.Textarea(attrs={"rows": 4}),
        validators=[validate_plain_text],
    )
    time_zone = TimeZoneField(label="Time zone")

    def __init__(self, *args, member: User, **kwargs):
        self.member = member
        kwargs.setdefault("initial", {name: getattr(member, name) for name in self.base_fields})
        super().__init__(*args, **kwargs)

    def clean_display_name(self) -> str:
        return clean_display_name(self.cleaned_data["display_name"])

    def clean_handle(self) -> str:
        handle = normalise_handle(self.cleaned_data["handle"])
        handle_validator(handle)
        validate_handle_name(handle)
        if handle in RESERVED_HANDLES and handle != self.member.handle:
            raise forms.ValidationError("That handle is kept for 4C itself. Try another.")
        if User.objects.filter(handle=handle).exclude(pk=self.member.pk).exists():
            raise forms.ValidationError("Someone already has that handle. Try another.")
        return handle


# --- Community ----------------------------------------------------------------


def member_text_field(*, max_length: int, label: str, widget=None, required=True, **kwargs):
    validators = [validate_plain_text]
    if required:
        validators.append(validate_has_words)
    return forms.CharField(
        max_length=max_length,
        label=label,
        required=required,
        strip=True,
        widget=widget,
        validators=validators,
        error_messages={
            "required": "This is empty. Write a few words, whatever feels right.",
            "max_length": "This is a little long: please keep it under %(limit_value)d characters "
            "(it's %(show_value)d now).",
        },
        **kwargs,
    )


class PostForm(forms.Form):
    title = member_text_field(max_length=TITLE_MAX, label="Title")
    body = member_text_field(
        max_length=BODY_MAX,
        label="What would you like to say?",
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="You can use Markdown: *italic*, **bold**, lists, links. "
        "@handle mentions a member.",
    )
    intent = forms.ChoiceField(
        label="What is this post?",
        choices=Intent.choices,
        initial=Intent.SUPPORT,
        widget=forms.RadioSelect,
    )
    content_warning = member_text_field(
        max_length=CONTENT_WARNING_MAX,
        label="Content warning (optional)",
        required=False,
        help_text="If your post touches something heavy, name it here and the post is folded "
        "until someone chooses to open it.",
    )
    is_anonymous = forms.BooleanField(
        label="Post anonymously (shown as “A member”)",
        required=False,
        help_text="Moderators can still see who wrote it, to keep everyone safe.",
    )
    submit_key = SubmitKeyField()


class PostEditForm(PostForm):
    is_anonymous = None
    submit_key = None


class ReplyForm(forms.Form):
    body = member_text_field(
        max_length=BODY_MAX,
        label="Your reply",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Markdown works here too. @handle mentions a member.",
    )
    is_anonymous = forms.BooleanField(
        label="Reply anonymously (shown as “A member”)", required=False
    )


class ReplyEditForm(ReplyForm):
    is_anonymous = None


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label="What's wrong?", choices=ReportReason.choices, widget=forms.RadioSelect
    )
    details = member_text_field(
        max_length=REPORT_DETAILS_MAX,
        label="Anything else a moderator should know? (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search posts and replies",
        max_length=200,
        required=False,
        validators=[validate_plain_text],
    )


# --- Gatherings -----------------------------------------------------------------


class GatheringForm(forms.Form):
    """Times are entered in the host's own time zone (activated per request)."""

    title = member_text_field(max_length=TITLE_MAX, label="Title")
    title.validators.append(validate_single_line)
    space = forms.ModelChoiceField(
        queryset=Space.objects.filter(is_archived=False),
        label="Space",
        empty_label=None,
        error_messages={"invalid_choice": "Choose one of the spaces in the list."},
    )
    description = member_text_field(
        max_length=5000,
        label="What is it about?",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="A few friendly lines: who it's for and what to expect.",
    )
    starts_at = forms.DateTimeField(
        label="Starts",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": "Enter a date and time, such as 2027-03-14 18:30."},
    )
    duration_minutes = forms.IntegerField(
        label="How long (minutes)",
        min_value=1,
        max_value=GATHERING_MAX_MINUTES,
        initial=60,
        error_messages={
            "min_value": "A gathering lasts at least a minute.",
            "max_value": "Please keep it to 8 hours (480 minutes) or less.",
            "invalid": "Enter the length in minutes, such as 60.",
        },
    )
    capacity = forms.IntegerField(
        label="Places (optional)",
        min_value=1,
        max_value=GATHERING_MAX_CAPACITY,
        required=False,
        help_text="Leave empty for no limit. When it's full, people can join a waiting list.",
        error_messages={
            "min_value": "At least one place, or leave it empty for no limit.",
            "max_value": f"Up to {GATHERING_MAX_CAPACITY} places, or leave it empty for no limit.",
            "invalid": "Enter the number of places, such as 12, or leave it empty.",
        },
    )
    format = forms.ChoiceField(
        label="Where", choices=GatheringFormat.choices, widget=forms.RadioSelect
    )
    join_url = forms.URLField(
        label="Join link (online)",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="Shown only to people with a place, from 15 minutes before the start.",
    )
    place = member_text_field(
        max_length=200,
        label="Place (in person)",
        required=False,
        help_text="Somewhere easy to find, with step-free access if you can.",
    )
    submit_key = SubmitKeyField()

    def clean_join_url(self) -> str:
        url = self.cleaned_data["join_url"]
        if url and not url.startswith("https://"):
            raise forms.ValidationError("Please use a secure link starting with https://.")
        return url

    def clean_starts_at(self):
        starts_at = self.cleaned_data["starts_at"]
        error = gathering_start_error(starts_at)
        if error:
            raise forms.ValidationError(error)
        if starts_at <= timezone.now():
            raise forms.ValidationError("Please choose a time in the future.")
        return starts_at

    def clean(self):
        data = super().clean()
        if data.get("format") == GatheringFormat.ONLINE and not data.get("join_url"):
            self.add_error("join_url", "An online gathering needs a join link.")
        if data.get("format") == GatheringFormat.IN_PERSON and not data.get("place"):
            self.add_error("place", "Say where people should come.")
        return data


class GatheringEditForm(GatheringForm):
    submit_key = None


class RSVPForm(forms.Form):
    is_private = forms.BooleanField(
        label="Keep my name off the list (only the host will see it)", required=False
    )


class ReactionForm(forms.Form):
    """One reaction button. "hear:1" puts "I hear you" on and "hear:0" takes it off, so a
    double submit can't undo itself."""

    reaction = forms.ChoiceField(
        choices=[(f"{kind}:{on}", f"{kind}:{on}") for kind in ReactionKind.values for on in "01"],
        error_messages={
            "required": "That isn't a reaction we know.",
            "invalid_choice": "That isn't a reaction we know.",
        },
    )

    def clean(self):
        data = super().clean()
        if "reaction" in data:
            kind, _, on = data.pop("reaction").partition(":")
            data.update(kind=kind, on=on == "1")
        return data


# --- Member controls ------------------------------------------------------------------


class MutedWordsForm(forms.Form):
    """One word or phrase a line; gives `words`: the list, normalised, without repeats."""

    words = forms.CharField(
        label="Words and phrases to mute",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=f"One a line, up to {MUTED_WORDS_MAX}, each up to {MUTED_WORD_MAX} characters. "
        "Capitals don't matter, and only whole words count: “cut” won't fold “haircut”.",
        validators=[validate_plain_text],
    )

    def clean_words(self) -> list[str]:
        words = []
        for line in self.cleaned_data["words"].splitlines():
            phrase = muting.normalise(line)
            if phrase and phrase not in words:
                words.append(phrase)
        too_long = [w for w in words if len(w) > MUTED_WORD_MAX]
        if too_long:
            raise forms.ValidationError(
                f"Each line can be up to {MUTED_WORD_MAX} characters. "
                f"Could you shorten “{too_long[0][:MUTED_WORD_MAX]}…”?"
            )
        no_letters = [w for w in words if not muting.has_letters(w)]
        if no_letters:
            raise forms.ValidationError(
                f"“{no_letters[0]}” has no letters or numbers for us to look for. "
                "Please use words."
            )
        if len(words) > MUTED_WORDS_MAX:
            raise forms.ValidationError(
                f"You can mute up to {MUTED_WORDS_MAX} words or phrases; this list has "
                f"{len(words)}. Could you choose the ones that matter most?"
            )
        return words


class AccountDeletionForm(forms.Form):
    """The member's choice for their posts and replies, and their password: asking to
    delete an account takes knowing it, not only an open session."""

    mode = forms.ChoiceField(
        label="Your posts and replies",
        choices=DeletionMode.choices,
        widget=forms.RadioSelect,
        help_text="If you delete them, a post others replied in stays as “Removed by the "
        "author”, so their replies still make sense.",
        error_messages={
            "required": "Please choose what happens to your posts and replies.",
            "invalid_choice": "Please choose one of the two.",
        },
    )
    password = forms.CharField(
        label="Your password",
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="So we know it's you.",
        error_messages={"required": "Please type your password, so we know it's you."},
    )

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.member.check_password(password):
            raise forms.ValidationError("That password doesn't match. Please try again.")
        return password
