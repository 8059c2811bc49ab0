"""What members write is for members. A visitor sees the landing page, the help page,
the guidelines, the list of spaces (names and descriptions) and sign-up; everything
else asks them to log in. A moderator may open a space to visitors: then its posts
and replies are readable, and nothing in it can be written without an account."""

from urllib.parse import quote

import pytest
from django.test import Client

from community import services
from community.models import Reply, Space
from tests.factories import GatheringFactory, PostFactory, SpaceFactory, UserFactory
from tests.fourc.test_admin_and_roles import enrol_totp

SECRET = "Marmalade and the long night"


@pytest.fixture
def scene(member, other_member, host):
    closed = SpaceFactory(slug="closed", name="Closed room", description="For members.")
    post = PostFactory(author=member, space=closed, title=SECRET, body="Only for members.")
    services.post_reply(author=other_member, post=post, body=f"{SECRET}, I hear you.")
    gathering = GatheringFactory(host=host, space=closed, title=f"{SECRET} gathering")
    return {"space": closed, "post": post, "gathering": gathering}


def members_only_urls(scene, member) -> list[str]:
    post, gathering = scene["post"], scene["gathering"]
    return [
        "/spaces/closed/",
        f"/posts/{post.pk}/",
        f"/members/{member.handle}/",
        f"/search/?q={quote(SECRET)}",
        "/unanswered/",
        "/gatherings/",
        "/gatherings/past/",
        "/gatherings/?space=closed",
        f"/gatherings/{gathering.pk}/",
        f"/gatherings/{gathering.pk}/calendar.ics",
    ]


@pytest.mark.django_db
def test_a_visitor_is_asked_to_log_in_for_everything_members_write(client, scene, member):
    for url in members_only_urls(scene, member):
        response = client.get(url)

        assert response.status_code == 302, url
        assert response["Location"] == f"/accounts/login/?next={quote(url, safe='/')}", url
        assert SECRET.encode() not in response.content, url


@pytest.mark.django_db
def test_a_signed_in_member_reads_them_all(client, scene, member):
    client.force_login(UserFactory())

    for url in members_only_urls(scene, member):
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/help/", "/guidelines/", "/spaces/", "/accounts/signup/"])
def test_a_visitor_sees_the_front_door(client, scene, url):
    response = client.get(url)

    assert response.status_code == 200
    assert SECRET not in response.content.decode()


@pytest.mark.django_db
def test_the_list_of_spaces_shows_visitors_names_and_descriptions_and_how_to_read_more(
    client, scene
):
    SpaceFactory(slug="open", name="Open room", description="Anyone may read.", is_public=True)

    page = client.get("/spaces/").content.decode()

    assert "Closed room" in page
    assert "For members." in page
    assert "Open room" in page
    assert "Anyone may read." in page
    assert "reading a space needs an account" in page
    assert page.count("Open to visitors") == 1


@pytest.mark.django_db
def test_a_visitors_menu_offers_only_what_they_may_open(client, scene):
    page = client.get("/").content.decode()

    for members_only in ("/unanswered/", "/search/", "/gatherings/", "/notifications/"):
        assert f'href="{members_only}"' not in page
    assert 'href="/spaces/"' in page
    assert 'href="/help/"' in page


# --- A space open to visitors ------------------------------------------------------


@pytest.fixture
def open_space(scene):
    space = scene["space"]
    space.is_public = True
    space.save(update_fields=["is_public"])
    return space


@pytest.mark.django_db
def test_a_visitor_reads_a_space_a_moderator_opened_and_its_posts(client, scene, open_space):
    post = scene["post"]

    space_page = client.get("/spaces/closed/").content.decode()
    post_page = client.get(f"/posts/{post.pk}/").content.decode()

    assert SECRET in space_page
    assert f"{SECRET}, I hear you." in post_page
    assert "Log in to reply" in post_page
    assert 'name="body"' not in post_page  # no reply box
    assert 'id="space-gatherings"' not in space_page  # gatherings stay with members


@pytest.mark.django_db
def test_an_open_space_is_read_only_for_visitors(client, scene, open_space):
    post = scene["post"]
    posts_before = post.space.posts.count()

    reply = client.post(f"/posts/{post.pk}/", {"body": "Hello from outside."})
    new_post = client.post("/spaces/closed/new/", {"title": "Hi", "body": "Outside."})
    react = client.post(f"/posts/{post.pk}/react/", {"reaction": "hear:1"})

    for response in (reply, new_post, react):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert not Reply.objects.filter(body="Hello from outside.").exists()
    assert post.space.posts.count() == posts_before


@pytest.mark.django_db
def test_opening_one_space_opens_nothing_else(client, scene, open_space, member):
    other = SpaceFactory(slug="other")
    elsewhere = PostFactory(author=member, space=other, title="Elsewhere")

    assert client.get("/spaces/other/").status_code == 302
    assert client.get(f"/posts/{elsewhere.pk}/").status_code == 302
    assert client.get(f"/members/{member.handle}/").status_code == 302
    assert client.get(f"/gatherings/{scene['gathering'].pk}/").status_code == 302


@pytest.mark.django_db
def test_a_visitor_never_learns_an_anonymous_author_in_an_open_space(client, open_space):
    writer = UserFactory(display_name="Quill Writer", handle="quillwriter")
    post = PostFactory(author=writer, space=open_space, title="Foggy", is_anonymous=True)

    page = Client().get(f"/posts/{post.pk}/").content.decode().lower()

    assert "foggy" in page
    assert "quill" not in page


@pytest.mark.django_db
def test_a_moderator_opens_a_space_to_visitors_in_the_admin(client, moderator, scene):
    enrol_totp(moderator)
    client.force_login(moderator)
    space = scene["space"]

    response = client.post(
        "/admin/community/space/",
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": str(space.pk),
            "form-0-order": str(space.order),
            "form-0-is_public": "on",
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    space.refresh_from_db()
    assert space.is_public
    client.logout()
    assert SECRET in client.get("/spaces/closed/").content.decode()


@pytest.mark.django_db
def test_spaces_are_for_members_until_a_moderator_opens_them():
    assert Space._meta.get_field("is_public").default is False
