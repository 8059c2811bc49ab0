import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from community.models import User
from community.permissions import can_write

SIGNUP_URL = "/accounts/signup/"
GOOD_PASSWORD = "river-lantern-quiet-42"


def signup_data(**overrides):
    data = {
        "display_name": "Maya",
        "email": "maya@example.org",
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
        "time_zone": "Europe/London",
        "accept_guidelines": "on",
    }
    data.update(overrides)
    return data


def confirmation_link(message) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


@pytest.mark.django_db
def test_sign_up_creates_an_unverified_member_and_sends_a_confirmation_email(client):
    response = client.post(SIGNUP_URL, signup_data(time_zone="Pacific/Kiritimati"))

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    user = User.objects.get(email="maya@example.org")
    assert user.display_name == "Maya"
    assert user.handle == "maya"
    assert user.time_zone == "Pacific/Kiritimati"
    assert user.check_password(GOOD_PASSWORD)
    assert not EmailAddress.objects.get(user=user).verified
    assert not can_write(user)

    [message] = mail.outbox
    assert message.to == ["maya@example.org"]
    assert "confirm" in message.subject.lower()
    html = {mime: body for body, mime in message.alternatives}["text/html"]
    link = confirmation_link(message)
    assert link in message.body
    assert link in html
    assert "Why you got this" in message.body


@pytest.mark.django_db
def test_following_the_link_verifies_and_signs_the_member_in(client):
    client.post(SIGNUP_URL, signup_data())
    link = confirmation_link(mail.outbox[0])

    page = client.get(link)
    assert page.status_code == 200
    assert b"Confirm" in page.content
    response = client.post(link)

    assert response.status_code == 302
    user = User.objects.get(email="maya@example.org")
    assert EmailAddress.objects.get(user=user).verified
    assert can_write(User.objects.get(pk=user.pk))
    home = client.get(reverse("home"))
    assert b"Hello, Maya." in home.content
    assert b"One small thing first" not in home.content


@pytest.mark.django_db
def test_a_verified_member_logs_in_with_email_and_password(client, member, password):
    response = client.post("/accounts/login/", {"login": "MAYA@example.org", "password": password})

    assert response.status_code == 302
    assert client.get(reverse("home")).context["user"] == member


@pytest.mark.django_db
def test_a_wrong_password_gets_a_clear_error_and_keeps_the_email(client, member):
    response = client.post("/accounts/login/", {"login": member.email, "password": "nope-nope"})

    assert response.status_code == 400
    assert b"not correct" in response.content
    assert f'value="{member.email}"'.encode() in response.content


@pytest.mark.django_db
def test_repeated_failed_logins_are_rate_limited(client, member, password):
    for _ in range(5):
        client.post("/accounts/login/", {"login": member.email, "password": "wrong"})

    # Even the right password waits now: the limit lives in Redis, shared by all web processes.
    response = client.post("/accounts/login/", {"login": member.email, "password": password})

    assert response.status_code == 400
    assert b"Too many failed login attempts" in response.content
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_an_unverified_member_may_browse_but_is_asked_to_confirm(client, unverified_member):
    client.force_login(unverified_member)

    home = client.get(reverse("home"))

    assert home.status_code == 200
    assert b"One small thing first" in home.content
    assert not can_write(unverified_member)


@pytest.mark.django_db
def test_two_members_with_the_same_display_name_get_different_handles(client):
    client.post(SIGNUP_URL, signup_data())
    client.post(SIGNUP_URL, signup_data(email="maya2@example.org"))

    assert sorted(User.objects.values_list("handle", flat=True)) == ["maya", "maya_2"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"password2": "something-else-99"}, "password2", "same password"),
        ({"password1": "password", "password2": "password"}, "password1", "too common"),
        ({"password1": "4815162342", "password2": "4815162342"}, "password1", "entirely numeric"),
        ({"password1": "short", "password2": "short"}, "password1", "too short"),
        ({"display_name": ""}, "display_name", "choose a name"),
        ({"display_name": "    "}, "display_name", "choose a name"),
        ({"display_name": "x" * 51}, "display_name", "at most 50 characters"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone", "Choose a time zone"),
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"email": ""}, "email", "required"),
        ({"accept_guidelines": ""}, "accept_guidelines", "read the community guidelines"),
    ],
)
def test_bad_sign_up_input_gets_a_clear_error_and_keeps_what_was_typed(
    client, overrides, field, message
):
    data = signup_data(**overrides)

    response = client.post(SIGNUP_URL, data)

    assert response.status_code == 400
    form = response.context["form"]
    assert field in form.errors
    assert message.lower() in " ".join(form.errors[field]).lower()
    assert not User.objects.exists()
    assert len(mail.outbox) == 0
    # What the member typed is still in the form (passwords are never echoed back).
    for kept in ("display_name", "email"):
        if data[kept].strip() and kept != field:
            assert f'value="{data[kept]}"'.encode() in response.content
    if field != "time_zone":
        assert b'<option value="Europe/London" selected>' in response.content


