import html

import pytest

from community.safety import mentions_crisis


@pytest.mark.django_db  # the phrases are moderators' data
@pytest.mark.parametrize(
    "text",
    [
        "I want to die",
        "some days I think about ending my life",
        "I don't want to be here anymore",
        "I dont want to live",
        "everyone would be better off without me",
        "I keep thinking about suicide",
        "feeling suicidal tonight",
        "I've been self-harming again",
        "I might hurt myself",
        "I can't go on",
        "I'm not safe right now",
        "I wish I was dead",
        "I don\u2019t want to be alive",
    ],
)
def test_crisis_language_is_recognised(text):
    assert mentions_crisis(text)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text",
    [
        "",
        "I'm tired but OK",
        "this traffic is killing me",  # everyday phrases are not crisis language
        "I could die of embarrassment",
        "my phone died",
        "I want to dye my hair",
        "harmless fun",
        "I went on a walk",
    ],
)
def test_everyday_words_are_not_crisis_language(text):
    assert not mentions_crisis(text)


# --- The community side: an author whose words sound like crisis is offered help ---------

HELP = "If you're thinking about ending your life or you're in danger right now"


def page_after(client, url, data):
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


@pytest.mark.django_db
def test_a_post_in_crisis_words_brings_the_help_page_to_its_author(member_client, space):
    page = page_after(
        member_client,
        f"/spaces/{space.slug}/new/",
        {
            "title": "Tonight",
            "body": "I don't want to be here anymore.",
            "intent": "support",
            "post_anyway": "1",  # after the support card (tests/community/test_support_card.py)
        },
    )

    assert HELP in page
    assert '<a href="/help/">See who to contact now</a>' in page
    assert "Your post is up. Thank you for sharing." in page


@pytest.mark.django_db
def test_a_reply_in_crisis_words_brings_the_help_page_too(member_client, other_member, make_post):
    post = make_post(other_member)

    page = page_after(
        member_client,
        post.get_absolute_url(),
        {"body": "Me too. I want to die.", "post_anyway": "1"},
    )

    assert HELP in page


@pytest.mark.django_db
def test_everyday_words_bring_no_crisis_message(member_client, other_member, make_post, space):
    post = make_post(other_member)

    after_reply = page_after(member_client, post.get_absolute_url(), {"body": "My phone died."})
    after_post = page_after(
        member_client,
        f"/spaces/{space.slug}/new/",
        {"title": "A walk", "body": "This traffic is killing me.", "intent": "hello"},
    )

    assert HELP not in after_reply
    assert HELP not in after_post


@pytest.mark.django_db
def test_editing_a_post_into_crisis_words_brings_the_help_page(member_client, member, make_post):
    post = make_post(member)

    page = page_after(
        member_client,
        f"/posts/{post.pk}/edit/",
        {"title": post.title, "body": "Honestly I can't go on.", "intent": "support"},
    )

    assert HELP in page
