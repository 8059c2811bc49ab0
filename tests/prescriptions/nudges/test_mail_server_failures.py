"""When the mail server says no: a real SMTP server (aiosmtpd) that answers 4xx (try
later) or 5xx (never) to chosen messages.

Proves: a 4xx keeps the batch's unsent rows claimed and leased to the same sender, which
sends them on its retry, once each; the last retry marks them failed; a 5xx fails that
one row and the rest of the batch still goes.
"""

from datetime import UTC, datetime, time, timedelta

import pytest
from aiosmtpd.controller import Controller

from prescriptions.models import NudgeLog, NudgePreferences, NudgeStatus
from prescriptions.nudges import delivery, services
from tests.factories import UserFactory
from tests.fourc.test_mail_smtp import Inbox, free_port

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 3, 10, 1, tzinfo=UTC)  # 10:01 in London, winter time


class MoodyServer(Inbox):
    """Accepts messages, except: 451 (try later) while `busy`, and 550 for `refused`."""

    def __init__(self):
        super().__init__()
        self.busy = False
        self.refused: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.busy:
            return "451 4.3.0 Busy, try again later"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def mail_server(settings):
    inbox = MoodyServer()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": controller.hostname, "port": controller.port, "timeout": 5},
        }
    }
    yield inbox
    controller.stop()


def claimed_daily_steps(count: int, on_commit) -> list[int]:
    members = UserFactory.create_batch(count, time_zone="Europe/London")
    for member in members:
        services.update_preferences(
            member=member, daily_step=True, daily_at=time(10), quiet_from=time(0),
            quiet_until=time(0), now=NOW - timedelta(hours=1),
        )  # fmt: skip
    NudgePreferences.objects.update(daily_due_at=NOW - timedelta(minutes=1))
    ids: list[int] = []
    with on_commit(execute=True):  # the dispatcher enqueues once its claims commit
        delivery.dispatch(now=NOW, enqueue=ids.extend)
    assert len(ids) == count
    return ids


def test_a_busy_server_leaves_the_rows_to_the_same_sender_which_sends_each_once(
    mail_server, django_capture_on_commit_callbacks
):
    ids = claimed_daily_steps(3, django_capture_on_commit_callbacks)
    mail_server.busy = True

    with pytest.raises(delivery.Transient) as failure:
        delivery.send(ids, now=NOW)

    assert sorted(failure.value.pending) == sorted(ids)
    assert mail_server.messages == []
    assert set(NudgeLog.objects.values_list("status", flat=True)) == {NudgeStatus.CLAIMED}
    # Another sender can't take them while the first holds the lease.
    assert delivery.send(ids, now=NOW + timedelta(minutes=1)) == {}

    mail_server.busy = False
    done = delivery.send(
        failure.value.pending, token=failure.value.token, now=NOW + timedelta(minutes=2)
    )

    assert done == {NudgeStatus.SENT: 3}
    assert len(mail_server.messages) == 3
    assert set(NudgeLog.objects.values_list("status", flat=True)) == {NudgeStatus.SENT}
    # A late duplicate of the task finds nothing to send.
    assert delivery.send(ids, token=failure.value.token, now=NOW + timedelta(minutes=3)) == {}
    assert len(mail_server.messages) == 3


def test_the_last_retry_marks_what_is_left_failed(mail_server, django_capture_on_commit_callbacks):
    ids = claimed_daily_steps(2, django_capture_on_commit_callbacks)
    mail_server.busy = True

    done = delivery.send(ids, now=NOW, final=True)

    assert done == {NudgeStatus.FAILED: 2}
    assert set(NudgeLog.objects.values_list("status", "reason")) == {
        (NudgeStatus.FAILED, delivery.MAIL_SERVER)
    }
    # A moderator's "send again" claims them afresh; they go once the server is back.
    mail_server.busy = False
    again: list[int] = []
    with django_capture_on_commit_callbacks(execute=True):
        assert delivery.resend_failed(ids, now=NOW, enqueue=again.extend) == 2
    assert delivery.send(again, now=NOW) == {NudgeStatus.SENT: 2}
    assert len(mail_server.messages) == 2


def test_a_refused_address_fails_its_row_and_the_batch_goes_on(
    mail_server, django_capture_on_commit_callbacks
):
    ids = claimed_daily_steps(3, django_capture_on_commit_callbacks)
    refused = NudgeLog.objects.select_related("member").get(pk=ids[1])
    mail_server.refused = {refused.member.email}

    done = delivery.send(ids, now=NOW)

    assert done == {NudgeStatus.SENT: 2, NudgeStatus.FAILED: 1}
    assert len(mail_server.messages) == 2
    refused.refresh_from_db()
    assert (refused.status, refused.reason) == (NudgeStatus.FAILED, delivery.REFUSED)
