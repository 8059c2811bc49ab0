"""Trust in names: nobody's name or handle passes for 4C's team or an anonymous author,
and the team's roles show as a badge that comes from the role, never from the name."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils.html import escape

from community import names, roles, services
from community.handles import is_reserved_handle, unique_handle
from community.models import ANONYMOUS_NAME, User
from tests.factories import GatheringFactory, UserFactory
from tests.fourc.test_admin_and_roles import enrol_totp

SIGNUP_URL = "/accounts/signup/"
PROFILE_URL = "/settings/profile/"
GOOD_PASSWORD = "river-lantern-quiet-42"
BADGE = 'class="badge badge--role"'
TEAM = "mistaken for 4C&#x27;s team"
HANDLE_TEAM = "That handle could be mistaken for 4C&#x27;s team"
HANDLE_ANONYMOUS = "That handle reads like 4C&#x27;s name for anonymous posts"
ANONYMOUS = "how 4C shows posts written anonymously"

# Each reserved name as it is written.
RESERVED = [
    "moderator", "Moderators", "mod", "MODS", "link worker", "Link workers", "4C team", "4C",
    "admin", "Administrator", "administrators", "staff", "Support team", "System",
]  # fmt: skip
ANONYMOUS_LOOKS = [ANONYMOUS_NAME, "a member", "A-Member", "Anonymous", "anonymous 2", "An0nym0us"]

# Look-alikes: other scripts, fullwidth and mathematical letters, digits and symbols for
# letters, spacing and punctuation, invisible joiners, accents, and the titles inside a
# longer name.
LOOK_ALIKES = [
    "Mоderator",  # Cyrillic о
    "Мoderator",  # Cyrillic М
    "Μοderatοr",  # Greek Μ and ο
    "Ꮇoderator",  # Cherokee Ꮇ
    "ᴍoderator",  # a small capital
    "Ｍｏｄｅｒａｔｏｒ",  # fullwidth
    "𝐌𝐨𝐝𝐞𝐫𝐚𝐭𝐨𝐫",  # mathematical bold
    "m0derator",
    "rnoderator",  # "rn" reads as "m"
    "M o d e r a t o r",
    "M.O.D.",
    "mod_team",
    "Mod Team",
    "Mo\u200dderator",  # a zero-width joiner
    "Mödérätör",
    "Sam the mod",
    "Rosa (moderator)",
    "TheModeratorSam",
    "LinkWorker",
    "l1nk-worker",
    "|ink worker",
    "Team 4C",
    "4c_team",
    "ΑDΜΙΝ",  # Greek capitals
    "аdmin",  # Cyrillic а
    "adm1n",
    "@dmin",
    "admin2",
    "5taff",
    "ѕtaff",  # Cyrillic ѕ
    "S.Y.S.T.E.M.",
    "Support-Team",
    "Administrator's daughter",  # a staff title as a word reads as a role: see community.names
]

# Ordinary names, in many scripts, and words that only contain a short title.
ORDINARY = [
    "Zoë", "Jürgen", "Алексей", "明美", "Modesty", "Ирина", "Θεόδωρος", "محمد", "김민준",
    "Nguyễn Văn An", "José María", "Badminton Bex", "Staffordshire Sal", "Ecosystem nerd",
    "Modern Mum", "Camembert lover", "Adam", "Dom", "Amber", "Member 12", "Anon", "AC",
]  # fmt: skip


def signup_data(display_name, **overrides):
    data = {
        "display_name": display_name,
        "email": "new@example.org",
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
        "time_zone": "Europe/London",
        "accept_guidelines": "on",
    }
    data.update(overrides)
    return data


def profile_data(**overrides):
    data = {"display_name": "Maya", "handle": "maya", "pronouns": "", "bio": "Tea and rain."}
    data.update(time_zone="UTC", **overrides)
    return data


# --- The rule ----------------------------------------------------------------------


@pytest.mark.parametrize("name", RESERVED + LOOK_ALIKES)
def test_the_team_and_its_look_alikes_are_reserved(name):
    assert names.reserved_kind(name) == "team"


@pytest.mark.parametrize("name", ANONYMOUS_LOOKS)
def test_the_anonymous_name_and_its_look_alikes_are_reserved(name):
    assert names.reserved_kind(name) == "anonymous"


@pytest.mark.parametrize("name", ORDINARY)
def test_ordinary_names_in_any_script_are_not_reserved(name):
    assert names.reserved_kind(name) is None


def test_look_alikes_share_a_skeleton():
    assert names.skeleton("Ｍ0d_Tеam") == names.skeleton("mod team") == "modteam"
    assert names.skeleton("ADMIN") == names.skeleton("adm1n") == names.skeleton("AdmIn")
    assert names.skeleton("Zoë") == "zoe"


def test_what_4c_shows_for_an_anonymous_author_is_itself_reserved():
    assert names.is_reserved(ANONYMOUS_NAME)


# --- Sign-up ------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", RESERVED + LOOK_ALIKES + ANONYMOUS_LOOKS)
def test_sign_up_refuses_a_name_that_passes_for_the_team_and_keeps_what_was_typed(client, name):
    response = client.post(SIGNUP_URL, signup_data(name))

    assert response.status_code == 400
    page = response.content.decode()
    assert (ANONYMOUS if name in ANONYMOUS_LOOKS else TEAM) in page
    assert "Please choose another." in page
    assert f'value="{escape(name)}"' in page
    assert 'value="new@example.org"' in page
    assert not User.objects.exists()


@pytest.mark.django_db
def test_sign_up_refuses_a_name_hidden_by_a_zero_width_space(client):
    response = client.post(SIGNUP_URL, signup_data("Mod\u200berator"))

    assert response.status_code == 400
    assert "display_name" in response.context["form"].errors
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ORDINARY)
def test_sign_up_takes_ordinary_names_in_any_script(client, name):
    response = client.post(SIGNUP_URL, signup_data(name))

    assert response.status_code == 302
    user = User.objects.get(email="new@example.org")
    assert user.display_name == name
    assert not is_reserved_handle(user.handle)


# --- Profile settings ---------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", RESERVED + LOOK_ALIKES + ANONYMOUS_LOOKS)
def test_profile_settings_refuse_a_name_that_passes_for_the_team(member_client, member, name):
    response = member_client.post(PROFILE_URL, profile_data(display_name=name))

    assert response.status_code == 400
    page = response.content.decode()
    assert (ANONYMOUS if name in ANONYMOUS_LOOKS else TEAM) in page
    assert f'value="{escape(name)}"' in page
    assert "Tea and rain." in page
    member.refresh_from_db()
    assert member.display_name == "Maya"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("handle", "says"),
    [
        ("moderator", HANDLE_TEAM), ("mod_team", HANDLE_TEAM), ("m0derator", HANDLE_TEAM),
        ("link_worker", HANDLE_TEAM), ("linkworker", HANDLE_TEAM), ("admin_2", HANDLE_TEAM),
        ("the_4c_team", HANDLE_TEAM), ("sys_admin", HANDLE_TEAM), ("staff", HANDLE_TEAM),
        ("a_member", HANDLE_ANONYMOUS), ("anonymous1", HANDLE_ANONYMOUS),
    ],
)  # fmt: skip
def test_profile_settings_refuse_a_handle_that_passes_for_the_team(
    member_client, member, handle, says
):
    response = member_client.post(PROFILE_URL, profile_data(handle=handle))

    assert response.status_code == 400
    page = response.content.decode()
    assert says in page
    assert f'value="{handle}"' in page
    member.refresh_from_db()
    assert member.handle == "maya"


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["Zoë", "Алексей", "明美", "Modesty", "Staffordshire Sal"])
def test_profile_settings_take_ordinary_names(member_client, member, name):
    response = member_client.post(PROFILE_URL, profile_data(display_name=name, handle="modesty"))

    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.display_name, member.handle) == (name, "modesty")


# --- Every other path: the model's validators ---------------------------------------


@pytest.mark.django_db
def test_the_service_refuses_a_reserved_name_whoever_calls_it(member):
    with pytest.raises(ValidationError) as refused:
        services.update_profile(member=member, display_name="Mоderator", handle="m0d")

    assert set(refused.value.message_dict) == {"display_name", "handle"}
    member.refresh_from_db()
    assert (member.display_name, member.handle) == ("Maya", "maya")


@pytest.mark.django_db
def test_the_admin_refuses_a_reserved_name_even_for_a_moderator(client, moderator):
    """No exemption: a moderator's role shows as a badge, so their name needs no title."""
    admin = UserFactory(email="root@example.org", is_staff=True, is_superuser=True)
    enrol_totp(admin)
    client.force_login(admin)

    response = client.post(
        f"/admin/community/user/{moderator.pk}/change/",
        {
            "email": moderator.email,
            "display_name": "Rosa (moderator)",
            "handle": "rosa",
            "pronouns": "",
            "bio": "",
            "time_zone": "UTC",
            "accept_guidelines": "on",
            "is_active": "on",
            "is_staff": "on",
            "groups": [g.pk for g in moderator.groups.all()],
        },
    )

    assert response.status_code == 200  # the form again, with the error
    assert TEAM in response.content.decode()
    moderator.refresh_from_db()
    assert moderator.display_name == "Rosa"


