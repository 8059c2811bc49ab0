"""The one blocking rule (community.models.BlockQuerySet): a block works both ways,
for everything named."""

import pytest

from community import selectors, services
from community.models import Block
from tests.factories import UserFactory


@pytest.mark.django_db
def test_a_block_is_seen_from_both_sides_and_from_nobody_else(member, other_member):
    bystander = UserFactory()
    services.block_member(blocker=member, blocked=other_member)

    assert Block.objects.between(member, other_member)
    assert Block.objects.between(other_member.pk, member.pk)
    assert not Block.objects.between(member, bystander)
    assert not Block.objects.between(member, member)
    assert set(Block.objects.members_either_way(member)) == {other_member.pk}
    assert set(Block.objects.members_either_way(other_member)) == {member.pk}
    assert not Block.objects.members_either_way(bystander).exists()


@pytest.mark.django_db
def test_a_visitor_has_blocked_nobody(client, member):
    assert selectors.is_blocked_between(client.get("/").wsgi_request.user, member.pk) is False


@pytest.mark.django_db
def test_notifications_already_read_are_hidden_from_the_blocked_side_too(
    member, other_member, make_post
):
    post = make_post(member)
    services.post_reply(author=other_member, post=post, body="Hello there.")
    services.mark_all_notifications_read(member=member)
    assert len(selectors.notifications_for(member=member, cursor=None).items) == 1

    # Whoever blocked whom, neither hears from the other any more.
    services.block_member(blocker=other_member, blocked=member)

    assert selectors.notifications_for(member=member, cursor=None).items == []
