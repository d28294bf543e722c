"""A watch's settings, each declared once: its name, type, default, help and allowed values.

``WatchSpec`` and ``WatchOptions`` (``monitor.models``) make each of their settings with
``option``, and everything that reads or writes a setting reads that declaration: the
config file's ``[[watch]]`` and ``[defaults]`` tables, `monitor add`'s flags, the JSON
of `monitor list`, storage and the importers. A new setting is one new field::

    min_change: int = option(
        0, Count("words"), "alert only when at least this many words changed", metavar="WORDS"
    )

(and a column and a migration for one of ``WatchSpec``'s own; ``WatchOptions`` are
stored together, as JSON). Pure: no I/O, and light enough for ``--help`` to load.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, TypeVar

T = TypeVar("T")

Check = Callable[[Any], "str | None"]
"""What is wrong with a value beyond its type (None: nothing)."""

_DECLARATION = "monitor.option"


class Kind:
    """How values of one type are written: in the config file (TOML), on the command line
    (argparse) and in the database (JSON)."""

    words = ""
    """What a value in the config file must be, for its error message."""
    example: Any = None
    """A valid value other than the usual defaults (the tests try every option with it)."""
    bad_example: Any = None
    """A value of the right type but out of range, if the kind has a range."""

    def from_config(self, value: Any) -> Any:
        """The value the config file gives, or ValueError saying what to write."""
        if not self.accepts(value):
            raise ValueError(f"must be {self.words}")
        return value

    def accepts(self, value: Any) -> bool:
        raise NotImplementedError

    def problem(self, value: Any) -> str | None:
        """What is wrong with a value of the right type (None: nothing)."""
        return None

    def add_flag(self, parser: argparse.ArgumentParser, option: Option) -> None:
        parser.add_argument(option.flag, metavar=option.metavar, help=option.help)

    def from_flag(self, value: Any) -> Any:
        """The value argparse parsed for a flag given."""
        return value

    def flag_args(self, flag: str, value: Any) -> list[str]:
        """The command-line words that give ``value`` (the tests use them)."""
        return [flag, str(value)]

    def to_json(self, value: Any) -> Any:
        return value

    def from_json(self, data: Any) -> Any:
        return data


class Text(Kind):
    """A string; with ``empty_is_none``, an empty one on the command line clears it."""

    example = "example"

    def __init__(
        self, words: str = 'a string in quotes, e.g. "main article"', *, empty_is_none: bool = False
    ) -> None:
        self.words = words
        self.empty_is_none = empty_is_none

    def accepts(self, value: Any) -> bool:
        return isinstance(value, str)

    def from_flag(self, value: Any) -> Any:
        return (value or None) if self.empty_is_none else value


class Texts(Kind):
    """Strings: in the file one or a list, on the command line a repeatable flag (an empty
    value given clears them); kept as a tuple, stored as a JSON list."""

    words = "a string or a list of strings"
    example = ("example",)

    def from_config(self, value: Any) -> Any:
        return (value,) if isinstance(value, str) else tuple(super().from_config(value))

    def accepts(self, value: Any) -> bool:
        return isinstance(value, list) and all(isinstance(item, str) for item in value)

    def add_flag(self, parser: argparse.ArgumentParser, option: Option) -> None:
        parser.add_argument(option.flag, action="append", metavar=option.metavar, help=option.help)

    def from_flag(self, value: Any) -> Any:
        return tuple(item for item in value if item)

    def flag_args(self, flag: str, value: Any) -> list[str]:
        return [word for item in value for word in (flag, item)]

    def to_json(self, value: Any) -> Any:
        return list(value)

    def from_json(self, data: Any) -> Any:
        return tuple(data or ())


class Switch(Kind):
    """True or false: ``--raw`` and ``--no-raw`` on the command line."""

    words = "true or false"
    example = True

    def accepts(self, value: Any) -> bool:
        return isinstance(value, bool)

    def add_flag(self, parser: argparse.ArgumentParser, option: Option) -> None:
        parser.add_argument(option.flag, action=argparse.BooleanOptionalAction, help=option.help)

    def flag_args(self, flag: str, value: Any) -> list[str]:
        return [flag if value else f"--no-{flag.removeprefix('--')}"]


class Count(Kind):
    """A whole number of ``unit``, ``minimum`` or more."""

    words = "a whole number, e.g. 3"
    example = 3

    def __init__(self, unit: str, minimum: int = 0) -> None:
        self.unit = unit
        self.minimum = minimum
        self.bad_example = minimum - 1

    def accepts(self, value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool)

    def problem(self, value: Any) -> str | None:
        if value < self.minimum:
            return f"{value} is out of range: a number of {self.unit}, {self.minimum} or more"
        return None

    def add_flag(self, parser: argparse.ArgumentParser, option: Option) -> None:
        parser.add_argument(option.flag, type=self._parse, metavar=option.metavar, help=option.help)

    def _parse(self, text: str) -> int:
        """The flag's value: a whole number; its range is checked as the config's is."""
        try:
            return int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a number of {self.unit} (a whole number, {self.minimum} or more)"
            ) from None


@dataclass(frozen=True)
class Option:
    """One setting of a watch, as ``option`` declared it."""

    kind: Kind
    help: str
    """Its --help text (and its description in the docs)."""
    metavar: str | None = None
    check: Check | None = None
    """What is wrong with a value beyond what ``kind`` checks (None: nothing)."""
    in_defaults: bool = True
    """Whether the config's ``[defaults]`` table may set it for every watch."""
    example: Any = None
    """A valid value (None: the kind's)."""
    bad_example: Any = None
    """A value refused by ``check`` or the kind's range (None: the kind's, if any)."""
    name: str = ""
    default: Any = None

    @property
    def flag(self) -> str:
        return f"--{self.name.replace('_', '-')}"

    @property
    def examples(self) -> tuple[Any, Any]:
        """A valid value and a refused one (None when nothing of its type is refused)."""
        return (
            self.kind.example if self.example is None else self.example,
            self.kind.bad_example if self.bad_example is None else self.bad_example,
        )

    def problem(self, value: Any) -> str | None:
        """What is wrong with ``value``, of the right type (None: nothing): the config file,
        `monitor add` and the importers all ask here."""
        problem = self.kind.problem(value)
        if problem is None and self.check is not None:
            problem = self.check(value)
        return problem

    def from_config(self, value: Any) -> Any:
        """The config file's value, or ValueError saying what is wrong and what to write."""
        value = self.kind.from_config(value)
        problem = self.problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value

    def add_flag(self, parser: argparse.ArgumentParser) -> None:
        self.kind.add_flag(parser, self)


