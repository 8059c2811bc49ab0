from datetime import timedelta

from django import forms
from django.utils import timezone

from community.text import validate_plain_text
from prescriptions.models import (
    ENERGY_MAX,
    ENERGY_MIN,
    MOOD_MAX,
    MOOD_MIN,
    NOTE_MAX,
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


def mood_field(label: str, **kwargs) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=MOOD_CHOICES,
        coerce=int,
        widget=forms.RadioSelect(attrs={"class": "scale"}),
        error_messages={
            "required": "Choose a number from 0 to 10, whatever feels closest.",
            "invalid_choice": "Choose a number from 0 to 10.",
        },
        **kwargs,
    )


class ConsentForm(forms.Form):
    agree = forms.BooleanField(
        label="I agree that 4C keeps my check-ins (mood, energy, what I feel like doing, and "
        "any private note) to suggest steps and show me what helps.",
        error_messages={"required": "Tick the box if you're happy for 4C to keep your check-ins."},
    )


class CheckInForm(forms.Form):
    mood = mood_field("How is your mood right now? (0 is very low, 10 is great)")
    energy = forms.TypedChoiceField(
        label="How much energy do you have?",
        choices=ENERGY_CHOICES,
        coerce=int,
        widget=forms.RadioSelect(attrs={"class": "scale"}),
        error_messages={
            "required": "Choose how much energy you have, from 1 to 5.",
            "invalid_choice": "Choose from 1 to 5.",
        },
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

    def clean_energy(self):
        energy = self.cleaned_data["energy"]
        if not ENERGY_MIN <= energy <= ENERGY_MAX:
            raise forms.ValidationError("Choose from 1 to 5.")
        return energy


class PlanForm(forms.Form):
    when = forms.DateTimeField(
        label="When (optional)",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Leave it empty for now.",
        error_messages={"invalid": "Enter a date and time, such as 2027-03-14 18:30."},
    )

    def clean_when(self):
        when = self.cleaned_data["when"]
        if when is not None and not (
            timezone.now() - timedelta(hours=1) <= when <= timezone.now() + timedelta(days=365)
        ):
            raise forms.ValidationError("Choose a time within the next year.")
        return when


class DoneForm(forms.Form):
    mood_after = mood_field("How do you feel now?")
    mood_before = mood_field("And before you did it?", required=False, empty_value=None)


class FeelForm(forms.Form):
    mood_after = mood_field("How do you feel now?")
    mood_before = mood_field("And before you did it?", required=False, empty_value=None)


class SkipForm(forms.Form):
    reason = forms.ChoiceField(
        choices=SkipReason.choices,
        error_messages={
            "invalid_choice": "Choose not now or not for me.",
            "required": "Choose not now or not for me.",
        },
    )
