"""The header stays one compact row on every main page, at desktop and phone widths, in
light and dark, for members and visitors; on a phone the main links are a bottom tab bar.

One browser, one context per width and scheme, one login reused through its cookies.
"""

import pytest
from playwright.sync_api import expect

from community import services
from community.models import Space
from tests.browser.test_community_journey import log_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
LIMIT = {1366: 72, 390: 64}
# The scheme shows in the header's background: --surface in each palette.
SURFACE = {"light": "rgb(255, 255, 255)", "dark": "rgb(28, 36, 34)"}
VIEWS = [(size, scheme) for size in (DESKTOP, PHONE) for scheme in ("light", "dark")]

# Boxes of the header, its parts and the tab bar, in CSS pixels, measured in the page.
MEASURE = """() => {
  const box = (el) => {
    if (!el) return null;
    const r = el.getBoundingClientRect();
    return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height};
  };
  const nav = document.querySelector('.site-header nav[aria-label="Main"]');
  const fixed = nav && getComputedStyle(nav).position === 'fixed';
  const count = document.querySelector('.site-nav .count');
  return {
    header: box(document.querySelector('.site-header')),
    help: box(document.querySelector('.site-header .help-now')),
    toggle: box(document.querySelector('.member-menu > summary')),
    tabBar: fixed ? box(nav) : null,
    headerBackground: getComputedStyle(document.querySelector('.site-header')).backgroundColor,
    label: count ? box(count.parentElement.querySelector('.site-nav__label')) : null,
    count: count ? box(count) : null,
    links: [...document.querySelectorAll('.site-nav a')].map((a) => ({
      name: a.textContent.trim(), height: a.getBoundingClientRect().height,
      underline: getComputedStyle(a).textDecorationLine,
    })),
    viewport: window.innerHeight,
    overflows: [...document.querySelectorAll('.site-header__inner, .site-nav ul')].some(
      (el) => el.scrollWidth > el.clientWidth),
  };
}"""


def gap(a, b) -> float:
    """The distance between two boxes that don't overlap (negative when they do)."""
    return max(a["left"] - b["right"], b["left"] - a["right"], a["top"] - b["bottom"],
               b["top"] - a["bottom"])  # fmt: skip


def check_page(page, url, width, scheme, problems, heights):
    response = page.goto(url)
    assert response.status == 200, url
    m = page.evaluate(MEASURE)
    where = f"{url} at {width} px, {scheme}"
    heights.setdefault((width, scheme, "header"), set()).add(round(m["header"]["height"], 1))
    if m["header"]["height"] > LIMIT[width]:
        problems.append(f"{where}: header is {m['header']['height']} px tall")
    if m["headerBackground"] != SURFACE[scheme]:
        problems.append(f"{where}: header background {m['headerBackground']}")
    help_now, header = m["help"], m["header"]
    if not (help_now["top"] >= header["top"] and help_now["bottom"] <= header["bottom"]):
        problems.append(f"{where}: Get help now is outside the header's row: {help_now}")
    if m["overflows"]:
        problems.append(f"{where}: the header's row overflows")
    for link in m["links"]:
        if link["underline"] != "none":
            problems.append(f"{where}: {link['name']} is underlined")
        if width == 390 and link["height"] < 44:
            problems.append(f"{where}: {link['name']} is {link['height']} px tall")
    for control in ("help", "toggle"):
        if m[control] and m[control]["height"] < 44:
            problems.append(f"{where}: the {control} control is {m[control]['height']} px tall")
    if width == 390:
        bar = m["tabBar"]
        if bar is None:
            problems.append(f"{where}: no tab bar")
        else:
            heights.setdefault((width, scheme, "tab bar"), set()).add(round(bar["height"], 1))
            if bar["height"] > LIMIT[390] or abs(bar["bottom"] - m["viewport"]) > 0.5:
                problems.append(f"{where}: tab bar {bar} in a {m['viewport']} px viewport")
    elif m["tabBar"] is not None:
        problems.append(f"{where}: a tab bar on a wide screen")
    return m


def check_nothing_hides_behind_the_tab_bar(page, problems):
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    last = page.locator(".site-footer a").last.bounding_box()
    bar = page.locator(".site-nav").bounding_box()
    if last["y"] + last["height"] > bar["y"]:
        problems.append(f"{page.url}: the footer's last link {last} hides behind {bar}")


def open_menu_with_the_keyboard(page):
    page.locator("body").focus()
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('.member-menu > summary')"):
            break
    else:
        raise AssertionError("Tab never reached the menu")
    page.keyboard.press("Enter")


