"""The TOML config file: loaded, validated, and turned into typed settings.

Every error names the file, the line and the key, and says what to write instead.
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from monitor.addresses import ALLOW_KEY, AddressPolicy, IPNetwork, parse_allowed
from monitor.errors import ConfigError
from monitor.models import OPTIONS, WatchSpec
from monitor.schedule import parse_duration

CONFIG_ENV = "MONITOR_CONFIG"

_TABLES = {
    "monitor": {
        "keep_checks",
        "grace",
        "concurrency",
        "tick",
        "timeout",
        "extract_timeout",
        "max_bytes",
        "user_agent",
        "per_host",
        "transport",
        "lease",
        "alert_attempts",
        "max_alert_chars",
        "failures_before_alert",
        "max_backoff",
        "keep_versions",
        "keep_versions_bytes",
        "alerts_per_hour",
        ALLOW_KEY,
    },
    "storage": {"url"},
    "notify": {"urls", "config"},
    "defaults": {name for name, option in OPTIONS.items() if option.in_defaults},
    "serve": {"listen", "token", "user", "password"},
}
_WATCH_KEYS = {"url", *OPTIONS}


@dataclass(frozen=True)
class Target:
    """One Apprise notification URL, with the tags a watch can select it by."""

    url: str
    tags: tuple[str, ...] = ()


def target_key(url: str) -> str:
    """A name for an Apprise URL that reveals none of its secrets."""
    return hashlib.sha256(url.encode()).hexdigest()[:16]


TARGET_REF = "target:"


def target_ref(selector: str) -> str:
    """What the database keeps of a watch's ``notify`` entry: a tag as it is; an Apprise
    URL, whose tokens and passwords stay in the config file, as ``target:<its key>``."""
    return f"{TARGET_REF}{target_key(selector)}" if "://" in selector else selector


@dataclass(frozen=True)
class DaemonSettings:
    concurrency: int = 8
    tick_seconds: float = 10.0
    timeout_seconds: float = 30.0
    extract_timeout_seconds: float = 20.0
    """A page's reading (in a worker process) is abandoned, its worker killed, past this."""
    max_bytes: int = 5 * 1024 * 1024
    user_agent: str | None = None
    per_host: int = 2
    transport: str = "aiohttp"
    lease_seconds: float = 60.0
    """How long a claimed watch stays another process's: renewed while its check runs (a
    heartbeat), so this bounds the wait after a crash on another host (on this host, a
    dead process's leases are free at once)."""
    grace_seconds: float = 20.0
    keep_checks_seconds: float = 90 * 86400.0
    alert_attempts: int = 10
    max_alert_chars: int = 20_000
    allow_internal: tuple[IPNetwork, ...] = ()
    """Networks fetched although they are not public; none by default (see addresses.py)."""
    failures_before_alert: int = 3
    """Checks of a watch failing in a row that send one 'stopped working' alert."""
    max_backoff_seconds: float = 86400.0
    """The longest a failing watch waits between checks (its own interval if longer)."""
    keep_versions: int | None = None
    """Versions kept per watch (the first and the latest always); None keeps them all."""
    keep_versions_bytes: int | None = None
    """The most bytes of fetched pages kept per watch, counted as fetched; None: no limit."""
    alerts_per_hour: int = 10
    """Alerts a watch sends in an hour; the rest are folded into one digest."""


@dataclass(frozen=True)
class ServeSettings:
    """``monitor serve``: where it listens, and the credential a request must carry (a
    bearer token, or a user and password for basic auth; neither: loopback only)."""

    listen: str = "127.0.0.1:8080"
    token: str | None = None
    user: str | None = None
    password: str | None = None

    @property
    def guarded(self) -> bool:
        return self.token is not None or self.user is not None


@dataclass(frozen=True)
class Config:
    path: Path | None
    storage_url: str
    targets: tuple[Target, ...] = ()
    apprise_config: Path | None = None
    watches: tuple[WatchSpec, ...] = ()
    daemon: DaemonSettings = field(default_factory=DaemonSettings)
    serve: ServeSettings = field(default_factory=ServeSettings)

    def unsettled_watches(self) -> list[WatchSpec]:
        """The watches whose ``notify`` names no tag of the targets here: their alerts
        reach no target, or one only Apprise can tell (an Apprise URL, a tag of the
        Apprise config file)."""
        tags = {tag for target in self.targets for tag in target.tags}
        return [
            spec
            for spec in self.watches
            if spec.notify and not any(selector in tags for selector in spec.notify)
        ]


