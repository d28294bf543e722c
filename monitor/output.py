"""The printers: any sequence of dataclass rows as a text table, JSON, JSON lines or CSV.

The only formatters of the reading commands' values (and the web page's, later): a
command returns rows, the printer chosen by ``--json``, ``--jsonl`` or ``--csv`` writes
them. The text table reads each field's ``metadata["text"]`` (see
``monitor.history.values``). Every function returns text; the caller decides what may
reach a terminal.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import fields, is_dataclass
from datetime import datetime
from typing import Any, Literal

Format = Literal["text", "json", "jsonl", "csv"]
FORMATS: tuple[Format, ...] = ("text", "json", "jsonl", "csv")


def plain(value: Any) -> Any:
    """``value`` as JSON data: dataclasses as objects, datetimes in ISO 8601, tuples as lists."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def cell(value: Any) -> str:
    """One value in a CSV cell or a text column."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, list | tuple) and all(isinstance(v, str | int) for v in value):
        return ";".join(str(v) for v in value)
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(plain(value), ensure_ascii=False, separators=(",", ":"))


def as_json(rows: Sequence[Any]) -> str:
    return json.dumps([plain(row) for row in rows], indent=2, ensure_ascii=False)


def as_jsonl(rows: Sequence[Any]) -> Iterator[str]:
    for row in rows:
        yield json.dumps(plain(row), ensure_ascii=False)


def as_csv(rows: Sequence[Any], kind: type) -> Iterator[str]:
    """A header of ``kind``'s field names (even with no rows), then a line per row."""
    names = [f.name for f in fields(kind)]
    for values in ([*names], *([cell(getattr(row, n)) for n in names] for row in rows)):
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow(values)
        yield buffer.getvalue()


def as_text(rows: Sequence[Any], kind: type) -> Iterator[str]:
    """A header of the column names, then aligned columns; the fields marked "group" as a
    heading over the rows sharing them (the first unnamed, the others as "name value");
    those marked "hide" left out."""
    shown = [f for f in fields(kind) if f.metadata.get("text") not in ("group", "hide")]
    grouped = [f for f in fields(kind) if f.metadata.get("text") == "group"]
    header = [f.name.upper() for f in shown]
    table = [[cell(getattr(row, f.name)) for f in shown] for row in rows]
    widths = [max(len(line[i]) for line in (header, *table)) for i in range(len(shown))]
    indent = "  " if grouped else ""

    def aligned(line: list[str]) -> str:
        padded = [value.ljust(width) for value, width in zip(line[:-1], widths[:-1], strict=True)]
        return indent + "  ".join([*padded, line[-1]]).rstrip()

    if rows:
        yield aligned(header)
    heading: list[str] | None = None
    for row, line in zip(rows, table, strict=True):
        values = [cell(getattr(row, f.name)) for f in grouped]
        if grouped and values != heading:
            heading = values
            named = [f"{f.name} {v}" for f, v in zip(grouped[1:], values[1:], strict=True) if v]
            yield "  ".join([values[0], *named])
        yield aligned(line)
