"""Delivery: hand rendered alerts to Apprise, one target at a time.

Each target gets the rendering it reads best (HTML for email, Markdown for Slack and
other chat services, text for the rest), cut to that target's length limit. A target
that fails is reported on its own and does not stop the others. Apprise is
synchronous, so callers run ``deliver`` in a thread.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import apprise
from apprise.conversion import convert_between
from apprise.plugins.discord import NotifyDiscord

from monitor.config import TARGET_REF, Target, target_key
from monitor.errors import NotifyError
from monitor.models import Rendered
from monitor.render import cut, more_hint

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    """An alert to deliver: what it says, and what its 'see the rest' hint points at."""

    rendered: Rendered
    url: str = ""
    """The watched URL, for the 'see the rest' hint when a body must be cut."""
    versions: tuple[int, int] | None = None
    """The two versions the alert compares, for the same hint."""

    @property
    def hint(self) -> str:
        old, new = self.versions or (None, None)
        return more_hint(self.url, old, new)


@dataclass(frozen=True)
class Delivery:
    """The result of delivering one message to one target."""

    target: str
    """A key that names the target without revealing its secrets."""
    display: str
    ok: bool
    error: str | None = None


def _format_of(plugin: Any) -> str:
    if isinstance(plugin, NotifyDiscord):
        # Discord (and Guilded, its subclass) draw Markdown in plain text too: a page's
        # [label](url) would be a disguised link. The Markdown rendering escapes it.
        return "markdown"
    fmt = plugin.notify_format
    if isinstance(fmt, (tuple, list)):
        fmt = fmt[0]
    return str(getattr(fmt, "value", fmt))


@dataclass(frozen=True)
class _Endpoint:
    key: str
    plugin: Any
    tags: frozenset[str]

    @property
    def display(self) -> str:
        # Apprise masks the tokens it knows of (Slack's, Discord's); a generic webhook's
        # path (json://, form://, ntfy topics) is often a token too.
        shown = str(self.plugin.url(privacy=True)).split("?")[0]
        scheme, _, rest = shown.partition("://")
        host, slash, path = rest.partition("/")
        return f"{scheme}://{host}{slash}{'/'.join(map(_mask_token, path.split('/')))}"


class Notifier:
    """The configured Apprise targets, and delivery to them."""

    def __init__(self, targets: Sequence[Target] = (), apprise_config: Path | None = None) -> None:
        self._endpoints: dict[str, _Endpoint] = {}
        for target in targets:
            self._add_url(target.url, target.tags)
        if apprise_config is not None:
            if not apprise_config.is_file():
                raise NotifyError(
                    f"cannot read the Apprise config file {apprise_config}; "
                    "check the path under [notify] config"
                )
            config = apprise.AppriseConfig()
            if not config.add(str(apprise_config)):
                raise NotifyError(
                    f"cannot read the Apprise config file {apprise_config}; "
                    "check the path under [notify] config"
                )
            bundle = apprise.Apprise()
            bundle.add(config)
            if len(bundle) == 0:
                raise NotifyError(
                    f"the Apprise config file {apprise_config} declares no usable URL; "
                    "see https://github.com/caronc/apprise/wiki/config for its format"
                )
            for plugin in bundle:
                url = str(plugin.url(privacy=False))
                self._endpoints.setdefault(
                    target_key(url),
                    _Endpoint(target_key(url), plugin, frozenset(map(str, plugin.tags))),
                )

    def _add_url(self, url: str, tags: Sequence[str]) -> _Endpoint:
        plugin = apprise.Apprise.instantiate(url)
        if plugin is None:
            raise NotifyError(
                f"{mask_url(url)} is not a usable Apprise URL; see "
                "https://github.com/caronc/apprise/wiki for the syntax of each service"
            )
        endpoint = _Endpoint(target_key(url), plugin, frozenset(tags))
        self._endpoints.setdefault(endpoint.key, endpoint)
        return endpoint

    def __len__(self) -> int:
        return len(self._endpoints)

    def knows(self, selector: str) -> bool:
        """Whether an Apprise URL, or its ``target:`` reference, is a configured target."""
        key = target_key(selector) if "://" in selector else selector.removeprefix(TARGET_REF)
        return key in self._endpoints

    def targets_for(self, selectors: Sequence[str]) -> tuple[str, ...]:
        """Target keys for a watch: its own URLs (or their ``target:`` references, as the
        database keeps them), the targets with its tags, or all."""
        if not selectors:
            return tuple(self._endpoints)
        keys: list[str] = []
        for selector in selectors:
            if "://" in selector:
                keys.append(self._add_url(selector, ()).key)
            elif selector.startswith(TARGET_REF):
                if self.knows(selector):  # else: its URL left the config
                    keys.append(selector.removeprefix(TARGET_REF))
            else:
                keys.extend(k for k, e in self._endpoints.items() if selector in e.tags)
        return tuple(dict.fromkeys(keys))

    def describe(self) -> list[tuple[str, str]]:
        return [(key, endpoint.display) for key, endpoint in self._endpoints.items()]

    def deliver(self, message: Message, keys: Sequence[str]) -> list[Delivery]:
        """Send ``message`` to each target; never raises for a failing target."""
        return [self._deliver_one(message, key) for key in keys]

    def _deliver_one(self, message: Message, key: str) -> Delivery:
        endpoint = self._endpoints.get(key)
        if endpoint is None:
            return Delivery(key, key, False, "this target is no longer configured")
        plugin = endpoint.plugin
        fmt = _format_of(plugin)
        said = message.rendered
        body, body_format = {
            "html": (said.html, apprise.NotifyFormat.HTML),
            "markdown": (said.markdown, apprise.NotifyFormat.MARKDOWN),
        }.get(fmt, (said.text, apprise.NotifyFormat.TEXT))
        limit = int(getattr(plugin, "body_maxlen", 0) or 0)
        title_room = int(getattr(plugin, "title_maxlen", 250) or 0)
        # A target without a title field gets "subject\r\n" in front of the body.
        blend = len(_as_sent(plugin, said.subject)) + 3 if title_room <= 0 else 0
        if limit and len(body) + blend > limit:
            # A cut HTML body would be broken markup: cut the text instead.
            body = _fit(plugin, said.text, limit - blend, message.hint)
            body_format = apprise.NotifyFormat.TEXT
        title = said.subject[:title_room] if title_room > 0 else said.subject
        with apprise.LogCapture(level=logging.WARNING) as captured:
            try:
                ok = bool(plugin.notify(body=body, title=title, body_format=body_format))
            except Exception as crash:  # a plugin bug must not stop the daemon
                log.exception("Apprise plugin crashed for %s", endpoint.display)
                return Delivery(key, endpoint.display, False, f"{type(crash).__name__}: {crash}")
            logged = captured.getvalue().strip()
        if ok:
            return Delivery(key, endpoint.display, True)
        error = logged.splitlines()[-1].split(" - ", 2)[-1] if logged else "delivery failed"
        log.warning("alert not delivered to %s: %s", endpoint.display, error)
        return Delivery(key, endpoint.display, False, error)


def _as_sent(plugin: Any, text: str) -> str:
    """``text`` as Apprise will send it to this plugin (it escapes text for Markdown ones)."""
    target = plugin.resolve_format(apprise.NotifyFormat.TEXT)
    return str(convert_between(apprise.NotifyFormat.TEXT, target, text))


def _fit(plugin: Any, text: str, room: int, hint: str) -> str:
    """Cut ``text`` so that what the plugin finally sends stays within ``room``."""
    budget = room
    while budget > 0:
        body = cut(text, budget, hint)
        over = len(_as_sent(plugin, body)) - room
        if over <= 0:
            return body
        budget -= over
    return cut(text, max(room, 0), "")


def _mask_token(segment: str) -> str:
    """A path segment that looks like a token (long, or mixing letters and digits or cases)
    cut to its first and last character, as Apprise shows the tokens it knows."""
    kinds = sum(any(test(c) for c in segment) for test in (str.islower, str.isupper, str.isdigit))
    if len(segment) >= 20 or (len(segment) >= 8 and kinds >= 2):
        return f"{segment[0]}...{segment[-1]}"
    return segment


def mask_url(url: str) -> str:
    """Only the scheme: the rest of an Apprise URL is often a token."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://…" if rest else "…"
