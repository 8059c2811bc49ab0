"""The account and two-factor pages (allauth's, restyled) speak in 4C's voice, and the
small ways in and out of them work: a fresh login isn't asked for the password again,
staff go on to moderation after setting up two-factor, /settings/ and /favicon.ico answer."""

import html
import re
import time

import pytest
import time_machine
from allauth.account import app_settings as account_settings
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.test import Client

# What allauth's own templates say, in Title Case or in its own words: none of it
# may reach a heading or a title.
OLD_WORDS = [
    "Sign In",
    "Sign Out",
    "Sign Up",
    "Confirm Email Address",
    "Confirm Access",
    "Recovery Codes",
    "Two-Factor Authentication",
    "Authenticator App",
    "Activate Authenticator App",
    "Deactivate Authenticator App",
    "Change Password",
    "Set Password",
    "Password Reset",
    "Email Address",
    "Email Addresses",
    "Verify Your Email Address",
    "Bad Token",
    "Account Inactive",
]
STRAY_LINE = "Your account is private"


def text(response) -> str:
    return html.unescape(response.content.decode())


def headings(page: str) -> list[str]:
    """The <title> and every <h1>, as plain text."""
    found = re.findall(r"<title>(.*?)</title>", page, re.S)
    found += re.findall(r"<h1[^>]*>(.*?)</h1>", page, re.S)
    return [" ".join(re.sub(r"<[^>]+>", "", item).split()) for item in found]


def assert_in_4c_voice(response, *, expected_heading: str) -> None:
    assert response.status_code == 200
    page = text(response)
    found = headings(page)
    assert f"{expected_heading} · 4C" in found, found
    assert expected_heading in found, found
    for heading in found:
        for old in OLD_WORDS:
            assert old not in heading, (old, heading)
    assert STRAY_LINE not in page
    assert "for user" not in page
    assert 'class="skip-link"' in page


def log_in(client, user, password) -> None:
    response = client.post("/accounts/login/", {"login": user.email, "password": password})
    assert response.status_code == 302
    assert response.url == "/"


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def activate_totp(client) -> str:
    """Sets up the authenticator app through the page, as a person does."""
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = page.context["form"].secret
    response = client.post("/accounts/2fa/totp/activate/", {"code": current_code(secret)})
    assert response.status_code == 302
    return response.url


# --- Every page a visitor, member or moderator can reach -----------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "heading"),
    [
        ("/accounts/login/", "Log in"),
        ("/accounts/signup/", "Join 4C"),
        ("/accounts/password/reset/", "Choose a new password"),
        ("/accounts/password/reset/done/", "Check your email"),
        ("/accounts/confirm-email/", "Check your email"),
        ("/accounts/confirm-email/not-a-real-key/", "Confirm your email address"),
        ("/accounts/password/reset/key/1-not-a-real-key/", "This link has expired"),
        ("/accounts/password/reset/key/done/", "Your new password is saved"),
    ],
)
def test_the_pages_before_logging_in_speak_in_sentence_case(client, url, heading):
    assert_in_4c_voice(client.get(url, follow=True), expected_heading=heading)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "heading"),
    [
        ("/accounts/logout/", "Log out"),
        ("/accounts/email/", "Your email address"),
        ("/accounts/password/change/", "Change your password"),
        ("/accounts/reauthenticate/", "Confirm it's you"),
        ("/accounts/2fa/", "Two-factor authentication"),
        ("/accounts/2fa/totp/activate/", "Confirm it's you"),
    ],
)
def test_the_account_pages_speak_in_sentence_case(client, member, url, heading):
    client.force_login(member)

    response = client.get(url, follow=True)

    assert_in_4c_voice(response, expected_heading=heading)
    assert 'aria-label="Your account"' in text(response) or heading == "Confirm it's you"


@pytest.mark.django_db
def test_the_link_to_choose_a_new_password_opens_its_form(client, member):
    key = default_token_generator.make_token(member)
    url = f"/accounts/password/reset/key/{user_pk_to_url_str(member)}-{key}/"

    response = client.get(url, follow=True)

    assert_in_4c_voice(response, expected_heading="Choose a new password")
    assert 'name="password1"' in text(response)


@pytest.mark.django_db
def test_an_emailed_confirmation_link_asks_plainly(client, unverified_member):
    address = EmailAddress.objects.get(user=unverified_member)
    key = EmailConfirmationHMAC(address).key

    response = client.get(f"/accounts/confirm-email/{key}/")

    assert_in_4c_voice(response, expected_heading="Confirm your email address")
    page = text(response)
    assert f"Is <strong>{address.email}</strong> your address?" in page
    assert unverified_member.handle not in page


@pytest.mark.django_db
def test_every_two_factor_page_speaks_in_sentence_case(client, member, password):
    log_in(client, member, password)
    assert_in_4c_voice(
        client.get("/accounts/2fa/totp/activate/"), expected_heading="Set up an authenticator app"
    )
    activate_totp(client)

    pages = {
        "/accounts/2fa/": "Two-factor authentication",
        "/accounts/2fa/recovery-codes/": "Your recovery codes",
        "/accounts/2fa/recovery-codes/generate/": "Make new recovery codes",
        "/accounts/2fa/totp/deactivate/": "Turn off the authenticator app",
    }
    for url, heading in pages.items():
        assert_in_4c_voice(client.get(url), expected_heading=heading)
    download = client.get("/accounts/2fa/recovery-codes/download/")
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="recovery-codes.txt"'


