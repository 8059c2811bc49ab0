"""The operators' windows on the nudges: the NudgeLog admin and `manage.py nudges`.

The admin, for a moderator signed in with two-factor: the last 7 days counted per kind
and status, filters by kind, status and day, no email text and no mood anywhere, a
"send again" that claims afresh only the failed rows and hands them to the queue (the
test Redis, read back here), and no adding, changing or deleting. The command: `--due`
lists who is due (claiming nothing with `--dry-run`, claiming them without), `--sweep`
reports what it handed back, `--preview` writes a member's email as HTML and text, and
bad input is a CommandError that says what is wrong.
"""

import base64
import html
import json
import re
from datetime import UTC, datetime, time, timedelta
from io import StringIO

import pytest
import redis
import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command

from prescriptions.models import NudgeKind, NudgeLog, NudgeStatus
from prescriptions.nudges import services
from tests.factories import CheckInFactory
from tests.fourc.test_admin_and_roles import enrol_totp

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/prescriptions/nudgelog/"
# Wednesday 2 December 2026, 09:00 in London (GMT, so UTC too).
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
NOTE = "PRIVATE-NOTE-4410"


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def moderator_client(client, moderator):
    """Rosa, a moderator with two-factor set up, signed in."""
    enrol_totp(moderator)
    client.force_login(moderator)
    return client


def log_row(member, kind, status, *, days_ago=0, period=None, **fields):
    """A plain log row, as the dispatcher and the sender leave them."""
    claimed_at = NOW - timedelta(days=days_ago)
    return NudgeLog.objects.create(
        member=member,
        kind=kind,
        status=status,
        period=period or f"{kind}-{status}-{days_ago}-{NudgeLog.objects.count()}",
        claimed_at=claimed_at,
        due_at=claimed_at,
        finished_at=None if status == NudgeStatus.CLAIMED else claimed_at,
        attempts=1,
        **fields,
    )


@pytest.fixture
def week(member, other_member):
    """A week of nudges for Maya and Sam, and one row from before it. Maya checked in
    with a low mood and a private note."""
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        CheckInFactory(member=member, mood=2, energy=1, note=NOTE)
    return {
        "sent": [
            log_row(member, NudgeKind.DAILY_STEP, NudgeStatus.SENT),
            log_row(other_member, NudgeKind.DAILY_STEP, NudgeStatus.SENT, days_ago=2),
            log_row(member, NudgeKind.DIGEST, NudgeStatus.SENT, days_ago=3),
        ],
        "skipped": [
            log_row(member, NudgeKind.WEEKLY, NudgeStatus.SKIPPED, reason="held"),
        ],
        "failed": [
            log_row(member, NudgeKind.DAILY_STEP, NudgeStatus.FAILED, reason="mail server"),
            log_row(other_member, NudgeKind.GATHERING, NudgeStatus.FAILED, days_ago=1),
        ],
        "old": [log_row(member, NudgeKind.DAILY_STEP, NudgeStatus.SENT, days_ago=8)],
    }


