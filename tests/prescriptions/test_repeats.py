"""Asked to repeat what is already done, a service does nothing and says so (False);
the view chooses the kind words. Where something is really wrong, it still raises."""

import html

import pytest

from prescriptions import services
from prescriptions.models import Prescription, Status

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def step(member):
    services.give_consent(member=member)
    services.record_check_in(member=member, mood=4, energy=2)
    return Prescription.objects.filter(member=member).first()


def fresh(p):
    return Prescription.objects.get(pk=p.pk)


def test_completing_a_done_step_again_returns_false_and_touches_nothing(
    step, django_assert_num_queries
):
    assert services.complete_prescription(prescription=step, mood_after=6) is True
    done = fresh(step)
    before = Prescription.objects.values().get(pk=step.pk)

    with django_assert_num_queries(0):
        assert services.complete_prescription(prescription=done, mood_after=2) is False
    assert Prescription.objects.values().get(pk=step.pk) == before


def test_a_mood_after_given_again_returns_false_and_the_first_stands(
    step, django_assert_num_queries
):
    services.complete_prescription(prescription=step, mood_after=6)
    done = fresh(step)

    with django_assert_num_queries(0):
        assert services.record_mood_after(prescription=done, mood_after=1) is False
    assert fresh(step).mood_after == 6


def test_skipping_a_skipped_step_again_returns_false_and_the_first_reason_stands(
    step, django_assert_num_queries
):
    assert services.skip_prescription(prescription=step, reason="not_for_me") is True
    skipped = fresh(step)

    with django_assert_num_queries(0):
        assert services.skip_prescription(prescription=skipped, reason="not_now") is False
    assert fresh(step).skip_reason == "not_for_me"


def test_what_is_really_wrong_still_raises(step):
    services.skip_prescription(prescription=step, reason="not_now")

    with pytest.raises(services.PrescriptionError, match="nothing to finish"):
        services.complete_prescription(prescription=fresh(step), mood_after=5)
    with pytest.raises(services.PrescriptionError, match="once it's done"):
        services.record_mood_after(prescription=fresh(step), mood_after=5)


@pytest.mark.parametrize(
    ("action", "data", "words"),
    [
        ("done", {"mood_after": 5}, "You've already done this one. Thank you."),
        ("feel", {"mood_after": 5}, "You've already told us how you felt. Thank you."),
        ("skip", {"reason": "not_now"}, "You've already set this one aside. That's OK."),
    ],
)
def test_a_repeat_is_an_ordinary_answer_with_kind_words(member_client, step, action, data, words):
    first = "skip" if action == "skip" else "done"
    member_client.post(f"/prescriptions/{step.pk}/{first}/", data)
    before = Prescription.objects.values().get(pk=step.pk)

    plain = member_client.post(f"/prescriptions/{step.pk}/{action}/", data, follow=True)
    htmx = member_client.post(f"/prescriptions/{step.pk}/{action}/", data, headers=HTMX)

    assert plain.redirect_chain == [("/prescriptions/", 302)]
    assert words in html.unescape(plain.content.decode())
    assert htmx.status_code == 200
    assert words in html.unescape(htmx.content.decode())
    assert Prescription.objects.values().get(pk=step.pk) == before
    assert fresh(step).status in (Status.DONE, Status.SKIPPED)


def test_done_it_says_what_happened_and_never_drops_the_first_moods(step):
    assert services.mark_done(prescription=step, mood_after=6) == services.DONE_NOW
    assert services.mark_done(prescription=fresh(step), mood_after=2) == services.ALREADY
    assert fresh(step).mood_after == 6

    # Done by itself (no mood yet) while the card was open: the moods are the first.
    other = Prescription.objects.filter(member=step.member).exclude(pk=step.pk).first()
    Prescription.objects.filter(pk=other.pk).update(status=Status.DONE)
    assert services.mark_done(prescription=other, mood_after=7) == services.FELT
    assert fresh(other).mood_after == 7
