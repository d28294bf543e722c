"""A watch setting is declared once, and every way in and out of monitor follows it.

Each test runs over every setting ``monitor.models.OPTIONS`` declares, with the valid and
refused values its declaration gives: a new setting is covered by these tests as soon as
it is declared.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from monitor.cli import build_parser, main
from monitor.config import load_config
from monitor.errors import ConfigError
from monitor.models import OPTIONS, WatchSpec
from monitor.options import Option
from monitor.storage import Storage

URL = "https://example.org/story"
SETTINGS = [pytest.param(option, id=name) for name, option in OPTIONS.items()]
RANGED = [pytest.param(o, id=name) for name, o in OPTIONS.items() if o.examples[1] is not None]


def toml(value: Any) -> str:
    """A value as TOML writes it (JSON's strings, numbers, booleans and arrays are TOML's)."""
    return json.dumps(list(value) if isinstance(value, tuple) else value)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A config with a notification target tagged as the examples' `notify` names it."""
    path = tmp_path / "monitor.toml"
    path.write_text(
        f'[storage]\nurl = "sqlite:///{tmp_path}/monitor.db"\n'
        '[notify]\nurls = [{ url = "json://127.0.0.1:9/hook", tags = ["example"] }]\n',
        encoding="utf-8",
    )
    return path


def add_flags() -> dict[str, argparse.Action]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {
        flag: action for action in sub.choices["add"]._actions for flag in action.option_strings
    }


@pytest.mark.parametrize("option", SETTINGS)
def test_every_setting_is_a_flag_of_add_with_its_help(option: Option) -> None:
    """`monitor add` has a flag for each declared setting, with the declaration's help."""
    flags = add_flags()
    assert option.flag in flags
    assert flags[option.flag].help == option.help


@pytest.mark.parametrize("option", SETTINGS)
def test_every_setting_given_to_add_is_stored(option: Option, config: Path) -> None:
    """A setting given on the command line is the watch's, as stored."""
    example = option.examples[0]
    given = option.kind.flag_args(option.flag, example)
    assert main(["--config", str(config), "add", URL, *given]) == 0
    stored = Storage(load_config(config).storage_url)
    try:
        assert stored.get_watch(URL).spec.settings()[option.name] == option.kind.to_json(example)
    finally:
        stored.close()


@pytest.mark.parametrize("option", SETTINGS)
def test_every_setting_is_accepted_in_a_watch_table(option: Option, tmp_path: Path) -> None:
    """A setting written in a [[watch]] table (and in [defaults], where it may go) is the
    watch's."""
    example = option.examples[0]
    path = tmp_path / "monitor.toml"
    path.write_text(f'[[watch]]\nurl = "{URL}"\n{option.name} = {toml(example)}\n')
    (spec,) = load_config(path).watches
    assert spec.settings()[option.name] == option.kind.to_json(example)
    if option.in_defaults:
        path.write_text(f'[defaults]\n{option.name} = {toml(example)}\n[[watch]]\nurl = "{URL}"\n')
        (spec,) = load_config(path).watches
        assert spec.settings()[option.name] == option.kind.to_json(example)


@pytest.mark.parametrize("option", RANGED)
def test_a_refused_value_is_the_same_one_line_error_from_the_file_and_add(
    option: Option, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A value out of a setting's range is refused in one line by `monitor add` and by the
    config file, each saying the same of it after naming the flag or the key."""
    bad = option.examples[1]
    problem = option.problem(bad)
    assert problem is not None and "\n" not in problem
    assert (
        main(["--config", str(config), "add", URL, *option.kind.flag_args(option.flag, bad)]) == 1
    )
    assert capsys.readouterr().err == f"monitor: error: {option.flag}: {problem}\n"
    path = config.parent / "bad.toml"
    path.write_text(f'[[watch]]\nurl = "{URL}"\n{option.name} = {toml(bad)}\n')
    with pytest.raises(ConfigError) as refused:
        load_config(path)
    assert str(refused.value) == f"{path}:3: [[watch]] #1 {option.name}: {problem}"


def test_every_setting_round_trips_through_storage(storage: Storage) -> None:
    """A watch with every setting at a value other than its default reads back equal, on
    SQLite and PostgreSQL."""
    wanted = WatchSpec(url=URL).with_settings(
        {name: option.examples[0] for name, option in OPTIONS.items()}
    )
    assert all(
        wanted.settings()[name] != option.kind.to_json(option.default)
        for name, option in OPTIONS.items()
    )
    storage.add_watch(wanted, datetime(2026, 11, 1, tzinfo=UTC))
    assert storage.get_watch(URL).spec == wanted


def test_list_json_shows_every_setting(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`monitor list --json` gives each watch's settings by their declared names."""
    assert main(["--config", str(config), "add", URL]) == 0
    capsys.readouterr()
    assert main(["--config", str(config), "list", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert {name: row[name] for name in OPTIONS} == WatchSpec(url=URL).settings()
