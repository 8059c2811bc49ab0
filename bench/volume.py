"""Bulk data for the page benchmarks: many members, posts (two in three answered),
one long thread, a full inbox.

Benchmark-only: rows are written with bulk_create (no services, no signals),
fast enough to reach hundreds of thousands of posts in a minute or two.
Idempotent: a second run with the same sizes adds nothing.

    python bench/volume.py --posts 200000 --members 20000
"""

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fourc.settings")

import django  # noqa: E402

django.setup()

from django.contrib.postgres.search import SearchVector  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from community import notifications  # noqa: E402
from community.models import Notification, Post, Reply, Space, User  # noqa: E402

BATCH = 5000
SPACES = 10
THREAD_REPLIES = 2000
INBOX = 2000
COMMON = (  # noqa: SIM905 - a sentence reads better than a list of strings
    "tired heavy tea walk rain garden sleep morning friend kind small win today week "
    "breathe slow gentle music sketch bread window light quiet lonely hope"
).split()
RARE = [f"word{n}" for n in range(5000)]  # a long tail, as real text has


def sentence(rng: random.Random, n: int) -> str:
    words = (rng.choice(COMMON) if rng.random() < 0.2 else rng.choice(RARE) for _ in range(n))
    return " ".join(words).capitalize() + "."


def ensure_members(count: int) -> list[int]:
    existing = User.objects.filter(handle__startswith="bench_").count()
    rng = random.Random(1)
    new = [
        User(
            email=f"bench{n}@bench.example",
            display_name=f"Bench member {n}",
            handle=f"bench_{n}",
            password="!",  # noqa: S106 - an unusable password
        )
        for n in range(existing, count)
    ]
    User.objects.bulk_create(new, batch_size=BATCH)
    ids = list(User.objects.filter(handle__startswith="bench_").values_list("pk", flat=True))
    rng.shuffle(ids)
    return ids


def ensure_spaces() -> list[Space]:
    spaces = []
    for n in range(SPACES):
        space, _ = Space.objects.get_or_create(
            slug=f"bench-space-{n}",
            defaults={"name": f"Bench space {n}", "description": "Benchmark data."},
        )
        spaces.append(space)
    return spaces


def ensure_posts(count: int, members: list[int], spaces: list[Space]) -> None:
    existing = Post.objects.filter(space__slug__startswith="bench-space-").count()
    rng = random.Random(2)
    now = timezone.now()
    for start in range(existing, count, BATCH):
        rows = []
        for n in range(start, min(start + BATCH, count)):
            created = now - timedelta(minutes=count - n)
            body = sentence(rng, 40)
            rows.append(
                Post(
                    space=spaces[n % len(spaces)],
                    author_id=members[n % len(members)],
                    title=sentence(rng, 6),
                    body=body,
                    body_html=f"<p>{body}</p>",
                    is_anonymous=n % 9 == 0,
                    created_at=created,
                    last_activity_at=created,
                    first_reply_at=created if n % 3 else None,
                    reply_count=1 if n % 3 else 0,
                )
            )
        with transaction.atomic():
            Post.objects.bulk_create(rows)
        print(f"  posts: {start + len(rows)}/{count}", flush=True)


def ensure_replies(members: list[int]) -> None:
    """One reply on each post marked answered, so reply-side reads (who talked with
    whom, threads) walk a realistic table."""
    if (
        Reply.objects.filter(post__space__slug__startswith="bench-space-")
        .exclude(post__title="Bench: a very long thread")
        .exists()
    ):
        return
    answered = (
        Post.objects.filter(space__slug__startswith="bench-space-", first_reply_at__isnull=False)
        .exclude(title="Bench: a very long thread")
        .values_list("pk", "author_id", "first_reply_at")
        .order_by("pk")
    )
    rows, done = [], 0
    for n, (post_id, author_id, at) in enumerate(answered.iterator(chunk_size=BATCH)):
        replier = members[(n * 7 + 1) % len(members)]
        if replier == author_id:
            replier = members[(n * 7 + 2) % len(members)]
        rows.append(
            Reply(
                post_id=post_id,
                author_id=replier,
                body="I hear you.",
                body_html="<p>I hear you.</p>",
                created_at=at,
            )
        )
        if len(rows) == BATCH:
            Reply.objects.bulk_create(rows)
            done += len(rows)
            rows = []
            print(f"  replies: {done}", flush=True)
    Reply.objects.bulk_create(rows)


def ensure_thread(members: list[int], space: Space) -> Post:
    post, created = Post.objects.get_or_create(
        space=space,
        title="Bench: a very long thread",
        defaults={
            "author_id": members[0],
            "body": "A thread with many replies.",
            "body_html": "<p>A thread with many replies.</p>",
        },
    )
    have = post.replies.count()
    rng = random.Random(3)
    now = timezone.now()
    Reply.objects.bulk_create(
        [
            Reply(
                post=post,
                author_id=members[(n + 1) % len(members)],
                body=sentence(rng, 25),
                body_html="<p>Kind words.</p>",
                created_at=now - timedelta(seconds=THREAD_REPLIES - n),
            )
            for n in range(have, THREAD_REPLIES)
        ],
        batch_size=BATCH,
    )
    Post.objects.filter(pk=post.pk).update(reply_count=THREAD_REPLIES)
    return post


def ensure_inbox(member: User, members: list[int], post: Post) -> None:
    have = Notification.objects.filter(recipient=member).count()
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=member,
                kind=notifications.FOLLOWED_REPLY,
                actor_id=members[n % len(members)],
                post=post,
            )
            for n in range(have, INBOX)
        ],
        batch_size=BATCH,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--members", type=int, default=20_000)
    args = parser.parse_args()
    started = time.monotonic()
    members = ensure_members(args.members)
    spaces = ensure_spaces()
    ensure_posts(args.posts, members, spaces)
    ensure_replies(members)
    thread = ensure_thread(members, spaces[0])
    ensure_inbox(User.objects.get(handle="maya"), members, thread)
    if connection.vendor == "postgresql":
        Post.objects.filter(search_vector__isnull=True).update(
            search_vector=SearchVector("title", weight="A", config="english")
            + SearchVector("body", weight="B", config="english")
        )
        Reply.objects.filter(search_vector__isnull=True).update(
            search_vector=SearchVector("body", weight="B", config="english")
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"Volume ready in {time.monotonic() - started:.0f} s.")


if __name__ == "__main__":
    main()
