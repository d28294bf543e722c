"""The command line: works out the config, builds a ``Monitor``, calls one method.

Each command's docstring is its ``--help``. Any ``MonitorError`` becomes one line on
stderr and exit status 1, never a traceback.
"""

from __future__ import annotations

import argparse
import inspect
import json
import logging
import os
import re
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from monitor.errors import ConfigError, MonitorError

if TYPE_CHECKING:
    from monitor.app import Monitor
    from monitor.diff import ArticleDiff
    from monitor.edits import Edit
    from monitor.history.reading import Reading
    from monitor.models import StoredVersion
    from monitor.pipeline import CheckReport

# Each command imports what it uses, when it runs: `--help` loads no database driver, and
# the commands that read the history load neither Apprise, the extractors nor Alembic.

Handler = Callable[[argparse.Namespace], int]
Arguments = Callable[[argparse.ArgumentParser], None]
_COMMANDS: dict[str, Handler] = {}
_ARGUMENTS: dict[str, Arguments] = {}


def command(name: str, arguments: Arguments | None = None) -> Callable[[Handler], Handler]:
    """Register a command: its handler (whose docstring is its --help) and the function
    declaring its arguments, written beside it."""

    def register(handler: Handler) -> Handler:
        _COMMANDS[name] = handler
        if arguments is not None:
            _ARGUMENTS[name] = arguments
        return handler

    return register


@contextmanager
def _opened(
    args: argparse.Namespace, *, migrate: bool = False, read_only: bool = False
) -> Iterator[Monitor]:
    """The ``Monitor`` of the config the command line names, closed when the block ends."""
    from monitor.app import Monitor
    from monitor.config import find_config, load_config

    monitor = Monitor(load_config(find_config(args.config)), migrate=migrate, read_only=read_only)
    try:
        yield monitor
    finally:
        monitor.close()


@contextmanager
def _reading(args: argparse.Namespace) -> Iterator[Reading]:
    """The history of the config's database, read-only, for `list`, `history`, `show`,
    `diff`, `search` and `changes`: read through the database's driver alone where
    ``monitor.readonly`` can, else through ``Monitor`` (which sets up a new database,
    syncs the config's watches and says what to do about any other), closed when the
    block ends."""
    from monitor.config import find_config, load_config
    from monitor.history.reading import Reading
    from monitor.readonly import Reader

    config = load_config(find_config(args.config))
    reader = Reader.open(config)
    if reader is None:
        from monitor.app import Monitor

        monitor = Monitor(config)
        try:
            yield monitor.reading
        finally:
            monitor.close()
        return
    try:
        yield Reading(reader, reader)
    finally:
        reader.close()


def _iso(at: datetime | None) -> str | None:
    return at.isoformat(timespec="seconds") if at else None


