"""Every main page answers each role as it should on SQLite: 200 where the role may
see it, the login page for a visitor (what members write is for members), 403 or 404
where a member may not."""

import re
from urllib.parse import quote

import pytest

from tests.embedded.conftest import LINK_WORKER, MEMBER, MODERATOR, ROLES, VISITOR

POST, GATHERING = "<a demo post>", "<a demo gathering>"
FOR_EVERYONE = ["/", "/spaces/", "/help/", "/guidelines/", "/healthz"]
FOR_MEMBERS = [
    "/spaces/low-energy-days/",
    POST,
    "/unanswered/",
    "/gatherings/",
    GATHERING,
    "/search/?q=bread",
    "/members/maya/",
    "/notifications/",
    "/check-in/",
    "/prescriptions/",
    "/insights/",
    "/wellbeing/",
    "/link-workers/",
    "/settings/profile/",
    "/settings/data/",
]
CASELOAD, MAYA_FOR_HER_LINK_WORKER = "/link-workers/members/", "/link-workers/members/maya/"
ADMIN = "/admin/"
TO_LOGIN = "302 /accounts/login/?next={url}"
TO_ADMIN_LOGIN = "302 /admin/login/?next=/admin/"


def expected(role: str, real: dict[str, str]) -> dict[str, str]:
    """What each page answers the role: a status, and where a redirect goes."""
    answers = dict.fromkeys(FOR_EVERYONE + FOR_MEMBERS, "200")
    if role == VISITOR:
        for url in FOR_MEMBERS + [CASELOAD, MAYA_FOR_HER_LINK_WORKER]:
            answers[url] = TO_LOGIN.format(url=quote(real.get(url, url), safe="/"))
        answers[ADMIN] = TO_ADMIN_LOGIN
    elif role == LINK_WORKER:  # Jordan, whom Maya has invited
        answers |= {CASELOAD: "200", MAYA_FOR_HER_LINK_WORKER: "200", ADMIN: TO_ADMIN_LOGIN}
    else:  # Maya herself, or Rosa: not link workers
        answers |= {CASELOAD: "403", MAYA_FOR_HER_LINK_WORKER: "404"}
        answers[ADMIN] = "200" if role == MODERATOR else TO_ADMIN_LOGIN
    return answers


def _first_link(client, page: str, pattern: str) -> str:
    match = re.search(rf'href="({pattern})"', client.get(page).content.decode())
    assert match, f"{page} links to nothing like {pattern}"
    return match.group(1)


@pytest.mark.parametrize("role", ROLES)
def test_every_main_page_answers_the_role(as_role, role):
    finder = as_role(MEMBER)
    real = {
        POST: _first_link(finder, "/spaces/low-energy-days/", r"/posts/\d+/"),
        GATHERING: _first_link(finder, "/gatherings/", r"/gatherings/\d+/"),
    }
    client = as_role(role)
    answers = {}
    for url in expected(role, real):
        response = client.get(real.get(url, url))
        redirect = f" {response['Location']}" if response.status_code == 302 else ""
        answers[url] = f"{response.status_code}{redirect}"

    assert answers == expected(role, real)


@pytest.mark.parametrize("role", [MEMBER, LINK_WORKER])
def test_members_who_are_not_staff_are_refused_the_admin_login(as_role, role):
    assert as_role(role).get("/admin/login/?next=/admin/").status_code == 403


def test_a_visitor_is_sent_from_the_admin_to_the_sign_in_page(as_role):
    response = as_role(VISITOR).get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_the_moderator_opens_every_list_in_the_admin_searches_it_and_opens_a_row(as_role):
    client = as_role(MODERATOR)
    index = client.get("/admin/").content.decode()
    lists = sorted(set(re.findall(r'href="(/admin/\w+/\w+/)"', index)))
    answers, rows = {}, []
    for url in lists:
        page = client.get(url)
        answers[url] = page.status_code
        answers[f"{url}?q=tea"] = client.get(f"{url}?q=tea").status_code
        rows += re.findall(rf'href="({url}\d+/change/)', page.content.decode())[:1]
    for url in rows:
        answers[url] = client.get(url).status_code

    assert len(lists) >= 5
    # A fresh demo has no reports (so an empty queue) and no nudges sent yet.
    assert len(rows) >= len(lists) - 3
    assert answers == dict.fromkeys(answers, 200)