def state_directory(env: Mapping[str, str] = os.environ) -> Path:
    """$STATE_DIRECTORY under systemd, else $XDG_STATE_HOME/monitor (~/.local/state/monitor)."""
    if env.get("STATE_DIRECTORY"):
        return Path(env["STATE_DIRECTORY"].split(":")[0])
    base = env.get("XDG_STATE_HOME") or str(
        Path(env.get("HOME", "~")).expanduser() / ".local/state"
    )
    return Path(base) / "monitor"


def default_storage_url(env: Mapping[str, str] = os.environ) -> str:
    return f"sqlite:///{state_directory(env) / 'monitor.db'}"


def find_config(explicit: str | None, env: Mapping[str, str] = os.environ) -> Path | None:
    """--config wins over $MONITOR_CONFIG; with neither, run without a file."""
    chosen = explicit or env.get(CONFIG_ENV)
    return Path(chosen) if chosen else None


def load_config(path: Path | None, env: Mapping[str, str] = os.environ) -> Config:
    """Read and validate the config file (None: built-in defaults)."""
    if path is None:
        return Config(path=None, storage_url=default_storage_url(env))
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(
            f"cannot read the config file ({error.strerror}); check the path given by "
            f"--config or ${CONFIG_ENV}",
            path=str(path),
        ) from error
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = _decode_error_line(error)
        raise ConfigError(
            f"invalid TOML: {_strip_position(error)}", path=str(path), line=line
        ) from error
    return _build(data, _Locator(path, text), env)


