"""The check-in's scales are one row of equal segments at desktop and phone widths, on the
check-in page and in Home's card: 11 for mood, 5 for energy, 44 px tall on a phone, still
a radio group the arrow keys walk. On Home, "How do you feel now?" comes after the
check-in, folded, so no second 0 to 10 scale shows above or beside it."""

import pytest
from playwright.sync_api import expect

from community import services as community_services
from prescriptions import services
from prescriptions.models import Activity
from tests.browser.test_community_journey import log_in

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = [{"width": 1366, "height": 900}, {"width": 390, "height": 844}]

# The boxes of every segment of a scale (the label the member taps), in CSS pixels.
SEGMENTS = """(name) => [...document.querySelectorAll(
  `.check-in input[name="${name}"]`)].map((input) => {
    const r = input.closest('label').getBoundingClientRect();
    return {top: Math.round(r.top), left: r.left, width: r.width, height: r.height,
            right: r.right, text: input.closest('label').innerText.trim()};
})"""
OVERFLOWS = "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"


SCALES = {"mood": [str(n) for n in range(11)], "energy": ["1", "2", "3", "4", "5"]}


def check_scales(page, where, width, problems):
    for name, numbers in SCALES.items():
        boxes = page.evaluate(SEGMENTS, name)
        if [box["text"].split()[0] for box in boxes] != numbers:
            problems.append(f"{where}: the {name} segments read {[b['text'] for b in boxes]}")
            continue
        tops = {box["top"] for box in boxes}
        if len(tops) != 1:
            problems.append(f"{where}: the {name} segments sit on {len(tops)} rows: {tops}")
        widths = [box["width"] for box in boxes]
        if max(widths) - min(widths) > 1:
            problems.append(f"{where}: {name} segments of unequal widths {widths}")
        if width == 390 and min(box["height"] for box in boxes) < 44:
            problems.append(f"{where}: {name} segments under 44 px tall: {boxes}")
    if page.evaluate(OVERFLOWS):
        problems.append(f"{where}: the page scrolls sideways")


def test_the_scales_are_one_even_row_at_desktop_and_phone_widths(live_server, browser, member):
    services.give_consent(member=member)
    first = browser.new_context()
    log_in(first.new_page(), live_server, member.email)
    signed_in = first.storage_state()
    first.close()

    problems = []
    for size in SIZES:
        for scheme in ("light", "dark"):
            context = browser.new_context(
                viewport=size, color_scheme=scheme, storage_state=signed_in
            )
            page = context.new_page()
            for path in ("/check-in/", "/"):
                page.goto(live_server.url + path)
                check_scales(
                    page, f"{path} at {size['width']} px, {scheme}", size["width"], problems
                )
            context.close()

    assert not problems, "\n".join(problems)


def test_arrow_keys_move_along_a_scale_and_the_choice_is_checked_in(live_server, browser, member):
    services.give_consent(member=member)
    context = browser.new_context(viewport=SIZES[1])
    page = context.new_page()
    log_in(page, live_server, member.email)
    page.goto(live_server.url + "/check-in/")

    mood = page.get_by_role("group", name="How is your mood right now?")
    mood.get_by_role("radio", name="5", exact=True).check()
    expect(mood.get_by_role("radio", name="5", exact=True)).to_be_focused()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    expect(mood.get_by_role("radio", name="6", exact=True)).to_be_checked()
    expect(mood.get_by_role("radio", name="6", exact=True)).to_be_focused()
    # The focus ring shows on the segment itself.
    outline = page.evaluate(
        "() => getComputedStyle(document.activeElement.nextElementSibling).outlineStyle"
    )
    assert outline == "solid"

    energy = page.get_by_role("group", name="How much energy do you have?")
    energy.get_by_role("radio", name="1 · running on empty").check()
    page.keyboard.press("ArrowRight")
    expect(energy.get_by_role("radio", name="2 · low")).to_be_checked()
    page.get_by_role("button", name="Check in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your steps for today")
    latest = member.check_ins.order_by("-created_at").first()
    assert (latest.mood, latest.energy) == (6, 2)
    context.close()


def test_on_home_how_do_you_feel_now_is_below_the_check_in_and_folded(
    live_server, browser, member, other_member, link_worker, space
):
    services.give_consent(member=member)
    step = services.prescribe_by_hand(
        member=member, activity=Activity.objects.filter(action="reply").first(),
        prescriber=link_worker,
    )  # fmt: skip
    post = community_services.create_post(
        author=other_member, space=space, title="Hello", body="Anyone around?", intent="support"
    )
    community_services.post_reply(author=member, post=post, body="Here.")
    step.refresh_from_db()
    assert step.completed_automatically

    context = browser.new_context(viewport=SIZES[1])
    page = context.new_page()
    log_in(page, live_server, member.email)
    page.goto(live_server.url + "/")

    check_in = page.locator("section[aria-labelledby='checkin-heading']").bounding_box()
    prompt = page.get_by_role("complementary").filter(has_text="How do you feel now?")
    expect(prompt).to_be_visible()
    assert prompt.bounding_box()["y"] >= check_in["y"] + check_in["height"]
    expect(prompt.locator("input[name='mood_after']").first).to_be_hidden()

    prompt.get_by_text("Say how you feel, 0 to 10").click()
    prompt.get_by_role("group", name="Your mood now").get_by_role(
        "radio", name="7", exact=True
    ).check()
    prompt.get_by_role("button", name="Save").click()
    step.refresh_from_db()
    assert step.mood_after == 7
    context.close()