def test_the_members_header_is_one_compact_row_on_every_main_page(live_server, browser):
    space = Space.objects.create(slug="low-energy", name="Low-energy days", description="Heavy.")
    maya = UserFactory(email="maya@example.org", display_name="Maya", handle="maya")
    sam = UserFactory(display_name="Sam", handle="sam")
    post = services.create_post(
        author=maya, space=space, title="Anyone else awake?", body="Can't sleep again.",
        intent="support",
    )  # fmt: skip
    services.post_reply(author=sam, post=post, body="Me too. Here with you.")
    services.post_reply(author=sam, post=post, body="Tea helps me a little.")
    pages = [
        "/", "/prescriptions/", "/spaces/", "/spaces/low-energy/", f"/posts/{post.pk}/",
        "/gatherings/", "/notifications/", "/insights/", "/settings/profile/", "/help/",
    ]  # fmt: skip

    first = browser.new_context()
    log_in(first.new_page(), live_server, "maya@example.org")
    signed_in = first.storage_state()
    first.close()

    problems, heights = [], {}
    for size, scheme in VIEWS:
        width = size["width"]
        context = browser.new_context(viewport=size, color_scheme=scheme, storage_state=signed_in)
        page = context.new_page()
        for path in pages:
            m = check_page(page, live_server.url + path, width, scheme, problems, heights)
            # The unread count reads as a pill apart from its word (notifications marks
            # them read, so it is measured on the pages before).
            if path != "/notifications/" and path != "/settings/profile/":
                if m["count"] is None:
                    problems.append(f"{path} at {width} px, {scheme}: no unread count")
                elif gap(m["count"], m["label"]) < 4:
                    gap_px = gap(m["count"], m["label"])
                    problems.append(
                        f"{path} at {width} px: the count is {gap_px} px from its word"
                    )

        main = page.get_by_role("navigation", name="Main")
        expect(main.get_by_role("link")).to_have_count(5)
        expect(main.get_by_role("link", name="Spaces")).to_be_visible()

        page.goto(live_server.url + "/settings/profile/")
        menu_link = page.get_by_role("link", name="Your settings")
        expect(menu_link).to_be_hidden()
        open_menu_with_the_keyboard(page)
        expect(page.get_by_role("button", name="Log out")).to_be_visible()
        expect(menu_link).to_have_attribute("aria-current", "page")
        for name in ("What helps", "Needs a reply", "Search"):
            expect(page.get_by_role("link", name=name)).to_be_visible()
        panel = page.locator(".member-menu__panel").bounding_box()
        if panel["x"] < 0 or panel["x"] + panel["width"] > width:
            problems.append(f"the open menu leaves the screen at {width} px: {panel}")
        for item in page.locator(".member-menu__panel li > *").all():
            # At least 44 px tall, and on one line.
            if not 44 <= item.bounding_box()["height"] < 52:
                problems.append(
                    f"menu item {item.inner_text()!r} at {width} px: {item.bounding_box()}"
                )
        # Escape closes it and gives the focus back to its summary (fourc.js); without
        # JavaScript the summary closes it.
        page.keyboard.press("Escape")
        expect(page.get_by_role("button", name="Log out")).to_be_hidden()
        assert page.evaluate("document.activeElement.matches('.member-menu > summary')")
        if width == 390:
            check_nothing_hides_behind_the_tab_bar(page, problems)
        context.close()

    assert not problems, "\n".join(problems)
    print("heights:", {k: sorted(v) for k, v in heights.items()})


def test_a_visitors_header_is_one_compact_row_with_only_what_visitors_may_open(
    live_server, browser
):
    space = Space.objects.create(
        slug="morning-tea", name="Morning tea", description="Gentle.", is_public=True
    )
    sam = UserFactory(display_name="Sam", handle="sam")
    post = services.create_post(
        author=sam, space=space, title="Good morning", body="A slow start today.",
        intent="hello",
    )  # fmt: skip
    pages = [
        "/", "/spaces/", "/spaces/morning-tea/", f"/posts/{post.pk}/", "/help/",
        "/guidelines/", "/accounts/login/", "/accounts/signup/",
    ]  # fmt: skip

    problems, heights = [], {}
    for size, scheme in VIEWS:
        width = size["width"]
        context = browser.new_context(viewport=size, color_scheme=scheme)
        page = context.new_page()
        for path in pages:
            check_page(page, live_server.url + path, width, scheme, problems, heights)
        main = page.get_by_role("navigation", name="Main")
        expect(main.get_by_role("link")).to_have_text(["Spaces", "Log in", "Join 4C"])
        expect(main.get_by_role("link", name="Join 4C")).to_have_attribute("aria-current", "page")
        expect(page.locator(".member-menu")).to_have_count(0)
        for hidden in ("/gatherings/", "/search/", "/unanswered/", "/notifications/"):
            expect(page.locator(f'.site-header a[href="{hidden}"]')).to_have_count(0)
        if width == 390:
            check_nothing_hides_behind_the_tab_bar(page, problems)
        context.close()

    assert not problems, "\n".join(problems)
    print("heights:", {k: sorted(v) for k, v in heights.items()})
