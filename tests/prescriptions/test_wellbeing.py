"""The wellbeing check: the ONS four questions, every 28 days, with consent; erasable."""

import re
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction

from prescriptions import selectors, services
from prescriptions.models import WellbeingSurvey

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("at_now")]

NOW = datetime(2030, 3, 13, 12, 0, tzinfo=UTC)
ANSWERS = {"life_satisfaction": 6, "worthwhile": 7, "happy": 5, "anxious": 3}
QUESTIONS = [
    "Overall, how satisfied are you with your life nowadays?",
    "Overall, to what extent do you feel that the things you do in your life are worthwhile?",
    "Overall, how happy did you feel yesterday?",
    "Overall, how anxious did you feel yesterday?",
]


@contextmanager
def logged_in_at(client, member, when):
    """At another time (sessions last two weeks, so log in there)."""
    with time_machine.travel(when, tick=False):
        client.force_login(member)
        yield client


# --- The form ------------------------------------------------------------------------------


def test_never_answered_it_is_due_and_asks_the_four_ons_questions(member_client, consented):
    assert selectors.wellbeing_due(consented, NOW)

    response = member_client.get("/wellbeing/")

    content = response.content.decode().replace("&#x27;", "'")
    assert response.status_code == 200
    for question in QUESTIONS:
        assert f"<legend>{question}</legend>" in content
    # One row of segments per question, its ends written under it, and 0 and 10 read
    # with their words ("0 · not at all").
    assert content.count('class="segments"') == 4
    assert content.count("<span>Not at all</span><span>Completely</span>") == 4
    for end, word in (("0", "not at all"), ("10", "completely")):
        named = f'<span class="segments__n">{end}</span><span class="visually-hidden"> · </span>'
        assert content.count(f'{named}<span class="visually-hidden">{word}</span>') == 4
    assert "For this one, lower is better" in content
    assert content.count('type="radio"') == 44


def test_answers_are_kept_and_show_on_insights(member_client, consented):
    response = member_client.post("/wellbeing/", ANSWERS)

    assert response.status_code == 302
    assert response.url == "/insights/"
    survey = WellbeingSurvey.objects.get()
    assert (survey.member, survey.created_at) == (consented, NOW)
    assert {k: getattr(survey, k) for k in ANSWERS} == ANSWERS
    page = member_client.get(response.url).content.decode()
    assert "Thank you for answering." in page
    assert '<svg class="chart" role="img" aria-labelledby="wellbeing-chart-title"' in page
    assert "<td>6</td><td>7</td><td>5</td><td>3</td>" in page


def test_not_due_at_27_days_due_again_at_28(client, consented):
    with logged_in_at(client, consented, NOW):
        assert client.post("/wellbeing/", ANSWERS).status_code == 302

    with logged_in_at(client, consented, NOW + timedelta(days=27)):
        assert not selectors.wellbeing_due(consented, NOW + timedelta(days=27))
        page = client.get("/wellbeing/")
        assert "form" not in page.context
        content = page.content.decode()
        assert "You answered these on Wednesday 13 March." in content
        assert "The next wellbeing check is from Wednesday 10 April" in content
        refused = client.post("/wellbeing/", ANSWERS)
        assert refused.status_code == 409
        assert "already answered these recently" in refused.content.decode()
    assert WellbeingSurvey.objects.count() == 1

    later = NOW + timedelta(days=28)
    with logged_in_at(client, consented, later):
        assert selectors.wellbeing_due(consented, later)
        assert "form" in client.get("/wellbeing/").context
        assert client.post("/wellbeing/", {**ANSWERS, "happy": 8}).status_code == 302
    assert list(
        WellbeingSurvey.objects.order_by("created_at").values_list("happy", flat=True)
    ) == [
        5,
        8,
    ]


def test_the_insights_page_invites_the_check_only_when_due(client, consented):
    with logged_in_at(client, consented, NOW):
        services.record_wellbeing(member=consented, **ANSWERS)
    with logged_in_at(client, consented, NOW + timedelta(days=27, hours=23)):
        page = client.get("/insights/").content.decode()
        assert "Your next wellbeing check is from Wednesday 10 April." in page
        assert "Answer the four wellbeing questions" not in page
    with logged_in_at(client, consented, NOW + timedelta(days=28)):
        page = client.get("/insights/").content.decode()
        assert "Answer the four wellbeing questions" in page


