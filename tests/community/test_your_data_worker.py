"""A copy of a member's data on real services: the page enqueues the task on the real
Redis, a real `celery worker` process builds the copy in the test database and sends
the email over SMTP to a local server (aiosmtpd), and the link in that email downloads
it. Nothing eager, committed data (`transaction=True`)."""

import email
import email.policy
import json
import os
import re
import subprocess
import sys

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection

from community.models import DataExport
from tests import reference_data
from tests.everywhere import member_with_data_everywhere, words_of
from tests.prescriptions.nudges.test_delivery_real import (
    free_port,
    stop,
    url_of_the_test_database,
    wait_until,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module", autouse=True)
def _reference_data_after_the_flush(django_db_setup, django_db_blocker):
    """Committed tests flush the tables at their end, taking what the data migrations
    made (the catalogue, the roles) with them: put back for the tests after this module
    (a module fixture's teardown runs after the test's own flush)."""
    yield
    with django_db_blocker.unblock():
        reference_data.put_back()
        connection.close()  # opened outside any test: nothing else would close it


@pytest.fixture(autouse=True)
def _reference_data(transactional_db):
    """Whatever an earlier committed test flushed: a check-in needs the catalogue."""
    reference_data.put_back()


class Inbox:
    """An SMTP server's handler that keeps every message it accepts."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 Message accepted for delivery"


@pytest.fixture
def inbox():
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def worker(inbox, tmp_path):
    """A real worker, on the test database, the test Redis and the SMTP server."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": url_of_the_test_database(),
        "EMAIL_URL": f"smtp://127.0.0.1:{inbox.port}",
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "fourc", "worker", "--pool=solo",
             "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_until(lambda: " ready." in log.read_text(), "the worker is ready")
        yield process
    finally:
        stop(process)
        print(log.read_text())  # pytest shows it when the test failed


def test_a_real_worker_builds_the_copy_and_emails_the_link(client, member, inbox, worker):
    member_with_data_everywhere(member)
    client.force_login(member)

    assert client.post("/settings/data/").status_code == 302

    wait_until(lambda: inbox.messages, "the email arrives")
    [message] = inbox.messages
    export = DataExport.objects.get(member=member)
    assert export.ready_at is not None
    assert message["To"] == member.email
    text = message.get_body(preferencelist=("plain",)).get_content()
    [url] = re.findall(r"http://127\.0\.0\.1:8000(/settings/data/download/[^/\s]+/)", text)
    response = client.get(url)
    copy = json.loads(b"".join(response.streaming_content))
    assert copy["areas"]["check_ins"][0]["note"] == words_of(member)["check_in_note"]
    assert words_of(member)["check_in_note"] not in message.as_string()
