import html
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction

from community import notifications, selectors, services, signals, tasks
from community.models import Notification, Post, PostFollow, Reaction, Reply
from tests.factories import BlockFactory, ReactionFactory, ReplyFactory, UserFactory


def reply_url(post):
    return f"/posts/{post.pk}/"


@pytest.mark.django_db
def test_a_reply_updates_counters_follows_and_notifies_the_author(
    client, member, other_member, make_post
):
    post = make_post(member)
    client.force_login(other_member)

    response = client.post(reply_url(post), {"body": "That sounds **really** hard."})

    reply = Reply.objects.get()
    assert response.status_code == 302
    assert response.url == f"/posts/{post.pk}/?reply={reply.pk}#reply-{reply.pk}"
    post.refresh_from_db()
    assert post.reply_count == 1
    assert post.first_reply_at == reply.created_at
    assert post.last_activity_at == reply.created_at
    assert PostFollow.objects.filter(member=other_member, post=post).exists()
    [note] = Notification.objects.filter(recipient=member)
    assert (note.kind, note.actor, note.reply) == (notifications.REPLY, other_member, reply)
    assert "<strong>really</strong>" in client.get(reply_url(post)).content.decode()


@pytest.mark.django_db
def test_a_link_to_a_reply_opens_the_page_of_a_long_thread_that_holds_it(
    client, member, other_member, make_post
):
    post = make_post(member)
    replies = [
        ReplyFactory(post=post, author=other_member, body=f"Reply number {n}.")
        for n in range(selectors.REPLIES_PAGE_SIZE + 3)
    ]
    client.force_login(member)

    def shown(path):
        text = client.get(path).content.decode()
        return text, [r.pk for r in replies if f'id="reply-{r.pk}"' in text]

    deep, last = replies[-2], replies[-1]
    _, first_page = shown(reply_url(post))
    assert first_page == [r.pk for r in replies[: selectors.REPLIES_PAGE_SIZE]]
    address = deep.get_absolute_url()
    assert address == f"/posts/{post.pk}/?reply={deep.pk}#reply-{deep.pk}"
    text, held = shown(address.split("#")[0])
    assert held == [deep.pk, last.pk]  # from the reply on, its page
    assert "Earlier replies, from the start" in text
    # The inbox links each reply so, and so does search.
    inbox = client.get("/notifications/").content.decode()
    assert f'href="/posts/{post.pk}/?reply={last.pk}#reply-{last.pk}"' in inbox

    # A short thread opens whole, as it is.
    short = make_post(member, title="A short one")
    first, second = (ReplyFactory(post=short, author=other_member) for _ in range(2))
    text = client.get(second.get_absolute_url().split("#")[0]).content.decode()
    assert f'id="reply-{first.pk}"' in text
    assert f'id="reply-{second.pk}"' in text
    assert "Earlier replies" not in text

    # A reply no longer there opens the thread from the start; a broken one says so.
    _, held = shown(f"/posts/{post.pk}/?reply=987654321")
    assert held == first_page
    broken = client.get(f"/posts/{post.pk}/?reply=nonsense")
    assert broken.status_code == 400
    assert "That page link is broken" in broken.content.decode()


@pytest.mark.django_db
def test_followers_hear_of_new_replies_but_not_the_replier_nor_who_unfollowed(
    member, other_member, make_post
):
    third = UserFactory(display_name="Ade")
    post = make_post(member)
    services.post_reply(author=other_member, post=post, body="Me too.")
    services.unfollow_post(member=member, post=post)

    services.post_reply(author=third, post=post, body="Sending strength.")

    kinds = {(n.recipient_id, n.kind) for n in Notification.objects.filter(actor=third)}
    # The author chose to stop following their post: "You won't hear about new replies here."
    assert kinds == {(other_member.pk, notifications.FOLLOWED_REPLY)}


