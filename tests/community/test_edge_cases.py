"""Edge cases found in review: anonymity under blocks, counters, double submits, odd input."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from community import selectors, services
from community.models import Notification, Post, Reply
from tests.factories import NotificationFactory, UserFactory


@pytest.mark.django_db
def test_a_named_authors_reply_in_their_own_post_is_named_too(member, make_post):
    post = make_post(member)

    reply = services.post_reply(author=member, post=post, body="Update", is_anonymous=True)

    # An anonymous reply that keeps the post in Needs a reply would name its writer.
    assert not reply.is_anonymous


@pytest.mark.django_db
def test_blocking_leaves_anonymous_notifications_alone(member, other_member, make_post):
    post = make_post(other_member)
    services.post_reply(author=member, post=post, body="Quietly here", is_anonymous=True)

    services.block_member(blocker=other_member, blocked=member)

    page = selectors.notifications_for(member=other_member, cursor=None)
    assert [n.actor_hidden for n in page.items] == [True]
    assert selectors.unread_notification_count(other_member) == 1


@pytest.mark.django_db
def test_replies_in_a_blocked_members_named_post_are_out_of_reach(
    client, member, other_member, make_post
):
    post = make_post(other_member, title="Secret title")
    reply = services.post_reply(author=UserFactory(), post=post, body="marigold words")
    services.block_member(blocker=member, blocked=other_member)
    client.force_login(member)

    assert "Secret title" not in client.get("/search/", {"q": "marigold"}).content.decode()
    assert client.post(f"/replies/{reply.pk}/react/", {"reaction": "hear:1"}).status_code == 404
    assert client.get(f"/replies/{reply.pk}/report/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("handle", ["%00", "a%00b", "ab", "x" * 31, "Robert'); DROP--"])
def test_odd_handles_in_urls_are_404s(member_client, handle):
    assert member_client.get(f"/members/{handle}/").status_code == 404
    assert member_client.post(f"/members/{handle}/block/").status_code == 404
    assert member_client.get(f"/members/{handle}/report/").status_code == 404


@pytest.mark.django_db
def test_removing_a_hidden_reply_does_not_count_it_twice(
    member, other_member, moderator, make_post
):
    post = make_post(member)
    services.post_reply(author=UserFactory(), post=post, body="Stays")
    hidden = services.post_reply(author=other_member, post=post, body="Hidden")
    services.hide_content(content=hidden, moderator=moderator)

    services.remove_reply(reply=hidden, member=other_member)

    assert Post.objects.get(pk=post.pk).reply_count == 1


@pytest.mark.django_db
def test_hiding_a_late_reply_gives_the_post_its_earlier_activity_back(
    member, other_member, moderator, make_post
):
    post = make_post(member)
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        first = services.post_reply(author=UserFactory(), post=post, body="Kind words")
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        spam = services.post_reply(author=other_member, post=post, body="Buy things")

    services.hide_content(content=spam, moderator=moderator)

    assert Post.objects.get(pk=post.pk).last_activity_at == first.created_at


@pytest.mark.django_db
def test_the_unread_count_matches_what_the_inbox_shows(member, other_member, moderator, make_post):
    post = make_post(member)
    services.post_reply(author=other_member, post=post, body="One")

    services.hide_content(content=post, moderator=moderator)

    # The reply's news leaves with the hidden post; the moderators' word about it stays.
    items = selectors.notifications_for(member=member, cursor=None).items
    assert [n.kind for n in items] == ["content_hidden"]
    assert selectors.unread_notification_count(member) == 1


@pytest.mark.django_db
def test_mentions_in_code_do_not_notify_and_a_post_notifies_ten_at_most(member, make_post):
    sam = UserFactory(handle="sam")
    others = [UserFactory(handle=f"friend_{n:02d}") for n in range(12)]

    make_post(member, body="Look: `@sam` in code")
    assert not Notification.objects.filter(recipient=sam).exists()

    make_post(member, title="Hello all", body=" ".join(f"@{o.handle}" for o in others))
    assert Notification.objects.filter(kind="mention").count() == 10


@pytest.mark.django_db
def test_reports_of_your_own_words_or_removed_words_are_refused(
    client, member, other_member, make_post
):
    mine = make_post(member, title="Mine")
    theirs = make_post(other_member, title="Theirs")
    services.post_reply(author=member, post=theirs, body="keep it readable")
    services.remove_post(post=theirs, member=other_member)
    client.force_login(member)

    own = client.post(f"/posts/{mine.pk}/report/", {"reason": "spam"})
    removed = client.post(f"/posts/{theirs.pk}/report/", {"reason": "spam"})

    assert own.status_code == removed.status_code == 403
    assert b"your own words" in own.content
    assert b"removed by its author" in removed.content


@pytest.mark.django_db
def test_a_double_submitted_post_or_reply_is_written_once(
    member_client, member, other_member, space
):
    data = {"title": "Same", "body": "Same words", "intent": "hello", "content_warning": ""}
    first = member_client.post("/spaces/low-energy/new/", data)
    second = member_client.post("/spaces/low-energy/new/", data)
    assert first.url == second.url
    assert Post.objects.count() == 1

    post = Post.objects.get()
    member_client.post(post.get_absolute_url(), {"body": "Thank you"})
    member_client.post(post.get_absolute_url(), {"body": "Thank you"})
    assert Reply.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "title", ["\u200b\u200b", "Hello\u202eevil", "Tab\u2066isolate", "soft\u00adhyphen"]
)
def test_invisible_formatting_characters_are_refused(member_client, space, title):
    response = member_client.post(
        "/spaces/low-energy/new/",
        {"title": title, "body": "words", "intent": "hello", "content_warning": ""},
    )

    assert response.status_code == 400
    assert not Post.objects.exists()


@pytest.mark.django_db
def test_emoji_joined_with_a_zero_width_joiner_are_fine(member_client, space):
    response = member_client.post(
        "/spaces/low-energy/new/",
        {"title": "Family \U0001f468\u200d\U0001f469\u200d\U0001f467", "body": "words",
         "intent": "hello", "content_warning": ""},
    )  # fmt: skip

    assert response.status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["A member", "a  MEMBER", "4C", "Moderator"])
def test_names_that_pass_for_4c_or_an_anonymous_member_are_refused(member_client, name):
    response = member_client.post(
        "/settings/profile/",
        {"display_name": name, "handle": "maya", "pronouns": "", "bio": "", "time_zone": "UTC"},
    )

    assert response.status_code == 400
    assert b"Please choose another." in response.content


@pytest.mark.django_db
def test_profile_text_refuses_control_characters(member_client):
    response = member_client.post(
        "/settings/profile/",
        {"display_name": "Maya", "handle": "maya", "pronouns": "she\x1b", "bio": "ok",
         "time_zone": "UTC"},
    )  # fmt: skip

    assert response.status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/gatherings/?space=%00", "/gatherings/?space=a%00b", "/spaces/%00/"]
)
def test_nul_in_a_space_slug_is_a_404_not_a_500(member_client, url):
    client = member_client
    assert client.get(url).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "target", ["0", "home", "community:help", "help", "https://evil.example/"]
)
def test_a_next_that_is_not_a_path_inside_4c_goes_to_the_usual_page(member_client, member, target):
    """`next=0` was a 500: redirect() read a bare word as the name of a view."""
    notification = NotificationFactory(recipient=member)

    tips = member_client.post("/reply-tips/dismiss/", {"next": target})
    shown = member_client.post("/settings/hidden-spaces/show/", {"next": target})
    read = member_client.post(f"/notifications/{notification.pk}/read/", {"next": target})

    assert (tips.status_code, tips["Location"]) == (302, "/")
    assert (shown.status_code, shown["Location"]) == (302, "/")
    assert (read.status_code, read["Location"]) == (302, "/notifications/")


@pytest.mark.django_db
def test_a_next_path_inside_4c_is_followed(member_client):
    response = member_client.post("/reply-tips/dismiss/", {"next": "/help/"})

    assert response["Location"] == "/help/"
