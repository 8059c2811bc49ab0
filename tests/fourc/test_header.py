"""What the header offers members, link workers and visitors (its layout: tests/browser)."""

import re

import pytest
from django.test import Client

MEMBER_MAIN = ["/", "/prescriptions/", "/spaces/", "/gatherings/", "/notifications/"]
MEMBER_MENU = ["/settings/profile/", "/insights/", "/unanswered/", "/search/"]


def header(response) -> str:
    page = response.content.decode()
    return page.split('<header class="site-header">', 1)[1].split("</header>", 1)[0]


def hrefs(html: str) -> list[str]:
    return re.findall(r'<a [^>]*href="([^"]+)"', html)


def part(html: str, start: str, end: str) -> str:
    return html.split(start, 1)[1].split(end, 1)[0]


@pytest.mark.django_db
def test_a_member_has_five_main_links_and_the_rest_in_a_menu_with_log_out(member_client):
    top = header(member_client.get("/spaces/"))

    main = part(top, 'aria-label="Main"', "</nav>")
    menu = part(top, '<details class="member-menu">', "</details>")
    assert hrefs(main) == MEMBER_MAIN
    assert hrefs(menu) == MEMBER_MENU
    assert 'action="/accounts/logout/"' in menu
    assert ">Log out</button>" in menu
    assert "/link-workers/members/" not in top
    assert top.count('aria-current="page"') == 1
    assert re.search(r'href="/spaces/" aria-current="page"', main)


@pytest.mark.django_db
def test_a_link_worker_finds_their_members_in_the_menu(link_worker):
    client = Client()
    client.force_login(link_worker)

    menu = part(header(client.get("/")), '<details class="member-menu">', "</details>")

    assert hrefs(menu) == [*MEMBER_MENU, "/link-workers/members/"]


@pytest.mark.django_db
def test_a_page_asks_no_query_of_its_own_for_the_members_roles_address_or_words(
    link_worker, member_client
):
    """A member's roles, confirmed address and muted words come with their row
    (community.backends): a thread page asks neither which groups they are in, nor
    whether they may write, nor which words fold for them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from community import roles, selectors
    from community.models import VERIFIED_EMAIL
    from tests.factories import PostFactory

    thread = f"/posts/{PostFactory().pk}/"  # with a reply form: may they write?
    client = Client()
    client.force_login(link_worker)
    asked_apart = tuple(
        f"EXECUTE {prepared.name}_"
        for prepared in (roles.ROLES_OF, VERIFIED_EMAIL, selectors.MUTED_PHRASES)
    )
    for who in (client, member_client):
        who.get(thread)
        with CaptureQueriesContext(connection) as queries:
            page = who.get(thread)
        sqls = [q["sql"] for q in queries.captured_queries]
        assert not [sql for sql in sqls if sql.startswith(asked_apart)]
        assert not [sql for sql in sqls if "auth_group" in sql and "community_user" not in sql]
        assert not [sql for sql in sqls if '"account_emailaddress"' in sql and "EXISTS" not in sql]
        assert page.status_code == 200
        assert ("/link-workers/members/" in header(page)) is (who is client)
        assert 'action="/posts/' in page.content.decode()  # the reply form: they may write


@pytest.mark.django_db
@pytest.mark.parametrize("url", MEMBER_MENU)
def test_the_menu_marks_the_page_you_are_on(member_client, url):
    top = header(member_client.get(url))

    assert top.count('aria-current="page"') == 1
    assert f'href="{url}" aria-current="page"' in top
    assert "member-menu__toggle--here" in top


@pytest.mark.django_db
def test_a_visitor_is_offered_spaces_log_in_join_and_help_and_nothing_for_members(client):
    top = header(client.get("/"))

    assert hrefs(top) == ["/", "/spaces/", "/accounts/login/", "/accounts/signup/", "/help/"]
    assert "member-menu" not in top
    assert "Log out" not in top
