"""bench/soak.py's short mode: the soak harness runs the daemon, samples it and reports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SOAK = Path(__file__).resolve().parent.parent / "bench" / "soak.py"


def test_the_short_soak_samples_the_daemon_and_reports_each_series() -> None:
    """A 15-second soak (longer, until its first alert, on a loaded machine) against the
    faulty page server samples memory, file descriptors, the database and the event
    loop's lag, and the daemon stops cleanly at the end."""
    done = subprocess.run(
        [sys.executable, str(SOAK), "--short", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert len(result["samples"]) >= 10
    assert result["samples"][-1]["rss_daemon_mib"] > 0
    assert result["samples"][-1]["fds_daemon"] > 0
    assert result["lag_ms"]["pings"] > 0, "no watchdog ping reached the harness"
    assert result["fetches"] > 0 and result["alerts_received"] > 0
    assert set(result["verdicts"]) >= {"rss_daemon_mib", "fds_all", "db_mib"}
    assert result["exit_status"] == 0
    assert result["tracebacks"] == 0