@pytest.mark.django_db
def test_the_author_replying_in_their_own_post_keeps_it_in_needs_a_reply(member, make_post):
    post = make_post(member)

    services.post_reply(author=member, post=post, body="Update: still here.")

    post.refresh_from_db()
    assert post.reply_count == 1
    assert post.first_reply_at is None
    assert not Notification.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "message"),
    [("", "This is empty"), ("   \n ", "This is empty"), ("x" * 20_001, "under 20000"),
     ("nul \x00 here", "control character")],
)  # fmt: skip
def test_bad_reply_input_keeps_the_text_and_says_why(
    client, other_member, member, make_post, body, message
):
    post = make_post(member)
    client.force_login(other_member)

    response = client.post(reply_url(post), {"body": body})

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors["body"])
    assert not Reply.objects.exists()


@pytest.mark.django_db
def test_a_locked_post_refuses_replies_and_keeps_what_was_typed(
    client, member, other_member, moderator, make_post
):
    post = make_post(member)
    services.set_post_flag(post=post, moderator=moderator, flag="is_locked", value=True)
    client.force_login(other_member)

    response = client.post(reply_url(post), {"body": "My carefully written words"})

    assert response.status_code == 403
    assert b"closed to new replies" in response.content
    assert not Reply.objects.exists()


@pytest.mark.django_db
def test_editing_and_removing_a_reply_keeps_the_thread_true(
    client, member, other_member, make_post
):
    post = make_post(member)
    reply = services.post_reply(author=other_member, post=post, body="First words")
    client.force_login(other_member)

    client.post(f"/replies/{reply.pk}/edit/", {"body": "Better words"})
    reply.refresh_from_db()
    assert (reply.body, reply.edited_at is not None) == ("Better words", True)

    client.post(f"/replies/{reply.pk}/delete/")
    post.refresh_from_db()
    assert post.reply_count == 0
    assert post.first_reply_at is None
    content = client.get(reply_url(post)).content.decode()
    assert "Removed by the author." in content
    assert "Better words" not in content


@pytest.mark.django_db
def test_removing_a_reply_twice_lands_where_the_first_did(client, member, other_member, make_post):
    post = make_post(member)
    reply = services.post_reply(author=other_member, post=post, body="First words")
    client.force_login(other_member)

    first = client.post(f"/replies/{reply.pk}/delete/", follow=True)
    second = client.post(f"/replies/{reply.pk}/delete/", follow=True)

    assert first.redirect_chain == second.redirect_chain == [(f"/posts/{post.pk}/", 302)]
    assert "Your reply is removed." in second.content.decode()
    post.refresh_from_db()
    assert post.reply_count == 0
    assert client.get(f"/replies/{reply.pk}/delete/").status_code == 404


@pytest.mark.django_db
def test_another_members_reply_is_not_editable(client, member, other_member, make_post):
    post = make_post(member)
    reply = services.post_reply(author=other_member, post=post, body="Mine")
    client.force_login(member)

    assert client.post(f"/replies/{reply.pk}/edit/", {"body": "Hijack"}).status_code == 404
    assert client.post(f"/replies/{reply.pk}/delete/").status_code == 404
    assert Reply.objects.get().body == "Mine"


@pytest.mark.django_db
def test_the_reply_tips_can_be_dismissed_without_javascript(
    member_client, other_member, make_post
):
    post = make_post(other_member)
    assert b"Replying well" in member_client.get(reply_url(post)).content

    response = member_client.post("/reply-tips/dismiss/", {"next": reply_url(post)})

    assert response.url == reply_url(post)
    assert b"Replying well" not in member_client.get(reply_url(post)).content


@pytest.mark.django_db
def test_reply_tips_dismiss_ignores_an_outside_next(member_client):
    response = member_client.post("/reply-tips/dismiss/", {"next": "https://evil.example/"})

    assert response.url == "/"


# --- Reactions ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_reaction_goes_on_and_off_with_a_plain_post(client, member, other_member, make_post):
    post = make_post(member)
    client.force_login(other_member)

    first = client.post(f"/posts/{post.pk}/react/", {"reaction": "hear:1"})
    assert first.status_code == 302
    assert Reaction.objects.filter(post=post, member=other_member, kind="hear").count() == 1
    page = client.get(reply_url(post)).content.decode()
    assert 'aria-pressed="true"' in page
    assert 'value="hear:0"' in page

    client.post(f"/posts/{post.pk}/react/", {"reaction": "hear:0"})
    assert not Reaction.objects.exists()