class _Locator:
    """Finds the line of a key, so errors can point at it."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def line_of(self, table: str, key: str | None, index: int = 0) -> int | None:
        current, seen = "", -1
        header_line = None
        for number, raw in enumerate(self.lines, start=1):
            line = raw.strip()
            header = re.fullmatch(r"\[\[?\s*([\w.-]+)\s*\]\]?(\s*#.*)?", line)
            if header:
                current = header.group(1)
                if current == table:
                    seen += 1
                    if seen == index:
                        header_line = number
                continue
            in_table = current == table and seen == index and key is not None
            if in_table and re.match(rf'"?{re.escape(key or "")}"?\s*=', line):
                return number
        return header_line

    def error(
        self, message: str, table: str, key: str | None = None, index: int = 0
    ) -> ConfigError:
        where = f"[[{table}]] #{index + 1}" if table == "watch" else f"[{table}]"
        label = f"{where} {key}" if key else where
        return ConfigError(
            f"{label}: {message}",
            path=str(self.path),
            line=self.line_of(table, key, index),
        )


def _build(data: dict[str, Any], loc: _Locator, env: Mapping[str, str]) -> Config:
    for table, value in data.items():
        if table == "watch":
            if not isinstance(value, list):
                raise loc.error("watches are declared as [[watch]] tables", "watch")
            continue
        if table not in _TABLES:
            raise ConfigError(
                f"unknown table [{table}]; known tables are "
                f"{', '.join(f'[{t}]' for t in sorted(_TABLES))} and [[watch]]",
                path=str(loc.path),
                line=loc.line_of(table, None),
            )
        if not isinstance(value, dict):
            raise loc.error("must be a table", table)
        for key in value:
            if key not in _TABLES[table]:
                raise loc.error(_unknown(key, _TABLES[table]), table, key)
    storage = data.get("storage", {})
    storage_url = _string(storage, "url", loc, "storage") or default_storage_url(env)
    notify = data.get("notify", {})
    targets = _targets(notify.get("urls", []), loc)
    apprise_file = _string(notify, "config", loc, "notify")
    apprise_config = None
    if apprise_file:
        apprise_config = (loc.path.parent / apprise_file).resolve()
        if not apprise_config.is_file():
            raise loc.error(
                f"no Apprise config file at {apprise_config}; fix the path (it is relative "
                "to this file) or remove the key",
                "notify",
                "config",
            )
    defaults = data.get("defaults", {})
    base = _watch_fields(defaults, loc, "defaults", 0, WatchSpec(url=""))
    watches = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(data.get("watch", [])):
        if not isinstance(entry, dict):
            raise loc.error("must be a table", "watch", None, index)
        for key in entry:
            if key not in _WATCH_KEYS:
                raise loc.error(_unknown(key, _WATCH_KEYS), "watch", key, index)
        if "url" not in entry:
            raise loc.error(
                'missing the url key, e.g. url = "https://example.org/story"', "watch", None, index
            )
        spec = _watch_fields(entry, loc, "watch", index, base)
        if spec.url in seen:
            first = seen[spec.url] + 1
            raise loc.error(
                f"{entry['url'].strip()} is the page [[watch]] #{first} watches ({spec.url}: "
                "URLs differing only in the case of the scheme or host, a default port or a "
                "#fragment are one watch); keep one [[watch]] per URL",
                "watch",
                "url",
                index,
            )
        seen[spec.url] = index
        watches.append(spec)
    daemon = _daemon(data.get("monitor", {}), loc)
    policy = AddressPolicy(daemon.allow_internal)
    for index, spec in enumerate(watches):
        refusal = policy.url_refusal(spec.url)
        if refusal is not None:
            raise loc.error(refusal, "watch", "url", index)
    return Config(
        path=loc.path,
        storage_url=storage_url,
        targets=targets,
        apprise_config=apprise_config,
        watches=tuple(watches),
        daemon=daemon,
        serve=_serve(data.get("serve", {}), loc),
    )


def _unknown(key: str, known: set[str]) -> str:
    import difflib  # for a mistyped key, not at every start

    close = difflib.get_close_matches(key, known, n=1)
    guess = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown key; {guess}known keys are {', '.join(sorted(known))}"


def check_url(url: str) -> str:
    """``url`` as the watch it names (see ``canonical_url``); ValueError unless it is an
    absolute http(s) URL."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url!r} is not an http(s) URL; write it like https://example.org/story")
    try:
        _ = parts.port  # raises for a port out of range or not a number
    except ValueError as error:
        raise ValueError(f"{url!r} has an invalid port ({error})") from error
    return canonical_url(url)


