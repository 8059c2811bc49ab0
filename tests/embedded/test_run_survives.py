"""`make run` survives a dying process: bin/run, started as a newcomer starts it (on a
SQLite file and broker folders of the test's own), keeps the site up while its killed
Celery worker is started again, and Ctrl-C stops every process it started."""

import contextlib
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from http.client import HTTPException
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _processes_with(marker):
    """Every live process whose environment holds `marker`, by pid, with its arguments:
    bin/run and all it started, whoever their parent is by now (a zombie has no
    environment left, so it is not counted)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            argv = (entry / "cmdline").read_bytes().decode().split("\0")
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if marker in environ:
            found[int(entry.name)] = argv
    return found


def _workers(marker):
    """Celery workers: `python .../celery -A fourc worker ...`."""
    return {
        pid
        for pid, argv in _processes_with(marker).items()
        if any(arg.endswith("/celery") for arg in argv[:2]) and "worker" in argv
    }


def _status(url):
    """The HTTP status `url` answers with, or None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (http://)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (OSError, HTTPException):
        return None


def test_the_site_stays_up_while_a_killed_worker_restarts_and_ctrl_c_stops_everything(tmp_path):
    port = _free_port()
    celery_dir = tmp_path / "celery"
    # Marks the processes of this run: bin/run passes its environment to all it starts.
    marker = f"FOURC_EMBEDDED_CELERY_DIR={celery_dir}".encode()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.embedded.settings",
        "FOURC_EMBEDDED_CELERY_DIR": str(celery_dir),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "HOST": "127.0.0.1",
        "PORT": str(port),
    }
    env.pop("SITE_URL", None)
    health = f"http://127.0.0.1:{port}/healthz"
    log = tmp_path / "run.log"
    with log.open("w") as output:
        run = subprocess.Popen(
            ["bin/run"], cwd=BASE_DIR, env=env, stdin=subprocess.DEVNULL,
            stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def wait_for(what, seconds, done):
        deadline = time.monotonic() + seconds
        while not (result := done()):
            if run.poll() is not None:
                pytest.fail(f"bin/run exited ({run.returncode}) before {what}:\n{log.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"No {what} within {seconds} seconds:\n{log.read_text()}")
            time.sleep(0.2)
        return result

    try:
        # Migrating and seeding a fresh SQLite file comes first; the banner waits for web.
        wait_for("banner", 120, lambda: "4C is running at" in log.read_text())
        assert _status(health) == 200
        (worker,) = wait_for("worker", 30, lambda: _workers(marker))

        os.kill(worker, signal.SIGKILL)

        answers = []

        def restarted():
            answers.append(_status(health))
            return _workers(marker) - {worker}

        (new_worker,) = wait_for("new worker", 60, restarted)
        assert set(answers) == {200}, log.read_text()
        text = log.read_text()
        assert re.search(
            rf"worker \(pid {worker}\) was killed by SIGKILL; restarting in \d+ s", text
        ), text
        assert f"worker started (pid {new_worker})" in text
        # The new worker takes tasks: a ping through the broker comes back.
        wait_for("ping through the new worker", 60, lambda: _status(health + "?celery=1") == 200)
        assert _status(health) == 200

        run.send_signal(signal.SIGINT)

        assert run.wait(timeout=20) == 0, log.read_text()
        deadline = time.monotonic() + 5
        while _processes_with(marker) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _processes_with(marker) == {}, log.read_text()
        assert _status(health) is None
    finally:
        # Nothing outlives the test, whatever failed above.
        for pid in _processes_with(marker):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if run.poll() is None:
            run.kill()
        run.wait(timeout=10)
