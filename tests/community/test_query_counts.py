"""Every list page costs the same number of queries for 1 item as for 50.

Each test builds one item, renders the page, then adds 49 more, each with its
own author (and space, and reactors, where the page shows them), and renders
again: the count must not move. A count that grows with the items is an N+1.
"""

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community import selectors, services
from community.models import Space
from tests.factories import LinkWorkerFactory, ModeratorFactory, SpaceFactory, UserFactory
from tests.queries import MANY, assert_same_queries_for_one_and_many

KINDS = ("hear", "me_too", "strength", "thanks")
NEXT_PAGE = re.compile(r'href="(\?[^"#]*after=[^"#]+)')


def someone(i: int):
    """A new member; every third a moderator, every third a link worker: their badges are
    read in the list's own query."""
    return (UserFactory, ModeratorFactory, LinkWorkerFactory)[i % 3]()


def has_badges(page: str) -> bool:
    return "</span>Moderator</span>" in page and "</span>Link worker</span>" in page


def new_post(
    i: int,
    *,
    space: Space,
    author=None,
    body: str = "Today was hard.",
    is_anonymous: bool | None = None,
):
    """Post i, by someone new unless told; every fourth anonymous, every fifth with a CW."""
    return services.create_post(
        author=author or someone(i),
        space=space,
        title=f"Post {i}",
        body=body,
        intent="support",
        content_warning="sleep" if i % 5 == 4 else "",
        is_anonymous=i % 4 == 2 if is_anonymous is None else is_anonymous,
    )


def next_page_url(url: str, page: str) -> str:
    link = NEXT_PAGE.search(page)
    assert link, "the page has no link to the next one"
    return url + html.unescape(link.group(1))


# --- Home ---------------------------------------------------------------------


@pytest.mark.django_db
def test_home_page_costs_the_same_for_1_and_50_posts_in_followed_spaces(
    client, member, django_assert_num_queries
):
    client.force_login(member)

    def add_item(i):
        space = SpaceFactory(slug=f"room-{i}")
        services.follow_space(member=member, space=space)
        new_post(i, space=space)

    page = assert_same_queries_for_one_and_many(client, "/", add_item, django_assert_num_queries)

    assert "Waiting for a first reply" in page
    assert "Post 49" in page
    assert page.count('class="card post-card"') == 8
    assert has_badges(page)


# --- Spaces -------------------------------------------------------------------


@pytest.mark.django_db
def test_space_list_costs_the_same_for_1_and_50_spaces(viewer, member, django_assert_num_queries):
    def add_item(i):
        space = SpaceFactory(slug=f"room-{i}")
        if i % 2:
            services.follow_space(member=member, space=space)

    page = assert_same_queries_for_one_and_many(
        viewer, "/spaces/", add_item, django_assert_num_queries
    )

    assert page.count('<li class="card">') == MANY


def fill_space(space, moderator):
    """Posts by different members, some anonymous, every seventh pinned."""

    def add_item(i):
        post = new_post(i, space=space)
        if i % 7 == 3:
            services.set_post_flag(post=post, moderator=moderator, flag="is_pinned", value=True)

    return add_item


@pytest.mark.django_db
def test_space_page_costs_the_same_for_1_and_50_posts(
    viewer, moderator, django_assert_num_queries
):
    space = SpaceFactory(slug="calm", is_public=True)

    page = assert_same_queries_for_one_and_many(
        viewer, "/spaces/calm/", fill_space(space, moderator), django_assert_num_queries
    )

    pinned = len([i for i in range(MANY) if i % 7 == 3])
    assert page.count('class="card post-card"') == pinned + 25
    assert "Pinned" in page
    assert "A member" in page
    assert "Older posts" in page
    assert has_badges(page)