def option(
    default: T,
    kind: Kind,
    help: str,
    *,
    metavar: str | None = None,
    check: Check | None = None,
    in_defaults: bool = True,
    example: Any = None,
    bad_example: Any = None,
) -> T:
    """A dataclass field that is a watch setting: its default and its declaration."""
    declared = Option(kind, help, metavar, check, in_defaults, example, bad_example)
    return field(default=default, metadata={_DECLARATION: declared})


def declared(cls: type) -> tuple[Option, ...]:
    """The settings a dataclass declares with ``option``, in order, named."""
    found = _DECLARED.get(cls)
    if found is None:  # read for every watch a listing shows: made once per class
        found = _DECLARED[cls] = tuple(
            replace(f.metadata[_DECLARATION], name=f.name, default=f.default)
            for f in fields(cls)
            if _DECLARATION in f.metadata
        )
    return found


_DECLARED: dict[type, tuple[Option, ...]] = {}


def dump(value: Any) -> dict[str, Any]:
    """The declared settings of ``value`` (a dataclass instance) as JSON data, by name."""
    return {o.name: o.kind.to_json(getattr(value, o.name)) for o in declared(type(value))}


def load(cls: type[T], data: Mapping[str, Any], **others: Any) -> T:
    """A ``cls`` from ``dump``'s data (names it does not declare are left out: a setting
    a later monitor added), with ``others`` for its fields that are no settings."""
    settings = {o.name: o.kind.from_json(data[o.name]) for o in declared(cls) if o.name in data}
    return cls(**settings, **others)


# -- checks beyond a kind's --------------------------------------------------------------


def schedule_problem(every: str) -> str | None:
    """Why ``every`` is no interval or cron expression monitor runs (None: it is one)."""
    from monitor.schedule import validate_every

    try:
        validate_every(every)
    except ValueError as error:
        return str(error)
    return None


def patterns_problem(patterns: tuple[str, ...]) -> str | None:
    """The first of ``patterns`` that is no regular expression, and why."""
    import re

    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as error:
            return (
                f"{pattern!r} is not a valid regular expression ({error}); write patterns "
                "in single quotes so backslashes stay as they are"
            )
    return None
