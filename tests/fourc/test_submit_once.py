"""One submit, one row (fourc/lib/once.py): the new-post, check-in and gathering forms
carry a one-time key, so the same form sent again (a double tap, the Back button and
"send" again, even hours later) shows what the first sent made and makes nothing new.
A fresh form is a new submit; a submit without a key is written as before."""

import html
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from community.models import Gathering, Mention, Notification, Post, PostFollow, QueueItem
from fourc.lib import once
from prescriptions import services as prescriptions
from prescriptions.models import CheckIn, Prescription, Status
from tests.factories import JOIN_URL, ConsentFactory

pytestmark = pytest.mark.django_db

NEW_POST = "/spaces/low-energy/new/"
NEW_GATHERING = "/gatherings/new/"
CHECK_IN = "/check-in/"


def key_in(response) -> str:
    """The one-time key the page's form carries."""
    found = re.findall(r'<input type="hidden" name="submit_key" value="([^"]*)"', page(response))
    assert len(found) == 1, found
    return found[0]


def page(response) -> str:
    return html.unescape(response.content.decode())


def post_data(**overrides) -> dict:
    return {
        "title": "Small win today",
        "body": "I opened the curtains. Thank you @sam for the idea.",
        "intent": "win",
        "content_warning": "",
        **overrides,
    }


def gathering_data(space, **overrides) -> dict:
    starts = timezone.now() + timedelta(days=3)
    return {
        "title": "Evening chat",
        "space": space.pk,
        "description": "A friendly hour for anyone who wants company.",
        "starts_at": timezone.localtime(starts, ZoneInfo("Europe/London")).strftime(
            "%Y-%m-%dT%H:%M"
        ),
        "duration_minutes": "60",
        "capacity": "8",
        "format": "online",
        "join_url": JOIN_URL,
        "place": "",
        **overrides,
    }


# --- Posts -------------------------------------------------------------------------


def test_the_same_new_post_sent_twice_shows_the_first_post_and_writes_one(
    member_client, other_member, space
):
    data = post_data(submit_key=key_in(member_client.get(NEW_POST)))

    first = member_client.post(NEW_POST, data)
    again = member_client.post(NEW_POST, data)

    post = Post.objects.get()
    assert first.status_code == again.status_code == 302
    assert first.url == again.url == post.get_absolute_url()
    assert post.submit_key == data["submit_key"]
    # What follows a new post happened once: Sam was mentioned and told once.
    assert Mention.objects.filter(member=other_member).count() == 1
    assert Notification.objects.filter(recipient=other_member).count() == 1
    assert PostFollow.objects.filter(post=post).count() == 1


def test_back_and_send_again_hours_later_still_shows_the_first_post(member_client, member, space):
    data = post_data(submit_key=key_in(member_client.get(NEW_POST)))
    first = member_client.post(NEW_POST, data)

    with time_machine.travel(timezone.now() + timedelta(hours=3)):
        member_client.force_login(member)  # signed in then, too
        again = member_client.post(NEW_POST, data)

    assert again.status_code == 302
    assert again.url == first.url
    assert Post.objects.count() == 1


def test_a_post_form_drawn_again_after_an_error_keeps_its_key(member_client, space):
    key = key_in(member_client.get(NEW_POST))

    refused = member_client.post(NEW_POST, post_data(title="", submit_key=key))

    assert refused.status_code == 400
    assert key_in(refused) == key
    fixed = post_data(submit_key=key_in(refused))
    first = member_client.post(NEW_POST, fixed)
    again = member_client.post(NEW_POST, fixed)
    assert first.url == again.url
    assert Post.objects.count() == 1


def test_the_support_card_keeps_the_key_so_posting_anyway_twice_posts_once(member_client, space):
    words = post_data(body="I don't want to be here anymore.")
    card = member_client.post(
        NEW_POST, {**words, "submit_key": key_in(member_client.get(NEW_POST))}
    )
    assert "post_anyway" in page(card)

    anyway = {**words, "post_anyway": "1", "submit_key": key_in(card)}
    first = member_client.post(NEW_POST, anyway)
    again = member_client.post(NEW_POST, anyway)

    post = Post.objects.get()
    assert first.url == again.url == post.get_absolute_url()
    assert QueueItem.objects.filter(post=post).count() == 1


def test_a_fresh_form_is_a_new_post_even_with_the_same_words(member_client, space):
    keys = {key_in(member_client.get(NEW_POST)) for _ in range(2)}
    assert len(keys) == 2

    for key in keys:
        assert member_client.post(NEW_POST, post_data(submit_key=key)).status_code == 302

    assert Post.objects.count() == 2


def test_a_post_without_a_key_is_still_written(member_client, space):
    first = member_client.post(NEW_POST, post_data(title="An old page"))
    second = member_client.post(NEW_POST, post_data(title="Another old page"))

    assert first.status_code == second.status_code == 302
    assert first.url != second.url
    assert list(Post.objects.values_list("submit_key", flat=True)) == [None, None]


@pytest.mark.parametrize("key", ["short", "x" * (once.KEY_MAX + 1), "<b>not-a-key-at-all</b>"])
def test_a_malformed_key_counts_as_none(member_client, space, key):
    response = member_client.post(NEW_POST, post_data(submit_key=key))

    assert response.status_code == 302
    assert Post.objects.get().submit_key is None


