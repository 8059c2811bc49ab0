"""Delivery is exactly once on real services: every member due gets one email, no more.

Nothing here is eager. A real SMTP server (aiosmtpd, in this process) keeps each
message it accepts; real Celery workers (`celery worker --pool=solo` subprocesses)
send over SMTP to it; a private `redis-server` (its own port, so one test's queue never
meets another's) is the broker; the dispatcher and the sweeper run as
`manage.py nudges --due` / `--sweep` subprocesses, all against the test database
(committed data: `transaction=True`).

Three ways a run goes wrong, each ending in one email per member and every log row
`sent`:

1. Two dispatchers at the very same moment (held at a start line, then let go
   together), with two workers sending.
2. A worker SIGKILLed mid-batch, then a new worker and the sweeper.
3. Redis stopped and started again, empty, mid-run: the queued sender task is lost, the
   same worker reconnects, and the sweeper hands the lost rows back.

Where the kill and the restart land. delivery.py documents one window it cannot close:
a worker killed after the server accepted a message and before the row is marked sent
sends it again (same Message-ID). A kill at a random instant would land there now and
then, making the result depend on timing, and counting by Message-ID would hide a real
double. So the sink *holds* one message mid-batch (the 20th: it has the whole message
and has not answered): the kill and the restart happen exactly there, every run. The
sink, like a server that commits a message only as it says 250, never accepts a message
whose client vanished before the answer (aiosmtpd cancels the handler when the
connection drops). That is the instant right before the window, the latest a kill can
land and still be recoverable without a duplicate; the assertions count real
recipients, never deduplicated ones. (Measured while writing these: of 24 kills at
random instants mid-batch, with a sink answering at once, 2 landed in the window and
sent one member a second copy; nothing was ever lost.)
"""

import asyncio
import base64
import contextlib
import email
import email.policy
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import time as clock
from datetime import timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
import redis
from aiosmtpd.controller import Controller
from celery import Celery
from django.conf import settings
from django.db import connection
from django.db.models import F
from django.utils import timezone

from prescriptions.models import NudgeKind, NudgeLog, NudgePreferences, NudgeStatus
from prescriptions.nudges import delivery, services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

MEMBERS = 60  # two sender tasks: one of delivery.SEND_BATCH (50), one of 10
HOLD_AT = 20  # the sink sits on the 20th message: mid-way through the first task
WAIT = 30  # seconds one step may take before the test gives up
QUEUE = "celery"  # Celery's default queue: a Redis list
# Zones spread around the world: the members live in the one nearest midday, so a due
# instant a minute ago is never "yesterday" (a daily step from another day is dropped).
ZONES = (
    "Pacific/Honolulu", "America/Los_Angeles", "America/New_York", "America/Sao_Paulo",
    "Europe/London", "Asia/Dubai", "Asia/Kolkata", "Asia/Bangkok", "Asia/Tokyo",
    "Pacific/Auckland",
)  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"Gave up after {timeout} s waiting until {what}.")
        time.sleep(0.05)


def stop(process: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM, then SIGKILL if it is still there after `timeout` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)


# --- The SMTP sink ------------------------------------------------------------------------


class Sink:
    """An SMTP server that keeps every message it accepts. After `hold(k)` it sits on
    the k-th message without answering until `release()`; if the client goes away
    meanwhile, aiosmtpd cancels this handler and the message is never accepted."""

    def __init__(self):
        self._lock = threading.Lock()
        self._accepted: list[bytes] = []
        self._hold_at = None
        self._release = None
        self._loop = None
        self.holding = threading.Event()
        self.held_for: list[str] = []
        self.dropped = 0

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            hold = len(self._accepted) + 1 == self._hold_at
            if hold:
                self._hold_at = None
        if hold:
            self._loop, self._release = asyncio.get_running_loop(), asyncio.Event()
            self.held_for = list(envelope.rcpt_tos)
            self.holding.set()
            try:
                await self._release.wait()
            except asyncio.CancelledError:
                self.dropped += 1  # the client vanished before it heard "250"
                raise
        with self._lock:
            self._accepted.append(envelope.content)
        return "250 Message accepted for delivery"

    def hold(self, number: int) -> None:
        self._hold_at = number

    def release(self) -> None:
        self._loop.call_soon_threadsafe(self._release.set)

    @property
    def count(self) -> int:
        with self._lock:
            return len(self._accepted)

    def messages(self) -> list[email.message.EmailMessage]:
        with self._lock:
            accepted = list(self._accepted)
        return [email.message_from_bytes(raw, policy=email.policy.default) for raw in accepted]


