"""The config file: valid ones load into typed settings; bad ones name file, line, key and fix."""

from __future__ import annotations

from ipaddress import ip_network
from pathlib import Path

import pytest

from monitor.config import (
    Config,
    DaemonSettings,
    Target,
    default_storage_url,
    find_config,
    load_config,
    state_directory,
)
from monitor.errors import ConfigError
from monitor.models import WatchOptions, WatchSpec

ENV = {"HOME": "/home/desk"}

COMPLETE = """\
# A config using every option.
[monitor]
concurrency = 4
tick = "5s"
timeout = "1m"
extract_timeout = "45s"
max_bytes = "2MB"
user_agent = "monitor-test/1.0"
per_host = 1
transport = "httpx"
lease = "15m"
alert_attempts = 3
max_alert_chars = 5000
failures_before_alert = 5
max_backoff = "6h"
keep_versions = 50
keep_versions_bytes = "100MB"
alerts_per_hour = 4
allow_internal = ["10.1.0.0/16", "fd00::1"]

[storage]
url = "postgresql+psycopg://monitor@db.example.org/monitor"

[notify]
urls = [
    "mailto://desk@example.org",
    { url = "slack://A/B/C/#newsroom", tags = ["desk", "urgent"] },
    { url = "json://hooks.example.org/monitor", tags = "ops" },
]
config = "../shared/apprise.yml"

[defaults]
every = "30m"
notify = ["desk"]
min_change = 3
ignore = ['^Updated \\d+ minutes ago$']

[[watch]]
url = "https://example.org/news/story"
name = "Story"

[[watch]]
url = "https://example.org/products/widget"
every = "*/30 8-20 * * *"
notify = "ops"
selector = "main .product"
remove = [".reviews-count", "#ticker"]
ignore = ['^Price checked']
additions_only = true
min_change = 0
alert_on_timestamp = true
raw = false

[[watch]]
url = "https://example.org/api/status.json"
raw = true
every = "5m"
notify = []
"""


def write(directory: Path, text: str, name: str = "monitor.toml") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def test_complete_config_loads_into_typed_settings(tmp_path: Path) -> None:
    """Every section of a complete config file lands in the typed Config, defaults applied."""
    apprise = write(tmp_path / "shared", "urls:\n  - json://localhost\n", "apprise.yml")
    path = write(tmp_path / "etc", COMPLETE)
    defaults = WatchOptions(min_change=3, ignore=(r"^Updated \d+ minutes ago$",))

    config = load_config(path, ENV)

    assert config == Config(
        path=path,
        storage_url="postgresql+psycopg://monitor@db.example.org/monitor",
        targets=(
            Target("mailto://desk@example.org"),
            Target("slack://A/B/C/#newsroom", ("desk", "urgent")),
            Target("json://hooks.example.org/monitor", ("ops",)),
        ),
        apprise_config=apprise.resolve(),
        watches=(
            WatchSpec(
                url="https://example.org/news/story",
                name="Story",
                every="30m",
                notify=("desk",),
                options=defaults,
            ),
            WatchSpec(
                url="https://example.org/products/widget",
                every="*/30 8-20 * * *",
                notify=("ops",),
                options=WatchOptions(
                    selector="main .product",
                    remove=(".reviews-count", "#ticker"),
                    ignore=("^Price checked",),
                    additions_only=True,
                    min_change=0,
                    alert_on_timestamp=True,
                ),
            ),
            WatchSpec(
                url="https://example.org/api/status.json",
                every="5m",
                notify=(),
                options=WatchOptions(min_change=3, ignore=defaults.ignore, raw=True),
            ),
        ),
        daemon=DaemonSettings(
            concurrency=4,
            tick_seconds=5.0,
            timeout_seconds=60.0,
            extract_timeout_seconds=45.0,
            max_bytes=2 * 1024 * 1024,
            user_agent="monitor-test/1.0",
            per_host=1,
            transport="httpx",
            lease_seconds=900.0,
            alert_attempts=3,
            max_alert_chars=5000,
            allow_internal=(ip_network("10.1.0.0/16"), ip_network("fd00::1")),
            failures_before_alert=5,
            max_backoff_seconds=6 * 3600.0,
            keep_versions=50,
            keep_versions_bytes=100 * 1024 * 1024,
            alerts_per_hour=4,
        ),
    )


