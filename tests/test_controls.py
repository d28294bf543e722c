"""Per-watch controls, table-driven from fixtures/controls.toml: input, options, decision."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from monitor.detect import decide
from monitor.extract import extract_article
from monitor.models import StoredVersion, WatchOptions
from monitor.render import diff_text

CASES = tomllib.loads((Path(__file__).parent / "fixtures" / "controls.toml").read_text())["case"]
URL = "https://example.org/page"


def options_of(data: dict[str, Any]) -> WatchOptions:
    return WatchOptions(
        **{key: tuple(value) if isinstance(value, list) else value for key, value in data.items()}
    )


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_control(case: dict[str, Any]) -> None:
    """Each case's second page is stored and alerted exactly as the table says."""
    options = options_of(case["options"])
    before = extract_article(case["before"], URL, options)
    after = extract_article(case["after"], URL, options)
    previous = StoredVersion(1, datetime(2026, 1, 1, tzinfo=UTC), before, before.content_hash())
    decision = decide(previous, after, {before.content_hash(): 1}, options)
    assert (decision.store, decision.alert) == (case["store"], case["alert"]), decision.reason
    if "shows" in case:
        assert decision.diff is not None
        assert case["shows"] in "\n".join(diff_text(decision.diff))
