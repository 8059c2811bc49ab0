"""Every factory makes its row with its defaults alone, through the service where one exists."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db

ALL = [
    getattr(factories, name)
    for name in dir(factories)
    if name.endswith("Factory") and not name.startswith("_")
]


@pytest.mark.parametrize("factory", ALL, ids=lambda f: f.__name__)
def test_each_factory_makes_a_row_on_its_own(factory):
    made = factory()

    assert made.pk is not None
    assert type(made).objects.filter(pk=made.pk).exists()


def test_a_post_from_its_factory_is_rendered_and_searchable():
    post = factories.PostFactory(body="Some **kind** words.")

    post.refresh_from_db()
    assert "<strong>kind</strong>" in post.body_html
    assert post.search_vector is not None


def test_a_reply_from_its_factory_moves_the_posts_counters():
    reply = factories.ReplyFactory()

    reply.post.refresh_from_db()
    assert reply.post.reply_count == 1
    assert reply.post.first_reply_at is not None


def test_a_reaction_on_a_reply_reacts_to_the_reply_only():
    reply = factories.ReplyFactory()

    reaction = factories.ReactionFactory(reply=reply)

    assert reaction.reply == reply
    assert reaction.post is None
