"""The two pages a member meets: the stop page every nudge links to, and Settings →
Emails.

The stop page: a GET only shows the choices (mail scanners fetch links); a mail
provider's one-click POST (RFC 8058), with no cookie and no CSRF token, turns that
email's kind off; its break buttons pause everything; a changed, expired or orphaned
token gets a clear 400 page and changes nothing. The settings page: for members only,
every preference labelled, a save reschedules, bad input answers 400 with a clear
message and keeps what was typed, a break is taken and ended there, and the page costs
a fixed number of queries.
"""

import html
import math
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.core import signing
from django.forms.models import model_to_dict
from django.test import Client

from prescriptions.models import NudgeKind, NudgePreferences
from prescriptions.nudges import services

pytestmark = pytest.mark.django_db

SETTINGS_URL = "/settings/notifications/"
# Wednesday 2 December 2026, 09:00 in London (GMT, so UTC too).
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
# The member (with the unread count and their roles read with their row), their
# preferences, and the spaces a break may hide (or, during one, those it hides): one
# query each, so this never grows. (The session comes from the cache; "How do
# you feel now?" asks on Home and the feed only, so this page no longer looks for a step
# waiting for it.)
QUERIES = 3


def text(response) -> str:
    """The page as a reader sees it (entities such as &#x27; turned back into characters)."""
    return html.unescape(response.content.decode())


def stop_url(member, kind=NudgeKind.DAILY_STEP) -> str:
    return f"/emails/stop/{services.stop_token(member=member, kind=kind)}/"


def stored(member) -> dict:
    return model_to_dict(NudgePreferences.objects.get(member=member))


@pytest.fixture
def wants_daily(member):
    """Maya, who asked for a daily step at 10:00."""
    services.update_preferences(member=member, daily_step=True, daily_at=time(10))
    return member


@pytest.fixture
def mail_client():
    """A mail provider or a browser opening a link from an email: no session, and CSRF
    checks on, as in production."""
    return Client(enforce_csrf_checks=True)


# --- The stop page -----------------------------------------------------------------------


def test_opening_the_stop_link_shows_the_choices_and_changes_nothing(wants_daily, mail_client):
    before = stored(wants_daily)

    response = mail_client.get(stop_url(wants_daily))

    assert response.status_code == 200
    page = text(response)
    assert "This link came in an email about “A small step for today”" in page
    assert (
        '<button type="submit" name="stop" value="1">Stop “A small step for today” emails' in page
    )
    for days in services.BREAK_DAYS:
        assert f'name="days" value="{days}"' in page
    assert stored(wants_daily) == before


