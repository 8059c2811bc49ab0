"""The embedded default under simultaneous writes, on make run's SQLite (a real file, as
var/fourc.sqlite3 is; fourc/settings.py: WAL, a busy timeout, immediate transactions):
eight members replying, reacting and posting at the same moment get their answers,
never a 500 "database is locked"; the same new post, check-in or gathering sent from
eight tabs at once is made once (fourc/lib/once.py); eight members taking three places
at once leave three going and five waiting. Runs in its own process (tests/embedded/
sqlite_burst.py): the suite's own test database lives in memory."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

BURST = Path(__file__).with_name("sqlite_burst.py")
THREADS = 8


@pytest.fixture(scope="module")
def burst(tmp_path_factory) -> dict:
    """What the bursts answered and made: {"answers": {burst: {status: n}}, "rows": ...}."""
    sqlite_file = tmp_path_factory.mktemp("burst") / "fourc.sqlite3"
    done = subprocess.run(
        [sys.executable, str(BURST), str(sqlite_file), str(THREADS)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_burst_of_simultaneous_writes_on_sqlite_never_answers_500(burst):
    # Eight replies, eight reactions and eight posts: every one lands (302 to its page).
    assert burst["answers"]["mixed"] == {"302": 3 * THREADS}


def test_the_same_new_post_sent_at_once_on_sqlite_makes_one_post(burst):
    assert burst["answers"]["same_post"] == {"302": THREADS}
    assert burst["rows"]["posts"] == 1


def test_the_same_check_in_sent_at_once_on_sqlite_keeps_one(burst):
    assert burst["answers"]["same_check_in"] == {"302": THREADS}
    assert burst["rows"]["check_ins"] == 1


def test_the_same_gathering_sent_at_once_on_sqlite_schedules_one(burst):
    assert burst["answers"]["same_gathering"] == {"302": THREADS}
    assert burst["rows"]["gatherings"] == 1


def test_members_taking_places_at_once_on_sqlite_never_overfill_the_gathering(burst):
    rows = burst["rows"]
    assert burst["answers"]["places"] == {"302": THREADS}
    assert rows["going"] == rows["capacity"] < THREADS
    assert rows["waiting"] == THREADS - rows["capacity"]