_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""What a terminal acts on instead of showing: C0 controls but newline and tab (ESC starts
the ANSI sequences), DEL, C1 controls (CSI alone is one), and the bidirectional marks,
embeddings, overrides and isolates that make text read in another order than stored."""


def terminal_safe(text: str) -> str:
    """``text`` as it may reach a terminal: controls shown as escapes (``\\x1b``,
    ``\\u202e``), URLs without their user and password."""
    return _redacted(_CONTROLS.sub(_escaped, text))


def _redacted(text: str) -> str:
    """``text`` without the user and password of any URL in it (the renderer is loaded
    by the first command that prints with a credential in it, not by ``--help``)."""
    if "@" not in text:
        return text  # no user or password to take out
    from monitor.render import redact_credentials

    return redact_credentials(text)


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _echo(text: str = "", *, file: TextIO | None = None, end: str = "\n") -> None:
    """Print page and header text (and anything quoting it) without letting it drive the
    terminal: every line the commands print goes through here."""
    print(terminal_safe(text), file=file or sys.stdout, end=end, flush=bool(end == ""))


def _print_json(data: Any) -> None:
    dumped = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    # json escapes C0 controls itself; the rest become \uXXXX, as valid inside its strings.
    print(_redacted(_CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", dumped)))


@command("run")
def cmd_run(args: argparse.Namespace) -> int:
    """Run the daemon: check due watches on schedule until SIGTERM; SIGHUP reloads the config.

    Example: monitor --config /etc/monitor/monitor.toml run
    """
    import faulthandler

    from monitor.config import find_config, load_config
    from monitor.daemon import Daemon

    # A watchdog kill (SIGABRT) then leaves every thread's stack in the journal.
    faulthandler.enable()
    path = find_config(args.config)
    with _opened(args, migrate=True) as monitor:
        Daemon(monitor, reload_config=lambda: load_config(path)).run()
    return 0


@command("migrate")
def cmd_migrate(args: argparse.Namespace) -> int:
    """Create or upgrade the database schema to this monitor's, then exit.

    `monitor run` does the same at start; the other commands refuse a database behind
    (a new, empty one they set up themselves). Safe while other daemons start: the upgrade
    is one transaction under a lock. Example: monitor --config /etc/monitor/monitor.toml migrate
    """
    from monitor.config import find_config, load_config
    from monitor.storage import Storage

    with closing(Storage(load_config(find_config(args.config)).storage_url)) as storage:
        upgraded = storage.migrate()
    _echo("database schema upgraded" if upgraded else "database schema already up to date")
    return 0


def _check_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("urls", nargs="*", metavar="URL")
    p.add_argument("--all", action="store_true", help="check every enabled watch")
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="a line on stderr as each check ends: count, rate, errors (default: when "
        "stderr is a terminal); stdout's report is the same either way",
    )
    _json_flag(p, "a report per watch (url, outcome, version, alerts, error)")


@command("check", _check_arguments)
def cmd_check(args: argparse.Namespace) -> int:
    """Check the given watches (or --all) once now, deliver alerts, and exit.

    The same pipeline as the daemon, for cron jobs and scripts. Exit status 2 when a
    watch could not be checked (an error, or another monitor process checking it now), and
    says which; SIGINT or SIGTERM stops it, reporting what was checked (status 130, 143).
    Example: monitor check --all
    """
    if not args.urls and not args.all:
        raise ConfigError("name the URLs to check, or pass --all")
    show_progress = sys.stderr.isatty() if args.progress is None else args.progress
    with _opened(args) as monitor:
        run = monitor.check_run(
            None if args.all else args.urls,
            stop_signals=(signal.SIGINT, signal.SIGTERM),
            progress=_Progress() if show_progress else None,
        )
    reports = run.reports
    if args.json:
        _print_json([asdict(report) for report in reports])
    else:
        for report in reports:
            detail = f" -> version {report.version}" if report.version else ""
            alerts = f", {report.alerts} alert(s)" if report.alerts else ""
            error = f": {report.error}" if report.error else ""
            _echo(f"{report.outcome:<12} {report.url}{detail}{alerts}{error}")
    missed = [report for report in reports if report.outcome in NOT_CHECKED]
    if missed:
        _echo(
            f"monitor: checked {len(reports) - len(missed)} of {len(reports)}; not checked: "
            + ", ".join(f"{report.url} ({report.outcome})" for report in missed),
            file=sys.stderr,
        )
    if run.stopped_by is not None:
        return 128 + run.stopped_by  # as a shell reports a command a signal ended
    return 2 if missed else 0


@command("read")
def cmd_read(args: argparse.Namespace) -> int:
    """Read in full the pages that first checks stored with their quick reading, now.

    A first check stores the page and a quick reading of it; the article is read from
    the stored page later: by `monitor run` when no check is due, else at the next
    check that fetches the page. This does it at once, for cron setups (at a quiet
    hour, or after `check --all`). Nothing is fetched and nothing alerts. Exit status 2
    when a page could not be read (its next check makes a silent baseline).
    Example: monitor read
    """
    with _opened(args) as monitor:
        read, failed = monitor.read()
    _echo(f"read {read} page(s) in full" + (f"; {failed} could not be read" if failed else ""))
    return 2 if failed else 0


NOT_CHECKED = ("error", "busy", "stopped")
"""Outcomes of a watch `check` was asked for and could not check: exit status 2."""


class _Progress:
    """A line on stderr per check ended: how many of how many, the rate, the errors so
    far, and the watch's outcome. stdout's report stays as scripts read it."""

    def __init__(self) -> None:
        import time

        self.clock = time.monotonic
        self.started = self.clock()
        self.done = self.errors = 0

    def __call__(self, report: CheckReport, total: int) -> None:
        self.done += 1
        self.errors += report.outcome == "error"
        elapsed = max(self.clock() - self.started, 1e-3)
        errors = f", {self.errors} error{'' if self.errors == 1 else 's'}" if self.errors else ""
        _echo(
            f"[{self.done}/{total}] {self.done / elapsed:.1f}/s{errors}: "
            f"{report.outcome} {report.url}",
            file=sys.stderr,
        )
        sys.stderr.flush()


def _add_arguments(p: argparse.ArgumentParser) -> None:
    from monitor.models import OPTIONS

    p.add_argument("url", metavar="URL")
    for option in OPTIONS.values():
        option.add_flag(p)
    p.add_argument(
        "--reset",
        action="store_true",
        help="on a watched URL, put the settings not given back to their defaults",
    )


@command("add", _add_arguments)
def cmd_add(args: argparse.Namespace) -> int:
    """Watch a URL, or change the settings of a watched one.

    On a URL already watched, only the settings given change and the others stay as they
    were (--reset puts those back to their defaults). An empty value clears a setting
    (--selector '', --ignore ''), and --no-raw, --no-additions-only and
    --no-alert-on-timestamp turn a switch off. A URL is one watch however its scheme and
    host are cased, with or without its default port or a #fragment.
    Example: monitor add https://example.org/news/story --every 15m --notify desk
    """
    from monitor.addresses import AddressPolicy
    from monitor.config import check_url

    try:
        url = check_url(args.url)
    except ValueError as error:
        raise ConfigError(str(error)) from error
    settings = _watch_settings(args)
    with _opened(args) as monitor:
        refusal = AddressPolicy(monitor.config.daemon.allow_internal).url_refusal(url)
        if refusal is not None:
            raise ConfigError(refusal)
        watch, new = monitor.add_or_change(url, settings, reset=args.reset)
    if new:
        _echo(f"watching {watch.url} every {watch.spec.every}")
    elif not settings and not args.reset:
        _echo(f"already watching {watch.url} every {watch.spec.every}; nothing to change")
    else:
        changed = ", ".join(name.replace("_", "-") for name in settings) or "nothing"
        kept = "the others reset to their defaults" if args.reset else "the others kept"
        _echo(f"changed {watch.url}: {changed} ({kept}); it is checked every {watch.spec.every}")
    return 0


def _watch_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The watch settings given to `add`, by name (a flag not given is left out; an empty
    value clears), each checked as the config file checks it."""
    from monitor.models import OPTIONS

    settings: dict[str, Any] = {}
    for name, option in OPTIONS.items():
        if getattr(args, name) is None:
            continue
        settings[name] = option.kind.from_flag(getattr(args, name))
        problem = option.problem(settings[name])
        if problem is not None:
            raise ConfigError(f"{option.flag}: {problem}")
    return settings


