import html

import pytest
from django.urls import reverse

from community import services
from community.models import Post, Reply, Space
from tests.factories import UserFactory

NEW_POST = "/spaces/low-energy/new/"


def post_data(**overrides):
    data = {
        "title": "Small win today",
        "body": "I opened the curtains and *that was enough*.",
        "intent": "win",
        "content_warning": "",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_a_verified_member_writes_a_post_in_a_space(member_client, member, space):
    response = member_client.post(NEW_POST, post_data())

    post = Post.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("community:post-detail", args=[post.pk])
    assert (post.author, post.space, post.intent) == (member, space, "win")
    assert post.body_html == "<p>I opened the curtains and <em>that was enough</em>.</p>\n"
    page = member_client.get(response.url)
    assert b"Small win today" in page.content
    assert b"<em>that was enough</em>" in page.content
    assert b"Sharing a win" in page.content


@pytest.mark.django_db
def test_an_unverified_member_is_asked_to_confirm_before_posting(client, unverified_member, space):
    client.force_login(unverified_member)

    response = client.post(NEW_POST, post_data())

    assert response.status_code == 302
    assert response.url == "/accounts/email/"
    assert not Post.objects.exists()


@pytest.mark.django_db
def test_a_visitor_is_asked_to_log_in_before_posting(client, space):
    response = client.post(NEW_POST, post_data())

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "title", "This is empty"),
        ({"title": "   \t "}, "title", "This is empty"),
        ({"body": "\n\n   "}, "body", "This is empty"),
        ({"title": "t" * 201}, "title", "under 200 characters"),
        ({"body": "b" * 20_001}, "body", "under 20000 characters"),
        ({"title": "Hello\x00there"}, "title", "hidden control character"),
        ({"body": "bell \x07 here"}, "body", "hidden control character"),
        ({"content_warning": "cw\x1b[31m"}, "content_warning", "hidden control character"),
        ({"intent": "shouting"}, "intent", "Select a valid choice"),
    ],
)
def test_bad_post_input_gets_a_clear_error_and_keeps_what_was_typed(
    member_client, space, overrides, field, message
):
    data = post_data(**overrides)

    response = member_client.post(NEW_POST, data)

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not Post.objects.exists()
    if field != "body":
        assert b"I opened the curtains and *that was enough*." in response.content
    if field != "title":
        assert b'value="Small win today"' in response.content


@pytest.mark.django_db
def test_a_content_warning_folds_the_body_behind_details(member_client, member, make_post):
    post = make_post(member, content_warning="grief", body="Missing my dad today.")

    content = member_client.get(post.get_absolute_url()).content.decode()

    assert '<details class="cw">' in content
    assert "Content warning: grief" in content
    assert content.index("Content warning: grief") < content.index("Missing my dad today.")


@pytest.mark.django_db
def test_links_are_marked_ugc_and_raw_html_is_escaped(member, make_post):
    post = make_post(
        member, body="[help](https://example.org) <b>bold</b> ![pic](https://x/y.png)"
    )

    assert 'rel="nofollow ugc noopener"' in post.body_html
    assert "<b>" not in post.body_html
    assert "<img" not in post.body_html


@pytest.mark.django_db
def test_the_author_edits_their_post_and_it_is_marked_edited(member_client, member, make_post):
    post = make_post(member)

    response = member_client.post(
        f"/posts/{post.pk}/edit/", post_data(title="A better week", body="Thank you all.")
    )

    post.refresh_from_db()
    assert response.status_code == 302
    assert (post.title, post.body_html) == ("A better week", "<p>Thank you all.</p>\n")
    assert post.edited_at is not None
    assert b"edited" in member_client.get(post.get_absolute_url()).content


@pytest.mark.django_db
def test_another_members_post_cannot_be_edited_or_removed(client, other_member, member, make_post):
    post = make_post(member)
    client.force_login(other_member)

    assert client.get(f"/posts/{post.pk}/edit/").status_code == 404
    assert client.post(f"/posts/{post.pk}/edit/", post_data()).status_code == 404
    assert client.post(f"/posts/{post.pk}/delete/").status_code == 404
    post.refresh_from_db()
    assert post.title == "A hard week"
    assert post.removed_at is None


@pytest.mark.django_db
def test_a_removed_post_without_replies_is_gone(member_client, member, make_post, client):
    post = make_post(member)

    response = member_client.post(f"/posts/{post.pk}/delete/")

    assert response.status_code == 302
    assert member_client.get(post.get_absolute_url()).status_code == 404
    assert client.get(post.get_absolute_url()).status_code == 404
    assert Post.objects.filter(pk=post.pk, removed_at__isnull=False).exists()


@pytest.mark.django_db
def test_removing_a_post_twice_lands_where_the_first_did(member_client, member, make_post):
    post = make_post(member)

    first = member_client.post(f"/posts/{post.pk}/delete/", follow=True)
    second = member_client.post(f"/posts/{post.pk}/delete/", follow=True)

    assert first.redirect_chain == second.redirect_chain == [("/spaces/low-energy/", 302)]
    assert "Your post is removed." in second.content.decode()
    assert member_client.get(f"/posts/{post.pk}/delete/").status_code == 404
    assert member_client.get(f"/posts/{post.pk}/edit/").status_code == 404


@pytest.mark.django_db
def test_a_removed_post_with_replies_keeps_the_discussion_readable(
    client, member, other_member, make_post
):
    post = make_post(member, title="Secret title", body="Secret body")
    services.post_reply(author=other_member, post=post, body="I'm here with you.")
    services.remove_post(post=post, member=member)
    client.force_login(UserFactory())

    content = client.get(post.get_absolute_url()).content.decode()

    assert "Removed by the author" in content
    assert "here with you." in content
    assert "Secret title" not in content
    assert "Secret body" not in content