def test_minimal_config_gets_the_defaults(tmp_path: Path) -> None:
    """A config with only one watch uses the default storage, daemon and watch settings."""
    path = write(tmp_path, '[[watch]]\nurl = "https://example.org/a"\n')
    assert load_config(path, ENV) == Config(
        path=path,
        storage_url="sqlite:////home/desk/.local/state/monitor/monitor.db",
        watches=(WatchSpec(url="https://example.org/a"),),
    )


def test_shipped_example_config_loads() -> None:
    """The example config/monitor.toml in the repository is valid."""
    example = Path(__file__).parent.parent / "config" / "monitor.toml"
    config = load_config(example, ENV)
    assert config.watches
    assert all(watch.url.startswith("https://") for watch in config.watches)


def test_no_config_file_means_built_in_defaults() -> None:
    """Without a config file, monitor runs on defaults with its database in the state directory."""
    assert load_config(None, ENV) == Config(path=None, storage_url=default_storage_url(ENV))


def test_unreadable_config_file_says_how_it_was_chosen(tmp_path: Path) -> None:
    """A config path that does not exist is an error naming the path and --config."""
    missing = tmp_path / "nowhere.toml"
    with pytest.raises(ConfigError, match="cannot read the config file") as caught:
        load_config(missing, ENV)
    assert str(missing) in str(caught.value)
    assert "--config" in str(caught.value)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        pytest.param(
            {"STATE_DIRECTORY": "/var/lib/monitor", "XDG_STATE_HOME": "/x", "HOME": "/h"},
            "/var/lib/monitor",
            id="STATE_DIRECTORY-wins",
        ),
        pytest.param(
            {"STATE_DIRECTORY": "/var/lib/monitor:/var/lib/other"},
            "/var/lib/monitor",
            id="STATE_DIRECTORY-first-of-several",
        ),
        pytest.param({"XDG_STATE_HOME": "/x", "HOME": "/h"}, "/x/monitor", id="XDG_STATE_HOME"),
        pytest.param(
            {"STATE_DIRECTORY": "", "XDG_STATE_HOME": "", "HOME": "/h"},
            "/h/.local/state/monitor",
            id="empty-values-ignored",
        ),
        pytest.param({"HOME": "/h"}, "/h/.local/state/monitor", id="HOME"),
    ],
)
def test_state_directory(env: dict[str, str], expected: str) -> None:
    """$STATE_DIRECTORY wins, then $XDG_STATE_HOME/monitor, then ~/.local/state/monitor."""
    assert state_directory(env) == Path(expected)
    assert default_storage_url(env) == f"sqlite:///{expected}/monitor.db"


@pytest.mark.parametrize(
    ("explicit", "env", "expected"),
    [
        pytest.param("/etc/a.toml", {"MONITOR_CONFIG": "/etc/b.toml"}, "/etc/a.toml", id="both"),
        pytest.param(None, {"MONITOR_CONFIG": "/etc/b.toml"}, "/etc/b.toml", id="env-only"),
        pytest.param("/etc/a.toml", {}, "/etc/a.toml", id="option-only"),
        pytest.param(None, {}, None, id="neither"),
        pytest.param(None, {"MONITOR_CONFIG": ""}, None, id="empty-env"),
    ],
)
def test_find_config(explicit: str | None, env: dict[str, str], expected: str | None) -> None:
    """--config beats $MONITOR_CONFIG; with neither there is no config file."""
    assert find_config(explicit, env) == (Path(expected) if expected else None)


