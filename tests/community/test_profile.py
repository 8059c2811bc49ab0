import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community import services
from community.models import User

URL = "/settings/profile/"


def profile_data(**overrides):
    data = {
        "display_name": "Maya B",
        "handle": "maya_b",
        "pronouns": "she/her",
        "bio": "Tea and rain.",
        "time_zone": "Asia/Kolkata",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_the_profile_page_needs_a_login(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


@pytest.mark.django_db
def test_a_member_edits_their_profile(member_client, member):
    response = member_client.post(URL, profile_data())

    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.display_name, member.handle, member.pronouns, member.bio, member.time_zone) == (
        "Maya B", "maya_b", "she/her", "Tea and rain.", "Asia/Kolkata",
    )  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"handle": "sam"}, "handle", "already has that handle"),
        ({"handle": "admin"}, "handle", "mistaken for 4C's team"),
        ({"handle": "help"}, "handle", "kept for 4C"),
        ({"handle": "no spaces!"}, "handle", "lower-case letters"),
        ({"handle": "ab"}, "handle", "3 to 30"),
        ({"display_name": " "}, "display_name", "choose a name"),
        ({"bio": "x" * 501}, "bio", "at most 500"),
        ({"time_zone": "Atlantis/Lost"}, "time_zone", "Choose a time zone"),
    ],
)
def test_bad_profile_input_gets_a_clear_error_and_keeps_what_was_typed(
    member_client, member, other_member, overrides, field, message
):
    data = profile_data(**overrides)

    response = member_client.post(URL, data)

    assert response.status_code == 400
    assert message.lower() in " ".join(response.context["form"].errors[field]).lower()
    if field != "display_name":
        assert b'value="Maya B"' in response.content
    if field != "bio":
        assert b"Tea and rain." in response.content
    member.refresh_from_db()
    assert member.handle == "maya"


@pytest.mark.django_db
def test_saving_unchanged_values_writes_nothing(member):
    with CaptureQueriesContext(connection) as queries:
        changed = services.update_profile(
            member=member, display_name=member.display_name, time_zone=member.time_zone
        )

    assert changed == []
    assert not [q for q in queries.captured_queries if "UPDATE" in q["sql"]]


@pytest.mark.django_db
def test_handles_are_unique_regardless_of_what_the_form_checked(member, other_member):
    with pytest.raises(ValidationError, match="handle"):
        services.update_profile(member=member, handle="sam")

    assert User.objects.get(pk=member.pk).handle == "maya"