def test_a_one_click_post_without_cookies_or_csrf_token_unsubscribes(wants_daily, mail_client):
    response = mail_client.post(
        stop_url(wants_daily),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert "You won't get “A small step for today” emails any more" in text(response)
    prefs = NudgePreferences.objects.get(member=wants_daily)
    assert (prefs.daily_step, prefs.daily_due_at) == (False, None)
    # Only that kind: the others stay as they were.
    assert (prefs.digest, prefs.gatherings, prefs.link_worker) == (True, True, True)


def test_a_one_click_post_for_another_kind_turns_only_that_kind_off(wants_daily, mail_client):
    response = mail_client.post(
        stop_url(wants_daily, NudgeKind.DIGEST),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    prefs = NudgePreferences.objects.get(member=wants_daily)
    assert (prefs.digest, prefs.daily_step) == (False, True)


def test_the_break_button_on_the_stop_page_pauses_every_email(wants_daily, mail_client):
    with time_machine.travel(NOW, tick=False):
        response = mail_client.post(stop_url(wants_daily), {"days": "7"})

    assert response.status_code == 200
    assert "Taking a break: no emails from 4C for 7 days." in text(response)
    prefs = NudgePreferences.objects.get(member=wants_daily)
    assert prefs.paused_until == NOW + timedelta(days=7)
    assert prefs.daily_due_at == datetime(2026, 12, 9, 10, 0, tzinfo=UTC)  # after the break
    assert prefs.daily_step  # paused, not turned off


def test_a_break_of_an_unoffered_length_is_refused_on_the_stop_page(wants_daily, mail_client):
    before = stored(wants_daily)

    response = mail_client.post(stop_url(wants_daily), {"days": "365"})

    assert response.status_code == 400
    assert "A break is 1, 3, 7 or 30 days. Please choose one." in text(response)
    assert stored(wants_daily) == before


def tampered(token: str) -> str:
    """The token with one character of its signed data changed."""
    i = 5
    return token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_token_gets_a_clear_400_page_and_changes_nothing(
    wants_daily, mail_client, method
):
    token = services.stop_token(member=wants_daily, kind=NudgeKind.DAILY_STEP)
    before = stored(wants_daily)

    response = getattr(mail_client, method)(f"/emails/stop/{tampered(token)}/")

    assert response.status_code == 400
    page = text(response)
    assert "This link doesn't work" in page
    assert "Nothing has changed." in page
    assert stored(wants_daily) == before


@pytest.mark.parametrize("member_id", [math.inf, -math.inf, math.nan, 1.5, True, "1", None, [1]])
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_signed_token_with_anything_but_a_member_id_is_a_400_not_a_500(
    wants_daily, mail_client, member_id, method
):
    """Infinity was a 500: int() overflowed. Only what stop_token writes is a member."""
    token = signing.dumps({"m": member_id, "k": NudgeKind.DAILY_STEP}, salt=services.TOKEN_SALT)
    before = stored(wants_daily)

    response = getattr(mail_client, method)(f"/emails/stop/{token}/", {"stop": "1"})

    assert response.status_code == 400
    assert "This link doesn't work" in text(response)
    assert stored(wants_daily) == before


def test_a_token_older_than_90_days_gets_a_clear_400_page_and_changes_nothing(
    wants_daily, mail_client
):
    with time_machine.travel(NOW, tick=False):
        url = stop_url(wants_daily)
    before = stored(wants_daily)
    with time_machine.travel(NOW + timedelta(days=89), tick=False):
        assert mail_client.get(url).status_code == 200  # still good the day before

    with time_machine.travel(NOW + timedelta(days=91), tick=False):
        response = mail_client.post(url, {"stop": "1"})

    assert response.status_code == 400
    assert "This link doesn't work" in text(response)
    assert stored(wants_daily) == before


def test_a_token_for_a_closed_account_gets_a_400_page(wants_daily, mail_client):
    url = stop_url(wants_daily)
    wants_daily.is_active = False
    wants_daily.save(update_fields=["is_active"])

    response = mail_client.post(
        url, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 400
    assert "This link doesn't work" in text(response)
    assert NudgePreferences.objects.get(member=wants_daily).daily_step


# --- Settings → Emails ---------------------------------------------------------------------


def form_data(**changes) -> dict:
    """The settings form as the page sends it (a ticked box sends "on", an unticked
    one nothing), with `changes`."""
    data = {
        "daily_step": True,
        "daily_at": "10:00",
        "weekly": False,
        "gatherings": True,
        "digest": True,
        "welcome_back": False,
        "link_worker": True,
        "include_mood": False,
        "quiet_from": "22:00",
        "quiet_until": "08:00",
        "daily_cap": "2",
        **changes,
    }
    return {
        name: ("on" if value is True else value)
        for name, value in data.items()
        if value is not False
    }


def test_the_settings_page_is_for_members_only(client):
    response = client.get(SETTINGS_URL)

    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={SETTINGS_URL}"


def test_every_preference_on_the_settings_page_has_a_label(member_client):
    response = member_client.get(SETTINGS_URL)

    assert response.status_code == 200
    page = text(response)
    for name in services.EDITABLE:
        assert f'<label for="id_{name}">' in page, name
        assert f'name="{name}"' in page, name
    assert "A small step for today, each morning (or when you choose)" in page
    assert "Europe/London" in page


def test_saving_the_settings_reschedules_the_daily_step(member_client, member):
    with time_machine.travel(NOW, tick=False):
        assert NudgePreferences.objects.get(member=member).daily_due_at is None

        first = member_client.post(SETTINGS_URL, form_data(daily_at="11:30"))
        after_first = NudgePreferences.objects.get(member=member)
        moved = member_client.post(SETTINGS_URL, form_data(daily_at="12:15", weekly=True))

    assert (first.status_code, first.url) == (302, SETTINGS_URL)
    assert after_first.daily_due_at == datetime(2026, 12, 2, 11, 30, tzinfo=UTC)
    assert moved.status_code == 302
    prefs = NudgePreferences.objects.get(member=member)
    assert (prefs.daily_step, prefs.daily_at, prefs.weekly) == (True, time(12, 15), True)
    assert prefs.daily_due_at == datetime(2026, 12, 2, 12, 15, tzinfo=UTC)
    assert prefs.weekly_due_at == datetime(2026, 12, 6, 18, 0, tzinfo=UTC)  # Sunday, 6 pm
    page = text(member_client.get(SETTINGS_URL))
    assert "Saved. 4C will email you as you chose." in page


@pytest.mark.parametrize(
    ("changes", "message", "typed"),
    [
        ({"daily_cap": "0"}, "At least 1 a day: to stop an email, untick it above.",
         'name="daily_cap" value="0"'),
        ({"daily_cap": "99"}, "At most 10 a day.", 'name="daily_cap" value="99"'),
        ({"daily_at": "25:99"}, "Please give a time like 09:30.", 'value="25:99"'),
    ],
)  # fmt: skip
def test_bad_input_answers_400_with_a_clear_message_and_keeps_what_was_typed(
    member_client, member, changes, message, typed
):
    member_client.get(SETTINGS_URL)  # the first visit of the day is noted
    before = stored(member)

    response = member_client.post(SETTINGS_URL, form_data(**changes))

    assert response.status_code == 400
    page = text(response)
    assert message in page
    assert typed in page
    assert stored(member) == before


def test_a_break_is_taken_and_ended_from_the_settings_page(member_client, member):
    taken = member_client.post(f"{SETTINGS_URL}break/", {"days": "3"})

    assert (taken.status_code, taken.url) == (302, SETTINGS_URL)
    page = text(member_client.get(SETTINGS_URL))
    assert "Taking a break: no emails from 4C for 3 days." in page
    assert "You're taking a break: no emails until" in page
    assert "End the break now" in page
    assert NudgePreferences.objects.get(member=member).paused_until is not None

    ended = member_client.post(f"{SETTINGS_URL}break/end/")

    assert (ended.status_code, ended.url) == (302, SETTINGS_URL)
    page = text(member_client.get(SETTINGS_URL))
    assert "Welcome back. Emails start again as you chose." in page
    assert "Pause every email for a while." in page
    assert NudgePreferences.objects.get(member=member).paused_until is None


def test_a_break_of_an_unoffered_length_is_refused_on_the_settings_page(member_client, member):
    response = member_client.post(f"{SETTINGS_URL}break/", {"days": "365"})

    assert response.status_code == 400
    assert "A break is 1, 3, 7 or 30 days." in text(response)
    assert NudgePreferences.objects.get(member=member).paused_until is None


def test_the_settings_page_costs_a_fixed_number_of_queries(
    member_client, member, django_assert_num_queries
):
    member_client.get(SETTINGS_URL)  # a first request notes the visit and fills caches

    with django_assert_num_queries(QUERIES):
        response = member_client.get(SETTINGS_URL)

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("changes", "field", "typed"),
    [
        ({"daily_step": True, "daily_at": "23:00"}, "daily_at", 'value="23:00"'),
        ({"weekly": True, "quiet_from": "17:00"}, "quiet_from", 'value="17:00"'),
    ],
)
def test_a_time_quiet_hours_would_push_into_the_next_day_is_refused_kindly(
    member_client, member, changes, field, typed
):
    member_client.get(SETTINGS_URL)  # the first visit of the day is noted
    before = stored(member)

    response = member_client.post(SETTINGS_URL, form_data(**changes))

    assert response.status_code == 400
    assert "would never come" in " ".join(response.context["form"].errors[field])
    assert typed in text(response)
    assert stored(member) == before


def test_a_morning_time_inside_quiet_hours_is_fine_it_waits_for_their_end(member_client, member):
    response = member_client.post(SETTINGS_URL, form_data(daily_at="07:30"))

    assert response.status_code == 302
    assert NudgePreferences.objects.get(member=member).daily_at == time(7, 30)