@pytest.fixture
def smtp_sink():
    sink = Sink()
    quiet = logging.getLogger("mail.log")  # aiosmtpd logs every command at INFO
    level = quiet.level
    quiet.setLevel(logging.WARNING)
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    sink.port = controller.port
    try:
        yield sink
    finally:
        if sink._release is not None:
            sink.release()  # a handler still holding would keep the server from stopping
        controller.stop()
        quiet.setLevel(level)


# --- A private Redis ------------------------------------------------------------------------


class PrivateRedis:
    """A redis-server of the test's own, on a port that stays the same across a restart.
    Like the production one here, it keeps nothing on disk: a restart starts empty."""

    def __init__(self, directory):
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.directory),
             "--logfile", str(self.directory / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_until(self._answers, "the private Redis answers", timeout=10)

    def _answers(self) -> bool:
        try:
            return self.client().ping()
        except redis.ConnectionError:
            return False

    def stop(self) -> None:
        """SHUTDOWN NOSAVE: whatever was queued is gone."""
        with contextlib.suppress(redis.ConnectionError):
            self.client().shutdown(nosave=True)
        self.process.wait(timeout=10)

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=5)


@pytest.fixture
def private_redis(tmp_path):
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        stop(server.process)


# --- Processes: workers, the dispatcher, the sweeper --------------------------------------


def url_of_the_test_database() -> str:
    """The test database pytest-django created (test_...), as a DATABASE_URL."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def nudge_env(smtp_sink, private_redis):
    """What every subprocess runs with: the test database, the sink, the private broker."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": url_of_the_test_database(),
        "REDIS_URL": private_redis.url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_sink.port}",
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }


class Workers:
    def __init__(self, env, directory):
        self.env = env
        self.directory = directory
        self.started: list[tuple[subprocess.Popen, object]] = []
        # Asks the workers over the private broker what they are doing (remote control).
        self.probe = Celery("probe", broker=env["REDIS_URL"], set_as_current=False)

    def start(self, *names: str) -> list[subprocess.Popen]:
        """Starts one worker per name and waits until each says it is ready."""
        processes = []
        for name in names:
            log = self.directory / f"worker-{name}.log"
            with log.open("w") as out:
                process = subprocess.Popen(
                    [sys.executable, "-m", "celery", "-A", "fourc", "worker", "--pool=solo",
                     "--loglevel=INFO", "--without-gossip", "--without-mingle",
                     "--without-heartbeat", "-n", f"{name}@%h"],
                    cwd=settings.BASE_DIR, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                )  # fmt: skip
            process.log = log
            self.started.append((process, log))
            processes.append(process)
        for process in processes:
            wait_until(lambda p=process: self._ready(p), f"{process.log.name} is ready")
        return processes

    @staticmethod
    def _ready(process) -> bool:
        if process.poll() is not None:
            pytest.fail(f"{process.log.name} exited early:\n{process.log.read_text()}")
        return " ready." in process.log.read_text()

    def idle(self, phantoms=()) -> bool:
        """Every live worker answers that it runs no task and holds none in reserve
        (but for `phantoms`: tasks it lists as running that have finished)."""
        alive = sum(process.poll() is None for process, _ in self.started)
        inspect = self.probe.control.inspect(timeout=1, limit=alive)
        self.replies = {}
        for busy in (inspect.active, inspect.reserved):
            replies = busy() or {}
            self.replies[busy.__name__] = replies
            if len(replies) < alive:
                return False
            if any(task["id"] not in phantoms for tasks in replies.values() for task in tasks):
                return False
        return True

    def stop_all(self) -> None:
        for process, _ in self.started:
            stop(process)
        self.probe.close()


@pytest.fixture
def worker_processes(nudge_env, tmp_path):
    """Starts Celery workers on demand; stops them all (and prints their logs, which
    pytest shows when the test failed) at the end."""
    workers = Workers(nudge_env, tmp_path)
    try:
        yield workers
    finally:
        workers.stop_all()
        for _, log in workers.started:
            print(f"----- {log.name} -----\n{log.read_text()}")