@pytest.mark.django_db
def test_signing_up_with_a_taken_email_reveals_nothing_and_tells_the_owner(client, member):
    fresh = client.post(SIGNUP_URL, signup_data(email="someone-new@example.org"))
    client.logout()
    taken = client.post(SIGNUP_URL, signup_data(email=member.email, display_name="Another"))

    # The same answer as a fresh sign-up: whether an address belongs to a member stays private.
    assert taken.status_code == fresh.status_code == 302
    assert taken.url == fresh.url == reverse("account_email_verification_sent")
    assert User.objects.filter(email=member.email).get().display_name == "Maya"
    owner_mail = [m for m in mail.outbox if m.to == [member.email]]
    assert len(owner_mail) == 1
    assert "already have an account" in owner_mail[0].body
    assert "/accounts/password/reset/" in owner_mail[0].body


@pytest.mark.django_db
def test_an_unconfirmed_member_who_logs_in_is_sent_a_fresh_link(client):
    client.post(SIGNUP_URL, signup_data())
    client.logout()
    mail.outbox.clear()
    cache.clear()  # past the cool-down between confirmation emails

    response = client.post(
        "/accounts/login/", {"login": "maya@example.org", "password": GOOD_PASSWORD}
    )

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_very_long_display_name_shared_by_many_still_gets_unique_handles(client):
    name = "A very long display name that is fun"
    for n in range(4):
        client.post(SIGNUP_URL, signup_data(email=f"long{n}@example.org", display_name=name))
        client.logout()

    handles = list(User.objects.values_list("handle", flat=True))
    assert len(handles) == len(set(handles)) == 4
    assert all(len(handle) <= 30 for handle in handles)


@pytest.mark.django_db
def test_rate_limits_key_on_the_members_address_behind_a_proxy(client, member, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1

    for _ in range(10):
        client.post(
            "/accounts/login/",
            {"login": "x@example.org", "password": "wrong"},
            headers={"X-Forwarded-For": "203.0.113.7"},
        )
    other = client.post(
        "/accounts/login/",
        {"login": "y@example.org", "password": "wrong"},
        headers={"X-Forwarded-For": "198.51.100.9"},
    )
    same = client.post(
        "/accounts/login/",
        {"login": "z@example.org", "password": "wrong"},
        headers={"X-Forwarded-For": "203.0.113.7"},
    )

    assert b"Too many failed login attempts" not in other.content
    assert b"Too many failed login attempts" in same.content


@pytest.mark.django_db
def test_password_reset_sends_a_link_and_never_a_500(client, member):
    response = client.post("/accounts/password/reset/", {"email": member.email})
    unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    bad = client.post("/accounts/password/reset/", {"email": "nobody"})

    assert response.status_code == 302
    assert unknown.status_code == 302
    assert bad.status_code == 400
    assert mail.outbox[0].to == [member.email]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


@pytest.mark.django_db
def test_every_account_page_uses_the_4c_layout(client, member):
    anonymous_pages = ["/accounts/login/", SIGNUP_URL, "/accounts/password/reset/"]
    for url in anonymous_pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert b'class="skip-link"' in response.content, url
        assert b"Get help now" in response.content, url
    client.force_login(member)
    for url in ["/accounts/email/", "/accounts/password/change/", "/accounts/2fa/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert b'aria-label="Your account"' in response.content, url