@pytest.mark.django_db
def test_unknown_and_malformed_ids_are_404s(member_client):
    assert member_client.get("/posts/999999/").status_code == 404
    assert member_client.get("/posts/abc/").status_code == 404
    assert member_client.get("/posts/99999999999999999999999/").status_code == 404
    assert member_client.get("/spaces/nowhere/").status_code == 404
    assert member_client.post("/spaces/nowhere/new/", post_data()).status_code == 404


@pytest.mark.django_db
def test_an_archived_space_is_closed(member_client, member, space, make_post):
    post = make_post(member)
    Space.objects.filter(pk=space.pk).update(is_archived=True)

    assert member_client.get("/spaces/low-energy/").status_code == 404
    assert member_client.get(post.get_absolute_url()).status_code == 404


CLOSED = "This space is closed now, so the posts and replies in it stay as they are."


@pytest.fixture
def archived(member, other_member, space, make_post):
    """The member's post and reply in a space that was archived afterwards."""
    post = make_post(member, title="Before it closed")
    reply = services.post_reply(author=member, post=make_post(other_member), body="Same here.")
    Space.objects.filter(pk=space.pk).update(is_archived=True)
    return post, reply


def _as_stored(post, reply):
    post.refresh_from_db()
    reply.refresh_from_db()
    return (post.title, post.body, post.edited_at, post.removed_at), (
        reply.body,
        reply.edited_at,
        reply.removed_at,
    )


@pytest.mark.django_db
def test_an_archived_space_refuses_edits_and_keeps_what_was_typed(member_client, archived):
    post, reply = archived
    before = _as_stored(post, reply)

    post_edit = member_client.post(
        f"/posts/{post.pk}/edit/", post_data(title="A new title", body="New words")
    )
    reply_edit = member_client.post(f"/replies/{reply.pk}/edit/", {"body": "Other words"})

    assert (post_edit.status_code, reply_edit.status_code) == (403, 403)
    assert CLOSED in html.unescape(post_edit.content.decode())
    assert "New words" in post_edit.content.decode()
    assert CLOSED in html.unescape(reply_edit.content.decode())
    assert "Other words" in reply_edit.content.decode()
    assert _as_stored(post, reply) == before


@pytest.mark.django_db
def test_an_archived_space_refuses_deletes(member_client, archived):
    post, reply = archived
    before = _as_stored(post, reply)

    post_delete = member_client.post(f"/posts/{post.pk}/delete/")
    reply_delete = member_client.post(f"/replies/{reply.pk}/delete/")

    assert (post_delete.status_code, reply_delete.status_code) == (403, 403)
    assert CLOSED in html.unescape(post_delete.content.decode())
    assert CLOSED in html.unescape(reply_delete.content.decode())
    assert _as_stored(post, reply) == before


@pytest.mark.django_db
def test_the_services_refuse_changes_in_an_archived_space(member, archived):
    post = Post.objects.get(pk=archived[0].pk)  # as a view reads them: the space closed
    reply = Reply.objects.get(pk=archived[1].pk)

    with pytest.raises(services.SpaceClosed):
        services.edit_post(
            post=post, editor=member, title="t", body="b", intent=post.intent, content_warning=""
        )
    with pytest.raises(services.SpaceClosed):
        services.remove_post(post=post, member=member)
    with pytest.raises(services.SpaceClosed):
        services.edit_reply(reply=reply, editor=member, body="b")
    with pytest.raises(services.SpaceClosed):
        services.remove_reply(reply=reply, member=member)


@pytest.mark.django_db
def test_posting_is_rate_limited_without_losing_the_text(member_client, space):
    for n in range(10):
        member_client.post(NEW_POST, post_data(title=f"Post {n}"))

    response = member_client.post(NEW_POST, post_data(title="One more"))

    assert response.status_code == 429
    assert b"moving quickly" in response.content
    assert b'value="One more"' in response.content
    assert Post.objects.count() == 10


@pytest.mark.django_db
def test_spaces_list_and_following_a_space_shows_its_posts_at_home(
    member_client, member, other_member, space, make_post
):
    make_post(other_member, title="Tea and toast win")

    def followed_activity():
        return member_client.get("/").content.decode().split('id="activity-heading"')[1]

    assert b"Low-energy days" in member_client.get("/spaces/").content
    assert "Tea and toast win" not in followed_activity()
    response = member_client.post("/spaces/low-energy/follow/")

    assert response.status_code == 302
    assert "Tea and toast win" in followed_activity()
    member_client.post("/spaces/low-energy/follow/", {"action": "unfollow"})
    assert "Tea and toast win" not in followed_activity()


@pytest.mark.django_db
def test_a_space_lists_pinned_posts_first_then_by_last_activity(
    client, member, other_member, moderator, make_post
):
    old = make_post(member, title="Old but active")
    pinned = make_post(member, title="Welcome, read me")
    newer = make_post(member, title="Newer post")
    services.set_post_flag(post=pinned, moderator=moderator, flag="is_pinned", value=True)
    services.post_reply(author=other_member, post=old, body="Bumping this with love.")
    client.force_login(other_member)

    content = client.get("/spaces/low-energy/").content.decode()

    positions = [content.index(t) for t in ("Welcome, read me", "Old but active", "Newer post")]
    assert positions == sorted(positions)
    assert newer.pk