def _remove_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("url", metavar="URL")
    p.add_argument("--yes", action="store_true", help="delete without asking")


@command("remove", _remove_arguments)
def cmd_remove(args: argparse.Namespace) -> int:
    """Stop watching a URL and delete its history.

    On a terminal it asks first, saying how many versions go; otherwise (a script, cron)
    it needs --yes. Example: monitor remove https://example.org/news/story --yes
    """
    with _opened(args) as monitor:
        watch = monitor.watch(args.url)
        if not args.yes:
            _confirm_removal(watch.url, watch.versions)
        monitor.remove(watch.url)
    _echo(f"removed {watch.url} and its {_versions(watch.versions)}")
    return 0


def _versions(count: int) -> str:
    return f"{count} version{'' if count == 1 else 's'}"


def _confirm_removal(url: str, versions: int) -> None:
    """Ask on the terminal; raise ``ConfigError`` unless the answer is yes, or when no
    one can be asked."""
    what = f"{url} and its {_versions(versions)}"
    if not sys.stdin.isatty():
        raise ConfigError(f"this deletes {what}; pass --yes to confirm (no terminal to ask on)")
    _echo(f"Delete {what}? [y/N] ", file=sys.stderr, end="")
    try:
        answer = sys.stdin.readline()
    except KeyboardInterrupt:
        answer = ""
    if answer.strip().lower() not in ("y", "yes"):
        raise ConfigError(f"not removed: {url} is still watched")


def _list_arguments(p: argparse.ArgumentParser) -> None:
    _json_flag(p, "the watches, each with its settings")


@command("list", _list_arguments)
def cmd_list(args: argparse.Namespace) -> int:
    """List the watches: last check, last change, number of versions, current error.

    Example: monitor list --json
    """
    with _reading(args) as reading:
        watches = reading.watches()
    rows = [
        {
            "url": w.url,
            **w.spec.settings(),
            "source": w.source,
            "state": w.state,
            "versions": w.versions,
            "last_check": _iso(w.last_check_at),
            "last_change": _iso(w.last_change_at),
            "next_check": _iso(w.next_check_at),
            "error": w.last_error,
            "undelivered_alerts": w.undelivered,
        }
        for w in watches
    ]
    if args.json:
        _print_json(rows)
        return 0
    if not rows:
        _echo("no watches yet; add one with: monitor add URL")
        return 0
    # One echo for the whole list: made safe in one pass, not one per watch.
    _echo("\n".join(_list_entry(row) for row in rows))
    return 0


def _list_entry(row: dict[str, Any]) -> str:
    return (
        f"{row['url']}\n  every {row['every']}, {row['versions']} version(s), "
        f"last check {row['last_check'] or 'never'}, "
        f"last change {row['last_change'] or 'never'}"
        + (f", state {row['state']}" if row["state"] != "active" else "")
        + (f"\n  error: {row['error']}" if row["error"] else "")
        + (
            f"\n  {row['undelivered_alerts']} alert(s) not delivered to every target: "
            "see the log, and `monitor notify-test`"
            if row["undelivered_alerts"]
            else ""
        )
    )


def _history_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("url", metavar="URL")
    _json_flag(p, "the versions, each edit as {kind, old, new, label}")