def test_a_repeat_of_a_first_post_held_for_review_lands_where_the_first_did(
    member_client, space, settings
):
    settings.FIRST_POSTS_REVIEWED = True
    data = post_data(submit_key=key_in(member_client.get(NEW_POST)))

    first = member_client.post(NEW_POST, data)
    again = member_client.post(NEW_POST, data)

    assert first.url == again.url == space.get_absolute_url()
    post = Post.objects.get()
    assert post.is_hidden
    assert QueueItem.objects.filter(post=post).count() == 1


def test_editing_a_post_carries_no_key(member_client, member, make_post):
    post = make_post(member)

    assert 'name="submit_key"' not in page(member_client.get(f"/posts/{post.pk}/edit/"))


# --- Check-ins -----------------------------------------------------------------------


def test_the_same_check_in_sent_twice_keeps_one_and_one_set_of_steps(member_client, member):
    ConsentFactory(member=member)
    data = {"mood": 5, "energy": 3, "submit_key": key_in(member_client.get(CHECK_IN))}

    first = member_client.post(CHECK_IN, data)
    again = member_client.post(CHECK_IN, data)

    check_in = CheckIn.objects.get()
    assert first.status_code == again.status_code == 302
    assert first.url == again.url == "/prescriptions/"
    steps = Prescription.objects.filter(member=member)
    assert steps.exists()
    assert set(steps.values_list("check_in", flat=True)) == {check_in.pk}
    assert not steps.filter(status=Status.EXPIRED).exists()  # a second would expire them


def test_a_repeated_check_in_answers_with_the_first_and_nothing_new_to_suggest(member):
    ConsentFactory(member=member)
    key = once.new_key()

    first, plan = prescriptions.record_check_in(member=member, mood=6, energy=3, submit_key=key)
    again, repeat = prescriptions.record_check_in(member=member, mood=6, energy=3, submit_key=key)

    assert again == first
    assert plan.suggestions
    assert repeat.suggestions == ()
    assert repeat.in_crisis == first.in_crisis


def test_the_home_page_check_in_carries_a_key(member_client, member):
    ConsentFactory(member=member)

    assert key_in(member_client.get("/"))


def test_a_check_in_form_drawn_again_after_an_error_keeps_its_key(member_client, member):
    ConsentFactory(member=member)
    key = key_in(member_client.get(CHECK_IN))

    refused = member_client.post(CHECK_IN, {"energy": 3, "submit_key": key})

    assert refused.status_code == 400
    assert key_in(refused) == key


def test_a_check_in_waiting_for_consent_keeps_its_key_and_agreeing_twice_checks_in_once(
    member_client,
):
    key = once.new_key()  # as a check-in page drawn before consent was taken back in a tab
    refused = member_client.post(CHECK_IN, {"mood": 6, "energy": 2, "submit_key": key})
    assert refused.status_code == 403
    assert key_in(refused) == key

    agree = {"agree": "on", "mood": 6, "energy": 2, "submit_key": key}
    first = member_client.post("/check-in/consent/", agree)
    again = member_client.post("/check-in/consent/", agree)

    assert first.url == again.url == "/prescriptions/"
    assert CheckIn.objects.get().submit_key == key


def test_a_check_in_without_a_key_is_still_kept_each_time(member_client, member):
    ConsentFactory(member=member)

    for _ in range(2):
        assert member_client.post(CHECK_IN, {"mood": 5, "energy": 3}).status_code == 302

    assert CheckIn.objects.count() == 2


def test_another_constraint_saying_no_is_not_taken_for_a_repeat(member):
    with pytest.raises(IntegrityError), transaction.atomic():
        once.create(CheckIn, once.new_key(), owner="member", member=member, mood=11, energy=3)


# --- Gatherings ----------------------------------------------------------------------


def test_the_same_gathering_sent_twice_schedules_one(host_client, space):
    data = gathering_data(space, submit_key=key_in(host_client.get(NEW_GATHERING)))

    first = host_client.post(NEW_GATHERING, data)
    again = host_client.post(NEW_GATHERING, data)

    gathering = Gathering.objects.get()
    assert first.status_code == again.status_code == 302
    assert first.url == again.url == gathering.get_absolute_url()
    assert list(Post.objects.all()) == [gathering.discussion]


def test_a_gathering_form_drawn_again_after_an_error_keeps_its_key(host_client, space):
    key = key_in(host_client.get(NEW_GATHERING))

    refused = host_client.post(NEW_GATHERING, gathering_data(space, join_url="", submit_key=key))

    assert refused.status_code == 400
    assert key_in(refused) == key
    host_client.post(NEW_GATHERING, gathering_data(space, submit_key=key))
    host_client.post(NEW_GATHERING, gathering_data(space, submit_key=key))
    assert Gathering.objects.count() == 1


def test_a_fresh_gathering_form_schedules_another_and_no_key_still_works(host_client, space):
    host_client.post(NEW_GATHERING, gathering_data(space, submit_key=once.new_key()))
    host_client.post(NEW_GATHERING, gathering_data(space, submit_key=once.new_key()))
    host_client.post(NEW_GATHERING, gathering_data(space))

    assert Gathering.objects.count() == 3
    assert Post.objects.count() == 3  # each its own discussion


def test_editing_a_gathering_carries_no_key(host_client, host, space):
    host_client.post(NEW_GATHERING, gathering_data(space))
    gathering = Gathering.objects.get()

    assert 'name="submit_key"' not in page(host_client.get(f"/gatherings/{gathering.pk}/edit/"))
