from django import forms

from community.models import Space
from prescriptions.models import DAILY_CAP_MAX, NudgePreferences
from prescriptions.nudges.schedule import WEEKLY_AT
from prescriptions.nudges.services import BREAK_DAYS, EDITABLE

TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class PreferencesForm(forms.ModelForm):
    daily_cap = forms.IntegerField(
        label="At most this many emails a day",
        min_value=1,
        max_value=DAILY_CAP_MAX,
        help_text="Gathering reminders don't count towards this.",
        error_messages={
            "min_value": "At least 1 a day: to stop an email, untick it above.",
            "max_value": f"At most {DAILY_CAP_MAX} a day.",
            "invalid": "Please give a whole number, like 2.",
        },
    )

    class Meta:
        model = NudgePreferences
        fields = EDITABLE
        labels = {
            "daily_step": "A small step for today, each morning (or when you choose)",
            "daily_at": "Send my daily step at",
            "weekly": "A look back at my week, on Sundays at 6 pm",
            "gatherings": "Reminders for gatherings I have a place at (a day and an hour before)",
            "digest": "Replies and mentions I haven't seen yet (at most one email an hour)",
            "welcome_back": "A short hello when I haven't been by for a week",
            "link_worker": "When my link worker suggests a step",
            "include_mood": "Include my mood numbers in emails",
            "quiet_from": "Quiet hours from",
            "quiet_until": "Quiet hours until",
        }
        help_texts = {
            "daily_at": "Your own time. Inside quiet hours, it waits for them to end.",
            "include_mood": "Off unless you tick it. Emails can be read on a lock screen.",
            "quiet_until": "Nothing is sent between these times. Set both the same for none.",
        }
        widgets = {"daily_at": TIME_WIDGET, "quiet_from": TIME_WIDGET, "quiet_until": TIME_WIDGET}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("daily_at", "quiet_from", "quiet_until"):
            self.fields[name].error_messages["invalid"] = "Please give a time like 09:30."

    def clean(self):
        cleaned = super().clean()
        quiet_from, quiet_until = cleaned.get("quiet_from"), cleaned.get("quiet_until")
        if quiet_from is None or quiet_until is None:
            return cleaned
        # Quiet hours that begin at night and end the next morning would push these
        # into the next day, where they don't belong: they would never come.
        overnight = quiet_from > quiet_until
        at = cleaned.get("daily_at")
        if cleaned.get("daily_step") and at and overnight and at >= quiet_from:
            self.add_error(
                "daily_at",
                f"At {at:%H:%M} your quiet hours have begun, so the step would never come. "
                "Choose an earlier time, or change your quiet hours.",
            )
        if cleaned.get("weekly") and overnight and quiet_from <= WEEKLY_AT:
            self.add_error(
                "quiet_from",
                "The look back goes on Sundays at 18:00, inside these quiet hours, so it "
                "would never come. Start quiet hours later, or untick the look back.",
            )
        return cleaned


class BreakForm(forms.Form):
    days = forms.TypedChoiceField(
        choices=[(d, f"{d} day{'s' if d > 1 else ''}") for d in BREAK_DAYS],
        coerce=int,
        error_messages={
            "required": "A break is 1, 3, 7 or 30 days. Please choose one.",
            "invalid_choice": "A break is 1, 3, 7 or 30 days.",
        },
    )
    spaces = forms.ModelMultipleChoiceField(
        queryset=Space.objects.filter(is_archived=False),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Also hide these spaces from my lists while I'm away (optional)",
        help_text="They leave your home page, the list of spaces and Needs a reply until "
        "the break ends. You can still open them.",
        error_messages={
            "invalid_choice": "One of those spaces isn't open any more. Please choose again.",
            "invalid_pk_value": "One of those spaces isn't open any more. Please choose again.",
        },
    )
