"""The crisis card is not a step: after a check-in in crisis words, "Reach out to a
person now" offers only "I've reached out" (done, no mood asked or kept) and "Show me
the lines again". Plan, done, feel and skip refuse it (409, calm words, nothing
changes), nothing completes it by itself, and no cheerful word is on its path."""

import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from community import services as community_services
from prescriptions import selectors, services
from prescriptions.models import CRISIS_SLUG, Prescription, Status
from prescriptions.views import REACHED_OUT

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
CRISIS_WORDS = "I want to die."
NOT_ON_THIS_PATH = ("That's OK", "Lovely", "You did it", "counts", "!", "it gets better")


@pytest.fixture
def crisis_step(consented):
    services.record_check_in(member=consented, mood=1, energy=1, note=CRISIS_WORDS)
    return Prescription.objects.get(member=consented, activity__slug=CRISIS_SLUG)


@pytest.fixture
def other_step(consented):
    services.record_check_in(member=consented, mood=5, energy=3)
    return Prescription.objects.filter(member=consented).exclude(activity__slug=CRISIS_SLUG)[0]


def row(p):
    return Prescription.objects.values().get(pk=p.pk)


def text(fragment: str) -> str:
    """What a member reads: the words, without the markup."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def card(page: str, p) -> str:
    found = re.search(
        rf'<li class="card prescription[^"]*" id="prescription-{p.pk}">.*?</li>', page, re.S
    )
    assert found, f"no card for {p.pk}"
    return found.group(0)


def messages_on(page: str) -> str:
    return " ".join(re.findall(r'<p class="message[^"]*">.*?</p>', page, re.S))


def reached_out(client, p, *, htmx):
    url = f"/prescriptions/{p.pk}/reached-out/"
    if htmx:
        return client.post(url, headers=HTMX)
    return client.post(url, follow=True)


def assert_calm(words: str):
    for cheer in NOT_ON_THIS_PATH:
        assert cheer not in words, (cheer, words)


# --- The card ---------------------------------------------------------------------------


def test_the_crisis_card_offers_only_i_have_reached_out_and_the_lines(member_client, crisis_step):
    page = member_client.get("/prescriptions/").content.decode()

    shown = card(page, crisis_step)
    assert re.findall(r"<button[^>]*>(.*?)</button>", shown) == ["I've reached out"]
    assert re.findall(r'<a [^>]*href="([^"]+)"[^>]*>(.*?)</a>', shown) == [
        (reverse("community:help"), "Show me the lines again")
    ]
    assert re.findall(r'<form [^>]*action="([^"]+)"', shown) == [
        f"/prescriptions/{crisis_step.pk}/reached-out/"
    ]
    for gone in ("I'll do it", "Plan it", "Done it", "Not now", "Not for me", "How do you feel"):
        assert gone not in text(shown)
    assert "mood_after" not in shown
    assert_calm(text(shown))


@pytest.mark.parametrize("htmx", [False, True])
def test_i_have_reached_out_marks_it_done_with_no_mood_and_says_the_calm_words(
    member_client, crisis_step, htmx
):
    response = reached_out(member_client, crisis_step, htmx=htmx)

    page = response.content.decode()
    assert response.status_code == 200
    if htmx:
        assert text(card(page, crisis_step)).count(REACHED_OUT) == 1
        assert "You reached out." in text(card(page, crisis_step))
        assert REACHED_OUT in text(page.split('id="live-status"')[1])
    else:
        assert response.redirect_chain == [("/prescriptions/", 302)]
        assert REACHED_OUT in text(messages_on(page))
    assert "See who to contact now" in text(page)  # the way to the lines, in the message
    assert "mood_after" not in page
    done = Prescription.objects.get(pk=crisis_step.pk)
    assert (done.status, done.mood_after, done.completed_automatically) == (
        Status.DONE, None, False,
    )  # fmt: skip
    assert done.completed_at is not None


def test_reaching_out_again_is_a_no_op_answered_as_calmly(
    member_client, crisis_step, django_assert_num_queries
):
    assert services.mark_reached_out(prescription=crisis_step) is True
    done = Prescription.objects.select_related("activity").get(pk=crisis_step.pk)
    before = row(crisis_step)

    with django_assert_num_queries(0):
        assert services.mark_reached_out(prescription=done) is False
    plain = reached_out(member_client, crisis_step, htmx=False)
    htmx = reached_out(member_client, crisis_step, htmx=True)

    assert row(crisis_step) == before
    assert plain.redirect_chain == [("/prescriptions/", 302)]
    assert htmx.status_code == 200
    for response in (plain, htmx):
        assert f"You've told us already. {REACHED_OUT}" in text(response.content.decode())


# --- Refusals -----------------------------------------------------------------------------

STEP_BUTTONS = [
    ("plan", {}),
    ("plan", {"when": "2099-01-01T10:00"}),
    ("done", {"mood_after": 5}),
    ("done", {"mood_after": 11}),  # whatever was sent, not a question of the mood
    ("feel", {"mood_after": 5}),
    ("skip", {"reason": "not_now"}),
    ("skip", {"reason": "not_for_me"}),
]


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize(("action", "data"), STEP_BUTTONS)
def test_the_step_buttons_refuse_the_crisis_step_and_change_nothing(
    member_client, crisis_step, action, data, htmx
):
    before = row(crisis_step)

    response = member_client.post(
        f"/prescriptions/{crisis_step.pk}/{action}/", data, headers=HTMX if htmx else {}
    )

    assert response.status_code == 409
    page = response.content.decode()
    shown = card(page, crisis_step)
    assert services.CRISIS_STEP_ONLY in text(shown if htmx else messages_on(page))
    assert "mood_after" not in shown  # the card stays the crisis card, nothing to rate
    assert_calm(text(shown))
    assert_calm(text(messages_on(page)))
    assert row(crisis_step) == before


@pytest.mark.parametrize(("action", "data"), STEP_BUTTONS)
def test_once_reached_out_the_step_buttons_still_refuse_it(
    member_client, crisis_step, action, data
):
    services.mark_reached_out(prescription=crisis_step)
    before = row(crisis_step)

    response = member_client.post(f"/prescriptions/{crisis_step.pk}/{action}/", data)

    assert response.status_code == 409
    assert row(crisis_step) == before
    assert before["mood_after"] is None


@pytest.mark.parametrize("htmx", [False, True])
def test_only_the_crisis_step_is_marked_reached_out(member_client, other_step, htmx):
    before = row(other_step)

    response = member_client.post(
        f"/prescriptions/{other_step.pk}/reached-out/", headers=HTMX if htmx else {}
    )

    assert response.status_code == 409
    assert "“I've reached out” is only for the step towards a person." in text(
        response.content.decode()
    )
    assert row(other_step) == before
    with pytest.raises(services.PrescriptionError):
        services.mark_reached_out(prescription=other_step)


def test_a_crisis_step_a_newer_check_in_closed_is_not_marked(member_client, crisis_step):
    services.record_check_in(member=crisis_step.member, mood=5, energy=3)
    before = row(crisis_step)
    assert before["status"] == Status.EXPIRED

    response = member_client.post(f"/prescriptions/{crisis_step.pk}/reached-out/")

    assert response.status_code == 409
    assert "If you reached out, thank you for telling us." in text(response.content.decode())
    assert row(crisis_step) == before


def test_another_members_crisis_step_is_a_404_and_stays_open(other_member, crisis_step):
    other = Client()
    other.force_login(other_member)
    before = row(crisis_step)

    for action, data in [("reached-out", {}), *STEP_BUTTONS]:
        assert other.post(f"/prescriptions/{crisis_step.pk}/{action}/", data).status_code == 404
    assert row(crisis_step) == before


# --- Nothing completes it by itself, nothing cheerful after ----------------------------------


def test_nothing_the_member_does_in_the_community_completes_the_crisis_step(
    crisis_step, other_member, make_post
):
    post = make_post(other_member, title="Quiet evening", intent="hello")

    community_services.post_reply(author=crisis_step.member, post=post, body="Hello.")
    community_services.set_reaction(member=crisis_step.member, kind="hear", on=True, post=post)
    make_post(crisis_step.member, title="Small win", intent="win", body="Made tea.")

    assert row(crisis_step)["status"] == Status.SUGGESTED
    assert selectors.awaiting_mood_after(crisis_step.member) is None


def test_after_reaching_out_recently_says_you_reached_out_and_nothing_asks_a_mood(
    member_client, crisis_step
):
    reached_out(member_client, crisis_step, htmx=False)
    services.record_check_in(member=crisis_step.member, mood=4, energy=2)  # calmer now

    page = member_client.get("/prescriptions/").content.decode()

    found = re.search(rf'<li class="history__step" id="history-{crisis_step.pk}">.*?</li>', page)
    assert found, "the crisis step is not in the history"
    history = text(found.group(0))
    assert "You reached out" in history
    assert "Done" not in history
    assert_calm(history)
    assert "You did it" not in text(page)  # the "how do you feel now?" prompt (base.html)
    assert 'id="did-it-heading"' not in page
    assert selectors.awaiting_mood_after(crisis_step.member) is None


def test_the_words_on_the_crisis_path_are_calm(member_client, crisis_step):
    """Every word a member in crisis reads about the step: the card, what
    "I've reached out" says (and again), and the refusals."""
    said = [text(card(member_client.get("/prescriptions/").content.decode(), crisis_step))]
    for action, data in STEP_BUTTONS:
        response = member_client.post(
            f"/prescriptions/{crisis_step.pk}/{action}/", data, headers=HTMX
        )
        said.append(text(response.content.decode()))
    for _ in range(2):
        for htmx in (True, False):
            response = reached_out(member_client, crisis_step, htmx=htmx)
            page = response.content.decode()
            said.append(text(page if htmx else messages_on(page)))

    for words in said:
        assert_calm(words)
    assert REACHED_OUT in " ".join(said)
