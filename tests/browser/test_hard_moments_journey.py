"""Hard moments in a real browser: a check-in in crisis words leaves one card with two
answers, and a low day leads with support and points at no one's call for support."""

import re

import pytest
from playwright.sync_api import expect

from community import services as community_services
from prescriptions.models import CRISIS_SLUG, Activity, Prescription, Status
from prescriptions.views import REACHED_OUT
from tests.browser.test_community_journey import log_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def check_in(page, *, mood: str, energy: str, note: str = ""):
    """Consent, then the check-in on the home page, as a member does it."""
    page.get_by_label("I agree that 4C keeps my check-ins").check()
    page.get_by_role("button", name="Agree and check in").click()
    page.get_by_label(mood, exact=True).first.check()
    page.get_by_label(energy).check()
    if note:
        page.get_by_label("A private note (optional)").fill(note)
    page.get_by_role("button", name="Check in").click()


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-javascript"])
def test_after_crisis_words_the_card_offers_reaching_out_and_the_lines_only(
    live_server, browser, javascript
):
    maya = UserFactory(email="maya@example.org", display_name="Maya", handle="maya")
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    log_in(page, live_server, "maya@example.org")

    check_in(page, mood="1", energy="1 · running on empty", note="I want to die.")

    expect(page.get_by_text("If you're thinking about ending your life")).to_be_visible()
    card = page.locator(".prescription")
    expect(card).to_have_count(1)
    expect(card.get_by_role("heading")).to_have_text("Reach out to a person now")
    expect(card.get_by_role("button")).to_have_text(["I've reached out"])
    expect(card.get_by_role("link")).to_have_text(["Show me the lines again"])
    expect(card.get_by_role("link")).to_have_attribute("href", "/help/")
    for gone in ("Plan it for later", "Done it", "Not now", "Not for me", "That's OK"):
        expect(card.get_by_text(gone)).to_have_count(0)
    step = Prescription.objects.get(member=maya)
    assert step.activity.slug == CRISIS_SLUG

    if javascript:
        page.evaluate("window.stillTheSamePage = true")
    card.get_by_role("button", name="I've reached out").click()

    expect(page.locator(".message").get_by_text(REACHED_OUT)).to_be_visible()
    if javascript:  # htmx swapped the card in place: it says so where she acted
        done = page.locator(f"#prescription-{step.pk}")
        expect(done).to_contain_text("You reached out.")
        expect(page.locator("#live-status")).to_contain_text(REACHED_OUT)
        assert page.evaluate("window.stillTheSamePage") is True
    expect(page.locator("input[name=mood_after]")).to_have_count(0)
    expect(page.get_by_text(re.compile("How do you feel|You did it|That's OK"))).to_have_count(0)
    step.refresh_from_db()
    assert (step.status, step.mood_after, step.completed_automatically) == (
        Status.DONE, None, False,
    )  # fmt: skip

    page.get_by_role("link", name="See who to contact now").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Get help now")
    context.close()


def test_a_low_day_leads_with_support_and_links_no_call_for_support(
    live_server, browser, low_energy_space
):
    maya, space, _ = low_energy_space
    ade = UserFactory(display_name="Ade", handle="ade")
    community_services.create_post(
        author=ade, space=space, title="I went for a walk", body="Ten minutes, but I went.",
        intent="win",
    )  # fmt: skip

    context = browser.new_context()
    page = context.new_page()
    log_in(page, live_server, "maya@example.org")
    check_in(page, mood="1", energy="3 · some")

    cards = page.locator(".prescription")
    expect(cards).not_to_have_count(0)
    first_title = cards.first.get_by_role("heading").inner_text()
    first = Activity.objects.get(title=first_title)
    assert first.is_support, f"the first card is “{first_title}”, not a step towards support"
    expect(cards.first.locator(".reason")).to_contain_text("A step towards support comes first")
    expect(page.get_by_role("link", name="Open “Anyone else awake?”")).to_have_count(0)
    linked = page.get_by_role("link", name=re.compile("^Open “"))
    assert set(linked.all_inner_texts()) <= {f"Open “I went for a walk” in {space.name}"}
    context.close()