# --- Generated handles --------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["Moderator", "Admin", "4C team", "Mod", "A member", "明美"])
def test_a_generated_handle_is_never_reserved(name):
    handle = unique_handle(name)

    assert not is_reserved_handle(handle)
    User(handle=handle).clean_fields(exclude=["email", "password", "display_name"])


@pytest.mark.django_db
def test_an_account_made_from_an_address_like_admin_gets_an_ordinary_handle():
    user = User.objects.create_user("admin@example.org", "pw-not-used-here-42")

    assert not is_reserved_handle(user.handle)
    assert user.handle.startswith("member")


@pytest.mark.django_db
def test_a_generated_handle_stays_readable_for_ordinary_names():
    assert unique_handle("Modesty") == "modesty"
    assert unique_handle("Jürgen") == "jurgen"


# --- Badges -------------------------------------------------------------------------


def badges(page: str) -> list[str]:
    """The badges on a page, in order: the words, not the colour."""
    out = []
    for chunk in page.split(BADGE)[1:]:
        word = chunk.split("</span>", 2)[1]
        out.append(word)
    return out


@pytest.fixture
def thread(space, member, moderator, link_worker):
    post = services.create_post(
        author=member, space=space, title="A long week", body="Tired.", intent="support"
    )
    for author in (moderator, link_worker, member):
        services.post_reply(author=author, post=post, body=f"With you, from {author.handle}.")
    return post


