"""One email end to end: sign-up -> Django's SMTP mailer -> a real SMTP server (aiosmtpd)."""

import email
import email.policy
import re
import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message


class Inbox(Message):
    def __init__(self):
        super().__init__(email.message.EmailMessage)
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.mark.django_db
def test_the_confirmation_email_travels_through_real_smtp(client, settings, smtp_server):
    controller, inbox = smtp_server
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": controller.hostname, "port": controller.port, "timeout": 5},
        }
    }

    response = client.post(
        "/accounts/signup/",
        {
            "display_name": "Ade",
            "email": "ade@example.org",
            "password1": "bread-oven-morning-7",
            "password2": "bread-oven-morning-7",
            "time_zone": "Europe/London",
            "accept_guidelines": "on",
        },
    )

    assert response.status_code == 302
    [raw] = inbox.messages
    message = email.message_from_bytes(raw.as_bytes(), policy=email.policy.default)
    assert message["To"] == "ade@example.org"
    assert message["Subject"] == "4C: Please confirm your email address"
    assert "4C" in message["From"]
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    link = re.search(r"http://testserver/accounts/confirm-email/\S+/", text).group(0)
    assert link in html
    assert "Why you got this" in text
    assert "Why you got this" in html
    # The link works.
    assert client.get(link.removeprefix("http://testserver")).status_code == 200