def manage(env, *args: str) -> str:
    """`manage.py ARGS` as an operator (or beat) would run it, against the test's services."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}"
    return done.stdout


# A dispatcher that loads Django, says "ready", and dispatches when told "go": two of
# them start at the same instant. Small batches (10 members each) make them take turns.
DISPATCHER = """\
import sys
import django
django.setup()
from prescriptions.nudges import delivery
print("ready", flush=True)
sys.stdin.readline()
print(sum(delivery.dispatch(batch=10).values()), flush=True)
"""


def dispatch_twice_at_once(env) -> list[int]:
    """Runs two dispatcher processes from one start line; returns what each claimed."""
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", DISPATCHER],
            cwd=settings.BASE_DIR,
            env=env,
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    try:
        for process in processes:
            if process.stdout.readline().strip() != "ready":
                pytest.fail(f"A dispatcher did not start:\n{process.stderr.read()}")
        for process in processes:
            process.stdin.write("go\n")
            process.stdin.flush()
        outcomes = [process.communicate(timeout=WAIT) for process in processes]
    finally:
        for process in processes:
            stop(process)
    for process, (out, err) in zip(processes, outcomes, strict=True):
        assert process.returncode == 0, f"A dispatcher failed:\n{out}{err}"
    return [int(out.strip().splitlines()[-1]) for out, _ in outcomes]


# --- Data and the verdict -------------------------------------------------------------------


def members_due_now(count: int = MEMBERS) -> list:
    """`count` members with a confirmed address, the daily step on, no quiet hours, and
    their daily step due half a minute ago."""
    now = timezone.now()
    zone = min(ZONES, key=lambda z: abs(now.astimezone(ZoneInfo(z)).hour - 12))
    members = [UserFactory(time_zone=zone) for _ in range(count)]
    for member in members:
        services.update_preferences(
            member=member, daily_step=True, quiet_from=clock(0), quiet_until=clock(0)
        )
    NudgePreferences.objects.filter(member__in=members).update(
        daily_due_at=now - timedelta(seconds=30)
    )
    return members


def queued_log_ids(broker: PrivateRedis) -> set[int]:
    """The log rows named by the sender tasks waiting in the broker's queue."""
    ids = set()
    for raw in broker.client().lrange(QUEUE, 0, -1):
        message = json.loads(raw)
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        ids.update(args[0])
    return ids


def wait_until_all_finished(sink: Sink, workers: Workers, broker: PrivateRedis, phantoms=()):
    """Waits until the sink has a message per member, no log row waits, nothing is
    queued, and each live worker has finished what it took: a later send would have
    nothing to do, so the count is final."""
    state = {}

    def finished():
        state["accepted"] = sink.count
        state["rows waiting"] = NudgeLog.objects.filter(status=NudgeStatus.CLAIMED).count()
        state["queued"] = broker.client().llen(QUEUE)
        state["workers idle"] = workers.idle(phantoms)
        return (
            state["accepted"] >= MEMBERS
            and not state["rows waiting"]
            and not state["queued"]
            and state["workers idle"]
        )

    try:
        wait_until(finished, "every nudge is sent")
    except pytest.fail.Exception:
        pytest.fail(f"Not finished: {state}; the workers say {workers.replies}")


def assert_each_member_got_exactly_one_email(sink: Sink, members) -> None:
    messages = sink.messages()
    # Counted by real recipient: a repeat shows, whatever its Message-ID.
    assert Counter(message["To"] for message in messages) == Counter(m.email for m in members)
    message_ids = Counter(message["Message-ID"] for message in messages)
    assert max(message_ids.values()) == 1
    logs = NudgeLog.objects.filter(member__in=members)
    assert logs.count() == len(members)  # one row per member, kind and period
    assert set(logs.values_list("kind", flat=True)) == {NudgeKind.DAILY_STEP}
    assert Counter(logs.values_list("status", flat=True)) == {NudgeStatus.SENT: len(members)}
    assert set(message_ids) == {log.message_id for log in logs}
    assert all(message["List-Unsubscribe"] for message in messages)


def pretend_the_lease_ran_out():
    """The sender's lease is 10 minutes (delivery.LEASE): the sweeper, and a sender's
    `lease()`, take a claimed row only once its `claimed_at` is that old. Rather than
    wait, move the unfinished rows' claims 11 minutes into the past. Only ever done
    when no live sender holds any of them (its worker is dead, or it has finished):
    aging a row a live sender holds would hand it to a second sender, which the real
    lease never does inside ten minutes."""
    return NudgeLog.objects.filter(status=NudgeStatus.CLAIMED).update(
        claimed_at=F("claimed_at") - delivery.LEASE - timedelta(minutes=1)
    )


