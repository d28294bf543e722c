"""The command line: thin, documented, and never a traceback for bad input."""

from __future__ import annotations

import argparse
import json
import logging
import os
import pty
import re
import signal
import socket
import subprocess
import sys
import termios
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
import pytest
from fixtures.edited_pages import ARS, corpus_page
from fixtures.seed_pages import Chrome, page_v1, page_v2
from servers import DiscordReceiver, PageServer, SlackReceiver, SMTPServer
from sqlalchemy import Engine, event

from monitor.cli import _COMMANDS, build_parser, main
from monitor.models import (
    AlertDraft,
    Article,
    CheckOutcome,
    NewVersion,
    Rendered,
    WatchOptions,
    WatchSpec,
)
from monitor.storage import Storage


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def installed(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed ``monitor`` script, as a user runs it (``python -m monitor.cli`` makes
    the extraction workers' start warn about its module on stderr)."""
    return subprocess.run([MONITOR, *args], capture_output=True, text=True, timeout=60, check=False)


MONITOR = str(Path(sys.executable).with_name("monitor"))


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "monitor.toml"
    path.write_text(
        f'[storage]\nurl = "sqlite:///{tmp_path}/monitor.db"\n'
        # The test pages are served on 127.0.0.1, which is refused unless allowed.
        '[monitor]\nallow_internal = ["127.0.0.1"]\n',
        encoding="utf-8",
    )
    return path


def test_version_says_which_monitor_this_is(capsys: pytest.CaptureFixture[str]) -> None:
    """`monitor --version` prints the installed version and exits 0."""
    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0
    assert re.fullmatch(r"monitor \d+\.\d+\S*\n", capsys.readouterr().out)


def test_the_config_may_follow_the_command(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`monitor list --config F` reads F, as `monitor --config F list` does."""
    assert main(["--config", str(config), "add", "https://example.org/a"]) == 0
    capsys.readouterr()
    assert main(["list", "--config", str(config), "--json"]) == 0
    assert [w["url"] for w in json.loads(capsys.readouterr().out)] == ["https://example.org/a"]


def test_a_reader_that_stops_early_ends_the_listing_quietly(tmp_path: Path) -> None:
    """`monitor list | head -1`: the command stops when the pipe closes, with no traceback."""
    # More than a pipe holds (64 KiB), so that the writer meets the closed end.
    long = "a" * 2000
    watches = "".join(f'[[watch]]\nurl = "https://example.org/{n}/{long}"\n' for n in range(60))
    path = tmp_path / "monitor.toml"
    path.write_text(f'[storage]\nurl = "sqlite:///{tmp_path}/m.db"\n{watches}', encoding="utf-8")
    command = [sys.executable, "-m", "monitor.cli", "--config", str(path), "list"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as listing:
        assert listing.stdout is not None and listing.stderr is not None
        assert listing.stdout.readline()
        listing.stdout.close()
        errors = listing.stderr.read().decode()
    assert listing.returncode == 141
    assert "Traceback" not in errors and "BrokenPipeError" not in errors


def test_every_command_has_help_with_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    """Each command's --help says what it does and shows an example."""
    for name in _COMMANDS:
        with pytest.raises(SystemExit):
            build_parser().parse_args([name, "--help"])
        assert "Example: monitor" in capsys.readouterr().out, name
    assert set(_COMMANDS) == {
        "search",
        "changes",
        "run",
        "migrate",
        "check",
        "read",
        "add",
        "remove",
        "list",
        "history",
        "show",
        "diff",
        "notify-test",
        "import",
        "verify",
        "export",
        "serve",
    }


@pytest.mark.parametrize(
    ("content", "line", "key"),
    [
        (
            '[storage]\nurl = "sqlite:///x.db"\n\n[[watch]]\n'
            'url = "https://example.org/a"\nevry = "1h"\n',
            6,
            "evry",
        ),
        ('[[watch]]\nurl = "https://example.org/a"\nevery = "often"\n', 3, "every"),
        ('[[watch]]\nurl = "ftp://example.org/a"\n', 2, "url"),
        ('[notify]\nurls = "mailto://x"\n', 2, "urls"),
        ('[storage]\nurl = "sqlite:///x.db\n', 2, "invalid TOML"),
    ],
    ids=["unknown-key", "bad-interval", "not-http", "urls-not-a-list", "toml-syntax"],
)
def test_an_invalid_config_is_one_line_naming_file_line_and_key(
    tmp_path: Path, content: str, line: int, key: str
) -> None:
    """A malformed config exits 1 with one line: the file, the line, the key; no traceback."""
    path = tmp_path / "bad.toml"
    path.write_text(content, encoding="utf-8")
    result = cli("--config", str(path), "list")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    error_lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(error_lines) == 1, result.stderr
    assert f"{path}:{line}:" in error_lines[0]
    assert key in error_lines[0]


def test_a_missing_config_file_says_which_and_what_to_do(tmp_path: Path) -> None:
    """Pointing --config at nothing is a one-line error naming the path."""
    result = cli("--config", str(tmp_path / "nope.toml"), "list")
    assert result.returncode == 1
    assert str(tmp_path / "nope.toml") in result.stderr and "Traceback" not in result.stderr


def test_monitor_config_env_selects_the_file(
    tmp_path: Path,
    config: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """$MONITOR_CONFIG is used when --config is not given."""
    monkeypatch.setenv("MONITOR_CONFIG", str(config))
    assert main(["add", "https://example.org/story", "--every", "15m"]) == 0
    assert main(["list", "--json"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out[out.index("[") :])[0]["url"] == "https://example.org/story"


def test_add_list_remove_round_trip(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Watches added from the CLI are listed with their settings and can be removed."""
    assert (
        main(
            [
                "--config",
                str(config),
                "add",
                "https://example.org/a",
                "--every",
                "*/10 * * * *",
                "--name",
                "A story",
                "--ignore",
                "^Advertisement$",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["--config", str(config), "list", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["url"], row["every"], row["name"], row["versions"]) == (
        "https://example.org/a",
        "*/10 * * * *",
        "A story",
        0,
    )
    assert main(["--config", str(config), "remove", "https://example.org/a", "--yes"]) == 0
    assert main(["--config", str(config), "remove", "https://example.org/a", "--yes"]) == 1
    assert "no watch for https://example.org/a" in capsys.readouterr().err


def test_bad_cli_values_are_one_line_errors(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad URL or interval on the command line is refused with a hint, not a traceback."""
    assert main(["--config", str(config), "add", "example.org/a"]) == 1
    assert "not an http(s) URL" in capsys.readouterr().err
    assert main(["--config", str(config), "add", "https://example.org/a", "--every", "1s"]) == 1
    assert "too often" in capsys.readouterr().err
    assert main(["--config", str(config), "check"]) == 1
    assert "--all" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("http://10.0.0.1/", "10.0.0.1 is a private address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("http://0x7f.1:8080/admin", "127.0.0.1 is a loopback address"),
        ("http://[::1]:8080/", "::1 is a loopback address"),
        ("http://localhost:8080/", "localhost resolves to 127.0.0.1, a loopback address"),
    ],
)
def test_add_refuses_an_internal_address_naming_it_and_the_switch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str, address: str
) -> None:
    """`monitor add` of an internal URL is a one-line error naming the address and
    allow_internal, and nothing is watched."""
    config = tmp_path / "monitor.toml"
    config.write_text(f'[storage]\nurl = "sqlite:///{tmp_path}/monitor.db"\n', encoding="utf-8")
    assert main(["--config", str(config), "add", url]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"monitor: error: refused: {address};")
    assert "allow_internal in the [monitor] table" in err
    assert err.count("\n") == 1
    assert main(["--config", str(config), "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_a_watch_whose_address_is_no_longer_allowed_fails_without_a_request(
    config: Path, page_server: PageServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """When allow_internal no longer covers a watch, its check is an error saying why,
    and the page is not requested."""
    page_server.set("/s", page_v1(Chrome(1)))
    assert main(["--config", str(config), "add", page_server.url("/s")]) == 0
    config.write_text(config.read_text().replace('"127.0.0.1"', '"10.0.0.0/8"'))
    capsys.readouterr()
    assert main(["--config", str(config), "check", "--all", "--json"]) == 2
    [report] = json.loads(capsys.readouterr().out)
    assert report["outcome"] == "error"
    assert report["error"].startswith("refused: 127.0.0.1 is a loopback address;")
    assert page_server.requests == []


def test_a_dead_url_marks_its_watch_and_the_others_go_on(
    config: Path, page_server: PageServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Connection refused and HTTP 500 are errors of their watches only; exit status 2."""
    page_server.set("/ok", page_v1(Chrome(1)))
    page_server.set("/broken", "oops", status=500)
    dead = f"http://127.0.0.1:{closed_port()}/x"
    for url in (dead, page_server.url("/broken"), page_server.url("/ok")):
        assert main(["--config", str(config), "add", url]) == 0
    capsys.readouterr()
    assert main(["--config", str(config), "check", "--all", "--json"]) == 2
    reports = {r["url"]: r for r in json.loads(capsys.readouterr().out)}
    assert reports[page_server.url("/ok")]["outcome"] == "first"
    assert reports[dead]["outcome"] == "error" and "connection refused" in reports[dead]["error"]
    assert "HTTP 500 Internal Server Error" in reports[page_server.url("/broken")]["error"]
    main(["--config", str(config), "list", "--json"])
    listing = {r["url"]: r for r in json.loads(capsys.readouterr().out)}
    assert listing[page_server.url("/ok")]["error"] is None
    assert listing[dead]["error"]


def test_show_raw_returns_the_page_as_fetched(
    config: Path, page_server: PageServer, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """`show --raw` prints the stored HTML byte for byte."""
    html = page_v1(Chrome(3))
    page_server.set("/s", html)
    main(["--config", str(config), "add", page_server.url("/s")])
    main(["--config", str(config), "check", "--all"])
    capsysbinary.readouterr()
    assert main(["--config", str(config), "show", page_server.url("/s"), "--raw"]) == 0
    assert capsysbinary.readouterr().out == html.encode()


def test_unknown_versions_are_clear_errors(
    config: Path, page_server: PageServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Asking for a version that does not exist names the URL and how to list versions."""
    page_server.set("/s", page_v1(Chrome(3)))
    main(["--config", str(config), "add", page_server.url("/s")])
    main(["--config", str(config), "check", "--all"])
    capsys.readouterr()
    assert main(["--config", str(config), "show", page_server.url("/s"), "--version", "7"]) == 1
    assert "has no version 7" in capsys.readouterr().err
    assert main(["--config", str(config), "diff", page_server.url("/s")]) == 1
    assert "has 1 version so far; a diff needs two" in capsys.readouterr().err


def test_notify_test_reports_each_target(
    tmp_path: Path,
    smtp_server: SMTPServer,
    slack_receiver: SlackReceiver,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """notify-test delivers to each target and says which worked; a dead one fails alone."""
    slack_receiver.fail = True
    path = tmp_path / "monitor.toml"
    path.write_text(
        f'[storage]\nurl = "sqlite:///{tmp_path}/m.db"\n[notify]\n'
        f'urls = ["{smtp_server.apprise_url()}", "{slack_receiver.apprise_url}"]\n',
        encoding="utf-8",
    )
    assert main(["--config", str(path), "notify-test", "--json"]) == 1
    results = json.loads(capsys.readouterr().out)
    assert [r["ok"] for r in results] == [True, False]
    assert results[1]["error"]
    assert len(smtp_server.messages) == 1
    assert "test alert" in smtp_server.messages[0].get_body(("plain",)).get_content()


def test_a_page_that_changes_between_checks_gets_a_version_per_edit(
    config: Path, page_server: PageServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """`check` stores version 2 for the revision and lists it in history."""
    page_server.set("/s", page_v1(Chrome(1)))
    main(["--config", str(config), "add", page_server.url("/s")])
    main(["--config", str(config), "check", page_server.url("/s")])
    page_server.set("/s", page_v2(Chrome(2)))
    main(["--config", str(config), "check", page_server.url("/s")])
    capsys.readouterr()
    main(["--config", str(config), "history", page_server.url("/s")])
    out = capsys.readouterr().out
    assert "first version" in out and "4 paragraphs added" in out


def test_check_exits_non_zero_when_another_process_holds_a_watch(
    config: Path, page_server: PageServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """`check` leaves a watch a daemon holds to it, and says so, rather than staying silent."""
    from datetime import UTC, datetime, timedelta

    from monitor.config import load_config
    from monitor.storage import Storage

    page_server.set("/s", page_v1(Chrome(1)))
    main(["--config", str(config), "add", page_server.url("/s")])
    storage = Storage(load_config(config).storage_url)
    storage.claim_due("daemon", datetime.now(UTC), lease=timedelta(minutes=10), limit=10)
    capsys.readouterr()
    assert main(["--config", str(config), "check", "--all", "--json"]) == 2
    out, err = capsys.readouterr()
    (report,) = json.loads(out)
    assert report["outcome"] == "busy" and "is checking it now" in report["error"]
    assert f"checked 0 of 1; not checked: {page_server.url('/s')} (busy)" in err


def test_history_names_the_kinds_of_each_edit(
    config: Path, page_server: PageServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """A real page edited one kind at a time: `history` says each version's kinds, and
    `history --json` carries them as {kind, old, new, label}."""
    url = page_server.url("/ars")
    html = corpus_page("ars-1")
    page_server.set("/ars", html)
    main(["--config", str(config), "add", url])
    assert main(["--config", str(config), "check", url]) == 0
    for case in ARS:
        html = case.apply(html)
        page_server.set("/ars", html)
        assert main(["--config", str(config), "check", url]) == 0
    capsys.readouterr()

    assert main(["--config", str(config), "history", url, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [[(e["kind"], e["label"]) for e in row["edits"]] for row in rows] == [
        [],
        [],
        *(list(case.edits) for case in ARS),
    ]
    assert rows[2]["edits"] == [
        {"kind": "number", "old": "39", "new": "45", "label": "mere 39 → 45 kilobytes"}
    ]

    assert main(["--config", str(config), "history", url]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("first version")
    assert lines[1].endswith("the article, read in full from the page of version 1 (no alert)")
    for line, case in zip(lines[2:], ARS, strict=True):
        assert f"  {case.phrase} (+" in line, line


def test_diff_names_the_kinds_too(
    config: Path, page_server: PageServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """`monitor diff` heads its output with the kinds, and `--json` carries them."""
    url = page_server.url("/ars")
    html = corpus_page("ars-1")
    page_server.set("/ars", html)
    main(["--config", str(config), "add", url])
    main(["--config", str(config), "check", url])
    page_server.set("/ars", ARS[0].apply(html))
    main(["--config", str(config), "check", url])
    capsys.readouterr()
    assert main(["--config", str(config), "diff", url]) == 0
    assert capsys.readouterr().out.startswith(
        f"{url}: version 2 → 3: mere 39 → 45 kilobytes (+1 / -1 words"
    )
    assert main(["--config", str(config), "diff", url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["edits"][0]["label"] == "mere 39 → 45 kilobytes"


# -- what reaches the terminal ------------------------------------------------------------------

ANSI = "\x1b[2J\x1b]0;pwned\x07"
"""Clear the screen, then retitle the terminal."""
SNEAKY = f"{ANSI}\x9b31m\u202etxt.exe\u2066"
"""…with a C1 CSI and bidi overrides besides."""
RAW_CONTROLS = ("\x1b", "\x07", "\x9b", "\u202e", "\u2066")


def hostile_page() -> str:
    page = page_v1(Chrome(1))
    return page.replace("</h1>", f" {SNEAKY}</h1>", 1).replace("</p>", f" {SNEAKY}</p>", 1)


@pytest.mark.parametrize("command", ["show", "diff", "list"])
def test_page_text_cannot_drive_the_terminal(
    config: Path, page_server: PageServer, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    """Escape sequences, C1 controls and bidi overrides from a page are printed as visible
    escapes (\\x1b, \\u202e) by every command that shows page text."""
    url = page_server.url("/s")
    page_server.set("/s", page_v1(Chrome(1)))
    main(["--config", str(config), "add", url])
    main(["--config", str(config), "check", url])
    page_server.set("/s", hostile_page())
    main(["--config", str(config), "check", url])
    page_server.set("/s", "{}", content_type=f"application/x-evil{ANSI}\x9b")
    main(["--config", str(config), "check", url])
    capsys.readouterr()
    assert main(["--config", str(config), command, *([url] if command != "list" else [])]) == 0
    out = capsys.readouterr().out
    for control in RAW_CONTROLS:
        assert control not in out, (control, out)
    if command == "list":  # the Content-Type header, in the watch's error
        assert "application/x-evil\\x1b[2J\\x1b]0, not a web page" in out
    if command in ("show", "diff"):  # extraction drops C0 controls, not the rest
        assert "\\x9b31m\\u202etxt.exe\\u2066" in out


def test_json_output_escapes_controls_too(
    config: Path, page_server: PageServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """--json keeps page text intact but escaped (\\u009b, \\u202e), so printing it is safe."""
    url = page_server.url("/s")
    page_server.set("/s", hostile_page())
    main(["--config", str(config), "add", url])
    main(["--config", str(config), "check", url])
    capsys.readouterr()
    assert main(["--config", str(config), "show", url, "--json"]) == 0
    out = capsys.readouterr().out
    for control in RAW_CONTROLS:
        assert control not in out
    assert "\x9b31m\u202etxt.exe\u2066" in json.loads(out)["title"]


def test_a_watch_url_password_is_neither_printed_nor_logged(
    config: Path,
    page_server: PageServer,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A watch URL with user:password@ is printed and logged without them by add, check and
    list, whatever the check's outcome."""
    url = page_server.url("/s").replace("http://", "http://bob:hunter2pw@")
    page_server.set("/s", b"", status=500)  # a failed check logs the watch's URL
    assert main(["--config", str(config), "add", url]) == 0
    main(["--config", str(config), "check", "--all"])
    assert main(["--config", str(config), "list"]) == 0
    assert main(["--config", str(config), "list", "--json"]) == 0
    captured = capsys.readouterr()
    assert caplog.records  # the check logged its outcome
    assert "hunter2pw" not in captured.out + captured.err + caplog.text
    assert page_server.url("/s").replace("http://", "http://***@") in captured.out


def test_debug_logging_shows_no_notification_token(
    tmp_path: Path,
    slack_receiver: SlackReceiver,
    discord_receiver: DiscordReceiver,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """With --log-level debug, notify-test logs and prints neither Slack's nor Discord's
    tokens: other libraries' logs (Apprise's, urllib3's) stay at WARNING."""
    caplog.set_level(logging.DEBUG)
    path = tmp_path / "monitor.toml"
    path.write_text(
        f'[storage]\nurl = "sqlite:///{tmp_path}/m.db"\n[notify]\n'
        f'urls = ["{slack_receiver.apprise_url}", "{discord_receiver.apprise_url}"]\n',
        encoding="utf-8",
    )
    assert main(["--log-level", "debug", "--config", str(path), "notify-test"]) == 0
    captured = capsys.readouterr()
    shown = captured.out + captured.err + caplog.text
    secrets = [*SlackReceiver.token.split("/"), DiscordReceiver.webhook_token]
    assert [secret for secret in secrets if secret in shown] == []
    assert len(slack_receiver.posts) == len(discord_receiver.posts) == 1


# -- secrets stay in the config file ---------------------------------------------------------


def test_the_database_keeps_no_notification_secret(
    tmp_path: Path, page_server: PageServer, slack_receiver: SlackReceiver
) -> None:
    """A watch notifying an Apprise URL of the config gets its alerts, while the database
    files hold a reference to the URL, not its tokens."""
    page_server.set("/s", page_v1(Chrome(1)))
    path = tmp_path / "monitor.toml"
    path.write_text(
        f'[storage]\nurl = "sqlite:///{tmp_path}/db/m.db"\n\n'
        '[monitor]\nallow_internal = ["127.0.0.1"]  # the page server is on loopback\n\n'
        f'[[watch]]\nurl = "{page_server.url("/s")}"\nnotify = ["{slack_receiver.apprise_url}"]\n',
        encoding="utf-8",
    )
    assert main(["--config", str(path), "check", "--all"]) == 0
    page_server.set("/s", page_v2(Chrome(2)))
    assert main(["--config", str(path), "check", "--all"]) == 0
    assert len(slack_receiver.wait_for(1)) == 1
    stored = b"".join(file.read_bytes() for file in (tmp_path / "db").iterdir())
    for secret in SlackReceiver.token.split("/"):
        assert secret.encode() not in stored


def test_add_refuses_a_notification_url_the_config_does_not_hold(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`add --notify URL` with a URL not in the config is a one-line error saying to put it
    there with a tag; the URL's token is not printed, and no watch is added."""
    token = "T11111111/B11111111/ZZZZZZZZZZZZZZZZZZZZZZZZ"
    url = "https://example.org/story"
    assert main(["--config", str(config), "add", url, "--notify", f"slack://{token}"]) == 1
    err = capsys.readouterr().err
    assert "[notify] urls" in err and "--notify desk" in err
    assert "ZZZZ" not in err
    assert main(["--config", str(config), "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def no_survivors(family: list[psutil.Process]) -> bool:
    """Whether all these processes end within 30 s (those left are killed: a failing run
    leaves nothing behind either)."""
    _, alive = psutil.wait_procs(family, timeout=30)
    for left in alive:
        left.kill()
    return not alive


def start_check(config: Path, *urls: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "monitor.cli", "--config", str(config), "check", *urls],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def one_at_a_time(config: Path) -> None:
    """Checks in the order asked, one at a time: when the second page is requested, the
    first check has ended."""
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("[monitor]\n", "[monitor]\nconcurrency = 1\n"), "utf-8")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
def test_a_check_stopped_by_a_signal_reports_what_it_did_and_leaves_nothing_behind(
    signum: int, config: Path, page_server: PageServer
) -> None:
    """Ctrl-C or SIGTERM: the finished check is reported, the one in flight is reported as
    stopped and freed, the exit status says which signal, and no process is left."""
    one_at_a_time(config)
    page_server.set("/done", page_v1(Chrome(1)))
    page_server.set("/slow", page_v1(Chrome(2)))
    done, slow = page_server.url("/done"), page_server.url("/slow")
    for url in (done, slow):
        assert cli("--config", str(config), "add", url).returncode == 0
    release = page_server.hold("/slow", stage="body")
    process = start_check(config, done, slow)
    try:
        page_server.wait_for(1, "/slow", timeout=60)
        family = psutil.Process(process.pid).children(recursive=True)
        process.send_signal(signum)
        out, err = process.communicate(timeout=60)
    finally:
        release.set()
        process.kill()
    assert process.returncode == 128 + signum, err
    assert f"first        {done}" in out
    assert f"stopped      {slow}: stopped by {signal.Signals(signum).name}" in out
    assert f"checked 1 of 2; not checked: {slow} (stopped)" in err
    assert "Traceback" not in err
    assert no_survivors(family)
    again = cli("--config", str(config), "check", slow)
    assert again.returncode == 0 and again.stdout.startswith("first"), again.stderr


def test_a_killed_check_holds_no_watch_and_leaves_no_process(
    config: Path, page_server: PageServer
) -> None:
    """SIGKILL mid-check: its worker processes end with it, and the next check takes the
    watch at once rather than after the dead process's lease."""
    page_server.set("/slow", page_v1(Chrome(2)))
    slow = page_server.url("/slow")
    assert cli("--config", str(config), "add", slow).returncode == 0
    release = page_server.hold("/slow", stage="body")
    process = start_check(config, slow)
    try:
        page_server.wait_for(1, "/slow", timeout=60)
        family = psutil.Process(process.pid).children(recursive=True)
        process.kill()
        process.communicate(timeout=60)
    finally:
        release.set()
    assert no_survivors(family)
    again = cli("--config", str(config), "check", "--all")
    assert again.returncode == 0 and again.stdout.startswith("first"), again.stderr


def test_add_refuses_a_tag_no_target_has(config: Path) -> None:
    """`add --notify` with a tag no configured target carries is an error, not a watch
    whose alerts are marked delivered to nobody."""
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text + '[notify]\nurls = [{ url = "json://127.0.0.1:9/", tags = ["desk"] }]\n'
    )
    done = cli("--config", str(config), "add", "https://example.org/a", "--notify", "dsek")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "'dsek' matches no configured notification target" in done.stderr
    assert cli("--config", str(config), "list", "--json").stdout.strip() == "[]"


def test_a_config_watch_notifying_a_tag_no_target_has_is_an_error_at_start(config: Path) -> None:
    """A [[watch]] whose notify tags match no target stops every command at start, naming
    the file and the watch."""
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text + '[notify]\nurls = [{ url = "json://127.0.0.1:9/", tags = ["desk"] }]\n\n'
        '[[watch]]\nurl = "https://example.org/a"\nnotify = "dsek"\n'
    )
    done = cli("--config", str(config), "list")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"{config}: [[watch]] https://example.org/a: 'dsek' matches no" in done.stderr


def test_a_config_watch_tag_declared_in_the_apprise_config_file_is_found(
    config: Path, tmp_path: Path
) -> None:
    """A [[watch]] tag that only the Apprise config file gives a target is a known tag (read
    through Apprise); a tag that file lacks too stops the command at start."""
    apprise_file = tmp_path / "apprise.yml"
    apprise_file.write_text("urls:\n  - json://127.0.0.1:9/:\n    - tag: desk\n")
    base = config.read_text(encoding="utf-8") + f'[notify]\nconfig = "{apprise_file}"\n\n'
    config.write_text(base + '[[watch]]\nurl = "https://example.org/a"\nnotify = "desk"\n')
    assert cli("--config", str(config), "list").returncode == 0
    config.write_text(base + '[[watch]]\nurl = "https://example.org/a"\nnotify = "dsek"\n')
    done = cli("--config", str(config), "list")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "'dsek' matches no configured notification target" in done.stderr


# -- start-up: what each command loads, and queries that do not grow with the watches -------

HEAVY = ("trafilatura", "htmldate", "apprise", "alembic")
"""Packages a command loads only when it needs them: extraction (trafilatura, htmldate),
delivery (Apprise), and a schema to create or upgrade (Alembic)."""

IMPORTS_OF = """
import sys
from monitor.cli import main
try:
    status = main(sys.argv[1:])
except SystemExit as stop:
    status = stop.code
print("loaded:", *sorted({name.split(".")[0] for name in sys.modules}), file=sys.stderr)
sys.exit(status)
"""
"""``monitor ARGS`` run in a process that then says, as its last line on stderr, the
top-level packages it imported."""


def history_of_two_versions(url: str, at: datetime) -> Storage:
    """A migrated database at ``url`` holding one watch with two versions."""
    storage = Storage(url)
    storage.migrate()
    watch = storage.add_watch(WatchSpec(url=WATCHED), at)
    for n, text in enumerate(("The council met.", "The council met on Monday.")):
        version = NewVersion(
            article=Article(title="Council", paragraphs=(text,)),
            raw_html=f"<p>{text}</p>".encode(),
            kind="edit" if n else "first",
        )
        when = at + timedelta(hours=n)
        outcome = CheckOutcome(at=when, outcome=version.kind, next_check_at=when, version=version)
        storage.save_check(watch.id, "test", outcome)
    return storage


WATCHED = "https://example.org/news/story"


@pytest.mark.parametrize(
    "command",
    [
        ["--help"],
        ["list"],
        ["history", WATCHED],
        ["show", WATCHED],
        ["diff", WATCHED],
        ["search", "council met"],
        ["changes"],
    ],
    ids=lambda command: command[0],
)
def test_reading_commands_load_no_extractor_apprise_or_alembic(
    command: list[str], tmp_path: Path
) -> None:
    """`--help`, `list`, `history`, `show`, `diff`, `search` and `changes` on a database at
    head import neither trafilatura, htmldate, Apprise nor Alembic, even with notification
    targets and a config watch notifying one by tag."""
    history_of_two_versions(f"sqlite:///{tmp_path}/monitor.db", datetime.now(UTC)).close()
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'[storage]\nurl = "sqlite:///{tmp_path}/monitor.db"\n'
        '[notify]\nurls = [{ url = "json://127.0.0.1:9/", tags = ["desk"] }]\n\n'
        '[[watch]]\nurl = "https://example.org/config"\nnotify = "desk"\n',
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-c", IMPORTS_OF, "--config", str(config), *command],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    loaded = set(done.stderr.splitlines()[-1].split()[1:])
    assert "monitor" in loaded
    assert loaded & set(HEAVY) == set()


def test_a_check_of_pages_that_need_no_reading_loads_no_extractor(
    page_server: PageServer, tmp_path: Path
) -> None:
    """`check --all` over pages whose servers answer 304 reads no page: its process
    imports neither trafilatura nor htmldate nor lxml (the extraction workers import
    them, when a page is to be read), though the first check of the same pages, run by
    this process's forebear, had them read."""
    page_server.set("/story", page_v1(Chrome(1)))
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'[storage]\nurl = "sqlite:///{tmp_path}/monitor.db"\n'
        '[monitor]\nallow_internal = ["127.0.0.1"]\n\n'
        f'[[watch]]\nurl = "{page_server.url("/story")}"\n',
        encoding="utf-8",
    )
    assert main(["--config", str(config), "check", "--all"]) == 0
    assert main(["--config", str(config), "read"]) == 0  # the page's full reading, now
    done = subprocess.run(
        [sys.executable, "-c", IMPORTS_OF, "--config", str(config), "check", "--all"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "if-none-match" in page_server.requests[-1].headers  # answered 304
    loaded = set(done.stderr.splitlines()[-1].split()[1:])
    assert "monitor" in loaded
    assert loaded & {"trafilatura", "htmldate", "lxml"} == set()


FAST = (
    ["search", "council met"],
    ["search", "--regex", "council", "--since", "1d", "--json"],
    ["changes"],
    ["changes", "--since", "1d", "--field", "body", "--limit", "1"],
    ["list"],
    ["list", "--json"],
    ["history", WATCHED],
    ["show", WATCHED, "--version", "1"],
    ["diff", WATCHED],
    ["diff", WATCHED, "1", "2", "--format", "html"],
)
"""The reading commands of the fast path (``monitor.readonly``)."""


def test_reading_commands_read_the_database_without_sqlalchemy(db_url: str, tmp_path: Path) -> None:
    """`list`, `history`, `show`, `diff` (the last two or any two), `search` and `changes`
    on a database at head, SQLite or PostgreSQL, whose config watches are stored, read it
    through the driver alone: SQLAlchemy is never imported."""
    history_of_two_versions(db_url, datetime.now(UTC)).close()
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'[storage]\nurl = "{db_url}"\n'
        '[notify]\nurls = [{ url = "json://127.0.0.1:9/", tags = ["desk"] }]\n\n'
        '[[watch]]\nurl = "https://example.org/config"\nnotify = "desk"\n',
        encoding="utf-8",
    )
    assert main(["--config", str(config), "list"]) == 0  # stores the config's watch
    for command in FAST:
        done = subprocess.run(
            [sys.executable, "-c", IMPORTS_OF, "--config", str(config), *command],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert "sqlalchemy" not in done.stderr.splitlines()[-1].split(), command


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements every engine in this process runs while the block does."""
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", count)


def watching(db_url: str, tmp_path: Path, numbers: range, *, alerting: bool = True) -> Path:
    """A config on ``db_url`` (and one config watch), with a watch added to its database
    for each of ``numbers``, each with a version and (``alerting``) an undelivered alert."""
    storage = Storage(db_url)
    storage.migrate()
    now = datetime.now(UTC)
    alert = AlertDraft("edit", Rendered("edited", "text", "md", "<p>html</p>"), ("target:0",))
    for n in numbers:
        watch = storage.add_watch(WatchSpec(url=f"https://example.org/{n}"), now)
        version = NewVersion(Article(title="Story", paragraphs=("Text.",)), b"<p>x</p>", "first")
        alerts = (alert,) if alerting else ()
        outcome = CheckOutcome(now, "first", now, version=version, alerts=alerts)
        storage.save_check(watch.id, "test", outcome)
    storage.sync_watches([WatchSpec(url="https://example.org/config")], now)  # as a run did
    storage.close()
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'[storage]\nurl = "{db_url}"\n\n[[watch]]\nurl = "https://example.org/config"\n',
        encoding="utf-8",
    )
    return config


def test_check_all_claims_in_the_same_statements_for_two_hundred_watches_as_for_one(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`monitor check --all` claims the watches and learns which another process holds in
    a fixed number of statements; here another host's daemon holds them all, so that is
    the whole run: each reported busy, exit status 2."""

    def held_elsewhere(numbers: range) -> tuple[Path, int]:
        config = watching(db_url, tmp_path, numbers, alerting=False)  # none to deliver
        storage = Storage(db_url)
        now = datetime.now(UTC)
        held = len(storage.claim(None, "elsewhere.example:1", now, lease=timedelta(hours=1)))
        storage.close()
        return config, held

    config, held = held_elsewhere(range(1))
    with statements() as one:
        assert main(["--config", str(config), "check", "--all"]) == 2
    assert capsys.readouterr().out.count("busy") == held == 2  # and the config watch
    config, held = held_elsewhere(range(1, 200))
    with statements() as many:
        assert main(["--config", str(config), "check", "--all"]) == 2
    assert capsys.readouterr().out.count("busy") == 201
    assert len(many) == len(one), "\n".join(many)


# -- the habits people expect of a command-line tool ------------------------------------------


def on_terminal(
    args: list[str], *, typed: str = "", stderr_on_terminal: bool = False
) -> tuple[int, str, str]:
    """Run the CLI with a terminal (a pseudo-terminal) as its stdin, ``typed`` typed ahead
    on it, and with ``stderr_on_terminal`` as its stderr too; its exit status, stdout and
    what it wrote to stderr (or to the terminal)."""
    leader, follower = pty.openpty()
    try:
        termios.tcsetattr(follower, termios.TCSANOW, _no_echo(termios.tcgetattr(follower)))
        os.write(leader, typed.encode())
        stderr: int = follower if stderr_on_terminal else subprocess.PIPE
        done = subprocess.run(
            [MONITOR, *args],
            stdin=follower,
            stdout=subprocess.PIPE,
            stderr=stderr,
            timeout=60,
            check=False,
        )
        os.close(follower)
        follower = -1
        shown = b""
        while stderr_on_terminal:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # EIO: the terminal's other end is closed and all is read
                break
            if not chunk:
                break
            shown += chunk
        err = shown if stderr_on_terminal else done.stderr
        return done.returncode, done.stdout.decode(), err.decode().replace("\r\n", "\n")
    finally:
        os.close(leader)
        if follower >= 0:
            os.close(follower)


def _no_echo(attributes: list[Any]) -> list[Any]:
    attributes[3] &= ~termios.ECHO  # what is typed ahead is not shown back among the output
    return attributes


def stored(config: Path, url: str) -> WatchSpec:
    from monitor.config import load_config

    storage = Storage(load_config(config).storage_url)
    try:
        return storage.get_watch(url).spec
    finally:
        storage.close()


def test_global_options_may_follow_the_command() -> None:
    """--config and --log-level are read after the command as before it, and a value
    given before the command is not undone by the command's own default."""
    parse = build_parser().parse_args
    after = parse(["list", "--config", "f.toml", "--log-level", "debug"])
    assert (after.config, after.log_level) == ("f.toml", "debug")
    before = parse(["--config", "f.toml", "--log-level", "error", "list"])
    assert (before.config, before.log_level) == ("f.toml", "error")


def test_the_version_is_printed_by_the_installed_command_too() -> None:
    """`monitor --version` in a process of its own prints the version and nothing else."""
    result = cli("--version")
    assert result.returncode == 0 and result.stderr == ""
    assert re.fullmatch(r"monitor \d+\.\d+\S*\n", result.stdout)


def test_check_all_says_how_far_it_got_on_stderr_with_progress(
    config: Path, page_server: PageServer
) -> None:
    """`check --all --progress` writes a line per finished check on stderr (count, rate,
    outcome); stdout is the report it prints without the flag."""
    for path in ("/a", "/b"):
        page_server.set(path, page_v1(Chrome(1)))
        assert cli("--config", str(config), "add", page_server.url(path)).returncode == 0
    result = installed("--config", str(config), "check", "--all", "--progress")
    assert result.returncode == 0
    progress = result.stderr.splitlines()
    assert [line.split("]")[0] for line in progress] == ["[1/2", "[2/2"]
    assert all(re.fullmatch(r"\[\d/2\] \d+\.\d/s: first http://\S+", line) for line in progress)
    assert sorted(result.stdout.splitlines()) == [
        f"first        {page_server.url(path)} -> version 1" for path in ("/a", "/b")
    ]


def test_check_is_silent_on_stderr_unless_stderr_is_a_terminal(
    config: Path, page_server: PageServer
) -> None:
    """With no flag, progress goes to a terminal and never into a pipe or a log file."""
    page_server.set("/a", page_v1(Chrome(1)))
    cli("--config", str(config), "add", page_server.url("/a"))
    piped = installed("--config", str(config), "check", "--all")
    assert piped.returncode == 0 and piped.stderr == ""
    page_server.set("/a", page_v2(Chrome(1)))
    status, out, shown = on_terminal(
        ["--config", str(config), "check", "--all"], stderr_on_terminal=True
    )
    assert status == 0 and out.startswith("edit ")
    assert re.fullmatch(rf"\[1/1\] \d+\.\d/s: edit {re.escape(page_server.url('/a'))}\n", shown)


def test_adding_a_watched_url_again_changes_only_the_settings_given(config: Path) -> None:
    """`add URL --ignore X` on a watch with a selector keeps the selector and its interval;
    `--reset` puts what is not given back to the defaults."""
    url = "https://example.org/story"
    assert cli("--config", str(config), "add", url, "--selector", "main", "--every", "15m")
    result = cli("--config", str(config), "add", url, "--ignore", "^Ad$")
    assert result.returncode == 0
    assert result.stdout == f"changed {url}: ignore (the others kept); it is checked every 15m\n"
    spec = stored(config, url)
    assert (spec.every, spec.options.selector, spec.options.ignore) == ("15m", "main", ("^Ad$",))
    cli("--config", str(config), "add", url, "--raw", "--selector", "")
    assert (stored(config, url).options.raw, stored(config, url).options.selector) == (True, None)
    cli("--config", str(config), "add", url, "--no-raw")
    assert stored(config, url).options == WatchOptions(ignore=("^Ad$",))
    cli("--config", str(config), "add", url, "--name", "Story", "--reset")
    assert stored(config, url) == WatchSpec(url=url, name="Story")


@pytest.mark.parametrize(
    "spelling",
    [
        "HTTP://Example.ORG/story.html",
        "http://example.org/story.html#comments",
        "http://example.org:80/story.html",
    ],
)
def test_spellings_of_one_url_name_one_watch(
    config: Path, capsys: pytest.CaptureFixture[str], spelling: str
) -> None:
    """Scheme and host case, a default port and a fragment do not make a second watch; any
    spelling names the watch in the other commands; the path's case is kept."""
    plain = "http://example.org/story.html"
    assert main(["--config", str(config), "add", plain, "--every", "2h"]) == 0
    capsys.readouterr()
    assert main(["--config", str(config), "add", spelling]) == 0
    assert capsys.readouterr().out == f"already watching {plain} every 2h; nothing to change\n"
    assert main(["--config", str(config), "add", "http://example.org/Story.html"]) == 0
    capsys.readouterr()
    assert main(["list", "--config", str(config), "--json"]) == 0
    listed = [(w["url"], w["every"]) for w in json.loads(capsys.readouterr().out)]
    assert listed == [("http://example.org/Story.html", "1h"), (plain, "2h")]
    assert main(["--config", str(config), "history", spelling]) == 0
    assert main(["--config", str(config), "remove", spelling, "--yes"]) == 0
    assert capsys.readouterr().out == f"removed {plain} and its 0 versions\n"


def test_a_config_watch_and_a_cli_spelling_of_its_url_are_one_watch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A [[watch]] written HTTP://EXAMPLE.org/a#x is the watch `add https://…` changes;
    two spellings of one page in the file are an error naming both."""
    path = tmp_path / "monitor.toml"
    head = f'[storage]\nurl = "sqlite:///{tmp_path}/m.db"\n'
    path.write_text(head + '[[watch]]\nurl = "HTTP://EXAMPLE.org/a#x"\n', encoding="utf-8")
    assert main(["--config", str(path), "add", "http://example.org/a", "--every", "2h"]) == 0
    capsys.readouterr()
    assert main(["--config", str(path), "list", "--json"]) == 0
    assert [(w["url"], w["source"]) for w in json.loads(capsys.readouterr().out)] == [
        ("http://example.org/a", "config")
    ]
    path.write_text(
        head
        + '[[watch]]\nurl = "http://example.org/a"\n[[watch]]\nurl = "HTTP://example.org/a#b"\n',
        encoding="utf-8",
    )
    result = cli("--config", str(path), "list")
    assert result.returncode == 1
    assert f"{path}:6: [[watch]] #2 url: HTTP://example.org/a#b is the page [[watch]] #1" in (
        result.stderr
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--min-change", "-3"], "--min-change: -3 is out of range: a number of words, 0 or more"),
        (["--min-change", "many"], "--min-change: 'many' is not a number of words"),
        (["--ignore", "(unclosed"], "--ignore: '(unclosed' is not a valid regular expression"),
        (["--every", "often"], "'often'"),
    ],
    ids=["negative", "not-a-number", "bad-regex", "bad-interval"],
)
def test_an_invalid_option_value_is_one_line_naming_the_option_and_what_it_takes(
    config: Path, args: list[str], message: str
) -> None:
    """`add` refuses a value out of its option's range in one line and adds nothing."""
    result = cli("--config", str(config), "add", "https://example.org/a", *args)
    assert result.returncode in (1, 2)
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert message in result.stderr
    listing = cli("--config", str(config), "list", "--json")
    assert json.loads(listing.stdout) == []


def test_the_config_refuses_a_negative_min_change_too(tmp_path: Path) -> None:
    """min_change = -3 in the file is the same refusal, with its file and line."""
    path = tmp_path / "monitor.toml"
    path.write_text('[[watch]]\nurl = "https://example.org/a"\nmin_change = -3\n')
    result = cli("--config", str(path), "list")
    assert result.returncode == 1
    assert f"{path}:3: [[watch]] #1 min_change: -3 is out of range: a number of words, 0 or" in (
        result.stderr
    )


def test_remove_without_a_terminal_needs_yes(
    config: Path, page_server: PageServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """From a script, `remove URL` deletes nothing and says to pass --yes, counting the
    versions it would delete."""
    page_server.set("/s", page_v1(Chrome(1)))
    url = page_server.url("/s")
    main(["--config", str(config), "add", url])
    main(["--config", str(config), "check", url])
    result = cli("--config", str(config), "remove", url)
    assert result.returncode == 1
    assert result.stderr == (
        f"monitor: error: this deletes {url} and its 1 version; pass --yes to confirm "
        "(no terminal to ask on)\n"
    )
    assert stored(config, url).url == url


@pytest.mark.parametrize(("typed", "removed"), [("y\n", True), ("\n", False), ("no\n", False)])
def test_remove_on_a_terminal_asks_saying_how_many_versions_go(
    config: Path, typed: str, removed: bool
) -> None:
    """On a terminal `remove URL` asks, with the count of versions; only yes deletes."""
    url = "https://example.org/a"
    cli("--config", str(config), "add", url)
    status, out, err = on_terminal(["--config", str(config), "remove", url], typed=typed)
    assert err.startswith(f"Delete {url} and its 0 versions? [y/N] ")
    assert (status, out) == ((0, f"removed {url} and its 0 versions\n") if removed else (1, ""))
    listed = json.loads(cli("--config", str(config), "list", "--json").stdout)
    assert [w["url"] for w in listed] == ([] if removed else [url])


def test_every_json_flag_says_what_it_prints() -> None:
    """Each command's --json has help text."""
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    with_json = 0
    for name, command in commands.choices.items():
        for action in command._actions:
            if "--json" in action.option_strings:
                with_json += 1
                assert action.help and "JSON" in action.help, name
    assert with_json == 10


def test_show_raw_with_json_is_refused_not_ignored(config: Path) -> None:
    """`show --raw --json` says the two do not go together, in one line."""
    result = cli("--config", str(config), "show", "https://example.org/a", "--raw", "--json")
    assert result.returncode == 1
    assert result.stderr.startswith("monitor: error: --raw prints the page as fetched, which")
    assert result.stderr.count("\n") == 1


def test_a_usage_error_is_one_line_pointing_at_help() -> None:
    """A mistyped command line is one line on stderr naming the problem and the --help."""
    result = cli("diff")
    assert result.returncode == 2
    assert result.stderr == (
        "monitor diff: error: the following arguments are required: URL; "
        "see `monitor diff --help`\n"
    )


def test_read_reads_the_first_pages_in_full_without_fetching_them(
    config: Path, page_server: PageServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """`monitor read` reads in full each page a first check stored with its quick reading
    (version 2, kind 'reading'), fetching nothing; run again, it has nothing to read."""
    url = page_server.url("/ars")
    page_server.set("/ars", corpus_page("ars-1"))
    main(["--config", str(config), "add", url])
    assert main(["--config", str(config), "check", url]) == 0
    capsys.readouterr()
    assert main(["--config", str(config), "read"]) == 0
    assert capsys.readouterr().out == "read 1 page(s) in full\n"
    assert len(page_server.requests) == 1
    assert main(["--config", str(config), "history", url, "--json"]) == 0
    assert [row["kind"] for row in json.loads(capsys.readouterr().out)] == ["first", "reading"]
    assert main(["--config", str(config), "read"]) == 0
    assert capsys.readouterr().out == "read 0 page(s) in full\n"