def week_counts(page: str) -> dict:
    """The "last 7 days" table: {kind label: [a count per status, in NudgeStatus order]}."""
    table = page.split("<h2>The last 7 days</h2>", 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th>((?:<td>\d+</td>)+)</tr>', table)
    return {label: [int(n) for n in re.findall(r"\d+", cells)] for label, cells in rows}


def listed(response) -> set[int]:
    return {log.pk for log in response.context["cl"].result_list}


# --- The admin -----------------------------------------------------------------------------


def test_the_changelist_counts_the_last_7_days_per_kind_and_status(moderator_client, week):
    with time_machine.travel(NOW, tick=False):
        response = moderator_client.get(CHANGELIST)

    assert response.status_code == 200
    counts = week_counts(text(response))
    # Columns: claimed, sent, skipped, failed. The row from 8 days ago isn't counted.
    assert counts == {
        "A small step for today": [0, 2, 0, 1],
        "Your week, looking back": [0, 0, 1, 0],
        "Reminders for gatherings you have a place at": [0, 0, 0, 1],
        "Replies and mentions": [0, 1, 0, 0],
        "We're here when you're ready": [0, 0, 0, 0],
        "Steps from your link worker": [0, 0, 0, 0],
    }


def test_the_changelist_filters_by_kind_status_and_day(moderator_client, week):
    every = {log.pk for rows in week.values() for log in rows}
    with time_machine.travel(NOW, tick=False):
        assert listed(moderator_client.get(CHANGELIST)) == every
        by_kind = listed(moderator_client.get(CHANGELIST, {"kind": "digest"}))
        by_status = listed(moderator_client.get(CHANGELIST, {"status": "failed"}))
        both = listed(moderator_client.get(CHANGELIST, {"kind": "daily_step", "status": "sent"}))
        page = text(moderator_client.get(CHANGELIST))
        [today_query] = re.findall(r'<a href="(\?claimed_at__gte=[^"]+)"[^>]*>Today</a>', page)
        today = listed(moderator_client.get(CHANGELIST + html.unescape(today_query)))

    assert by_kind == {week["sent"][2].pk}
    assert by_status == {log.pk for log in week["failed"]}
    assert both == {week["sent"][0].pk, week["sent"][1].pk, week["old"][0].pk}
    assert today == {week["sent"][0].pk, week["skipped"][0].pk, week["failed"][0].pk}


def test_the_admin_shows_no_email_text_and_no_mood(moderator_client, week):
    held = week["skipped"][0]
    with time_machine.travel(NOW, tick=False):
        pages = [
            text(moderator_client.get(CHANGELIST)),
            text(moderator_client.get(f"{CHANGELIST}{held.pk}/change/")),
        ]

    assert "held" in pages[1]  # the reason code is all a moderator reads
    for page in pages:
        assert NOTE not in page
        assert "mood" not in page.lower()
        assert "Why you got this" not in page
        assert "Here's one small step" not in page
        assert "Hello Maya" not in page


def queued_sends() -> list[list[int]]:
    """The ids of every "send these nudges" task waiting in the test Redis broker."""
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    found = []
    for raw in broker.lrange("celery", 0, -1):
        message = json.loads(raw)
        if message["headers"]["task"] == "prescriptions.send_nudges":
            args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
            found.append(args[0])
    return found


def test_send_again_claims_only_the_failed_rows_afresh_and_queues_them(
    moderator_client, week, django_capture_on_commit_callbacks
):
    chosen = [week["failed"][0], week["failed"][1], week["sent"][0], week["skipped"][0]]
    before = queued_sends()

    with django_capture_on_commit_callbacks(execute=True):
        response = moderator_client.post(
            CHANGELIST,
            {"action": "resend", "_selected_action": [log.pk for log in chosen]},
            follow=True,
        )

    assert response.status_code == 200
    assert "2 failed nudges sent again." in text(response)
    failed_ids = sorted(log.pk for log in week["failed"])
    for log in week["failed"]:
        log.refresh_from_db()
        assert (log.status, log.reason, log.attempts, log.finished_at) == (
            NudgeStatus.CLAIMED, "", 0, None,
        )  # fmt: skip
    for log in (week["sent"][0], week["skipped"][0]):
        status = log.status
        log.refresh_from_db()
        assert (log.status, log.attempts) == (status, 1)
    new = queued_sends()[len(before) :] if queued_sends()[: len(before)] == before else None
    assert new is not None
    assert [sorted(ids) for ids in new] == [failed_ids]


def test_moderators_cannot_add_change_or_delete_log_rows(moderator_client, week):
    row = week["sent"][0]

    assert moderator_client.get(f"{CHANGELIST}add/").status_code == 403
    change = moderator_client.post(f"{CHANGELIST}{row.pk}/change/", {"status": "failed"})
    assert change.status_code == 403
    assert moderator_client.get(f"{CHANGELIST}{row.pk}/delete/").status_code == 403
    assert (
        moderator_client.post(f"{CHANGELIST}{row.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    deleting = moderator_client.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"}
    )
    assert deleting.status_code in (200, 302)
    row.refresh_from_db()
    assert (row.status, NudgeLog.objects.filter(pk=row.pk).exists()) == (NudgeStatus.SENT, True)
    page = text(moderator_client.get(CHANGELIST))
    assert 'value="delete_selected"' not in page
    assert 'value="resend"' in page


def test_members_who_are_not_moderators_cannot_open_the_nudge_log(client, member):
    client.force_login(member)

    assert client.get(CHANGELIST).status_code in (302, 403)


# --- The management command ----------------------------------------------------------------


def run(*args) -> str:
    out = StringIO()
    call_command("nudges", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def due_member(member):
    """Maya, whose daily step (at 10:00 in London) is due five minutes ago at NOW + 1h05."""
    with time_machine.travel(NOW, tick=False):
        services.update_preferences(member=member, daily_step=True, daily_at=time(10))
    return member


def test_due_with_dry_run_lists_a_due_member_and_claims_nothing(due_member):
    with time_machine.travel(NOW + timedelta(hours=1, minutes=5), tick=False):
        out = run("--due", "--dry-run")

    assert re.search(r"^maya\s+daily_step\s+due Wed 02 Dec 10:00 Europe/London$", out, re.M)
    assert "1 due by their stored times" in out
    assert "Claimed" not in out
    assert not NudgeLog.objects.exists()


def test_due_without_dry_run_claims_as_beat_would(due_member):
    with time_machine.travel(NOW + timedelta(hours=1, minutes=5), tick=False):
        out = run("--due")
        again = run("--due")

    assert "Claimed and enqueued: {'daily_step': 1}." in out
    [log] = NudgeLog.objects.all()
    assert (log.member, log.kind, log.period, log.status) == (
        due_member, NudgeKind.DAILY_STEP, "2026-12-02", NudgeStatus.CLAIMED,
    )  # fmt: skip
    assert "0 due by their stored times" in again  # moved on to tomorrow
    assert "Claimed and enqueued: nothing." in again


def test_sweep_reports_what_it_handed_back(member):
    stuck = log_row(member, NudgeKind.DIGEST, NudgeStatus.CLAIMED)

    with time_machine.travel(NOW + timedelta(minutes=30), tick=False):
        out = run("--sweep")
        later = run("--sweep")

    assert out.strip() == "Handed back 1 nudge to a sender."
    assert later.strip() == "Handed back 1 nudge to a sender."  # still not sent: again
    stuck.refresh_from_db()
    assert stuck.status == NudgeStatus.CLAIMED


def test_sweep_with_nothing_stuck_reports_none(member):
    log_row(member, NudgeKind.DIGEST, NudgeStatus.SENT)

    assert run("--sweep").strip() == "Handed back 0 nudges to a sender."


def test_preview_writes_the_html_and_the_text_beside_it(member, tmp_path):
    path = tmp_path / "x.html"

    out = run("--preview", "daily_step", "--member", "maya", "--out", str(path))

    assert "Subject: A small step for today" in out
    assert f"Wrote {path} and {tmp_path / 'x.txt'}." in out
    page = path.read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert "Hello Maya," in page
    assert 'style="' in page
    words = (tmp_path / "x.txt").read_text()
    assert words.startswith("Subject: A small step for today\n\nHello Maya,")
    assert "Why you got this: you asked 4C for one small step each day." in words
    assert not NudgeLog.objects.exists()  # nothing claimed, nothing sent


def test_preview_takes_a_handle_with_its_at_sign(member, tmp_path):
    run("--preview", "welcome_back", "--member", "@Maya", "--out", str(tmp_path / "w.html"))

    assert "It's been a little while." in (tmp_path / "w.txt").read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--preview", "daily_step", "--member", "nobody"), "No member with the handle 'nobody'."),
        (("--preview", "daily_step"), "--preview needs --member HANDLE."),
        (("--preview", "poems", "--member", "maya"), "invalid choice: 'poems'"),
        ((), "one of the arguments --due --sweep --preview is required"),
    ],
)
def test_bad_input_is_a_command_error_that_says_what_is_wrong(member, args, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        run(*args)


def test_preview_of_a_gathering_reminder_without_a_place_says_why(member, tmp_path):
    with pytest.raises(CommandError, match="Nothing to send maya for gathering now: "):
        run("--preview", "gathering", "--member", "maya", "--out", str(tmp_path / "g.html"))

    assert not (tmp_path / "g.html").exists()