@command("history", _history_arguments)
def cmd_history(args: argparse.Namespace) -> int:
    """List a watch's versions: number, time, the kinds of edit and the size of each change.

    Example: monitor history https://example.org/news/story
    """
    with _reading(args) as reading:
        versions = reading.history(args.url)
    if args.json:
        _print_json([_history_json(version) for version in versions])
    elif versions:
        # One echo for the whole history: made safe in one pass, not one per version.
        _echo(
            "\n".join(
                f"{version.number:>4}  {_iso(version.created_at)}  {_change_said(version)}"
                for version in versions
            )
        )
    return 0


_NOTES = {
    "revert": " (reverted to version {revert_of})",
    "timestamp": " (only the page's date moved)",
    "rebaseline": " (a new baseline, no alert: the watch's settings changed,"
    " or how its page is read, or chrome passed)",
}
"""What `history` says after the change of a version of these kinds."""


def _change_said(version: StoredVersion) -> str:
    """The change a version made, in one line, as `history` says it."""
    from monitor.render import change_line, read_in_full

    if version.kind == "reading":
        return read_in_full(version.number - 1)
    summary, edits = version.summary, version.edits or ()
    note = _NOTES.get(version.kind, "").format(revert_of=version.revert_of)
    return (change_line(summary, edits) if summary else "first version") + note


def _history_json(version: StoredVersion) -> dict[str, Any]:
    summary = version.summary
    return {
        "version": version.number,
        "at": _iso(version.created_at),
        "kind": version.kind,
        "title": version.article.title,
        "words": len(version.article.text.split()),
        "change": asdict(summary) if summary else None,
        "edits": [edit.as_dict() for edit in version.edits or ()],
        "summary": _change_said(version),
    }


def _version_json(version: StoredVersion) -> dict[str, Any]:
    article = version.article
    return {
        "version": version.number,
        "at": _iso(version.created_at),
        "title": article.title,
        "byline": article.byline,
        "published": article.published,
        "modified": article.modified,
        "canonical": article.canonical,
        "paragraphs": list(article.paragraphs),
    }


def _show_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("url", metavar="URL")
    p.add_argument(
        "--version",
        type=int,
        default=None,
        metavar="N",
        help="version number (negative counts from the latest; default: latest)",
    )
    p.add_argument("--raw", action="store_true", help="print the HTML as fetched (not with --json)")
    _json_flag(p, "the article and its dates (not with --raw)")


@command("show", _show_arguments)
def cmd_show(args: argparse.Namespace) -> int:
    """Print a version's article (default: the latest), or with --raw the HTML as fetched.

    Example: monitor show https://example.org/news/story --version 2
    """
    if args.raw and args.json:
        raise ConfigError(
            "--raw prints the page as fetched, which is no JSON; use --json without --raw "
            "for the article as JSON"
        )
    if args.raw:
        with _opened(args) as monitor:
            raw = monitor.raw(args.url, args.version)
        if sys.stdout.isatty():  # the page as fetched, but not its escape sequences
            _echo(raw.decode("utf-8", "replace"))
        else:
            sys.stdout.buffer.write(raw)
        return 0
    with _reading(args) as reading:
        version = reading.show(args.url, args.version)
    if args.json:
        _print_json(_version_json(version))
        return 0
    article = version.article
    _echo(f"# {article.title}")
    meta = [f"version {version.number}", _iso(version.created_at) or ""]
    if article.byline:
        meta.append(article.byline)
    if article.published:
        meta.append(f"published {article.published}")
    if article.modified and article.modified != article.published:
        meta.append(f"modified {article.modified}")
    _echo(" · ".join(meta))
    _echo()
    _echo("\n\n".join(article.paragraphs))
    return 0


def _diff_json(
    old: StoredVersion, new: StoredVersion, diff: ArticleDiff, edits: tuple[Edit, ...]
) -> dict[str, Any]:
    return {
        "from": old.number,
        "to": new.number,
        "from_at": _iso(old.created_at),
        "to_at": _iso(new.created_at),
        "summary": asdict(diff.summary),
        "edits": [edit.as_dict() for edit in edits],
        "title": asdict(diff.title),
        "byline": asdict(diff.byline),
        "blocks": [asdict(block) for block in diff.changed_blocks],
    }


def _diff_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("url", metavar="URL")
    p.add_argument(
        "old",
        nargs="?",
        type=int,
        metavar="FROM",
        help="the older version's number (with no numbers: the last two)",
    )
    p.add_argument(
        "new",
        nargs="?",
        type=int,
        metavar="TO",
        help="the newer version's number (default: the latest)",
    )
    p.add_argument("--format", choices=["text", "markdown", "html"], default="text")
    _json_flag(p, "the change: summary, edits and changed blocks (--format is then unused)")


