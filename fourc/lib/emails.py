"""Sending 4C's own emails: three templates each, one helper for the standard headers.

An email `name` is three templates under templates/emails/: `<name>_subject.txt`,
`<name>.txt` and `<name>.html`. The HTML's <style> is inlined by css-inline (mail
clients drop <style> blocks), and each message carries what a good sender's does:
`Auto-Submitted`, a stable `Message-ID`, and, for anything a member can stop,
`List-Unsubscribe` with an https URL and `List-Unsubscribe-Post` (RFC 8058).
"""

import contextlib
import email.policy
import sys
from dataclasses import dataclass, field
from email.charset import QP, Charset
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate

import css_inline
from django.conf import settings
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string
from django.utils import timezone

_INLINER = css_inline.CSSInliner(keep_style_tags=True)  # keeps the dark-mode @media rules


@dataclass
class Rendered:
    subject: str
    text: str
    html: str
    headers: dict = field(default_factory=dict)


def render(name: str, context: dict, *, zone=None) -> Rendered:
    """The email `name` (subject, text and HTML templates under templates/emails/). With
    `zone` (the recipient's `tzinfo`), every time in it reads in the recipient's own
    zone: a worker's current zone is UTC, and the `date` filter converts to it."""
    with timezone.override(zone) if zone else contextlib.nullcontext():
        subject = render_to_string(f"emails/{name}_subject.txt", context)
        text = render_to_string(f"emails/{name}.txt", context)
        html = render_to_string(f"emails/{name}.html", context)
    subject = " ".join(subject.split())  # one line, however the template wraps
    return Rendered(subject=subject, text=text.strip() + "\n", html=_INLINER.inline(html))


# Headers stay on one line up to the RFC 5322 limit: compat32 folds a long URL header
# onto a line of its own, which some parsers read with a leading space.
_SMTP = email.policy.compat32.clone(linesep="\r\n", max_line_length=998)
_UTF8 = Charset("utf-8")
_UTF8.body_encoding = QP  # readable in a raw view; a client decodes it either way


class FastEmail(mail.EmailMultiAlternatives):
    """A text-and-HTML email whose MIME is built with the standard library's compat32
    API. Django's `message()` uses the modern email API, whose header parsing costs
    about 3 ms an email here (a profile of the nudge sender: more than rendering,
    SMTP and the database together); this costs about a fifth. Only for what this
    module builds: one text part, one HTML part, no attachments, one recipient."""

    def message(self, *, policy=None):
        msg = MIMEMultipart("alternative", policy=_SMTP)
        for content, subtype in [(self.body, "plain"), *self.alternatives_as_pairs()]:
            msg.attach(MIMEText(content, subtype, _UTF8, policy=_SMTP))
        headers = {
            "Subject": self.subject,
            "From": self.from_email,
            "To": ", ".join(self.to),
            "Date": formatdate(usegmt=True),
            **self.extra_headers,
        }
        for name, value in headers.items():
            value = str(value)
            if "\n" in value or "\r" in value:
                raise ValueError(f"Header values can't contain newlines ({name}).")
            msg[name] = value if value.isascii() else Header(value, "utf-8")
        return msg

    def alternatives_as_pairs(self):
        return [(alternative.content, alternative.mimetype.split("/")[1])
                for alternative in self.alternatives]  # fmt: skip


def message(
    rendered: Rendered,
    *,
    to: str,
    message_id: str,
    unsubscribe_url: str | None = None,
) -> mail.EmailMultiAlternatives:
    headers = {
        "Message-ID": message_id,
        "Auto-Submitted": "auto-generated",
        "X-Auto-Response-Suppress": "All",
        **rendered.headers,
    }
    if unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    built = FastEmail(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers=headers,
    )
    built.attach_alternative(rendered.html, "text/html")
    return built


def mailer():
    """The default mailer: one connection for a whole batch of messages."""
    return mail.mailers["default"]


class ConsoleBackend(BaseEmailBackend):
    """The embedded default's mailer: each email in the terminal as a person reads it.

    Django's console mailer prints the raw message, quoted-printable, so long links are
    cut by soft line breaks; this prints the headers that matter and the decoded text
    part, with every link whole.
    """

    def __init__(self, *args, stream=None, **kwargs):
        kwargs.pop("file_path", None)
        super().__init__(*args, **kwargs)
        self.stream = stream or sys.stdout

    def send_messages(self, email_messages):
        for sent in email_messages:
            lines = [
                "-" * 72,
                f"To: {', '.join(sent.to)}",
                f"Subject: {sent.subject}",
            ]
            lines += [
                f"{name}: {value}"
                for name, value in (sent.extra_headers or {}).items()
                if name.startswith("List-Unsubscribe")
            ]
            lines += ["", sent.body.rstrip(), "-" * 72, ""]
            self.stream.write("\n".join(lines))
            self.stream.flush()
        return len(email_messages)