@pytest.mark.django_db
def test_the_second_page_of_a_space_costs_the_first_page_less_its_extras(
    viewer, moderator, django_assert_num_queries
):
    space = SpaceFactory(slug="calm", is_public=True)
    add_item = fill_space(space, moderator)
    for i in range(MANY):
        add_item(i)
    viewer.get("/spaces/calm/")
    with CaptureQueriesContext(connection) as first:
        first_page = viewer.get("/spaces/calm/").content.decode()

    # Pinned posts and upcoming gatherings show only on the first page: two queries fewer
    # (one for a visitor, who sees no gatherings at all).
    extras = 2 if "Log out" in first_page else 1
    with django_assert_num_queries(len(first) - extras):
        response = viewer.get(next_page_url("/spaces/calm/", first_page))

    assert response.status_code == 200
    pinned = len([i for i in range(MANY) if i % 7 == 3])
    assert response.content.decode().count('class="card post-card"') == MANY - pinned - 25


# --- A post and its replies ---------------------------------------------------


def fill_post(post, member):
    """Replies by different members, some anonymous, each with its own reactions."""

    def add_item(i):
        replier = someone(i)
        reply = services.post_reply(
            author=replier, post=post, body=f"I hear you ({i}).", is_anonymous=i % 4 == 1
        )
        services.set_reaction(member=UserFactory(), kind=KINDS[i % 4], on=True, reply=reply)
        services.set_reaction(member=replier, kind=KINDS[i % 4], on=True, post=post)
        if i % 3 == 0:
            services.set_reaction(member=member, kind="strength", on=True, reply=reply)

    return add_item


@pytest.mark.django_db
def test_post_page_costs_the_same_for_1_and_50_replies(
    viewer, member, other_member, django_assert_num_queries
):
    post = new_post(
        0, space=SpaceFactory(slug="calm", is_public=True), author=other_member, is_anonymous=False
    )
    url = f"/posts/{post.pk}/"

    page = assert_same_queries_for_one_and_many(
        viewer, url, fill_post(post, member), django_assert_num_queries
    )

    assert page.count('class="reply"') == min(MANY, selectors.REPLIES_PAGE_SIZE)
    assert "A member" in page
    assert has_badges(page)
    assert 'class="reaction__count"' in page


@pytest.mark.django_db
def test_the_second_page_of_replies_costs_what_the_first_does(
    viewer, member, other_member, django_assert_num_queries
):
    post = new_post(
        0, space=SpaceFactory(slug="calm", is_public=True), author=other_member, is_anonymous=False
    )
    url = f"/posts/{post.pk}/"
    add_item = fill_post(post, member)
    for i in range(selectors.REPLIES_PAGE_SIZE + 10):
        add_item(i)
    viewer.get(url)
    with CaptureQueriesContext(connection) as first:
        first_page = viewer.get(url).content.decode()

    with django_assert_num_queries(len(first)):
        response = viewer.get(next_page_url(url, first_page))

    assert response.status_code == 200
    assert response.content.decode().count('class="reply"') == 10


# --- Needs a reply ------------------------------------------------------------


@pytest.mark.django_db
def test_needs_a_reply_costs_the_same_for_1_and_50_waiting_posts(
    member_client, member, django_assert_num_queries
):
    def add_item(i):
        post = new_post(i, space=SpaceFactory(slug=f"room-{i}"))
        services.set_reaction(member=UserFactory(), kind=KINDS[i % 4], on=True, post=post)
        if i % 3 == 0:
            services.set_reaction(member=member, kind="hear", on=True, post=post)

    page = assert_same_queries_for_one_and_many(
        member_client, "/unanswered/", add_item, django_assert_num_queries
    )

    assert page.count('class="card post-card"') == 25
    assert "More posts waiting" in page
    assert has_badges(page)


# --- Notifications ------------------------------------------------------------