@pytest.mark.django_db
def test_a_double_submitted_reaction_counts_once(client, member, other_member, make_post):
    post = make_post(member)
    client.force_login(other_member)

    client.post(f"/posts/{post.pk}/react/", {"reaction": "hear:1"})
    client.post(f"/posts/{post.pk}/react/", {"reaction": "hear:1"})

    assert Reaction.objects.filter(post=post, kind="hear").count() == 1
    assert Notification.objects.get(recipient=member).count == 1


@pytest.mark.django_db
def test_each_kinds_count_is_kept_on_the_post_and_the_reply(member, other_member, make_post):
    post = make_post(member)
    reply = ReplyFactory(post=post, author=member)

    def counts(target):
        return type(target).objects.get(pk=target.pk).reaction_counts()

    services.set_reaction(member=other_member, kind="hear", on=True, post=post)
    services.set_reaction(member=other_member, kind="hear", on=True, post=post)  # a repeat
    services.set_reaction(member=UserFactory(), kind="hear", on=True, post=post)
    services.set_reaction(member=other_member, kind="thanks", on=True, reply=reply)
    assert counts(post) == {"hear": 2, "me_too": 0, "strength": 0, "thanks": 0}
    assert counts(reply)["thanks"] == 1

    services.set_reaction(member=other_member, kind="hear", on=False, post=post)
    services.set_reaction(member=other_member, kind="hear", on=False, post=post)  # a repeat
    services.set_reaction(member=other_member, kind="thanks", on=False, reply=reply)
    assert counts(post)["hear"] == 1
    assert counts(reply)["thanks"] == 0
    assert services.recount_reactions(posts=[post.pk], replies=[reply.pk]) == 0  # all right


@pytest.mark.django_db
def test_the_nightly_task_puts_right_a_count_that_drifted(
    member, other_member, make_post, settings
):
    post = make_post(member)
    reply = ReplyFactory(post=post, author=member)
    Reaction.objects.create(member=other_member, kind="me_too", post=post)  # not the service
    Reaction.objects.create(member=other_member, kind="strength", reply=reply)
    Post.objects.filter(pk=post.pk).update(thanks_count=3)  # counted, but none are there

    assert tasks.reconcile_reaction_counts() == 2
    assert Post.objects.get(pk=post.pk).reaction_counts() == {
        "hear": 0, "me_too": 1, "strength": 0, "thanks": 0
    }  # fmt: skip
    assert Reply.objects.get(pk=reply.pk).reaction_counts()["strength"] == 1
    assert tasks.reconcile_reaction_counts() == 0  # a right count isn't written again
    entry = settings.CELERY_BEAT_SCHEDULE["reaction-counts-reconcile"]
    assert (entry["task"], entry["schedule"]) == (
        "community.reconcile_reaction_counts",
        timedelta(hours=24),
    )


@pytest.mark.django_db
def test_with_htmx_the_reaction_fragment_comes_back_with_the_count(
    client, member, other_member, make_post
):
    post = make_post(member)
    services.set_reaction(member=member, kind="hear", on=True, post=post)
    client.force_login(other_member)

    response = client.post(
        f"/posts/{post.pk}/react/", {"reaction": "hear:1"}, headers={"HX-Request": "true"}
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith(f'<div class="reactions" id="reactions-post-{post.pk}">')
    assert "<!doctype" not in content
    assert 'I hear you <span class="reaction__count">2</span>' in content


@pytest.mark.django_db
def test_with_htmx_a_reaction_is_announced_to_screen_readers(
    client, member, other_member, make_post
):
    post = make_post(member)
    client.force_login(other_member)
    url, htmx = f"/posts/{post.pk}/react/", {"HX-Request": "true"}

    added = html.unescape(client.post(url, {"reaction": "hear:1"}, headers=htmx).content.decode())
    taken_back = html.unescape(
        client.post(url, {"reaction": "hear:0"}, headers=htmx).content.decode()
    )

    live = '<div id="live-status" class="visually-hidden" role="status" hx-swap-oob="true">'
    assert f"{live}You said “I hear you”. 1 in all.</div>" in added
    assert f"{live}You took back “I hear you”.</div>" in taken_back
    page = client.get(post.get_absolute_url()).content.decode()
    assert page.count('id="live-status"') == 1  # the empty region the answers fill


@pytest.mark.django_db
def test_reactions_on_replies_work_too(client, member, other_member, make_post):
    post = make_post(member)
    reply = services.post_reply(author=other_member, post=post, body="Here for you.")
    client.force_login(member)

    client.post(f"/replies/{reply.pk}/react/", {"reaction": "thanks:1"})

    assert Reaction.objects.get().reply == reply


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value", ["", "hear", "love:1", "hear:2", "hear'; DROP TABLE x;--:1", "HEAR:1", ":1"]
)
def test_an_unknown_reaction_is_a_400(client, member, other_member, make_post, value):
    post = make_post(member)
    client.force_login(other_member)

    response = client.post(f"/posts/{post.pk}/react/", {"reaction": value})

    assert response.status_code == 400
    assert b"That isn&#x27;t a reaction we know." in response.content
    assert not Reaction.objects.exists()


