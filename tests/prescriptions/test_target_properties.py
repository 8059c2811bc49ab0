"""Property test, through the database: whatever the community looks like, a member is
never pointed at something they may not see, nor at a past, cancelled or full
gathering, nor at their own or a blocked member's words.

Hypothesis builds a small community per example (through the services, inside a
savepoint rolled back at the end), the member checks in, and every target the engine
was handed, and every stored step, is checked against what is allowed, worked out
here independently of the code under test, and against the community's own rules
(needs_a_reply_queryset, Post.objects.visible_to).
"""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from community import roles
from community import services as community
from community.models import Post, Space
from community.selectors import needs_a_reply_queryset
from prescriptions import selectors
from prescriptions import services as prescriptions
from prescriptions.models import CheckIn, Prescription, Urge
from tests.factories import UserFactory

# "struggling" has talked with the member and checked in with crisis words.
AUTHORS = ("member", "stranger", "friend", "blocked", "blocker", "struggling")
POST_STATES = ("waiting", "answered", "hidden", "removed", "locked", "crisis words")
CRISIS_WORDS = "I can't go on like this."
WEEK_MINUTES = 7 * 24 * 60

posts = st.lists(
    st.fixed_dictionaries(
        {
            "author": st.sampled_from(AUTHORS),
            "anonymous": st.booleans(),
            "state": st.sampled_from(POST_STATES),
            "archived": st.booleans(),
        }
    ),
    max_size=6,
)
gatherings = st.lists(
    st.fixed_dictionaries(
        {
            "host": st.sampled_from(("member", "stranger", "friend", "blocked")),
            # From three hours ago (over) to eight days ahead, away from the edges.
            "starts_in": st.integers(-180, 8 * 24 * 60).filter(
                lambda m: abs(m) > 2 and abs(m - WEEK_MINUTES) > 5
            ),
            "capacity": st.sampled_from((None, 1, 2)),
            "others_going": st.integers(0, 2),
            "cancelled": st.booleans(),
            "member_place": st.booleans(),
        }
    ),
    max_size=4,
)


def build(post_specs, gathering_specs, follows):
    """The cast, the posts and the gatherings; returns what the member may be shown."""
    cast = {name: UserFactory() for name in ("member", "stranger", "friend", "moderator")}
    cast["blocked"], cast["blocker"], cast["struggling"] = (
        UserFactory(),
        UserFactory(),
        UserFactory(),
    )
    member = cast["member"]
    for host in ("member", "stranger", "friend", "blocked"):
        community.assign_role(member=cast[host], role=roles.HOSTS)
    open_space = Space.objects.create(slug="open", name="Open", description="Open.")
    closing = Space.objects.create(slug="closing", name="Closing", description="Closing.")
    if follows:  # otherwise a newcomer, shown the whole community
        community.follow_space(member=member, space=open_space)
        community.follow_space(member=member, space=closing)
    # The friend has talked with the member; the blocked and the blocker are blocked.
    hello = community.create_post(
        author=member, space=open_space, title="Hello", body="Hi all.", intent="hello"
    )
    community.post_reply(author=cast["friend"], post=hello, body="Hello you.")
    # So have the blocked and the blocker, before the blocks: never friends' posts then;
    # and someone in crisis, whose words are never anyone's step.
    for someone in ("blocked", "blocker", "struggling"):
        community.post_reply(author=cast[someone], post=hello, body="Hi from me too.")
    # Answering in their own thread makes the member someone they talked with, too.
    community.post_reply(author=member, post=hello, body="Thank you both.")
    allowed_posts, allowed_friends_posts = set(), set()
    made = []
    latest_words = {}  # author -> the state of their latest post that isn't removed
    for spec in post_specs:
        if spec["state"] != "removed":
            latest_words[spec["author"]] = spec["state"]
    in_crisis = {"struggling"} | {
        a for a, state in latest_words.items() if state == "crisis words"
    }
    for i, spec in enumerate(post_specs):
        author = cast[spec["author"]]
        space = closing if spec["archived"] else open_space
        body = CRISIS_WORDS if spec["state"] == "crisis words" else "Some words."
        post = community.create_post(
            author=author, space=space, title=f"Post {i}", body=body,
            intent="support", is_anonymous=spec["anonymous"],
        )  # fmt: skip
        made.append((post, spec))
        state = spec["state"]
        if state == "answered":
            community.post_reply(author=UserFactory(), post=post, body="Here.")
        elif state == "hidden":
            community.hide_content(content=post, moderator=cast["moderator"])
        elif state == "removed":
            community.remove_post(post=post, member=author)
        elif state == "locked":
            community.set_post_flag(
                post=post, moderator=cast["moderator"], flag="is_locked", value=True
            )
        visible = state not in ("hidden", "removed") and not spec["archived"]
        someone_else = spec["author"] in ("stranger", "friend")
        calm = spec["author"] not in in_crisis
        if visible and someone_else and calm and state == "waiting":
            allowed_posts.add(post.pk)
        if (
            visible
            and spec["author"] == "friend"
            and calm
            and not spec["anonymous"]
            and state in ("waiting", "answered")
        ):
            allowed_friends_posts.add(post.pk)
    prescriptions.give_consent(member=cast["struggling"])
    prescriptions.record_check_in(member=cast["struggling"], mood=1, energy=1, note=CRISIS_WORDS)
    community.block_member(blocker=member, blocked=cast["blocked"])
    community.block_member(blocker=cast["blocker"], blocked=member)

    allowed_gatherings = set()
    now = timezone.now()
    for i, spec in enumerate(gathering_specs):
        host = cast[spec["host"]]
        starts_at = now + timedelta(minutes=spec["starts_in"])
        with time_machine.travel(min(now, starts_at) - timedelta(hours=1)):
            gathering = community.create_gathering(
                host=host, space=open_space, title=f"Gathering {i}", description="Tea.",
                starts_at=starts_at, duration_minutes=60, format="online",
                join_url="https://meet.example.org/tea", capacity=spec["capacity"],
            )  # fmt: skip
            for _ in range(spec["others_going"]):
                community.rsvp(gathering=gathering, member=UserFactory())
            if spec["member_place"] and spec["host"] != "member":
                community.rsvp(gathering=gathering, member=member)
            if spec["cancelled"]:
                community.cancel_gathering(gathering=gathering, by=host)
        going = min(spec["others_going"], spec["capacity"] or spec["others_going"])
        if (
            0 < spec["starts_in"] <= WEEK_MINUTES
            and spec["host"] in ("stranger", "friend")
            and not spec["cancelled"]
            and not spec["member_place"]
            and (spec["capacity"] is None or going < spec["capacity"])
        ):
            allowed_gatherings.add(gathering.pk)
        made.append((gathering, spec))
    # The friend's gathering discussions and the rest were posts too; space closes last.
    closing.is_archived = True
    closing.save()
    return member, allowed_posts, allowed_friends_posts, allowed_gatherings


