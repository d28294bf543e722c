"""The shipped systemd unit, checked by systemd's own tools (offline: no running systemd needed)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
UNIT = Path(__file__).resolve().parent.parent / "systemd" / "monitor.service"
EXEC_START = "ExecStart=/opt/monitor/bin/monitor "

# systemd 252 scores the unit 1.1. What remains is the network the daemon
# needs (PrivateNetwork=, IPAddressDeny=, AF_INET/AF_INET6, AF_UNIX), the host
# root directory, and the read access to /dev/rtc that ProtectClock=yes adds.
MAX_EXPOSURE = 1.1
ACCEPTED_EXPOSURES = {
    "PrivateNetwork=",
    "IPAddressDeny=",
    "RestrictAddressFamilies=~AF_(INET|INET6)",
    "RestrictAddressFamilies=~AF_UNIX",
    "RootDirectory=/RootImage=",
    "DeviceAllow=",
}

pytestmark = pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed")


def _analyze(*args: str) -> subprocess.CompletedProcess[str]:
    assert SYSTEMD_ANALYZE is not None
    env = {**os.environ, "SYSTEMD_COLORS": "0", "SYSTEMD_PAGER": "", "LC_ALL": "C.UTF-8"}
    result = subprocess.run(
        [SYSTEMD_ANALYZE, "--no-pager", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    print(f"$ systemd-analyze {' '.join(args)}  (exit {result.returncode})")
    print(result.stdout, result.stderr, sep="\n")
    return result


def _installable_copy(directory: Path, text: str) -> Path:
    """The unit with ExecStart's binary swapped for one that exists here, since verify checks it."""
    assert text.count(EXEC_START) == 1, "the unit should have one ExecStart of the installed script"
    copy = directory / "monitor.service"
    copy.write_text(text.replace(EXEC_START, f"ExecStart={sys.executable} "), encoding="utf-8")
    return copy


def _complaints_about(unit: Path, result: subprocess.CompletedProcess[str]) -> list[str]:
    """Lines of output naming the unit; others concern the host's units and are none of ours."""
    lines = (result.stdout + result.stderr).splitlines()
    return [line for line in lines if unit.name in line]


def test_unit_verifies_without_complaints(tmp_path: Path) -> None:
    """`systemd-analyze verify` has nothing to say about the unit: every key known and valid."""
    unit = _installable_copy(tmp_path, UNIT.read_text(encoding="utf-8"))
    result = _analyze("verify", str(unit))
    assert _complaints_about(unit, result) == []


def test_verify_would_report_a_bad_line(tmp_path: Path) -> None:
    """A mistyped key is reported under the unit's name, so the check above is not vacuous."""
    broken = UNIT.read_text(encoding="utf-8").replace("ProtectSystem=", "ProtectSytsem=")
    unit = _installable_copy(tmp_path, broken)
    complaints = _complaints_about(unit, _analyze("verify", str(unit)))
    assert any("ProtectSytsem" in line for line in complaints)


def _security(tmp_path: Path) -> str:
    unit = _installable_copy(tmp_path, UNIT.read_text(encoding="utf-8"))
    result = _analyze("security", "--offline=true", str(unit))
    assert result.returncode == 0
    return result.stdout


def test_overall_exposure_is_low(tmp_path: Path) -> None:
    """`systemd-analyze security` rates the unit's overall exposure at most 1.1 out of 10."""
    output = _security(tmp_path)
    match = re.search(r"Overall exposure level for monitor\.service: (\d+(?:\.\d+)?)", output)
    assert match is not None, "no overall exposure level in the output"
    assert float(match.group(1)) <= MAX_EXPOSURE


def test_only_the_network_stays_exposed(tmp_path: Path) -> None:
    """Every hardening check passes except those the daemon's outbound network rules out."""
    output = _security(tmp_path)
    failed = {line[1:].split()[0] for line in output.splitlines() if line.startswith("✗")}
    assert failed, "no failed checks listed: has the output format changed?"
    assert failed <= ACCEPTED_EXPOSURES, f"newly exposed: {sorted(failed - ACCEPTED_EXPOSURES)}"
