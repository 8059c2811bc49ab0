"""A step given before its post's author entered crisis, or before the post was edited
into crisis words, is not shown or emailed with that post any more: someone's crisis is
nobody's step (the feed: selectors.open_prescriptions; the daily email:
nudges.content.todays_steps)."""

import pytest
from django.utils import timezone

from community import services as community
from prescriptions import selectors, services
from prescriptions.nudges import content
from tests.factories import PrescriptionFactory

pytestmark = pytest.mark.django_db

CRISIS_WORDS = "I want to die."


def open_posts(member) -> list:
    return [step.post_id for step in selectors.open_prescriptions(member)]


def test_a_step_leaves_the_feed_when_its_posts_author_enters_crisis(
    member, other_member, make_post
):
    post = make_post(other_member)
    PrescriptionFactory(member=member, post=post)
    calm = PrescriptionFactory(member=member)  # a step without a post stays
    assert open_posts(member) == [post.pk, None] or sorted(open_posts(member), key=str) == sorted(
        [post.pk, None], key=str
    )

    services.give_consent(member=other_member)
    services.record_check_in(member=other_member, mood=1, energy=1, note=CRISIS_WORDS)

    assert [step.pk for step in selectors.open_prescriptions(member)] == [calm.pk]


def test_a_step_leaves_the_feed_when_its_post_is_edited_into_crisis_words(
    member, other_member, make_post
):
    post = make_post(other_member)
    PrescriptionFactory(member=member, post=post)
    assert open_posts(member) == [post.pk]

    community.edit_post(
        post=post, editor=other_member, title=post.title, body=CRISIS_WORDS,
        intent=post.intent, content_warning="",
    )  # fmt: skip

    assert open_posts(member) == []


@pytest.mark.parametrize("how", ["crisis words", "its author in crisis"])
def test_the_daily_email_names_the_step_without_that_post(member, other_member, make_post, how):
    post = make_post(other_member, body=CRISIS_WORDS if how == "crisis words" else "Hello.")
    PrescriptionFactory(member=member, post=post)
    in_crisis = frozenset({other_member.pk}) if how == "its author in crisis" else frozenset()

    step = content.todays_steps([member], now=timezone.now(), in_crisis=in_crisis)[member.pk]

    assert step is not None
    assert step.target_url == ""
    assert post.title not in step.reason
