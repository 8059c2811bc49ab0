"""Needs a reply, search, member pages, blocks, reports and keyset pagination."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.http import Http404
from django.utils import timezone

from community import selectors, services, text
from community.models import Post, Report, Space, SpaceFollow
from tests.factories import UserFactory

# --- Needs a reply --------------------------------------------------------------


@pytest.mark.django_db
def test_needs_a_reply_lists_recent_unanswered_posts_longest_waiting_first(
    member, other_member, make_post, moderator
):
    now = timezone.now()
    with time_machine.travel(now - timedelta(days=15)):
        make_post(other_member, title="Too old")
    with time_machine.travel(now - timedelta(days=3)):
        oldest = make_post(other_member, title="Waiting longest")
    with time_machine.travel(now - timedelta(days=1)):
        newer = make_post(other_member, title="Waiting a day")
        answered = make_post(other_member, title="Answered")
        self_bumped = make_post(other_member, title="Only the author replied")
        hidden = make_post(other_member, title="Hidden")
        locked = make_post(other_member, title="Locked")
        removed = make_post(other_member, title="Removed")
        own = make_post(member, title="My own")
    services.post_reply(author=UserFactory(), post=answered, body="Here for you")
    services.post_reply(author=other_member, post=self_bumped, body="Anyone?")
    services.set_reaction(member=UserFactory(), kind="hear", on=True, post=newer)
    services.hide_content(content=hidden, moderator=moderator)
    services.set_post_flag(post=locked, moderator=moderator, flag="is_locked", value=True)
    services.remove_post(post=removed, member=other_member)

    page = selectors.needs_a_reply(member=member, limit=10)

    assert [p.title for p in page.items] == [
        "Waiting longest", "Waiting a day", "Only the author replied",
    ]  # fmt: skip
    assert oldest in page.items
    assert own not in page.items


@pytest.mark.django_db
def test_needs_a_reply_leaves_out_blocked_members_both_ways(member, other_member, make_post):
    third = UserFactory()
    make_post(other_member, title="From Sam")
    make_post(third, title="From someone who blocked me")
    services.block_member(blocker=member, blocked=other_member)
    services.block_member(blocker=third, blocked=member)

    assert selectors.needs_a_reply(member=member, limit=10).items == []


@pytest.mark.django_db
def test_the_page_shows_replies_and_reactions_separately(client, member, other_member, make_post):
    post = make_post(other_member, title="Anyone else?")
    services.set_reaction(member=member, kind="me_too", on=True, post=post)
    client.force_login(member)

    content = client.get("/unanswered/").content.decode()

    assert "Anyone else?" in content
    assert "No replies yet · 1 reaction" in content


@pytest.mark.django_db
def test_a_post_with_only_its_authors_own_reply_says_none_from_others_yet(
    client, member, other_member, make_post
):
    post = make_post(other_member, title="Talking to myself")
    services.post_reply(author=other_member, post=post, body="Still here, if anyone is.")
    client.force_login(member)

    content = client.get("/unanswered/").content.decode()
    thread = client.get(f"/posts/{post.pk}/").content.decode()

    assert "Talking to myself" in content
    assert "No replies from others yet · no reactions yet" in content
    assert "No replies yet" not in content
    assert "1 reply" in thread


@pytest.mark.django_db
def test_a_reply_from_someone_else_takes_the_post_off_the_list(
    client, member, other_member, make_post
):
    post = make_post(other_member, title="Please, anyone")
    client.force_login(member)
    assert b"Please, anyone" in client.get("/unanswered/").content

    client.post(f"/posts/{post.pk}/", {"body": "I'm here."})

    assert b"Please, anyone" not in client.get("/unanswered/").content


@pytest.mark.django_db
def test_needs_a_reply_pages_by_keyset_without_gaps_or_repeats(member, other_member, make_post):
    base = timezone.now() - timedelta(days=5)
    for n in range(7):
        with time_machine.travel(base + timedelta(hours=n)):
            make_post(other_member, title=f"Post {n}")

    seen, cursor = [], None
    while True:
        page = selectors.needs_a_reply(member=member, limit=3, cursor=cursor)
        seen += [p.title for p in page.items]
        if not page.has_next:
            break
        cursor = page.next_cursor

    assert seen == [f"Post {n}" for n in range(7)]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/unanswered/", "/spaces/low-energy/", "/notifications/"])
def test_a_forged_or_broken_cursor_is_a_400(member_client, space, url):
    response = member_client.get(url, {"after": "not-a-real-cursor"})

    assert response.status_code == 400
    assert b"We couldn't read that request" in response.content


# --- Search ---------------------------------------------------------------------


@pytest.mark.django_db
def test_search_finds_posts_and_replies_ranked_with_highlights(
    client, member, other_member, make_post
):
    title_hit = make_post(member, title="Gardening helps me", body="Dirt under my nails.")
    body_hit = make_post(member, title="A walk", body="I did some gardening on the way.")
    reply_post = make_post(other_member, title="Hobbies?", body="What keeps you going?")
    services.post_reply(author=member, post=reply_post, body="Gardening, always gardening.")
    make_post(member, title="Unrelated", body="Cups of tea.")
    client.force_login(other_member)

    response = client.get("/search/", {"q": "gardening"})

    content = response.content.decode()
    assert response.status_code == 200
    assert content.index("Gardening helps me") < content.index("A walk")
    assert "Reply in “Hobbies?”" in content
    assert "<mark>gardening</mark>" in content.lower()
    assert "Unrelated" not in content
    assert title_hit.pk
    assert body_hit.pk


def _snippets(page: str) -> list[str]:
    return re.findall(r'<p class="snippet">(.*?)</p>', page, re.S)


@pytest.mark.django_db
def test_search_snippets_read_as_the_post_does_not_as_markdown(
    member_client, other_member, make_post
):
    post = make_post(
        other_member,
        title="What helps",
        body="I tried *everything* today.\n\n- Phone a friend\n- **Gardening** in the rain",
    )
    services.post_reply(author=other_member, post=post, body="Also: `gardening` gloves & <tea>")

    page = member_client.get("/search/", {"q": "gardening"}).content.decode()

    assert sorted(_snippets(page)) == [
        "Also: <mark>gardening</mark> gloves &amp; &lt;tea&gt;",
        "I tried everything today. Phone a friend <mark>Gardening</mark> in the rain",
    ]


@pytest.mark.django_db
def test_a_long_posts_snippet_is_cut_between_words_around_the_match(
    member_client, other_member, make_post
):
    before = [f"early{n}" for n in range(60)]
    after = [f"late{n}" for n in range(60)]
    make_post(other_member, body=" ".join([*before, "the lighthouse stood", *after]))

    page = member_client.get("/search/", {"q": "lighthouses"}).content.decode()

    [snippet] = _snippets(page)
    assert snippet.startswith("…")
    assert snippet.endswith("…")
    assert "the <mark>lighthouse</mark> stood" in snippet
    words = snippet.strip("…").replace("<mark>", "").replace("</mark>", "").split()
    assert set(words) <= {*before, "the", "lighthouse", "stood", *after}
    assert len(" ".join(words)) <= text.SNIPPET_CHARS


def test_a_snippet_escapes_everything_but_its_marks():
    snippet = text.snippet('<img src=x onerror="alert(1)"> a lighthouse', ["lighthouse"])

    assert snippet == ("&lt;img src=x onerror=&quot;alert(1)&quot;&gt; a <mark>lighthouse</mark>")


def test_a_snippet_marks_whole_words_unless_asked_for_parts_of_words():
    line = "Lighthouses, and one lighthouse."

    assert text.snippet(line, ["lighthouse"]) == "Lighthouses, and one <mark>lighthouse</mark>."
    assert text.snippet(line, ["lighthouse"], whole_words=False) == (
        "<mark>Lighthouse</mark>s, and one <mark>lighthouse</mark>."
    )


def test_plain_text_drops_markdowns_marks_and_keeps_what_was_typed():
    html = text.render_markdown("A *kind* word & a [link](https://example.org)\n\n- one\n- two")

    assert text.plain_text(html) == "A kind word & a link one two"


@pytest.mark.django_db
def test_search_only_covers_what_the_viewer_may_see(
    client, member, other_member, moderator, make_post
):
    hidden = make_post(other_member, title="Hidden lighthouse")
    make_post(other_member, title="Blocked lighthouse")
    removed = make_post(member, title="Removed lighthouse")
    services.hide_content(content=hidden, moderator=moderator)
    services.remove_post(post=removed, member=member)
    third = UserFactory()
    make_post(third, title="Visible lighthouse")
    services.block_member(blocker=member, blocked=other_member)
    client.force_login(member)

    content = client.get("/search/", {"q": "lighthouse"}).content.decode()

    assert "Visible lighthouse" in content
    assert "Hidden lighthouse" not in content
    assert "Blocked lighthouse" not in content
    assert "Removed lighthouse" not in content


@pytest.mark.django_db
def test_search_pages_through_posts_and_replies_without_repeats(member, other_member, make_post):
    for n in range(6):
        post = make_post(member, title=f"Harbour post {n}", body="harbour " * (n + 1))
        services.post_reply(author=other_member, post=post, body=f"Harbour reply {n}")

    seen, cursor = [], None
    for _ in range(10):
        page = selectors.search(member=member, q="harbour", cursor=cursor, size=4)
        seen += [(hit.post.pk, hit.reply.pk if hit.reply else None) for hit in page.items]
        ranks = [hit.rank for hit in page.items]
        assert ranks == sorted(ranks, reverse=True)
        if not page.has_next:
            break
        cursor = page.next_cursor

    assert len(seen) == 12
    assert len(set(seen)) == 12


@pytest.mark.django_db
@pytest.mark.parametrize("q", ["", "   ", "&&&", "'", '"', "!!", "a:b|c", "x" * 200])
def test_odd_search_queries_never_fail(member_client, member, make_post, q):
    make_post(member)
    client = member_client

    assert client.get("/search/", {"q": q}).status_code == 200


@pytest.mark.django_db
def test_a_search_query_with_control_characters_is_refused_kindly(member_client):
    response = member_client.get("/search/", {"q": "tea\x00cake"})

    assert response.status_code == 400
    assert b"hidden control character" in response.content


# --- Members and blocks --------------------------------------------------------


@pytest.mark.django_db
def test_a_member_page_shows_profile_and_named_posts_but_never_email(
    client, member, other_member, make_post
):
    services.update_profile(member=member, pronouns="she/her", bio="Tea and rain.")
    make_post(member, title="Named post")
    make_post(member, title="Anonymous post", is_anonymous=True)
    client.force_login(other_member)

    content = client.get("/members/maya/").content.decode()

    assert "Maya" in content
    assert "she/her" in content
    assert "Tea and rain." in content
    assert "Named post" in content
    assert "Anonymous post" not in content
    assert member.email not in content
    assert client.get("/members/nobody/").status_code == 404


@pytest.mark.django_db
def test_blocking_hides_content_both_ways_and_is_managed_in_settings(
    client, member, other_member, make_post
):
    mine = make_post(member, title="Maya's post")
    theirs = make_post(other_member, title="Sam's post")
    client.force_login(member)

    response = client.post("/members/sam/block/")

    assert response.status_code == 302
    assert b"Sam&#x27;s post" not in client.get("/spaces/low-energy/").content
    assert client.get(theirs.get_absolute_url()).status_code == 404
    assert b"Sam" in client.get("/settings/blocked/").content
    client.force_login(other_member)
    assert client.get(mine.get_absolute_url()).status_code == 404
    assert b"Maya&#x27;s post" not in client.get("/spaces/low-energy/").content

    client.force_login(member)
    client.post("/members/sam/unblock/")
    assert client.get(theirs.get_absolute_url()).status_code == 200


@pytest.mark.django_db
def test_a_blocked_members_replies_and_reactions_disappear(
    client, member, other_member, make_post
):
    post = make_post(member)
    services.post_reply(author=other_member, post=post, body="A reply from Sam")
    services.set_reaction(member=other_member, kind="hear", on=True, post=post)
    services.block_member(blocker=member, blocked=other_member)
    client.force_login(member)

    content = client.get(post.get_absolute_url()).content.decode()

    assert "A reply from Sam" not in content
    assert 'class="reaction__count"' not in content


@pytest.mark.django_db
def test_blocking_stops_notifications_both_ways(member, other_member, make_post):
    services.block_member(blocker=member, blocked=other_member)
    post = make_post(other_member)

    services.set_reaction(member=member, kind="hear", on=True, post=post)

    assert not other_member.notifications.exists()


@pytest.mark.django_db
def test_a_member_cannot_block_themselves(member_client, member):
    response = member_client.post("/members/maya/block/", follow=True)

    assert b"You can&#x27;t block yourself." in response.content


# --- Reports -----------------------------------------------------------------------


@pytest.mark.django_db
def test_three_distinct_open_reports_hide_a_post_until_a_moderator_looks(
    client, member, make_post, moderator
):
    post = make_post(member, title="Reported post")
    reporters = [UserFactory() for _ in range(3)]
    for reporter in reporters[:2]:
        services.report(reporter=reporter, reason="unkind", post=post)
    assert services.report(reporter=reporters[0], reason="spam", post=post) is None
    post.refresh_from_db()
    assert not post.is_hidden

    client.force_login(reporters[2])
    response = client.post(f"/posts/{post.pk}/report/", {"reason": "unkind", "details": "Harsh"})

    post.refresh_from_db()
    assert response.status_code == 302
    assert post.is_hidden
    assert client.get(post.get_absolute_url()).status_code == 404
    client.force_login(member)
    own = client.get(post.get_absolute_url())
    assert own.status_code == 200
    assert "We've hidden your post while a moderator looks at it." in own.content.decode()

    services.restore_content(content=post, moderator=moderator)
    post.refresh_from_db()
    assert not post.is_hidden
    assert not Report.objects.filter(status="open").exists()


@pytest.mark.django_db
def test_a_reply_and_a_member_can_be_reported(client, member, other_member, make_post):
    post = make_post(member)
    reply = services.post_reply(author=other_member, post=post, body="Hmm")
    client.force_login(member)

    client.post(f"/replies/{reply.pk}/report/", {"reason": "unkind"})
    client.post("/members/sam/report/", {"reason": "spam", "details": "Selling things"})

    assert {(r.reply_id, r.member_id) for r in Report.objects.all()} == {
        (reply.pk, None), (None, other_member.pk),
    }  # fmt: skip


@pytest.mark.django_db
def test_bad_reports_get_clear_errors(client, member, other_member, make_post):
    post = make_post(other_member)
    client.force_login(member)

    no_reason = client.post(f"/posts/{post.pk}/report/", {"details": "typed words"})
    bad_reason = client.post(f"/posts/{post.pk}/report/", {"reason": "because"})
    self_report = client.post("/members/maya/report/", {"reason": "spam"})

    assert no_reason.status_code == 400
    assert b"typed words" in no_reason.content
    assert bad_reason.status_code == 400
    assert self_report.status_code == 403
    assert b"You can&#x27;t report yourself." in self_report.content
    assert client.post("/posts/9999/report/", {"reason": "spam"}).status_code == 404
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_moderators_hide_and_restore_through_the_admin(client, moderator, member, make_post):
    from tests.fourc.test_admin_and_roles import enrol_totp

    post = make_post(member)
    enrol_totp(moderator)
    client.force_login(moderator)

    asks = client.post("/admin/community/post/", {"action": "hide", "_selected_action": [post.pk]})
    assert asks.status_code == 200  # first, the resolution note
    assert not Post.objects.get(pk=post.pk).is_hidden
    response = client.post(
        "/admin/community/post/",
        {"action": "hide", "_selected_action": [post.pk], "apply": "yes", "note": "Too raw."},
    )

    assert response.status_code == 302
    assert Post.objects.get(pk=post.pk).is_hidden
    client.post(
        "/admin/community/post/",
        {"action": "restore", "_selected_action": [post.pk], "apply": "yes", "note": "Fine."},
    )
    assert not Post.objects.get(pk=post.pk).is_hidden
    assert client.get("/admin/community/report/").status_code == 200
    assert client.get("/admin/community/reply/").status_code == 200
    assert client.get("/admin/community/reaction/").status_code == 200
    assert client.get("/admin/community/space/").status_code == 200
    assert Space.objects.count() == 1


@pytest.mark.django_db
def test_blocking_never_hides_anonymous_posts_because_that_would_name_their_author(
    client, member, other_member, make_post
):
    anonymous = make_post(other_member, title="Anonymous words", is_anonymous=True)
    make_post(other_member, title="Named words")
    services.block_member(blocker=member, blocked=other_member)
    client.force_login(member)

    space_page = client.get("/spaces/low-energy/").content.decode()

    assert "Anonymous words" in space_page
    assert "Named words" not in space_page
    assert client.get(anonymous.get_absolute_url()).status_code == 200


@pytest.mark.django_db
def test_the_anonymous_author_replies_anonymously_in_their_own_thread(
    member_client, member, make_post
):
    post = make_post(member, is_anonymous=True)

    page = member_client.get(post.get_absolute_url()).content.decode()
    member_client.post(post.get_absolute_url(), {"body": "Thank you for reading."})

    assert "your replies here are anonymous too" in page
    assert 'name="is_anonymous"' not in page
    assert post.replies.get().is_anonymous


@pytest.mark.django_db
def test_a_gatherings_discussion_post_is_not_someone_waiting_for_a_reply(
    member, link_worker, space
):
    from datetime import timedelta as td

    gathering = services.create_gathering(
        host=link_worker, space=space, title="Evening chat", description="Come along.",
        starts_at=timezone.now() + td(days=2), duration_minutes=60, format="in_person",
        place="The library",
    )  # fmt: skip

    assert gathering.discussion not in selectors.needs_a_reply(member=member, limit=10).items


@pytest.mark.django_db
def test_the_space_a_member_opens_says_whether_they_follow_it(member, other_member, space):
    SpaceFollow.objects.create(member=member, space=space)

    assert selectors.get_space(member=member, slug=space.slug).is_followed is True
    assert selectors.get_space(member=other_member, slug=space.slug).is_followed is False
    for slug in ["no-such-space", space.slug.upper()]:
        with pytest.raises(Http404):
            selectors.get_space(member=member, slug=slug)
    Space.objects.filter(pk=space.pk).update(is_archived=True)
    with pytest.raises(Http404):
        selectors.get_space(member=member, slug=space.slug)


WORDS = """
gardening gardens Garden happiness happy happier running ran walked walks cries
crying loneliness lonely anxious anxiety friends friendship relationally
generously don't it's word59950 café naïve connected connection hopeful hoping
the being was dying lying skies ugly early youth yelling Émile
""".split()  # noqa: SIM905 - words, not code


@pytest.mark.django_db
def test_a_words_marks_are_the_words_postgresql_matched():
    """The marks stem as PostgreSQL does: each word marked for the search of itself
    exactly when PostgreSQL's search of it finds it (a stop word finds nothing)."""
    from django.db import connection

    from community.selectors import _lexemes

    with connection.cursor() as cursor:
        for word in WORDS:
            cursor.execute(
                "SELECT 0, 0, websearch_to_tsquery('english', %s)::text,"
                " to_tsvector('english', %s) @@ websearch_to_tsquery('english', %s)",
                [word, word, word],
            )
            row = cursor.fetchone()
            found = text.words_matching(word, _lexemes([row]))
            assert bool(found) == row[3], word
            if row[3] and "'" not in word:
                assert found == [word.lower()], word


@pytest.mark.django_db
def test_a_stop_word_searched_for_is_not_marked(member_client, other_member, make_post):
    make_post(other_member, body="The lighthouse stood by the sea.")

    page = member_client.get("/search/", {"q": "the lighthouses"}).content.decode()

    assert _snippets(page) == ["The <mark>lighthouse</mark> stood by the sea."]
