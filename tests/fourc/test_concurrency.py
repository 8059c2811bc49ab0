"""Simultaneous writes on PostgreSQL, through the real views: one member's tabs (or
several members) sending at the same instant, each request in its own thread and
database connection, released together by a barrier. Whatever the timing: one row per
submit (fourc/lib/once.py), one place per member, never more places than the
gathering has, one reaction, and no 500."""

import threading

import pytest
from django.db import connection
from django.test import Client

from community import notifications, services
from community.models import (
    RSVP,
    Gathering,
    Mention,
    Notification,
    Post,
    PostFollow,
    QueueItem,
    Reaction,
    RSVPStatus,
)
from fourc.lib import once
from prescriptions.models import CheckIn, Prescription, Status
from tests.factories import (
    ConsentFactory,
    GatheringFactory,
    HostFactory,
    SpaceFactory,
    UserFactory,
)
from tests.fourc.test_submit_once import gathering_data

pytestmark = pytest.mark.django_db(transaction=True)

N = 8  # requests at once: more than the two cores that serve them


def signed_in(member) -> Client:
    client = Client(raise_request_exception=False)  # a 500 is an answer to count
    client.force_login(member)
    return client


def at_once(clients, send) -> list:
    """`send(client)` for every client, each in its own thread and connection, all
    released together; returns the answers in the clients' order."""
    barrier = threading.Barrier(len(clients))
    answers = [None] * len(clients)
    errors: list[BaseException] = []

    def run(i, client):
        try:
            connection.ensure_connection()
            barrier.wait(timeout=10)
            answers[i] = send(client)
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    return answers


def redirects(answers) -> set[str]:
    """Where the answers sent the browser; every one must be a redirect (no 500)."""
    assert [answer.status_code for answer in answers] == [302] * len(answers)
    return {answer.url for answer in answers}


def test_the_same_new_post_sent_at_once_from_many_tabs_makes_one_post(reference_data):
    member, sam = UserFactory(), UserFactory(handle="sam")
    space = SpaceFactory()
    data = {
        "title": "Tonight",
        "body": "Thank you @sam. I don't want to be here anymore.",
        "intent": "support",
        "post_anyway": "1",
        "submit_key": once.new_key(),
    }

    answers = at_once(
        [signed_in(member) for _ in range(N)],
        lambda client: client.post(f"/spaces/{space.slug}/new/", data),
    )

    post = Post.objects.get()
    assert redirects(answers) == {post.get_absolute_url()}
    # What follows a new post happened once.
    assert Mention.objects.filter(post=post, member=sam).count() == 1
    assert Notification.objects.filter(recipient=sam).count() == 1
    assert QueueItem.objects.filter(post=post).count() == 1
    assert PostFollow.objects.filter(post=post).count() == 1


def test_the_same_check_in_sent_at_once_keeps_one_check_in(reference_data):
    member = UserFactory()
    ConsentFactory(member=member)
    data = {"mood": 4, "energy": 2, "urge": "", "note": "", "submit_key": once.new_key()}

    answers = at_once(
        [signed_in(member) for _ in range(N)], lambda client: client.post("/check-in/", data)
    )

    assert redirects(answers) == {"/prescriptions/"}
    check_in = CheckIn.objects.get()
    steps = Prescription.objects.filter(member=member)
    assert steps.exists()
    assert set(steps.values_list("check_in", flat=True)) == {check_in.pk}
    assert not steps.filter(status=Status.EXPIRED).exists()


def test_the_same_gathering_sent_at_once_schedules_one(reference_data):
    host = HostFactory()
    space = SpaceFactory()
    data = gathering_data(space, submit_key=once.new_key())

    answers = at_once(
        [signed_in(host) for _ in range(N)], lambda client: client.post("/gatherings/new/", data)
    )

    gathering = Gathering.objects.get()
    assert redirects(answers) == {gathering.get_absolute_url()}
    assert list(Post.objects.all()) == [gathering.discussion]


def test_members_taking_places_at_once_never_overfill_the_gathering(reference_data):
    capacity = 3
    gathering = GatheringFactory(space=SpaceFactory(), capacity=capacity)
    members = [UserFactory() for _ in range(N)]

    answers = at_once(
        [signed_in(member) for member in members],
        lambda client: client.post(f"/gatherings/{gathering.pk}/rsvp/"),
    )

    assert redirects(answers) == {gathering.get_absolute_url()}
    places = RSVP.objects.filter(gathering=gathering)
    assert places.filter(status=RSVPStatus.GOING).count() == capacity
    assert places.filter(status=RSVPStatus.WAITING).count() == N - capacity
    assert sorted(places.values_list("member", flat=True)) == sorted(m.pk for m in members)


def test_one_member_taking_a_place_from_many_tabs_at_once_has_one_place(reference_data):
    gathering = GatheringFactory(space=SpaceFactory(), capacity=2)
    member = UserFactory()

    answers = at_once(
        [signed_in(member) for _ in range(N)],
        lambda client: client.post(f"/gatherings/{gathering.pk}/rsvp/"),
    )

    assert redirects(answers) == {gathering.get_absolute_url()}
    place = RSVP.objects.get(gathering=gathering)
    assert (place.member, place.status) == (member, RSVPStatus.GOING)


def test_the_same_reaction_sent_at_once_counts_once(reference_data):
    author, member = UserFactory(), UserFactory()
    post = services.create_post(
        author=author, space=SpaceFactory(), title="A long day", body="Tired.", intent="support"
    )

    answers = at_once(
        [signed_in(member) for _ in range(N)],
        lambda client: client.post(f"/posts/{post.pk}/react/", {"reaction": "hear:1"}),
    )

    assert redirects(answers) == {post.get_absolute_url()}
    assert Reaction.objects.filter(member=member, post=post, kind="hear").count() == 1
    told = Notification.objects.get(recipient=author, kind=notifications.REACTION)
    assert (told.count, told.actor) == (1, member)
