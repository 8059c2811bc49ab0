"""Muted words: a member's list in their settings; posts and replies containing one fold
for them like a content warning, in lists and on the post page, never their own."""

import pytest

from community import selectors, services
from community.models import MUTED_WORD_MAX, MUTED_WORDS_MAX, MutedWord
from community.muting import MutedWords
from tests.factories import (
    PostFactory,
    ReplyFactory,
    SpaceFactory,
    SpaceFollowFactory,
    UserFactory,
)
from tests.queries import MANY, assert_same_queries_for_one_and_many

URL = "/settings/muted-words/"
FOLD = '<details class="cw cw--muted"><summary>Contains a word you muted'


# --- The matcher -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phrase", "text"),
    [
        ("grief", "So much grief this week."),
        ("grief", "GRIEF, again."),
        ("Grief", "grief"),
        ("self harm", "I keep thinking about self-harm."),
        ("self harm", "self   harm"),
        ("don't eat", "I just don’t eat when it’s like this."),
        ("café", "Met at the CAFÉ."),
        ("scale", "(scale) numbers"),
    ],
)
def test_a_muted_word_matches_as_a_whole_word_in_any_case(phrase, text):
    assert MutedWords([phrase]).matches(text)


@pytest.mark.parametrize(
    ("phrase", "text"),
    [
        ("cut", "I got a haircut today."),
        ("cut", "shortcuts help"),
        ("ill", "The bills are paid."),
        ("self harm", "myself harmony"),
        ("weigh", "weighing things up"),
    ],
)
def test_a_muted_word_never_matches_inside_another_word(phrase, text):
    assert not MutedWords([phrase]).matches(text)


def test_no_muted_words_fold_nothing():
    assert not MutedWords()
    assert not MutedWords().matches("anything at all")


# --- The settings page --------------------------------------------------------------


@pytest.mark.django_db
def test_the_settings_nav_links_to_muted_words(member_client):
    page = member_client.get("/settings/profile/").content.decode()

    assert f'href="{URL}">Muted words' in page


@pytest.mark.django_db
def test_a_member_saves_words_normalised_without_repeats(member_client, member):
    response = member_client.post(URL, {"words": "  Grief \n\nSELF   harm\ngrief\nDon’t eat\n"})

    assert response.status_code == 302
    assert selectors.muted_phrases(member) == ["don't eat", "grief", "self harm"]
    page = member_client.get(URL).content.decode()
    assert "don&#x27;t eat\ngrief\nself harm</textarea>" in page


@pytest.mark.django_db
def test_saving_the_same_words_again_changes_nothing(member):
    assert services.set_muted_words(member=member, phrases=["grief", "exams"])
    first = list(MutedWord.objects.values_list("pk", flat=True).order_by("pk"))

    assert not services.set_muted_words(member=member, phrases=["Exams", "grief"])
    assert list(MutedWord.objects.values_list("pk", flat=True).order_by("pk")) == first


@pytest.mark.django_db
def test_an_empty_list_unmutes_everything(member_client, member):
    services.set_muted_words(member=member, phrases=["grief"])

    response = member_client.post(URL, {"words": ""}, follow=True)

    assert "Nothing is muted now." in response.content.decode()
    assert not MutedWord.objects.filter(member=member).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("words", "message"),
    [
        (
            "\n".join(f"word{i}" for i in range(MUTED_WORDS_MAX + 1)),
            f"up to {MUTED_WORDS_MAX} words or phrases; this list has {MUTED_WORDS_MAX + 1}",
        ),
        ("grief\n" + "a" * (MUTED_WORD_MAX + 1), f"Each line can be up to {MUTED_WORD_MAX}"),
        ("grief\n!!!", "no letters or numbers"),
        ("grief\u200b", "hidden control character"),
    ],
)
def test_too_many_too_long_or_unmatchable_words_are_refused_and_kept(
    member_client, member, words, message
):
    services.set_muted_words(member=member, phrases=["exams"])

    response = member_client.post(URL, {"words": words})

    assert response.status_code == 400
    page = response.content.decode()
    assert message in page.replace("&#x27;", "'").replace("&quot;", '"')
    assert words.splitlines()[-1][:20] in page  # what was typed is still in the box
    assert selectors.muted_phrases(member) == ["exams"]  # nothing changed


@pytest.mark.django_db
def test_a_visitor_is_asked_to_log_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- Folding -----------------------------------------------------------------------


@pytest.fixture
def muted(member):
    services.set_muted_words(member=member, phrases=["exams"])
    return member


@pytest.fixture
def sams_posts(other_member, space):
    """Sam's post with a muted word in its text, one with it in the title, and one without."""
    return {
        "body": PostFactory(
            author=other_member, space=space, title="A long day", body="Exams all week."
        ),
        "title": PostFactory(author=other_member, space=space, title="Exams again", body="Ugh."),
        "plain": PostFactory(author=other_member, space=space, title="A walk", body="Sunny."),
    }


def folded_titles(page: str) -> list[str]:
    titles = []
    start = page.find(FOLD)
    while start != -1:
        end = page.index("</details>", start)
        chunk = page[start:end]
        for title in ("A long day", "Exams again", "A walk", "My exams"):
            if title in chunk:
                titles.append(title)
        start = page.find(FOLD, end)
    return sorted(titles)