@pytest.mark.django_db
def test_reacting_to_an_unknown_target_is_a_404(member_client):
    assert member_client.post("/posts/424242/react/", {"reaction": "hear:1"}).status_code == 404
    assert member_client.post("/replies/424242/react/", {"reaction": "hear:1"}).status_code == 404


@pytest.mark.django_db
def test_the_database_allows_one_reaction_of_a_kind_per_member_and_target(member, make_post):
    post = make_post(member)
    Reaction.objects.create(member=member, kind="hear", post=post)

    with pytest.raises(IntegrityError), transaction.atomic():
        Reaction.objects.create(member=member, kind="hear", post=post)
    Reaction.objects.create(member=member, kind="me_too", post=post)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reaction.objects.create(member=member, kind="nonsense", post=post)


@pytest.mark.django_db
def test_reaction_notifications_are_grouped(member, make_post):
    post = make_post(member)
    reactors = [UserFactory() for _ in range(3)]

    for reactor in reactors:
        services.set_reaction(member=reactor, kind="hear", on=True, post=post)
    services.set_reaction(member=reactors[0], kind="strength", on=True, post=post)

    grouped = Notification.objects.get(recipient=member, reaction_kind="hear")
    assert grouped.count == 3
    assert Notification.objects.filter(recipient=member).count() == 2
    services.set_reaction(member=reactors[1], kind="hear", on=False, post=post)
    grouped.refresh_from_db()
    assert grouped.count == 2


@pytest.mark.django_db
def test_the_notifications_page_says_how_many_people_reacted(member_client, member, make_post):
    post = make_post(member, title="Tiny win")
    for _ in range(3):
        services.set_reaction(member=UserFactory(), kind="hear", on=True, post=post)

    content = member_client.get("/notifications/").content.decode()

    assert "3 people said “I hear you” to your post" in content


@pytest.mark.django_db
def test_community_signals_announce_what_happened(member, other_member, make_post):
    heard = []

    def listener(signal_name):
        def receive(sender, **kwargs):
            heard.append((signal_name, sorted(kwargs)))

        return receive

    receivers = {
        name: listener(name) for name in ("post_created", "reply_posted", "reaction_added")
    }
    for name, receiver in receivers.items():
        getattr(signals, name).connect(receiver)
    try:
        post = make_post(member)
        reply = services.post_reply(author=other_member, post=post, body="Hi")
        services.set_reaction(member=member, kind="thanks", on=True, reply=reply)
    finally:
        for name, receiver in receivers.items():
            getattr(signals, name).disconnect(receiver)

    assert [name for name, _ in heard] == ["post_created", "reply_posted", "reaction_added"]
    assert heard[1][1] == ["author", "post", "reply", "signal"]


# --- Mentions and notifications -------------------------------------------------