@pytest.mark.django_db
def test_logging_in_with_two_factor_asks_for_the_code_in_4c_voice(client, member, password):
    TOTP.activate(member, "JBSWY3DPEHPK3PXP")
    client.post("/accounts/login/", {"login": member.email, "password": password})

    response = client.get("/accounts/2fa/authenticate/")

    assert_in_4c_voice(response, expected_heading="Enter your code")
    assert 'name="code"' in text(response)


@pytest.mark.django_db
def test_the_login_page_offers_one_way_to_a_forgotten_password(client):
    page = text(client.get("/accounts/login/"))

    assert page.count("Forgot your password?") == 1
    assert "Forgotten your password?" not in page
    assert page.count('href="/accounts/password/reset/"') == 1


@pytest.mark.django_db
def test_form_labels_are_in_sentence_case_too(client, member):
    login = text(client.get("/accounts/login/"))
    client.force_login(member)
    change = text(client.get("/accounts/password/change/"))

    assert "Keep me logged in on this device" in login
    assert "Remember Me" not in login
    assert '<label for="id_oldpassword">Current password</label>' in change
    assert '<label for="id_password1">New password</label>' in change
    for old in ("Current Password", "New Password"):
        assert old not in change


# --- No second password right after logging in --------------------------------------


@pytest.mark.django_db
def test_a_moderator_who_just_logged_in_sets_up_two_factor_without_the_password_again(
    client, moderator, password
):
    log_in(client, moderator, password)

    admin = client.get("/admin/")
    assert admin.url == "/accounts/2fa/totp/activate/"
    response = client.get(admin.url)

    assert response.status_code == 200
    assert 'name="code"' in text(response)


@pytest.mark.django_db
def test_after_the_timeout_the_password_is_asked_again(client, moderator, password):
    with time_machine.travel(time.time(), tick=False) as traveller:
        log_in(client, moderator, password)
        traveller.shift(account_settings.REAUTHENTICATION_TIMEOUT + 1)

        response = client.get("/accounts/2fa/totp/activate/")

    assert response.status_code == 302
    assert response.url.startswith("/accounts/reauthenticate/")


@pytest.mark.django_db
def test_a_session_without_a_recorded_login_is_asked_for_the_password(client, moderator):
    client.force_login(moderator)

    response = client.get("/accounts/2fa/totp/activate/")

    assert response.url.startswith("/accounts/reauthenticate/")


# --- The QR code ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_qr_code_is_described_and_the_key_is_shown_for_typing(client, member, password):
    log_in(client, member, password)

    response = client.get("/accounts/2fa/totp/activate/")

    page = response.content.decode()
    secret = response.context["form"].secret
    image = re.search(r"<img [^>]*>", page).group(0)
    assert 'alt="QR code to scan with your authenticator app"' in image
    assert secret not in image
    assert f'value="{secret}"' in page  # for typing into the app by hand
    assert '<label for="authenticator_secret">' in page


# --- After two-factor, on to moderation -------------------------------------------------


@pytest.mark.django_db
def test_a_moderator_sent_from_the_admin_continues_to_moderation(client, moderator, password):
    log_in(client, moderator, password)
    client.get("/admin/")

    codes_url = activate_totp(client)

    assert codes_url == "/accounts/2fa/recovery-codes/"
    page = text(client.get(codes_url))
    assert '<a class="button" href="/admin/">Continue to moderation</a>' in page
    codes = RecoveryCodes(
        moderator.authenticator_set.get(type="recovery_codes")
    ).get_unused_codes()
    assert codes[0] in page
    assert client.get("/admin/").status_code == 200
    assert "Continue to moderation" in text(client.get("/accounts/2fa/"))


@pytest.mark.django_db
def test_a_member_continues_home_after_the_recovery_codes(client, member, password):
    log_in(client, member, password)

    page = text(client.get(activate_totp(client)))

    assert '<a class="button" href="/">Continue</a>' in page
    assert "Continue to moderation" not in page
    assert "Continue to moderation" not in text(client.get("/accounts/2fa/"))


# --- /settings/ and /favicon.ico ------------------------------------------------------


@pytest.mark.django_db
def test_settings_opens_the_first_settings_page(member_client):
    response = member_client.get("/settings/")

    assert response.status_code == 302
    assert response.url == "/settings/profile/"


@pytest.mark.django_db
def test_settings_asks_a_visitor_to_log_in_first(client):
    response = client.get("/settings/")

    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/settings/"


@pytest.mark.django_db
def test_the_favicon_answers_and_the_page_links_it():
    client = Client()

    response = client.get("/favicon.ico")

    assert response.status_code == 302
    assert response.url.endswith(".svg")
    assert "favicon" in response.url
    icon = client.get(response.url)
    assert icon.status_code == 200
    assert b"<svg" in b"".join(icon.streaming_content if icon.streaming else [icon.content])
    assert f'<link rel="icon" href="{response.url}"' in client.get("/").content.decode()