def gathering(**changes):
    spec = {
        "host": "stranger", "starts_in": 60, "capacity": None, "others_going": 0,
        "cancelled": False, "member_place": False,
    }  # fmt: skip
    return {**spec, **changes}


@pytest.mark.django_db
@example(
    post_specs=[
        {"author": "friend", "anonymous": False, "state": state, "archived": archived}
        for state in POST_STATES
        if state != "crisis words"
        for archived in (False, True)
    ]
    + [{"author": "friend", "anonymous": True, "state": "waiting", "archived": False}]
    + [{"author": "member", "anonymous": False, "state": "waiting", "archived": False}]
    + [
        {"author": someone, "anonymous": False, "state": "waiting", "archived": False}
        for someone in ("blocked", "blocker", "struggling")
    ],
    # The friend's gathering brings a discussion post: an invitation, not their words.
    gathering_specs=[gathering(host="friend")],
    energy=3,
    urge="",
    pool_first=False,
    follows=True,
)
@example(
    post_specs=[
        {"author": "stranger", "anonymous": False, "state": "waiting", "archived": False},
        {"author": "stranger", "anonymous": True, "state": "crisis words", "archived": False},
        {"author": "friend", "anonymous": False, "state": "crisis words", "archived": False},
        {"author": "struggling", "anonymous": True, "state": "waiting", "archived": False},
    ],
    gathering_specs=[],
    energy=2,
    urge="",
    pool_first=True,
    follows=True,
)
@example(
    post_specs=[],
    gathering_specs=[gathering(member_place=True)],
    energy=1,
    urge="",
    pool_first=False,
    follows=True,
)
@example(
    post_specs=[],
    gathering_specs=[gathering(capacity=2, others_going=2)],
    energy=3,
    urge="give_up",
    pool_first=True,
    follows=True,
)
@example(
    post_specs=[],
    gathering_specs=[
        gathering(starts_in=-30),
        gathering(cancelled=True),
        gathering(host="blocked"),
        gathering(host="member"),
        gathering(starts_in=WEEK_MINUTES + 60),
    ],
    energy=3,
    urge="give_up",
    pool_first=True,
    follows=False,
)
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    post_specs=posts,
    gathering_specs=gatherings,
    energy=st.integers(1, 5),
    urge=st.sampled_from(["", *Urge.values]),
    pool_first=st.booleans(),
    follows=st.booleans(),
)
def test_no_member_is_pointed_at_anything_they_may_not_see(
    post_specs, gathering_specs, energy, urge, pool_first, follows
):
    with transaction.atomic():
        cache.clear()
        if pool_first:  # the shared pool cached before the community changed
            nobody = UserFactory()
            selectors.engine_inputs(nobody, check_in=CheckIn(member=nobody, mood=5, energy=3))
        member, allowed_posts, allowed_friends_posts, allowed_gatherings = build(
            post_specs, gathering_specs, follows
        )
        prescriptions.give_consent(member=member)

        check_in = CheckIn(member=member, mood=4, energy=energy, urge=urge, note="")
        _, _, targets = selectors.engine_inputs(member, check_in=check_in)
        prescriptions.record_check_in(member=member, mood=4, energy=energy, urge=urge)

        # Exactly what is allowed (there are never more than the engine is handed).
        assert {t.id for t in targets.waiting_posts} == allowed_posts
        assert {t.id for t in targets.friends_posts} == allowed_friends_posts
        assert {t.id for t in targets.gatherings} == allowed_gatherings
        # And what the community's own rules let this member see.
        waiting = needs_a_reply_queryset(member).filter(pk__in=allowed_posts)
        assert set(waiting.values_list("pk", flat=True)) == allowed_posts
        named = Post.objects.visible_to(member).filter(is_anonymous=False, is_locked=False)
        assert set(named.filter(pk__in=allowed_friends_posts).values_list("pk", flat=True)) == (
            allowed_friends_posts
        )
        steps = Prescription.objects.filter(member=member)
        assert steps.exists()
        for step in steps:
            assert step.activity.energy <= energy
            assert step.post_id is None or step.post_id in allowed_posts | allowed_friends_posts
            assert step.gathering_id is None or step.gathering_id in allowed_gatherings
        transaction.set_rollback(True)