@command("diff", _diff_arguments)
def cmd_diff(args: argparse.Namespace) -> int:
    """Show what changed between two versions (default: the last two).

    Example: monitor diff https://example.org/news/story 1 2 --format html > diff.html
    """
    from monitor.edits import classify
    from monitor.render import change_line, diff_html, diff_markdown, diff_text

    with _reading(args) as reading:
        old, new, diff = reading.diff(args.url, args.old, args.new)
    edits = classify(diff)
    if args.json:
        _print_json(_diff_json(old, new, diff, edits))
        return 0
    change = change_line(diff.summary, edits)
    header = f"{args.url}: version {old.number} → {new.number}: {change}"
    if args.format == "html":
        _echo(f"<p><strong>{header}</strong></p>")
        _echo("\n".join(diff_html(diff)))
    elif args.format == "markdown":
        _echo(f"**{header}**\n")
        _echo("\n".join(diff_markdown(diff)))
    else:
        _echo(header)
        _echo()
        _echo("\n".join(diff_text(diff)) or "(no difference)")
    return 0


def _search_arguments(p: argparse.ArgumentParser) -> None:
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("text", nargs="?", type=_phrase, metavar="TEXT", help="words to find")
    which.add_argument("--regex", type=_regex, metavar="RE", help="a regular expression to find")
    p.add_argument("--field", choices=FIELDS, help="only in the headline, the byline or the body")
    _since_flag(p, "only the versions stored since then")
    watches = p.add_mutually_exclusive_group()
    watches.add_argument("--watch", metavar="URL", help="only this watch's versions")
    watches.add_argument("--tag", metavar="TAG", help="only the watches notifying this tag")
    _format_flags(p, "every version found, with its watch's first and gone versions")


@command("search", _search_arguments)
def cmd_search(args: argparse.Namespace) -> int:
    """Find every version where a text appears, in every watch, and when it came and went.

    TEXT matches its words one after the other, whatever the case and the punctuation
    ("police said" finds "Police, said the mayor"); --regex takes a Python regular
    expression instead, matched in each field as stored (the body one paragraph a line).
    Each watch's versions are headed by the first version holding the text and the one
    where it went ("gone"; none while it is still there). The database's own full-text
    index (SQLite FTS5, PostgreSQL tsvector) finds the candidates.
    Example: monitor search "the minister resigned" --field body --since 2w --csv
    """
    from monitor.history.match import Pattern, Phrase
    from monitor.history.values import Found, Search

    query = Phrase(args.text) if args.regex is None else Pattern(args.regex)
    search = Search(query, args.field, args.since, args.watch, args.tag)
    with _reading(args) as reading:
        found = reading.search(search, datetime.now(UTC))
    if not found and args.format == "text":
        _echo("no version holds it" + (" in that time" if args.since else ""))
        return 0
    _print_rows(found, Found, args.format)
    return 0


def _changes_arguments(p: argparse.ArgumentParser) -> None:
    _since_flag(p, "only the changes stored since then")
    p.add_argument(
        "--field",
        choices=FIELDS,
        help="only the changes to the headline, to the byline, or to the body",
    )
    p.add_argument("--silent", action="store_true", help="only the edits the page did not declare")
    p.add_argument(
        "--kind",
        type=_kinds,
        action="append",
        metavar="KIND[,KIND]",
        help=f"only the changes with one of these kinds of edit (repeatable): {EDIT_KINDS}",
    )
    p.add_argument(
        "--limit",
        type=_limit,
        default=CHANGES_LIMIT,
        metavar="N",
        help=f"at most the N newest changes (default {CHANGES_LIMIT}; 0: every one)",
    )
    _format_flags(p, "the changes")


CHANGES_LIMIT = 100
"""The changes `monitor changes` lists unless --limit says otherwise: a screenful or a
few, read from the newest without loading the rest."""


def _limit(text: str) -> int:
    try:
        limit = int(text)
    except ValueError:
        limit = -1
    if limit < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of changes (0 or more)")
    return limit


@command("changes", _changes_arguments)
def cmd_changes(args: argparse.Namespace) -> int:
    """List every change of every watch, newest first, with its kinds of edit.

    A change is a new version of a page (its first version is none): an edit, a revert,
    or only the page's own date moving; or the page taken down (kind gone). --silent
    keeps the edits the page did not declare; --field headline keeps those that rewrote
    the headline; --kind keeps those with one of the kinds given. At most the 100
    newest are listed (--limit N for N, --limit 0 for all), read from the database
    newest first without loading the others; when there are more, a line on stderr
    says so.
    Example: monitor changes --since 1d --field headline --silent --json
    """
    from monitor.history.values import Change, ChangeFilter

    kinds = tuple(dict.fromkeys(kind for group in args.kind or () for kind in group))
    # One more than shown: whether there are more is then known without counting them.
    limit = args.limit + 1 if args.limit else None
    which = ChangeFilter(args.since, args.field, args.silent, kinds, limit=limit)
    with _reading(args) as reading:
        changes = reading.changes(which, datetime.now(UTC))
    if not changes and args.format == "text":
        _echo("no changes" + (" in that time" if args.since else ""))
        return 0
    _print_rows(changes[: args.limit or None], Change, args.format)
    if args.limit and len(changes) > args.limit:
        _echo(
            f"monitor: the {args.limit} newest changes; --limit N for more, --limit 0 for all",
            file=sys.stderr,
        )
    return 0


