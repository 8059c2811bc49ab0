import re

import pytest
from playwright.sync_api import expect

from prescriptions import services as prescriptions_services
from prescriptions.models import Prescription, Status
from tests.browser.test_community_journey import log_in, open_menu
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_low_day_check_in_leads_to_a_reply_and_a_lift_on_insights(
    live_server, browser, low_energy_space
):
    maya, _, waiting = low_energy_space

    context = browser.new_context()
    page = context.new_page()
    log_in(page, live_server, "maya@example.org")

    # Consent, then the three taps (plus the urge) on the home page.
    page.get_by_label("I agree that 4C keeps my check-ins").check()
    page.get_by_role("button", name="Agree and check in").click()
    page.get_by_label("3", exact=True).first.check()
    page.get_by_label("1 · running on empty").check()
    page.get_by_label("Keep to myself").check()
    page.get_by_role("button", name="Check in").click()

    # A tiny opposite step, pointing at the real post that is waiting, with a kind reason.
    first = page.locator(".prescription").first
    expect(first.locator(".reason")).to_contain_text(
        "You said you feel like keeping to yourself today."
    )
    expect(first.locator(".reason")).to_contain_text("“Anyone else awake?” in Low-energy days")
    step = Prescription.objects.filter(member=maya, post=waiting).get()
    assert step.activity.energy == 1
    assert step.activity.technique == "opposite"
    assert "keep_to_myself" in step.activity.opposite_of

    first.get_by_role("link", name="Open “Anyone else awake?”").click()
    page.get_by_label("Your reply").fill("I'm awake too. Sending you a quiet hello.")
    page.get_by_role("button", name="Post reply").click()

    # Back on any page: 4C noticed, and asks how she feels now.
    page.goto(live_server.url + "/prescriptions/")
    prompt = page.get_by_role("complementary").filter(has_text="You did it. How do you feel now?")
    expect(prompt).to_be_visible()
    prompt.get_by_label("6", exact=True).check()
    prompt.get_by_role("button", name="Save").click()
    step.refresh_from_db()
    assert (step.status, step.completed_automatically, step.mood_before, step.mood_after) == (
        Status.DONE, True, 3, 6,
    )  # fmt: skip

    open_menu(page)
    page.get_by_role("link", name="What helps").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What helps you")
    expect(page.get_by_text(re.compile(r"\+3\.0"))).not_to_have_count(0)
    context.close()


def test_a_step_finished_elsewhere_says_why_in_place_when_done_again(live_server, browser):
    """htmx swaps a refusal (409) into the card, so the member reads why where they
    acted, and the page stays where it was."""
    maya = UserFactory(email="maya@example.org", display_name="Maya", handle="maya")
    prescriptions_services.give_consent(member=maya)
    prescriptions_services.record_check_in(member=maya, mood=4, energy=2)
    context = browser.new_context()
    page = context.new_page()
    log_in(page, live_server, "maya@example.org")
    page.goto(live_server.url + "/prescriptions/")
    card = page.locator(".prescription").first
    step = Prescription.objects.get(pk=card.get_attribute("id").removeprefix("prescription-"))

    # Meanwhile, in another tab, she said "not now" to it.
    prescriptions_services.skip_prescription(prescription=step, reason="not_now")
    card.get_by_text("Done it").click()
    card.get_by_label("5", exact=True).first.check()
    card.get_by_role("button", name="Save").click()

    expect(page.locator(f"#prescription-{step.pk}")).to_contain_text(
        "This one was skipped or has expired, so there's nothing to finish."
    )
    expect(page.locator("#live-status")).to_have_text(
        re.compile("This one was skipped or has expired")
    )
    assert page.url == live_server.url + "/prescriptions/"
    step.refresh_from_db()
    assert (step.status, step.mood_after) == (Status.SKIPPED, None)
    context.close()