# --- Bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["life_satisfaction", "anxious"])
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("11", "Choose a whole number from 0 (not at all) to 10 (completely)."),
        ("-1", "Choose a whole number from 0 (not at all) to 10 (completely)."),
        ("lots", "Choose a whole number from 0 (not at all) to 10 (completely)."),
        (None, "Choose a number from 0 to 10 for this one, whatever feels closest."),
    ],
)
def test_bad_answers_get_a_clear_error_keep_the_rest_and_save_nothing(
    member_client, consented, field, value, message
):
    data = {**ANSWERS, field: value}
    if value is None:
        del data[field]

    response = member_client.post("/wellbeing/", data)

    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    content = response.content.decode()
    assert message in content
    assert 'role="alert"' in content
    # What the member chose for the other questions is still chosen.
    kept = re.findall(
        r'<input type="radio" name="worthwhile" value="(\d+)"[^>]*\bchecked', content
    )
    assert kept == [str(ANSWERS["worthwhile"])]
    assert not WellbeingSurvey.objects.exists()


def test_the_service_refuses_numbers_out_of_range_or_not_whole(consented):
    for bad in [11, -1, True, "5", 5.0, None]:
        with pytest.raises(ValueError, match="happy"):
            services.record_wellbeing(member=consented, **{**ANSWERS, "happy": bad})
    assert not WellbeingSurvey.objects.exists()


def test_the_database_refuses_answers_out_of_range(consented):
    for field in ANSWERS:
        with pytest.raises(IntegrityError), transaction.atomic():
            WellbeingSurvey.objects.create(member=consented, **{**ANSWERS, field: 11})
    assert not WellbeingSurvey.objects.exists()


def test_a_double_submit_keeps_one_set_of_answers(consented):
    services.record_wellbeing(member=consented, **ANSWERS)

    with pytest.raises(services.NotDue):
        services.record_wellbeing(member=consented, **ANSWERS)

    assert WellbeingSurvey.objects.count() == 1


def test_answers_refused_meanwhile_are_a_409_that_keeps_them(
    member_client, consented, monkeypatch
):
    def answered_in_another_tab(**answers):
        raise services.NotDue("You've already answered these recently. Thank you.")

    monkeypatch.setattr(services, "record_wellbeing", answered_in_another_tab)

    response = member_client.post("/wellbeing/", ANSWERS)

    content = response.content.decode().replace("&#x27;", "'")
    assert response.status_code == 409
    assert "You've already answered these recently. Thank you." in content
    kept = re.findall(r'<input type="radio" name="happy" value="(\d+)"[^>]*\bchecked', content)
    assert kept == [str(ANSWERS["happy"])]


# --- Consent, privacy and erasure ---------------------------------------------------------


def test_without_consent_it_says_so_links_to_check_in_and_saves_nothing(member_client, member):
    page = member_client.get("/wellbeing/")

    content = page.content.decode()
    assert page.status_code == 200
    assert "needs your agreement first" in content
    assert 'href="/check-in/"' in content
    assert "<legend>" not in content

    refused = member_client.post("/wellbeing/", ANSWERS)

    assert refused.status_code == 403
    assert "needs your agreement first" in refused.content.decode()
    assert not WellbeingSurvey.objects.exists()
    with pytest.raises(services.NeedsConsent):
        services.record_wellbeing(member=member, **ANSWERS)
    assert not WellbeingSurvey.objects.exists()


def test_the_check_needs_a_login(client):
    response = client.get("/wellbeing/")

    assert response.status_code == 302
    assert "/accounts/login/" in response.url
    assert client.post("/wellbeing/", ANSWERS).status_code == 302
    assert not WellbeingSurvey.objects.exists()


def test_another_members_answers_never_show(client, consented, other_member):
    services.record_wellbeing(
        member=consented, life_satisfaction=1, worthwhile=2, happy=9, anxious=10
    )
    client.force_login(other_member)

    insights_page = client.get("/insights/")
    wellbeing_page = client.get("/wellbeing/")

    assert insights_page.context["wellbeing_chart"] is None
    assert insights_page.context["wellbeing_due"] is True
    assert "<td>1</td><td>2</td><td>9</td><td>10</td>" not in insights_page.content.decode()
    assert wellbeing_page.context["has_consent"] is False  # their own consent, not Maya's


def test_erasing_removes_every_answer_of_that_member_only(consented, other_member):
    services.give_consent(member=other_member)
    services.record_wellbeing(member=consented, **ANSWERS)
    with time_machine.travel(NOW + timedelta(days=30), tick=False):
        services.record_wellbeing(member=consented, **ANSWERS)
    services.record_wellbeing(member=other_member, **ANSWERS)

    erased = services.erase_wellbeing(member=consented)

    assert erased == 2
    assert not WellbeingSurvey.objects.filter(member=consented).exists()
    assert WellbeingSurvey.objects.filter(member=other_member).count() == 1
    assert selectors.wellbeing_due(consented, NOW)
    assert services.erase_wellbeing(member=consented) == 0
