"""The example config in config/ is valid and documents every option."""

from __future__ import annotations

import re
from pathlib import Path

from monitor.config import _TABLES, _WATCH_KEYS, load_config

EXAMPLE = Path(__file__).parent.parent / "config" / "monitor.toml"


def test_the_example_config_loads() -> None:
    """config/monitor.toml is a valid config with article, selector and raw watches."""
    config = load_config(EXAMPLE)
    assert len(config.watches) == 3
    assert config.watches[1].options.selector == "main .product-details"
    assert config.watches[2].options.raw


def test_the_example_config_shows_every_option() -> None:
    """Every key monitor accepts appears in the example, so the example is the reference."""
    text = EXAMPLE.read_text(encoding="utf-8")
    keys = set(_WATCH_KEYS).union(*_TABLES.values())
    missing = [key for key in sorted(keys) if not re.search(rf"^#?\s*{key}\s*=", text, re.M)]
    assert missing == []


def test_the_example_notification_targets_are_valid_apprise_urls() -> None:
    """The example's Apprise URLs parse, so a copied config starts."""
    from monitor.notify import Notifier

    config = load_config(EXAMPLE)
    assert len(Notifier(config.targets, config.apprise_config)) == 2