@pytest.mark.django_db
def test_moderators_and_link_workers_replies_carry_their_badge(client, member, thread):
    client.force_login(member)

    page = client.get(f"/posts/{thread.pk}/").content.decode()

    assert badges(page) == ["Moderator", "Link worker"]
    assert '<span class="visually-hidden">, 4C </span>Moderator' in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "word"), [("moderator", "Moderator"), ("link_worker", "Link worker")]
)
def test_a_named_post_by_a_role_carries_its_badge_in_lists_and_on_its_page(
    request, client, member, space, who, word
):
    author = request.getfixturevalue(who)
    post = services.create_post(
        author=author, space=space, title="Welcome", body="Hello, all.", intent="hello"
    )
    client.force_login(member)

    assert badges(client.get(f"/posts/{post.pk}/").content.decode()) == [word]
    assert badges(client.get(f"/spaces/{space.slug}/").content.decode()) == [word]
    assert badges(client.get("/unanswered/").content.decode()) == [word]
    assert badges(client.get(f"/members/{author.handle}/").content.decode()) == [word]


@pytest.mark.django_db
def test_an_ordinary_member_has_no_badge(client, member, other_member, space):
    post = services.create_post(
        author=other_member, space=space, title="Hi", body="Hello.", intent="hello"
    )
    services.post_reply(author=other_member, post=post, body="Anyone here?")
    client.force_login(member)

    assert BADGE not in client.get(f"/posts/{post.pk}/").content.decode()
    assert BADGE not in client.get(f"/members/{other_member.handle}/").content.decode()


@pytest.mark.django_db
def test_a_moderators_anonymous_post_and_reply_show_no_badge(client, member, moderator, space):
    """A badge on an anonymous post would name its author: the query never gives one."""
    post = services.create_post(
        author=moderator, space=space, title="Me too", body="Hard times.", intent="support",
        is_anonymous=True,
    )  # fmt: skip
    services.post_reply(author=moderator, post=post, body="Still here.")  # anonymous in it
    client.force_login(member)

    for url in (f"/posts/{post.pk}/", f"/spaces/{space.slug}/", "/unanswered/"):
        page = client.get(url).content.decode()
        assert "A member" in page
        assert BADGE not in page
        assert "Moderator" not in page


@pytest.mark.django_db
def test_the_badge_comes_from_the_role_not_the_name(client, member, moderator, thread):
    moderator.groups.remove(*moderator.groups.filter(name=roles.MODERATORS))
    client.force_login(member)

    assert badges(client.get(f"/posts/{thread.pk}/").content.decode()) == ["Link worker"]


@pytest.mark.django_db
def test_notifications_show_the_badge_of_a_named_actor_only(client, member, moderator, space):
    post = services.create_post(
        author=member, space=space, title="A long week", body="Tired.", intent="support"
    )
    services.post_reply(author=moderator, post=post, body="Thinking of you.")
    mine_anonymous = services.create_post(
        author=moderator, space=space, title="Quietly", body="Me too.", intent="support",
        is_anonymous=True,
    )  # fmt: skip
    services.follow_post(member=member, post=mine_anonymous)
    services.post_reply(author=moderator, post=mine_anonymous, body="Still here.")
    client.force_login(member)

    page = client.get("/notifications/").content.decode()

    assert "Rosa" in page
    assert "A member replied in" in page
    assert badges(page) == ["Moderator"]


@pytest.mark.django_db
def test_a_gathering_shows_its_hosts_badge(client, member, link_worker, space):
    gathering = GatheringFactory(host=link_worker, space=space, starts_in=timedelta(days=1))
    services.rsvp(gathering=gathering, member=link_worker)
    client.force_login(member)

    assert badges(client.get("/gatherings/").content.decode()) == ["Link worker"]
    detail = client.get(f"/gatherings/{gathering.pk}/").content.decode()
    assert badges(detail) == ["Link worker", "Link worker"]  # the host, and on the list


@pytest.mark.django_db
def test_search_results_show_the_badge(client, member, moderator, space):
    services.create_post(
        author=moderator, space=space, title="Lighthouse", body="A lighthouse evening.",
        intent="hello",
    )  # fmt: skip
    client.force_login(member)

    page = client.get("/search/?q=lighthouse").content.decode()

    assert badges(page) == ["Moderator"]