# --- The tests ------------------------------------------------------------------------------


def test_two_dispatchers_at_once_with_two_workers_send_each_member_one_email(
    smtp_sink, private_redis, nudge_env, worker_processes
):
    members = members_due_now()
    worker_processes.start("one", "two")

    claimed = dispatch_twice_at_once(nudge_env)

    assert sum(claimed) == MEMBERS  # each member claimed by one dispatcher or the other
    wait_until_all_finished(smtp_sink, worker_processes, private_redis)
    assert_each_member_got_exactly_one_email(smtp_sink, members)
    print(f"Claimed by each dispatcher: {claimed}")


def test_a_worker_killed_mid_batch_loses_no_email_and_doubles_none(
    smtp_sink, private_redis, nudge_env, worker_processes
):
    members = members_due_now()
    smtp_sink.hold(HOLD_AT)
    [doomed] = worker_processes.start("doomed")
    manage(nudge_env, "nudges", "--due")
    assert smtp_sink.holding.wait(WAIT), "The worker never reached the held message."

    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait(timeout=WAIT)

    wait_until(lambda: smtp_sink.dropped == 1, "the sink sees the killed client go")
    sent_before = HOLD_AT - 1
    assert smtp_sink.count == sent_before
    assert NudgeLog.objects.filter(status=NudgeStatus.SENT).count() == sent_before
    assert pretend_the_lease_ran_out() == MEMBERS - sent_before

    worker_processes.start("after")
    swept = manage(nudge_env, "nudges", "--sweep")
    # The killed worker's rows at least (the queued second task may have gone already).
    assert (
        int(re.search(r"Handed back (\d+)", swept).group(1)) >= delivery.SEND_BATCH - sent_before
    )

    wait_until_all_finished(smtp_sink, worker_processes, private_redis)
    assert_each_member_got_exactly_one_email(smtp_sink, members)
    [held_for] = smtp_sink.held_for
    held = NudgeLog.objects.get(member__email=held_for)
    assert held.attempts == 2  # taken by the killed worker, then once more


def test_a_redis_restart_mid_run_loses_the_queue_and_the_sweeper_recovers_it(
    smtp_sink, private_redis, nudge_env, worker_processes
):
    members = members_due_now()
    smtp_sink.hold(HOLD_AT)
    [worker] = worker_processes.start("steady")
    manage(nudge_env, "nudges", "--due")
    assert smtp_sink.holding.wait(WAIT), "The worker never reached the held message."
    assert private_redis.client().llen(QUEUE) == 1  # the second sender task waits

    private_redis.stop()
    smtp_sink.release()  # the worker sends the rest of its batch with the broker down
    first_batch = delivery.SEND_BATCH
    wait_until(
        lambda: (
            smtp_sink.count == first_batch
            and NudgeLog.objects.filter(status=NudgeStatus.SENT).count() == first_batch
        ),
        "the first batch is sent",
    )
    wait_until(
        lambda: "Connection to broker lost" in worker.log.read_text(),
        "the worker notices the broker is gone",
    )
    private_redis.start()

    waiting = NudgeLog.objects.filter(status=NudgeStatus.CLAIMED)
    assert waiting.count() == MEMBERS - first_batch
    assert not waiting.filter(attempts__gt=0).exists()  # no sender holds any of them
    # Redis came back empty: the second sender task is gone. (The worker may put back
    # the first task, which it could not acknowledge; its rows are all sent.)
    assert not queued_log_ids(private_redis) & set(waiting.values_list("pk", flat=True))
    pretend_the_lease_ran_out()
    assert f"Handed back {MEMBERS - first_batch} nudges" in manage(nudge_env, "nudges", "--sweep")

    # The first task's result could not be stored (Redis was down as it ended), and
    # Celery keeps listing a task it could not finish recording as running, though the
    # same solo worker runs the next ones: that one is not waited for.
    [first_task] = re.findall(r"send_nudges\[([0-9a-f-]+)\] received", worker.log.read_text())[:1]
    wait_until_all_finished(smtp_sink, worker_processes, private_redis, phantoms={first_task})
    assert worker.poll() is None  # the same worker reconnected and sent the rest
    assert worker.log.read_text().count("Connected to redis") >= 2
    assert_each_member_got_exactly_one_email(smtp_sink, members)