@pytest.mark.django_db
def test_posts_with_a_muted_word_fold_in_the_space_list(member_client, muted, sams_posts, space):
    page = member_client.get(space.get_absolute_url()).content.decode()

    assert folded_titles(page) == ["A long day", "Exams again"]
    assert "A walk" in page


@pytest.mark.django_db
def test_they_fold_on_the_home_page_needs_a_reply_search_and_the_members_page(
    member_client, muted, sams_posts, space, other_member
):
    SpaceFollowFactory(member=muted, space=space)

    for url in ("/", "/unanswered/", f"/members/{other_member.handle}/", "/search/?q=exams"):
        page = member_client.get(url).content.decode()
        assert "Exams again" in folded_titles(page), url
        assert "A walk" not in folded_titles(page), url


@pytest.mark.django_db
def test_on_the_post_page_the_post_and_the_replies_with_the_word_fold(
    member_client, muted, sams_posts, other_member, member
):
    post = sams_posts["plain"]
    ReplyFactory(post=post, author=other_member, body="Good luck with the exams!")
    ReplyFactory(post=post, author=other_member, body="Lovely walk.")

    page = member_client.get(post.get_absolute_url()).content.decode()

    assert page.count(FOLD) == 1
    folded = page[page.index(FOLD) : page.index("</details>", page.index(FOLD))]
    assert "Good luck with the exams!" in folded
    assert "Lovely walk." not in folded
    muted_post = member_client.get(sams_posts["title"].get_absolute_url()).content.decode()
    assert "<title>Contains a word you muted · 4C</title>" in muted_post
    assert FOLD in muted_post


@pytest.mark.django_db
def test_a_members_own_words_never_fold(member_client, muted, space, other_member):
    mine = PostFactory(author=muted, space=space, title="My exams", body="Exams soon.")
    ReplyFactory(post=mine, author=muted, body="Update: exams went OK.")
    SpaceFollowFactory(member=muted, space=space)

    for url in (space.get_absolute_url(), mine.get_absolute_url(), "/"):
        assert FOLD not in member_client.get(url).content.decode(), url


@pytest.mark.django_db
@pytest.mark.parametrize("viewer", ["another member", "a visitor"])
def test_other_members_and_visitors_see_the_words_unfolded(
    client, muted, sams_posts, space, viewer
):
    if viewer == "a visitor":
        space.is_public = True
        space.save(update_fields=["is_public"])
    else:
        client.force_login(UserFactory())
    page = client.get(space.get_absolute_url()).content.decode()

    assert FOLD not in page
    assert "Exams again" in page


# --- Queries -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_space_page_reads_muted_words_once_for_1_and_50_posts(
    member_client, muted, other_member, django_assert_num_queries
):
    space = SpaceFactory(slug="calm")

    def add_item(i):
        PostFactory(
            author=other_member, space=space, title=f"Post {i}", body="exams" if i % 2 else "hi"
        )

    page = assert_same_queries_for_one_and_many(
        member_client, "/spaces/calm/", add_item, django_assert_num_queries
    )

    assert page.count(FOLD) == 13  # the odd ones of the newest 25: 25, 27, ... 49


@pytest.mark.django_db
def test_the_post_page_reads_muted_words_once_for_1_and_50_replies(
    member_client, muted, other_member, make_post, django_assert_num_queries
):
    post = make_post(other_member)

    def add_item(i):
        body = f"Reply {i}: exams" if i % 2 else f"Reply {i}: hi"  # each its own words
        ReplyFactory(post=post, author=other_member, body=body)

    page = assert_same_queries_for_one_and_many(
        member_client, post.get_absolute_url(), add_item, django_assert_num_queries
    )

    shown = range(min(MANY, selectors.REPLIES_PAGE_SIZE))  # the thread's first page
    assert page.count(FOLD) == sum(1 for i in shown if i % 2)


@pytest.mark.django_db
def test_the_muted_words_cost_one_query_and_a_visitors_none(member, django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    services.set_muted_words(member=member, phrases=["exams"])
    with django_assert_num_queries(1):
        assert selectors.muted_words_for(member)
    with django_assert_num_queries(0):
        assert not selectors.muted_words_for(AnonymousUser())


@pytest.mark.django_db
def test_the_signed_in_member_brings_their_muted_words_with_their_row(
    member, other_member, django_assert_num_queries
):
    """community.backends reads the member with their words (muting.with_muted_words):
    a page asks no query for them; the words are the ones asked apart, none included."""
    from community.backends import MEMBER_BY_ID

    services.set_muted_words(member=member, phrases=["exams", "self harm", "l'été"])
    for who in (member, other_member):  # three words, and none
        (read,) = MEMBER_BY_ID.objects(id=who.pk)
        with django_assert_num_queries(0):
            words = selectors.muted_words_for(read)
        assert words.phrases == selectors.muted_words_for(who).phrases
    assert selectors.muted_words_for(MEMBER_BY_ID.objects(id=member.pk)[0]).phrases == [
        "exams",
        "l'été",
        "self harm",
    ]

    (read,) = MEMBER_BY_ID.objects(id=member.pk)
    services.set_muted_words(member=read, phrases=["exams"])
    assert selectors.muted_words_for(read).phrases == ["exams"]  # forgotten when changed
