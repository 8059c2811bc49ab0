from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone

from community.text import validate_plain_text
from fourc.lib.forms import DrawnOnce
from fourc.lib.once import SubmitKeyField
from prescriptions import selectors, services
from prescriptions.models import (
    ENERGY_MAX,
    ENERGY_MIN,
    MOOD_MAX,
    MOOD_MIN,
    NOTE_MAX,
    SCALE_MAX,
    SCALE_MIN,
    WELLBEING_QUESTIONS,
    Activity,
    SkipReason,
    Urge,
)

MOOD_CHOICES = [(n, str(n)) for n in range(MOOD_MIN, MOOD_MAX + 1)]
ENERGY_CHOICES = [
    (1, "1 · running on empty"),
    (2, "2 · low"),
    (3, "3 · some"),
    (4, "4 · good"),
    (5, "5 · plenty"),
]


class ScaleSelect(forms.RadioSelect):
    """A scale as one row of equal segments: still a plain radio group (arrow keys move
    along it without any script), each label a segment with its number inside, and the
    meaning of the two `ends` written under them. A choice labelled "1 · low" shows its
    word under the number (unless `words_shown=False`: then only a screen reader reads
    it, for scales whose `ends` say it already); its name stays "1 · low"."""

    template_name = "forms/widgets/scale.html"

    def __init__(self, *, ends=None, words_shown=True, attrs=None):
        super().__init__(attrs={"class": "segments__input", **(attrs or {})})
        self.ends = ends
        self.words_shown = words_shown

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["ends"] = self.ends
        context["widget"]["words_shown"] = self.words_shown
        return context

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["number"], _, option["word"] = str(label).partition(" · ")
        return option


MOOD_ENDS = ("Very low", "Great")


def scale_field(
    label: str, choices, *, when_missing: str, when_invalid: str, widget=None, **kwargs
):
    """One answer on a scale of numbers, as radio buttons: what each scale here is."""
    return forms.TypedChoiceField(
        label=label,
        choices=choices,
        coerce=int,
        widget=widget or ScaleSelect(),
        error_messages={"required": when_missing, "invalid_choice": when_invalid},
        **kwargs,
    )


def mood_field(label: str, **kwargs) -> forms.TypedChoiceField:
    return scale_field(
        label,
        MOOD_CHOICES,
        when_missing="Choose a number from 0 to 10, whatever feels closest.",
        when_invalid="Choose a number from 0 to 10.",
        widget=ScaleSelect(ends=MOOD_ENDS),
        **kwargs,
    )


class ConsentForm(forms.Form):
    agree = forms.BooleanField(
        label="I agree that 4C keeps my check-ins (mood, energy, what I feel like doing, and "
        "any private note) to suggest steps and show me what helps.",
        error_messages={"required": "Tick the box if you're happy for 4C to keep your check-ins."},
    )


class CheckInForm(DrawnOnce, forms.Form):
    mood = mood_field("How is your mood right now? (0 is very low, 10 is great)")
    energy = scale_field(
        "How much energy do you have?",
        ENERGY_CHOICES,
        when_missing="Choose how much energy you have, from 1 to 5.",
        when_invalid="Choose from 1 to 5.",
    )
    urge = forms.ChoiceField(
        label="What do you feel like doing? (optional)",
        choices=[("", "Nothing in particular"), *Urge.choices],
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose one of the feelings listed, or none."},
    )
    note = forms.CharField(
        label="A private note (optional)",
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Only you see this. Not other members, not moderators.",
        validators=[validate_plain_text],
    )
    submit_key = SubmitKeyField()

    def clean_energy(self):
        energy = self.cleaned_data["energy"]
        if not ENERGY_MIN <= energy <= ENERGY_MAX:
            raise forms.ValidationError("Choose from 1 to 5.")
        return energy