_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(url: str) -> str:
    """The one spelling of a watch's URL: scheme and host in lower case, no default port,
    no fragment (never sent to the server); the path and the query as written, since a
    server may tell their cases apart. Anything that is no http(s) URL is returned as is."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return url
    user = parts.netloc.rpartition("@")[0]
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host += f":{port}"
    netloc = f"{user}@{host}" if user else host
    return urlunsplit((scheme, netloc, parts.path, parts.query, ""))


def _watch_fields(
    entry: dict[str, Any], loc: _Locator, table: str, index: int, base: WatchSpec
) -> WatchSpec:
    def fail(key: str, message: str) -> ConfigError:
        return loc.error(message, table, key, index)

    url = base.url
    if "url" in entry:
        if not isinstance(entry["url"], str):
            raise fail("url", "must be a string")
        try:
            url = check_url(entry["url"].strip())
        except ValueError as error:
            raise fail("url", str(error)) from error
    values: dict[str, Any] = {}
    for key, option in OPTIONS.items():
        if key in entry:
            try:
                values[key] = option.from_config(entry[key])
            except ValueError as error:
                raise fail(key, str(error)) from error
    return replace(base.with_settings(values), url=url)


def _targets(urls: Any, loc: _Locator) -> tuple[Target, ...]:
    if not isinstance(urls, list):
        raise loc.error('must be a list of Apprise URLs, e.g. ["mailto://..."]', "notify", "urls")
    targets = []
    for item in urls:
        if isinstance(item, str):
            targets.append(Target(item))
        elif isinstance(item, dict) and isinstance(item.get("url"), str):
            tags = item.get("tags", [])
            if isinstance(tags, str):
                tags = [tags]
            targets.append(Target(item["url"], tuple(str(tag) for tag in tags)))
        else:
            raise loc.error(
                'each entry is an Apprise URL string or a table {url = "...", tags = ["..."]}',
                "notify",
                "urls",
            )
    return tuple(targets)


def _daemon(table: dict[str, Any], loc: _Locator) -> DaemonSettings:
    settings = DaemonSettings()
    values: dict[str, Any] = {}

    def fail(key: str, message: str) -> ConfigError:
        return loc.error(message, "monitor", key)

    for key, attr in (
        ("tick", "tick_seconds"),
        ("timeout", "timeout_seconds"),
        ("extract_timeout", "extract_timeout_seconds"),
        ("lease", "lease_seconds"),
        ("grace", "grace_seconds"),
        ("keep_checks", "keep_checks_seconds"),
        ("max_backoff", "max_backoff_seconds"),
    ):
        if key in table:
            try:
                seconds = parse_duration(str(table[key])).total_seconds()
            except ValueError as error:
                raise fail(key, str(error)) from error
            if seconds <= 0:
                raise fail(key, 'must be longer than zero, e.g. "30s"')
            values[attr] = seconds
    for key in (
        "concurrency",
        "per_host",
        "alert_attempts",
        "max_alert_chars",
        "failures_before_alert",
        "alerts_per_hour",
        "keep_versions",
    ):
        if key in table:
            value = table[key]
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise fail(key, "must be a whole number of at least 1, e.g. 8")
            values[key] = value
    for key in ("max_bytes", "keep_versions_bytes"):
        if key in table:
            values[key] = _size(table[key], lambda m, k=key: fail(k, m))
    if "user_agent" in table:
        values["user_agent"] = str(table["user_agent"])
    if "transport" in table:
        if table["transport"] not in ("aiohttp", "httpx"):
            raise fail("transport", 'must be "aiohttp" or "httpx"')
        values["transport"] = table["transport"]
    if ALLOW_KEY in table:
        try:
            values[ALLOW_KEY] = parse_allowed(table[ALLOW_KEY])
        except ValueError as error:
            raise fail(ALLOW_KEY, str(error)) from error
    return DaemonSettings(**{**settings.__dict__, **values})


def _serve(table: dict[str, Any], loc: _Locator) -> ServeSettings:
    values = {key: _string(table, key, loc, "serve") for key in ("listen", "token", "user")}
    password = _string(table, "password", loc, "serve")
    for key, value in [*values.items(), ("password", password)]:
        if value is not None and not value.strip():
            raise loc.error("must not be empty; remove the key instead", "serve", key)
    if (values["user"] is None) != (password is None):
        missing = "password" if password is None else "user"
        raise loc.error(
            "basic auth needs both user and password; add the other or remove it",
            "serve",
            missing,
        )
    listen = values["listen"]
    return ServeSettings(
        listen=listen if listen is not None else ServeSettings.listen,
        token=values["token"],
        user=values["user"],
        password=password,
    )


def _size(value: Any, fail: Any) -> int:
    hint = 'must be a size above zero, such as 5000000, "500KB" or "5MB"'
    if isinstance(value, bool):
        raise fail(hint)
    if isinstance(value, int):
        if value <= 0:
            raise fail(hint)
        return value
    match = re.fullmatch(r"\s*(\d+)\s*([kmg]i?b?|b)?\s*", str(value).lower())
    if not match or int(match.group(1)) == 0:
        raise fail(hint)
    unit = (match.group(2) or "b")[0]
    return int(match.group(1)) * {"b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit]


def _string(table: dict[str, Any], key: str, loc: _Locator, name: str) -> str | None:
    value = table.get(key)
    if value is not None and not isinstance(value, str):
        raise loc.error("must be a string", name, key)
    return value


def _decode_error_line(error: tomllib.TOMLDecodeError) -> int | None:
    lineno = getattr(error, "lineno", None)
    if isinstance(lineno, int):
        return lineno
    match = re.search(r"line (\d+)", str(error))
    return int(match.group(1)) if match else None


def _strip_position(error: tomllib.TOMLDecodeError) -> str:
    return re.sub(r"\s*\(at line \d+, column \d+\)", "", getattr(error, "msg", str(error)))
