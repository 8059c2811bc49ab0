"""The support card: words that sound like crisis are not published at once. Their
author first sees the crisis lines themselves and a person to talk to now, then chooses
to post anyway or to keep the words as a private draft. Nothing typed is lost."""

import html

import pytest
from django.test import Client

from community.models import CrisisLine, Draft, Post, Reply

pytestmark = pytest.mark.django_db

CRISIS = "I don't want to be here anymore."
CARD = "Before you post: are you safe right now?"


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def new_post_url(space):
    return f"/spaces/{space.slug}/new/"


def test_a_post_in_crisis_words_shows_the_card_with_the_lines_and_publishes_nothing(
    member_client, new_post_url
):
    line = CrisisLine.objects.filter(is_active=True, phone__gt="").order_by("order").first()

    response = member_client.post(
        new_post_url, {"title": "Tonight", "body": CRISIS, "intent": "support"}
    )

    page = text(response)
    assert response.status_code == 200
    assert CARD in page
    assert f'href="tel:{line.phone}"' in page  # the numbers themselves, not only a link
    assert 'href="/help/"' in page
    assert CRISIS in page  # what was typed stays in the form
    assert 'value="Tonight"' in page
    assert 'name="post_anyway" value="1"' in page
    assert 'name="action" value="draft"' in page
    assert not Post.objects.exists()


def test_post_it_anyway_publishes_it(member_client, member, new_post_url):
    response = member_client.post(
        new_post_url,
        {"title": "Tonight", "body": CRISIS, "intent": "support", "post_anyway": "1"},
    )

    post = Post.objects.get()
    assert response.status_code == 302
    assert response.url == post.get_absolute_url()
    assert post.author == member


def test_keep_it_as_a_draft_keeps_the_words_privately_and_offers_them_again(
    member_client, member, other_member, space, new_post_url
):
    response = member_client.post(
        new_post_url,
        {"title": "Tonight", "body": CRISIS, "intent": "support", "action": "draft"},
    )

    assert response.status_code == 302
    assert not Post.objects.exists()
    draft = Draft.objects.get(member=member, space=space)
    assert (draft.title, draft.body) == ("Tonight", CRISIS)
    assert CRISIS in text(member_client.get(new_post_url))
    other = Client()
    other.force_login(other_member)
    assert CRISIS not in text(other.get(new_post_url))  # a draft is only its author's

    member_client.post(
        new_post_url, {"title": "Tonight", "body": "A better hour now.", "intent": "support"}
    )

    assert Post.objects.filter(author=member).exists()
    assert not Draft.objects.exists()  # published there: no longer kept


def test_a_reply_in_crisis_words_shows_the_card_then_keeps_a_draft_or_posts(
    member_client, member, other_member, make_post
):
    post = make_post(other_member)
    url = post.get_absolute_url()

    card = member_client.post(url, {"body": f"Me too. {CRISIS}"})

    assert card.status_code == 200
    assert CARD in text(card)
    assert f"Me too. {CRISIS}" in text(card)
    assert not Reply.objects.exists()

    kept = member_client.post(url, {"body": f"Me too. {CRISIS}", "action": "draft"})

    assert kept.status_code == 302
    assert Draft.objects.get(member=member, post=post).body == f"Me too. {CRISIS}"
    assert f"Me too. {CRISIS}" in text(member_client.get(url))

    posted = member_client.post(url, {"body": f"Me too. {CRISIS}", "post_anyway": "1"})

    assert posted.status_code == 302
    assert Reply.objects.get().author == member
    assert not Draft.objects.exists()


def test_ordinary_words_are_published_at_once(member_client, new_post_url):
    response = member_client.post(
        new_post_url, {"title": "A walk", "body": "My phone died on the walk.", "intent": "hello"}
    )

    assert response.status_code == 302
    assert Post.objects.count() == 1


def test_a_draft_with_bad_input_is_refused_and_keeps_what_was_typed(member_client, new_post_url):
    response = member_client.post(
        new_post_url, {"title": "", "body": CRISIS, "intent": "support", "action": "draft"}
    )

    assert response.status_code == 400
    assert CRISIS in text(response)
    assert not Draft.objects.exists()