class LocalDateTimeField(forms.DateTimeField):
    """A date and time in the member's zone, with a plain word for the hour the clocks
    skip or repeat (Django's own message names the zone database)."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError as error:
            if error.code == "ambiguous_timezone":
                raise forms.ValidationError(
                    "The clocks change around then, so that time happens twice or not at "
                    "all. Could you choose a time an hour or so away?",
                    code="ambiguous_timezone",
                ) from None
            raise


# "Plan it for later": this evening, tomorrow morning, or a time the member chooses,
# all in their own zone.
EVENING_AT = time(19, 0)  # "this evening", when asked before six
EVENING_UNTIL = time(18, 0)
LATE_UNTIL = time(22, 0)  # until ten, "later this evening" is an hour or so from now
MORNING_AT = time(9, 0)  # "tomorrow morning"
PLAN_AHEAD = timedelta(days=2 * 365)
QUARTER = 15  # minutes: "later this evening" lands on a quarter hour


@dataclass(frozen=True)
class PlanChoice:
    when: str  # what the button sends
    label: str
    at: datetime


def plan_choices(*, zone, now: datetime | None = None) -> dict[str, PlanChoice]:
    """The ready-made times "Plan it for later" offers now, in `zone`: this evening
    (before six) or later this evening (an hour or so on, until ten; none after that),
    and tomorrow morning. Asked again when the choice comes back, so a page left open
    since the afternoon plans for the evening that is still to come."""
    local = (now or timezone.now()).astimezone(zone)
    choices = {}
    if local.time() < EVENING_UNTIL:
        at = datetime.combine(local.date(), EVENING_AT, tzinfo=zone)
        choices["evening"] = PlanChoice("evening", f"This evening, {at:%H:%M}", at)
    elif local.time() < LATE_UNTIL:
        soon = local.replace(second=0, microsecond=0) + timedelta(hours=1)
        at = soon + timedelta(minutes=-soon.minute % QUARTER)
        choices["evening"] = PlanChoice("evening", f"Later this evening, {at:%H:%M}", at)
    morning = datetime.combine(local.date() + timedelta(days=1), MORNING_AT, tzinfo=zone)
    choices["morning"] = PlanChoice("morning", "Tomorrow morning, 09:00", morning)
    return choices


class PlanForm(forms.Form):
    """ "I'll do it" (no `when`: now), or "Plan it for later": `when` is "evening",
    "morning", or "choose" with the day and time in `at` (the member's zone). Cleans
    `planned_for`: None for now, or the moment."""

    when = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Now"),
            ("evening", "This evening"),
            ("morning", "Tomorrow morning"),
            ("choose", "A time you choose"),
        ],  # fmt: skip
        error_messages={
            "invalid_choice": "Choose this evening, tomorrow morning, or a time of your own."
        },
    )
    at = LocalDateTimeField(
        label="Day and time",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": "Enter a date and time, such as 2027-03-14 18:30."},
    )

    def __init__(self, *args, zone, now: datetime | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()
        self.choices = plan_choices(zone=zone, now=self.now)

    def clean(self):
        data = super().clean()
        when = data.get("when")
        if when is None or self.has_error("at"):
            return data
        if when == "":
            data["planned_for"] = None
        elif when == "choose":
            data["planned_for"] = self._chosen(data.get("at"))
        elif when in self.choices:
            data["planned_for"] = self.choices[when].at
        else:  # "evening", from a page left open since before ten
            raise forms.ValidationError(
                "It's late for this evening now. Tomorrow morning, or a time you choose?"
            )
        return data

    def _chosen(self, at: datetime | None) -> datetime:
        if at is None:
            self.add_error("at", "Choose a day and a time.")
        elif at < self.now.replace(second=0, microsecond=0):
            self.add_error("at", "That time has already passed. Could you choose one to come?")
        elif at > self.now + PLAN_AHEAD:
            self.add_error("at", "Choose a time within the next two years.")
        return at


class DoneForm(forms.Form):
    """ "Done it": the mood now, and before if 4C doesn't know it."""

    mood_after = mood_field("How do you feel now?")
    mood_before = mood_field("And before you did it?", required=False, empty_value=None)


class FeelForm(DoneForm):
    """ "How do you feel now?" after a step done by itself: the same answers."""


class SkipForm(forms.Form):
    reason = forms.ChoiceField(
        choices=SkipReason.choices,
        error_messages={
            "invalid_choice": "Choose not now or not for me.",
            "required": "Choose not now or not for me.",
        },
    )


# --- Wellbeing -------------------------------------------------------------------

SCALE_CHOICES = [
    (n, {SCALE_MIN: "0 · not at all", SCALE_MAX: "10 · completely"}.get(n, str(n)))
    for n in range(SCALE_MIN, SCALE_MAX + 1)
]
ENDS = "0 is not at all, 10 is completely."


def _question(label: str, help_text: str = ENDS) -> forms.TypedChoiceField:
    return scale_field(
        label,
        SCALE_CHOICES,
        widget=ScaleSelect(ends=("Not at all", "Completely"), words_shown=False),
        help_text=help_text,
        when_missing="Choose a number from 0 to 10 for this one, whatever feels closest.",
        when_invalid="Choose a whole number from 0 (not at all) to 10 (completely).",
    )


QUESTIONS = dict(WELLBEING_QUESTIONS)


class WellbeingForm(forms.Form):
    life_satisfaction = _question(QUESTIONS["life_satisfaction"])
    worthwhile = _question(QUESTIONS["worthwhile"])
    happy = _question(QUESTIONS["happy"])
    anxious = _question(
        QUESTIONS["anxious"],
        ENDS + " For this one, lower is better: 0 means you didn't feel anxious at all.",
    )


# --- Link workers ----------------------------------------------------------------

HANDLE_INPUT_MAX = 40


class InviteForm(forms.Form):
    handle = forms.CharField(
        label="Your link worker's handle",
        max_length=HANDLE_INPUT_MAX,
        help_text="Ask your link worker for it. It looks like @jordan.",
        error_messages={
            "required": "Type your link worker's handle, such as @jordan.",
            "max_length": "That's longer than any handle. Could you check it?",
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member

    def clean_handle(self):
        try:
            link_worker = services.find_link_worker(handle=self.cleaned_data["handle"])
        except services.LinkWorkerError as error:
            raise forms.ValidationError(str(error)) from None
        if link_worker.pk == self.member.pk:
            raise forms.ValidationError(
                "That's your own handle. Invite the link worker you're working with."
            )
        return link_worker.handle


class LinkWorkerChoiceForm(forms.Form):
    """One of the member's link workers (`consents`), chosen by handle; cleans to the
    link worker. Subclasses say what a missing or unknown choice means."""

    link_worker = forms.ChoiceField()

    def __init__(self, *args, consents, **kwargs):
        super().__init__(*args, **kwargs)
        self.by_handle = {c.link_worker.handle: c.link_worker for c in consents}
        self.fields["link_worker"].choices = [(h, h) for h in self.by_handle]

    def clean_link_worker(self):
        return self.by_handle[self.cleaned_data["link_worker"]]


class RevokeForm(LinkWorkerChoiceForm):
    link_worker = forms.ChoiceField(
        error_messages={
            "required": "Choose which link worker to stop.",
            "invalid_choice": "That link worker doesn't have access now, so there's "
            "nothing to stop.",
        }
    )


class PrescribeForm(forms.Form):
    activity = forms.ModelChoiceField(
        label="A step to suggest",
        queryset=selectors.active_activities(),
        empty_label="Choose a step",
        error_messages={
            "required": "Choose a step from the list.",
            "invalid_choice": "Choose one of the steps in the list.",
        },
    )
    message = forms.CharField(
        label="A personal message (optional)",
        required=False,
        max_length=services.MESSAGE_MAX,
        strip=True,
        validators=[validate_plain_text],
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=(
            f"Up to {services.MESSAGE_MAX} characters. It's shown with the step, in your words."
        ),
        error_messages={
            "max_length": f"Please keep your message to {services.MESSAGE_MAX} characters "
            "(it has %(show_value)d).",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["activity"].label_from_instance = lambda a: (
            f"{a.title} (energy {a.energy}, about {a.minutes} min)"
        )


class TellForm(LinkWorkerChoiceForm):
    """ "Let <name> know" this week has been hard: one of the member's link workers, and
    the page the button was on, to go back to."""

    BACK = {"feed": "prescriptions:feed", "insights": "prescriptions:insights"}

    link_worker = forms.ChoiceField(
        error_messages={
            "required": "Choose which link worker to tell.",
            "invalid_choice": "That link worker can't see your steps now, so 4C can't tell "
            "them. You can invite them again from your link worker settings.",
        }
    )

    def back_to(self) -> str:
        """The page to go back to: the insights page when it sent the form (its `back`),
        otherwise the feed. Never a place from the POST itself."""
        back = self.data.get("back") if self.is_bound else None
        return self.BACK.get(back, self.BACK["feed"])


class OfferAgainForm(forms.Form):
    """ "Offer it again": an activity the member said "not for me" to."""

    activity = forms.ModelChoiceField(
        queryset=Activity.objects.all(),
        error_messages={
            "required": "Choose a step to offer again.",
            "invalid_choice": "We couldn't find that step. Please choose one from the list.",
        },
    )