@pytest.mark.django_db
def test_a_mention_links_the_profile_and_notifies_the_member(member, other_member, make_post):
    post = make_post(member, body="Thinking of you @sam and @nobody_here, `@sam` in code.")

    assert '<a href="/members/sam/" rel="nofollow ugc noopener">@sam</a>' in post.body_html
    assert "@nobody_here" in post.body_html
    assert "<code>@sam</code>" in post.body_html
    [note] = Notification.objects.filter(recipient=other_member)
    assert note.kind == notifications.MENTION


@pytest.mark.django_db
def test_a_blocked_member_is_not_notified_of_a_mention(member, other_member, make_post):
    services.block_member(blocker=other_member, blocked=member)

    make_post(member, body="Hello @sam")

    assert not Notification.objects.filter(recipient=other_member).exists()


@pytest.mark.django_db
def test_an_anonymous_mention_never_names_the_author(client, member, other_member, make_post):
    make_post(member, body="Hello @sam", is_anonymous=True)
    client.force_login(other_member)

    content = client.get("/notifications/").content.decode()

    assert "A member mentioned you" in content
    assert "Maya" not in content


@pytest.mark.django_db
def test_mark_one_and_all_notifications_read(client, member, other_member, make_post):
    post = make_post(member)
    services.post_reply(author=other_member, post=post, body="One")
    services.post_reply(author=other_member, post=post, body="Two")
    client.force_login(member)
    notes = list(Notification.objects.filter(recipient=member))
    assert 'class="count">2' in client.get("/").content.decode()

    client.post(f"/notifications/{notes[0].pk}/read/")
    assert selectors.unread_notification_count(member) == 1
    client.post("/notifications/read-all/")
    assert selectors.unread_notification_count(member) == 0
    assert 'class="count"' not in client.get("/").content.decode()


@pytest.mark.django_db
def test_nobody_can_mark_someone_elses_notification(client, member, other_member, make_post):
    post = make_post(member)
    services.post_reply(author=other_member, post=post, body="One")
    note = Notification.objects.get(recipient=member)
    client.force_login(other_member)

    client.post(f"/notifications/{note.pk}/read/")

    note.refresh_from_db()
    assert note.read_at is None


@pytest.mark.django_db
def test_notification_kinds_are_open_to_other_apps(member, make_post):
    post = make_post(member)
    notifications.register_kind("test_kind", "community/notifications/unknown.jinja")
    note = Notification.objects.create(recipient=member, kind="test_kind", post=post)

    assert note.template == "community/notifications/unknown.jinja"
    with pytest.raises(ValueError, match="already registered"):
        notifications.register_kind("test_kind", "other.html")
    assert Post.objects.count() == 1


@pytest.mark.django_db
def test_the_reaction_summary_counts_and_marks_the_viewers_own_in_one_query(
    member, other_member, make_post, django_assert_num_queries
):
    post = make_post(other_member)
    reply = ReplyFactory(post=post, author=other_member)
    blocked = UserFactory()
    BlockFactory(blocker=member, blocked=blocked)
    ReactionFactory(member=member, post=post, kind="hear")
    ReactionFactory(member=other_member, post=post, kind="hear")
    ReactionFactory(member=other_member, post=post, kind="thanks")
    ReactionFactory(member=blocked, post=post, kind="me_too")  # never counted for them
    ReactionFactory(member=other_member, reply=reply, kind="strength")

    with django_assert_num_queries(1):
        summary = selectors.reaction_summary(member=member, posts=[post], replies=[reply])

    on_post = {r.kind: (r.count, r.mine) for r in summary.for_target(post)}
    assert on_post == {
        "hear": (2, True),
        "me_too": (0, False),
        "strength": (0, False),
        "thanks": (1, False),
    }
    on_reply = {r.kind: (r.count, r.mine) for r in summary.for_target(reply)}
    assert on_reply["strength"] == (1, False)
    # A visitor sees the counts and owns none, and asks nothing more.
    with django_assert_num_queries(0):
        seen = selectors.reaction_summary(member=AnonymousUser(), posts=[post])
    assert {r.kind: r.mine for r in seen.for_target(post)} == dict.fromkeys(on_post, False)
    # The blocked member's reaction counts for everyone else.
    theirs = selectors.reaction_summary(member=other_member, posts=[post])
    assert {r.kind: r.count for r in theirs.for_target(post)}["me_too"] == 1
