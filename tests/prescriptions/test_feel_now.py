""" "You did it. How do you feel now?": on Home and the feed only, below the check-in on
Home (folded, so two 0 to 10 scales never stand together), and "Not now" asks nothing
more until the member's next day. The check-in's scales keep their names and values."""

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from community import services as community_services
from prescriptions import services
from prescriptions.forms import CheckInForm
from prescriptions.models import Activity, Prescription

PROMPT = "You did it. How do you feel now?"
# 23:30 in Tokyo on 25 November 2026; its next day starts at 15:00 UTC.
LATE_IN_TOKYO = datetime(2026, 11, 25, 14, 30, tzinfo=UTC)


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return html.unescape(response.content.decode())


@pytest.fixture
def done_by_itself(consented, link_worker, other_member, make_post):
    """A reply step from Maya's link worker, completed by itself when she replied: 4C
    asks how she feels now, and doesn't know how she felt before."""
    step = services.prescribe_by_hand(
        member=consented, activity=Activity.objects.filter(action="reply").first(),
        prescriber=link_worker,
    )  # fmt: skip
    community_services.post_reply(author=consented, post=make_post(other_member), body="Hi.")
    step.refresh_from_db()
    assert step.completed_automatically
    assert step.mood_after is None
    return step


@pytest.mark.django_db
def test_the_prompt_is_on_home_and_the_feed_and_nowhere_else(member_client, done_by_itself):
    assert PROMPT in page(member_client, "/")
    assert PROMPT in page(member_client, "/prescriptions/")
    for url in ("/spaces/", "/settings/profile/", "/insights/", "/check-in/", "/gatherings/"):
        assert PROMPT not in page(member_client, url), url


@pytest.mark.django_db
def test_on_home_the_prompt_comes_after_the_check_in_folded_and_on_the_feed_it_is_open(
    member_client, done_by_itself
):
    home = page(member_client, "/")

    check_in_scale = home.index('name="mood"')
    prompt = home.index('id="did-it-heading"')
    assert check_in_scale < prompt
    assert home.index("</section>", check_in_scale) < prompt  # the check-in's card ends first
    folded = home[prompt:].split("</aside>", 1)[0]
    assert re.search(r'<details class="did-it__scale">\s*<summary>', folded)
    assert folded.index("<details") < folded.index('name="mood_after"')
    assert folded.index('name="mood_after"') < folded.index("</details>")

    feed = page(member_client, "/prescriptions/")
    prompt_on_feed = feed[feed.index('id="did-it-heading"') :].split("</aside>", 1)[0]
    assert "<details" not in prompt_on_feed
    assert 'name="mood_after"' in prompt_on_feed


@pytest.mark.django_db
def test_not_now_asks_nothing_more_until_the_members_next_day(
    member_client, consented, done_by_itself
):
    consented.time_zone = "Asia/Tokyo"
    consented.save(update_fields=["time_zone"])

    with time_machine.travel(LATE_IN_TOKYO, tick=False):
        response = member_client.post(
            f"/prescriptions/{done_by_itself.pk}/feel/", {"not_now": "1", "back": "home"}
        )
        assert response.status_code == 302
        assert response.url == "/"
        home = page(member_client, "/")
        assert "Not now? That's OK. 4C won't ask again today." in home
        assert PROMPT not in home
        assert PROMPT not in page(member_client, "/prescriptions/")

    with time_machine.travel(LATE_IN_TOKYO + timedelta(minutes=29), tick=False):
        assert PROMPT not in page(member_client, "/")  # 23:59 in Tokyo

    # 00:10 in Tokyo: the same day in UTC, a new day for her.
    with time_machine.travel(LATE_IN_TOKYO + timedelta(minutes=40), tick=False):
        assert PROMPT in page(member_client, "/")
        assert PROMPT in page(member_client, "/prescriptions/")
    done_by_itself.refresh_from_db()
    assert (done_by_itself.mood_before, done_by_itself.mood_after) == (None, None)


@pytest.mark.django_db
def test_not_now_goes_back_to_the_feed_unless_it_came_from_home(member_client, done_by_itself):
    url = f"/prescriptions/{done_by_itself.pk}/feel/"

    from_feed = member_client.post(url, {"not_now": "1", "back": "feed"})
    elsewhere = member_client.post(url, {"not_now": "1", "back": "https://example.com/"})

    assert (from_feed.status_code, from_feed.url) == (302, "/prescriptions/")
    assert (elsewhere.status_code, elsewhere.url) == (302, "/prescriptions/")


@pytest.mark.django_db
def test_not_now_on_another_members_step_is_a_404_and_hides_nothing(
    client, other_member, done_by_itself
):
    client.force_login(other_member)

    response = client.post(f"/prescriptions/{done_by_itself.pk}/feel/", {"not_now": "1"})

    assert response.status_code == 404
    assert "feel_not_now" not in client.session


@pytest.mark.django_db
def test_the_prompt_offers_not_now_as_a_plain_form(member_client, done_by_itself):
    prompt = page(member_client, "/prescriptions/").split('id="did-it-heading"', 1)[1]
    not_now = prompt.split("</aside>", 1)[0].split('class="did-it__not-now"', 1)[1]

    assert f'action="/prescriptions/{done_by_itself.pk}/feel/"' in prompt
    assert 'name="csrfmiddlewaretoken"' in not_now
    assert '<input type="hidden" name="back" value="feed">' in not_now
    assert re.search(r'<button type="submit" name="not_now" value="1"[^>]*>Not now', not_now)


# --- The scales keep their names and values ----------------------------------------------


def radios(markup: str, name: str) -> list[str]:
    return re.findall(rf'<input type="radio"[^>]* name="{name}" value="(\d+)"', markup)


def test_the_check_in_scales_keep_their_names_and_values_one_segment_each():
    form = str(CheckInForm())

    assert radios(form, "mood") == [str(n) for n in range(11)]
    assert radios(form, "energy") == ["1", "2", "3", "4", "5"]
    segments = re.findall(
        r'<label class="segments__option" for="(id_(?:mood|energy)_\d+)"><input type="radio"'
        r'[^>]* id="\1">\s*<span class="segments__face"><span class="segments__n">(\d+)</span>',
        form,
    )
    assert [n for _, n in segments] == [*map(str, range(11)), "1", "2", "3", "4", "5"]
    assert '<span class="segments__word">running on empty</span>' in form
    ends = '<div class="segments__ends" aria-hidden="true"><span>Very low</span><span>Great</span>'
    assert form.count(ends) == 1  # under the mood's ends; energy's words are in its segments


@pytest.mark.django_db
def test_the_prompt_scale_keeps_its_names_and_values(member_client, done_by_itself):
    feed = page(member_client, "/prescriptions/")
    prompt = feed.split('id="did-it-heading"', 1)[1].split("</aside>", 1)[0]

    assert radios(prompt, "mood_after") == [str(n) for n in range(11)]
    assert radios(prompt, "mood_before") == [str(n) for n in range(11)]
    assert Prescription.objects.filter(pk=done_by_itself.pk, mood_after=None).exists()