FIELDS = ("headline", "byline", "body")
"""``monitor.history.match.FIELDS``, spelled out: building the parser imports no more."""
EDIT_KINDS = "headline, number, quote, name, removed, added, rewritten, byline, moved"
"""``monitor.edits.KINDS``, spelled out for --help (a test holds the two together)."""


def _phrase(text: str) -> str:
    from monitor.history.match import words

    if not words(text):
        raise argparse.ArgumentTypeError(f"{text!r} has no words to search for")
    return text


def _regex(text: str) -> str:
    try:
        re.compile(text)
    except re.error as error:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a valid regular expression ({error}); write it in single "
            "quotes so the shell leaves its backslashes"
        ) from None
    return text


def _since(text: str) -> Any:
    from monitor.history.match import parse_since

    try:
        return parse_since(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _kinds(text: str) -> tuple[str, ...]:
    from monitor.edits import KINDS

    kinds = tuple(kind.strip() for kind in text.split(",") if kind.strip())
    unknown = [kind for kind in kinds if kind not in KINDS]
    if unknown or not kinds:
        raise argparse.ArgumentTypeError(
            f"{', '.join(unknown) or repr(text)} is not a kind of edit; the kinds: {EDIT_KINDS}"
        )
    return kinds


def _since_flag(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument(
        "--since",
        type=_since,
        metavar="DATE",
        help=f"{what}: an ISO date or time (2026-11-01, 2026-11-01T08:00, UTC unless an "
        "offset is given) or a time ago (30m, 12h, 1d, 2w)",
    )


def _format_flags(p: argparse.ArgumentParser, what: str) -> None:
    """--json, --jsonl, --csv (one at most); without them, a text table."""
    formats = p.add_mutually_exclusive_group()
    formats.add_argument(
        "--json",
        dest="format",
        action="store_const",
        const="json",
        help=f"print {what} as one JSON array of objects",
    )
    formats.add_argument(
        "--jsonl",
        dest="format",
        action="store_const",
        const="jsonl",
        help=f"print {what} as JSON Lines: one object a line, for streaming tools",
    )
    formats.add_argument(
        "--csv",
        dest="format",
        action="store_const",
        const="csv",
        help=f"print {what} as CSV with a header row (lists joined by ';')",
    )
    p.set_defaults(format="text")


def _print_rows(rows: Sequence[Any], kind: type, form: str) -> None:
    """Rows of one dataclass, in the format asked for, through the printers of
    ``monitor.output``; what reaches the terminal is made safe as every line is."""
    from monitor import output

    if form == "json":
        _print_json([output.plain(row) for row in rows])
        return
    if form == "jsonl":
        for line in output.as_jsonl(rows):
            print(_redacted(_CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", line)))
        return
    lines = output.as_csv(rows, kind) if form == "csv" else output.as_text(rows, kind)
    for line in lines:
        _echo(line)


def _notify_test_arguments(p: argparse.ArgumentParser) -> None:
    _json_flag(p, "each target's result")


@command("notify-test", _notify_test_arguments)
def cmd_notify_test(args: argparse.Namespace) -> int:
    """Send a test alert to every configured target and report each one's result.

    Example: monitor --config monitor.toml notify-test
    """
    with _opened(args) as monitor:
        deliveries = monitor.notify_test()
    if args.json:
        _print_json([asdict(d) for d in deliveries])
    elif not deliveries:
        _echo("no notification targets configured; add Apprise URLs under [notify] urls")
    for delivery in deliveries if not args.json else ():
        _echo(
            f"{'ok' if delivery.ok else 'FAILED':<7} {delivery.display}"
            + (f": {delivery.error}" if delivery.error else "")
        )
    return 0 if deliveries and all(d.ok for d in deliveries) else 1


def _import_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--format",
        choices=["urlwatch", "changedetection", "urls"],
        default=None,
        help="the file's format (default: read from its content)",
    )
    p.add_argument("--dry-run", action="store_true", help="say what would change; write nothing")
    _json_flag(p, "an outcome per job (where, url, action, notes)")


@command("import", _import_arguments)
def cmd_import(args: argparse.Namespace) -> int:
    """Add the watches of a urlwatch urls.yaml, a changedetection.io backup zip, or a list of URLs.

    The format is read from the content (--format to say it). URLs are checked and
    spelled as `add` does; one watched already, or twice in the file, is reported and not
    added again. A line per job says what was added, and what was not imported and why
    (shell jobs, POSTs, filters with no equivalent; a css, xpath or element-by-* filter
    becomes the watch's selector). Exit status 2 for a file in no such format.
    Example: monitor import ~/.config/urlwatch/urls.yaml --dry-run
    """
    from monitor.errors import ImportFileError

    try:
        with _opened(args) as monitor:
            run = monitor.import_file(args.file, format=args.format, dry_run=args.dry_run)
    except ImportFileError as error:
        _echo(f"monitor: error: {error}", file=sys.stderr)
        return 2
    if args.json:
        _print_json(
            [
                {"where": o.where, "url": o.url, "action": o.action, "notes": list(o.notes)}
                for o in run.outcomes
            ]
        )
        return 0
    verbs = _IMPORT_VERBS[run.dry_run]
    for outcome in run.outcomes:
        notes = "; ".join(outcome.notes)
        if outcome.action == "add" and notes:
            notes = f"not imported: {notes}"
        _echo(
            f"{verbs[outcome.action]:<14} {outcome.url or '-'} ({outcome.where})"
            + (f": {notes}" if notes else "")
        )
    added = sum(o.action == "add" for o in run.outcomes)
    summary = f"{added} of {len(run.outcomes)} jobs {verbs['summary']} from {run.format} format"
    _echo(f"dry run, nothing written: {summary}" if run.dry_run else summary)
    return 0


_IMPORT_VERBS = {
    False: {
        "add": "added",
        "exists": "exists",
        "duplicate": "duplicate",
        "skip": "not imported",
        "summary": "added",
    },
    True: {
        "add": "would add",
        "exists": "exists",
        "duplicate": "duplicate",
        "skip": "not imported",
        "summary": "would be added",
    },
}


def _verify_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("url", nargs="?", metavar="URL", help="the watch (default: every watch)")
    _json_flag(p, "each watch's versions re-hashed, chain head and first break")


@command("verify", _verify_arguments)
def cmd_verify(args: argparse.Namespace) -> int:
    """Re-hash the stored versions of a watch (every watch without URL) and name the first
    break in each one's hash chain.

    Every stored page is checked against its SHA-256, every version against its chain
    hash, which covers the version before it: a changed byte, field or deleted version
    shows. Exit status 1 on a break. Example: monitor verify https://example.org/news/story
    """
    with _opened(args) as monitor:
        reports = monitor.verify(args.url)
    broken = [report for report in reports if report.verdict.broken is not None]
    if args.json:
        _print_json(
            [
                {
                    "url": report.url,
                    "versions": report.verdict.versions,
                    "head": report.verdict.head,
                    "broken": asdict(report.verdict.broken) if report.verdict.broken else None,
                }
                for report in reports
            ]
        )
        return 1 if broken else 0
    for report in broken:
        assert report.verdict.broken is not None
        where = report.verdict.broken
        _echo(f"{report.url}: broken at version {where.number}: {where.problem}")
    versions = sum(report.verdict.versions for report in reports)
    if broken:
        _echo(f"{len(broken)} of {len(reports)} watch(es) broken", file=sys.stderr)
        return 1
    head = f"; head {reports[0].verdict.head}" if len(reports) == 1 else ""
    _echo(f"intact: {len(reports)} watch(es), {_versions(versions)} re-hashed{head}")
    return 0


def _export_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("url", nargs="?", metavar="URL", help="the watch to export")
    p.add_argument("--all", action="store_true", help="export every watch")
    p.add_argument(
        "--format",
        choices=["warc", "jsonl"],
        default="warc",
        help="warc: WARC 1.1, gzipped per record (default); jsonl: the NewsEdits layout",
    )
    p.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE (default: standard output)"
    )


@command("export", _export_arguments)
def cmd_export(args: argparse.Namespace) -> int:
    """Export the versions of a watch (or --all): WARC 1.1 or NewsEdits JSON lines.

    --format warc writes a request and a response record per version (the exchange it was
    read from, WARC-Date its fetch time); --format jsonl a line per version with its
    sentences and the sentence operations and edits from the version before.
    Example: monitor export https://example.org/news/story --format warc -o story.warc.gz
    """
    if (args.url is None) == (not args.all):
        raise ConfigError("name the URL to export, or pass --all (not both)")
    to_stdout = args.output in (None, "-")
    if to_stdout and args.format == "warc" and sys.stdout.isatty():
        raise ConfigError("WARC is gzipped binary, not for a terminal: give -o FILE, or redirect")
    with _opened(args) as monitor:
        if to_stdout:
            written = monitor.export(args.url, args.format, sys.stdout.buffer)
            sys.stdout.buffer.flush()
        else:
            try:
                with open(args.output, "wb") as out:
                    written = monitor.export(args.url, args.format, out)
            except OSError as error:
                raise ConfigError(
                    f"cannot write {args.output} ({error.strerror}); give -o a writable path"
                ) from error
            except MonitorError:
                os.unlink(args.output)  # no half-written archive left to mistake for one
                raise
    if not to_stdout:
        _echo(f"wrote {_versions(written)} to {args.output} ({args.format})", file=sys.stderr)
    return 0


_CONFIG_HELP = "the TOML config file (default: $MONITOR_CONFIG, else built-in defaults)"


def _serve_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--listen",
        metavar="HOST:PORT",
        default=None,
        help="the address to listen on (default: [serve] listen, else 127.0.0.1:8080)",
    )


@command("serve", _serve_arguments)
def cmd_serve(args: argparse.Namespace) -> int:
    """Serve Atom feeds of changes and Prometheus metrics over HTTP, read-only, until stopped.

    /feed.atom (?watch=ID or ?tag=TAG), /watch/ID/feed.atom, /tag/TAG/feed.atom and
    /metrics. Listens on 127.0.0.1:8080 unless --listen or [serve] listen says otherwise;
    an address others can reach needs [serve] token (or user and password) in the config
    file, and is refused with exit status 2 without one. Never writes to the database.
    Example: monitor --config /etc/monitor/monitor.toml serve --listen 127.0.0.1:9100
    """
    from monitor.errors import ServeError

    try:
        with _opened(args, read_only=True) as monitor:
            monitor.serve(args.listen)
    except ServeError as error:
        _echo(f"monitor: error: {error}", file=sys.stderr)
        return 2
    return 0


def _version() -> str:
    from importlib import metadata  # read when asked for: the other commands do without

    try:
        return metadata.version("monitor")
    except metadata.PackageNotFoundError:  # run from a source tree that is not installed
        return "unknown"


_VERSION_HELP = "show program's version number and exit"


class _VersionAction(argparse.Action):
    """argparse's ``version`` action, with the version looked up only when asked for."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        print(f"monitor {_version()}")
        parser.exit()


_LOG_LEVEL_HELP = "log verbosity (default: info for run, warning otherwise)"


class _Parser(argparse.ArgumentParser):
    """argparse's parser, its errors one line (the usage is a --help away)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}; see `{self.prog} --help`\n")


def _json_flag(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--json", action="store_true", help=f"print {what} as JSON, for scripts")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="monitor",
        description="Watch published pages, keep every version of the article, alert on edits.",
    )
    parser.add_argument("--version", action=_VersionAction, nargs=0, help=_VERSION_HELP)
    parser.add_argument("--config", metavar="FILE", help=_CONFIG_HELP)
    levels = ["debug", "info", "warning", "error"]
    parser.add_argument("--log-level", default=None, choices=levels, help=_LOG_LEVEL_HELP)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str) -> argparse.ArgumentParser:
        doc = inspect.cleandoc(_COMMANDS[name].__doc__ or "")
        command = sub.add_parser(
            name,
            help=doc.splitlines()[0],
            description=doc,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        # The global options are accepted after the command too ("monitor list --config F"),
        # as people type them; SUPPRESS leaves the value given before it in place.
        command.add_argument(
            "--config", metavar="FILE", default=argparse.SUPPRESS, help=_CONFIG_HELP
        )
        command.add_argument(
            "--log-level", choices=levels, default=argparse.SUPPRESS, help=_LOG_LEVEL_HELP
        )
        return command

    for name in _COMMANDS:
        command = add(name)
        if name in _ARGUMENTS:
            _ARGUMENTS[name](command)
    return parser


def _setup_logging(level: str | None, command_name: str) -> None:
    chosen = level or ("info" if command_name == "run" else "warning")
    logging.basicConfig(
        level=chosen.upper(),
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # APScheduler logs every tick and Alembic every start at INFO; the daemon says what matters.
    for chatty in ("apscheduler", "alembic"):
        logging.getLogger(chatty).setLevel(max(logging.WARNING, logging.getLogger().level))
    for handler in logging.getLogger().handlers:
        handler.addFilter(_REDACT)


class _Redact(logging.Filter):
    """What the log may show: monitor's own records at the chosen level, everyone else's
    from WARNING (at DEBUG, Apprise and urllib3 log webhook URLs, tokens and all); and no
    password of a URL quoted (a watch's user:pass@)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING and record.name.split(".")[0] != "monitor":
            return False
        record.msg, record.args = _redacted(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            trace = logging.Formatter().formatException(record.exc_info)
            record.exc_text = _redacted(trace)
        return True


_REDACT = _Redact()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``monitor`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging(args.log_level, args.command)
    try:
        return _COMMANDS[args.command](args)
    except MonitorError as error:
        _echo(f"monitor: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away ("monitor list | head"): stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
