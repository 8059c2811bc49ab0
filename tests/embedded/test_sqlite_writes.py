"""The embedded default under simultaneous writes: eight members replying, reacting and
posting at the same moment on make run's SQLite (a real file, as var/fourc.sqlite3 is)
get their answers, never a 500 "database is locked" (fourc/settings.py: WAL, a busy
timeout, immediate transactions). Runs in its own process (tests/embedded/
sqlite_burst.py): the suite's own test database lives in memory."""

import json
import subprocess
import sys
from pathlib import Path

BURST = Path(__file__).with_name("sqlite_burst.py")


def test_a_burst_of_simultaneous_writes_on_sqlite_never_answers_500(tmp_path):
    done = subprocess.run(
        [sys.executable, str(BURST), str(tmp_path / "fourc.sqlite3"), "8"],
        capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr[-3000:]
    answers = json.loads(done.stdout.strip().splitlines()[-1])
    assert "500" not in answers, done.stderr[-3000:]
    # Eight replies, eight reactions and eight posts: every one lands (302 to its page).
    assert sum(answers.values()) == 24
    assert answers == {"302": 24}
