"""Insights (what lifts you) and the wellbeing check. Thin: parse, call, render."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone

from prescriptions import insights as data
from prescriptions import selectors

SCALE_CHOICES = [
    (n, {data.SCALE_MIN: "0 · not at all", data.SCALE_MAX: "10 · completely"}.get(n, str(n)))
    for n in range(data.SCALE_MIN, data.SCALE_MAX + 1)
]
ENDS = "0 is not at all, 10 is completely."


def _question(label: str, help_text: str = ENDS) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=SCALE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        help_text=help_text,
        error_messages={
            "required": "Choose a number from 0 to 10 for this one, whatever feels closest.",
            "invalid_choice": "Choose a whole number from 0 (not at all) to 10 (completely).",
        },
    )


QUESTIONS = dict(data.WELLBEING_QUESTIONS)


class WellbeingForm(forms.Form):
    life_satisfaction = _question(QUESTIONS["life_satisfaction"])
    worthwhile = _question(QUESTIONS["worthwhile"])
    happy = _question(QUESTIONS["happy"])
    anxious = _question(
        QUESTIONS["anxious"],
        ENDS + " For this one, lower is better: 0 means you didn't feel anxious at all.",
    )


@login_required
def insights(request):
    context = data.insights_for(request.user, now=timezone.now())
    return render(request, "prescriptions/insights.html", context)


@login_required
def wellbeing(request):
    member = request.user
    if not selectors.has_consent(member):
        return render(
            request,
            "prescriptions/wellbeing.html",
            {"has_consent": False},
            status=403 if request.method == "POST" else 200,
        )
    last = data.latest_wellbeing_at(member)
    context = {
        "has_consent": True,
        "due": data.is_due(last, timezone.now()),
        "last": last,
        "next": data.next_wellbeing_at(last),
    }
    if request.method != "POST":
        if context["due"]:
            context["form"] = WellbeingForm()
        return render(request, "prescriptions/wellbeing.html", context)
    if not context["due"]:
        messages.info(request, "You've already answered these recently. Thank you.")
        return render(request, "prescriptions/wellbeing.html", context, status=409)
    form = WellbeingForm(request.POST)
    if not form.is_valid():
        return render(
            request, "prescriptions/wellbeing.html", {**context, "form": form}, status=400
        )
    try:
        data.record_wellbeing(member=member, **form.cleaned_data)
    except data.WellbeingError as error:  # consent withdrawn, or a double submit, meanwhile
        messages.info(request, str(error))
        return redirect("prescriptions:wellbeing")
    messages.success(
        request, "Thank you for answering. Your wellbeing over time is at the end of this page."
    )
    return redirect("prescriptions:insights")