WATCH = '[[watch]]\nurl = "https://example.org/a"\n'

# (config text, line of the error, key the message names, hint the message gives)
MALFORMED = [
    pytest.param(
        '[monitor]\nconcurrency = 4\ntick = "10s\n', 3, "", "invalid TOML", id="toml-unterminated"
    ),
    pytest.param(WATCH + "every = 15m\n", 3, "", "invalid TOML", id="toml-unquoted-value"),
    pytest.param(
        WATCH + "\n[notifications]\nurls = []\n",
        4,
        "notifications",
        "known tables are",
        id="unknown-table",
    ),
    pytest.param(
        WATCH + 'evry = "15m"\n', 3, "evry", "known keys are", id="unknown-watch-key-typo"
    ),
    pytest.param(
        "[monitor]\nconcurency = 4\n", 2, "concurency", "known keys are", id="unknown-monitor-key"
    ),
    pytest.param(
        "[defaults]\neverry = '1h'\n", 2, "everry", "known keys are", id="unknown-defaults-key"
    ),
    pytest.param(WATCH + 'every = "15 minutes"\n', 3, "every", "'15m'", id="bad-every"),
    pytest.param(WATCH + 'every = "1s"\n', 3, "every", "too often", id="every-too-often"),
    pytest.param(
        WATCH + 'every = "61 * * * *"\n', 3, "every", "not a valid cron", id="every-bad-cron"
    ),
    pytest.param(
        "[defaults]\nevery = 'often'\n" + WATCH, 2, "every", "'15m'", id="bad-every-in-defaults"
    ),
    pytest.param(
        '[[watch]]\nname = "x"\nurl = "ftp://example.org/a"\n',
        3,
        "url",
        "https://example.org/story",
        id="non-http-url",
    ),
    pytest.param(
        '[[watch]]\nurl = "example.org/a"\n', 2, "url", "https://", id="url-without-scheme"
    ),
    pytest.param(
        WATCH + "\n" + WATCH.replace("/a", "/b") + "\n" + WATCH,
        8,
        "url",
        "one [[watch]] per URL",
        id="duplicate-url",
    ),
    pytest.param('[[watch]]\nname = "No URL"\n', 1, "url", 'url = "https://', id="missing-url"),
    pytest.param(
        WATCH + '\n[[watch]]\nname = "No URL"\nevery = "1h"\n',
        4,
        "url",
        'url = "https://',
        id="missing-url-second-watch",
    ),
    pytest.param(WATCH + 'min_change = "5"\n', 3, "min_change", "must be", id="min_change-str"),
    pytest.param(WATCH + "min_change = true\n", 3, "min_change", "must be", id="min_change-bool"),
    pytest.param(WATCH + 'additions_only = "yes"\n', 3, "additions_only", "must be", id="bool-str"),
    pytest.param(WATCH + "every = 15\n", 3, "every", '"15m"', id="every-int"),
    pytest.param(WATCH + "name = 3\n", 3, "name", "must be a string", id="name-int"),
    pytest.param(WATCH + "selector = 5\n", 3, "selector", "must be", id="selector-int"),
    pytest.param(WATCH + "remove = 3\n", 3, "remove", "list of strings", id="remove-int"),
    pytest.param(WATCH + "notify = [1]\n", 3, "notify", "list of strings", id="notify-ints"),
    pytest.param("[[watch]]\nurl = 5\n", 2, "url", "must be a string", id="url-int"),
    pytest.param("[storage]\nurl = 5\n", 2, "url", "must be a string", id="storage-url-int"),
    pytest.param(
        '[notify]\nurls = "mailto://x"\n', 2, "urls", "list of Apprise URLs", id="urls-string"
    ),
    pytest.param(
        "[notify]\nurls = [{ tags = ['x'] }]\n", 2, "urls", "Apprise URL", id="urls-table-no-url"
    ),
    pytest.param(
        '[monitor]\nconcurrency = "8"\n', 2, "concurrency", "whole number", id="concurrency-str"
    ),
    pytest.param("[monitor]\nconcurrency = 0\n", 2, "concurrency", "at least 1", id="zero"),
    pytest.param(
        "[monitor]\nconcurrency = true\n", 2, "concurrency", "whole number", id="concurrency-bool"
    ),
    pytest.param('[monitor]\ntransport = "curl"\n', 2, "transport", '"httpx"', id="transport"),
    pytest.param('[monitor]\ntick = "soon"\n', 2, "tick", "'15m'", id="tick"),
    pytest.param('[monitor]\ntimeout = "0s"\n', 2, "timeout", "timeout", id="timeout-zero"),
    pytest.param(
        '[monitor]\nextract_timeout = "soon"\n',
        2,
        "extract_timeout",
        "not a duration",
        id="extract-timeout-not-a-duration",
    ),
    pytest.param(
        WATCH + "ignore = ['(unclosed']\n",
        3,
        "ignore",
        "not a valid regular expression",
        id="bad-regex",
    ),
    pytest.param(
        WATCH + "ignore = ['^ok', '[z-a]']\n", 3, "ignore", "regular expression", id="bad-regex-2"
    ),
    pytest.param(
        '[notify]\nurls = []\nconfig = "missing.yml"\n',
        3,
        "config",
        "no Apprise config file",
        id="missing-apprise-config",
    ),
    pytest.param('[monitor]\nmax_bytes = "5 parsecs"\n', 2, "max_bytes", '"5MB"', id="max_bytes"),
    pytest.param("[monitor]\nmax_bytes = -5\n", 2, "max_bytes", '"5MB"', id="max_bytes-negative"),
    pytest.param("[monitor]\nmax_bytes = 0\n", 2, "max_bytes", '"5MB"', id="max_bytes-zero"),
    pytest.param("[monitor]\nmax_bytes = 1.5\n", 2, "max_bytes", '"5MB"', id="max_bytes-float"),
    pytest.param(
        '[monitor]\nallow_internal = "10.0.0.0/8"\n',
        2,
        "allow_internal",
        "a list of addresses and networks",
        id="allow_internal-string",
    ),
    pytest.param(
        '[monitor]\nallow_internal = ["10.0.0.0/40"]\n',
        2,
        "allow_internal",
        "is not an address or a network",
        id="allow_internal-bad-network",
    ),
    pytest.param(
        WATCH + '\n[[watch]]\nurl = "http://169.254.169.254/latest/meta-data/"\n',
        5,
        "[[watch]] #2 url",
        'add "169.254.169.254" to allow_internal',
        id="internal-watch-url",
    ),
    pytest.param(
        '[monitor]\nallow_internal = ["127.0.0.1"]\n\n[[watch]]\nurl = "http://10.0.0.1/"\n',
        5,
        "url",
        "refused: 10.0.0.1 is a private address",
        id="internal-watch-url-not-allowed",
    ),
]


@pytest.mark.parametrize(("text", "line", "key", "hint"), MALFORMED)
def test_malformed_config_names_file_line_key_and_fix(
    tmp_path: Path, text: str, line: int, key: str, hint: str
) -> None:
    """A malformed config is a ConfigError naming the file, the line, the key and what to write."""
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, ENV)
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}: "), message
    assert (caught.value.path, caught.value.line) == (str(path), line)
    assert key in message
    assert hint in message


def test_an_internal_watch_url_loads_when_its_network_is_allowed(tmp_path: Path) -> None:
    """A [[watch]] on an internal address is accepted when allow_internal covers it."""
    path = write(
        tmp_path,
        '[monitor]\nallow_internal = ["10.0.0.0/8"]\n[[watch]]\nurl = "http://10.1.2.3/status"\n',
    )
    assert [w.url for w in load_config(path, ENV).watches] == ["http://10.1.2.3/status"]