@pytest.mark.django_db
def test_notifications_cost_the_same_for_1_and_50_from_different_members(
    client, member, django_assert_num_queries
):
    client.force_login(member)
    space = SpaceFactory(slug="calm", is_public=True)

    def add_item(i):
        """One notification for Maya, from a new member, of the i-th kind in turn."""
        actor = someone(i // 4)
        if i % 4 == 0:
            post = new_post(i, space=space, author=member, is_anonymous=False)
            services.post_reply(author=actor, post=post, body="Me too.", is_anonymous=i % 8 == 4)
        elif i % 4 == 1:
            new_post(i, space=space, author=actor, body="Thinking of @maya today.")
        elif i % 4 == 2:
            post = new_post(i, space=space)
            reply = services.post_reply(author=member, post=post, body="Sending strength.")
            services.set_reaction(member=actor, kind=KINDS[i % 3], on=True, reply=reply)
        else:
            post = new_post(i, space=space)
            services.follow_post(member=member, post=post)
            services.post_reply(author=actor, post=post, body="Same here.")

    page = assert_same_queries_for_one_and_many(
        client, "/notifications/", add_item, django_assert_num_queries
    )

    assert page.count("card notification") == 25
    for says in ("replied to your post", "mentioned you", "to your reply in", "a post you follow"):
        assert says in page
    assert "A member replied to your post" in page
    assert "Older notifications" in page
    assert has_badges(page)


# --- Search -------------------------------------------------------------------


@pytest.mark.django_db
def test_search_asks_the_same_queries_whatever_kinds_it_finds(member_client):
    only_posts = new_post(1, space=SpaceFactory(slug="room-a"), body="A quiet harbour.")
    elsewhere = new_post(2, space=SpaceFactory(slug="room-b"))
    services.post_reply(author=someone(3), post=elsewhere, body="A windmill, turning.")

    def queries(q):
        member_client.get(f"/search/?q={q}")  # a first request may fill per-process caches
        with CaptureQueriesContext(connection) as ran:
            page = member_client.get(f"/search/?q={q}").content.decode()
        return len(ran), page

    posts, found_posts = queries("harbour")
    replies, found_replies = queries("windmill")
    nothing, found_nothing = queries("zeppelin")

    assert posts == replies == nothing
    assert only_posts.title in found_posts
    assert "Reply in" in found_replies
    assert '<li class="card">' in found_posts
    assert '<li class="card">' not in found_nothing


@pytest.mark.django_db
def test_search_costs_the_same_for_1_and_50_matching_posts_and_replies(
    member_client, django_assert_num_queries
):
    def add_item(i):
        """A matching post and a matching reply: results load posts and replies apart, so
        both lookups run from the first item. Repeating the word spreads the ranks, so
        every page mixes posts and replies."""
        words = " ".join(["lighthouse"] * (i % 5 + 1))
        post = new_post(
            i, space=SpaceFactory(slug=f"room-{i}"), body=f"The {words} kept me going."
        )
        services.post_reply(
            author=someone(i + 1),
            post=post,
            body=f"A {words} helped me too.",
            is_anonymous=i % 4 == 3,
        )

    page = assert_same_queries_for_one_and_many(
        member_client, "/search/?q=lighthouse", add_item, django_assert_num_queries
    )

    assert page.count('<li class="card">') == 25
    assert "Reply in" in page
    assert re.search(r">Post \d+</a></h2>", page)
    assert "<mark>lighthouse</mark>" in page
    assert "More results" in page
    assert has_badges(page)


# --- Members ------------------------------------------------------------------


@pytest.mark.django_db
def test_member_page_costs_the_same_for_1_and_50_posts(
    member_client, other_member, django_assert_num_queries
):
    def add_item(i):
        new_post(
            i, space=SpaceFactory(slug=f"room-{i}"), author=other_member, is_anonymous=i % 4 == 2
        )

    page = assert_same_queries_for_one_and_many(
        member_client, "/members/sam/", add_item, django_assert_num_queries
    )

    assert page.count('class="card post-card"') == 20
    assert "Room-49" in page


@pytest.mark.django_db
def test_blocked_members_cost_the_same_for_1_and_50_blocks(
    client, member, django_assert_num_queries
):
    client.force_login(member)

    def add_item(i):
        services.block_member(blocker=member, blocked=UserFactory())

    page = assert_same_queries_for_one_and_many(
        client, "/settings/blocked/", add_item, django_assert_num_queries
    )

    assert page.count('<li class="card">') == MANY
