"""Search and changes across watches: the same answers on SQLite and PostgreSQL, from
the database's own full-text index, through the core and the command line."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from monitor.app import Monitor
from monitor.cli import CHANGES_LIMIT, EDIT_KINDS, FIELDS, build_parser, main
from monitor.config import Config
from monitor.diff import diff_articles
from monitor.edits import KINDS, classify
from monitor.history import match
from monitor.history.match import Pattern, Phrase, appearance, parse_since, words
from monitor.history.values import Change, ChangeFilter, Found, Search
from monitor.models import AlertDraft, Article, CheckOutcome, NewVersion, Rendered, WatchSpec
from monitor.output import as_csv, as_jsonl, as_text
from monitor.retention import Retention
from monitor.storage import Storage

A = "https://example.org/a"
B = "https://example.org/b"
DAY = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
NOW = DAY + timedelta(days=4)

A_VERSIONS = [
    ("Mayor resigns", "The mayor resigned on Monday.\nPolice said nothing.", None),
    ("Mayor resigns", "The mayor resigned on Monday.\nPolice, said the spokesman, came.", False),
    ("Mayor quits", "The mayor quit on Monday.\nPolice, said the spokesman, came.", True),
    ("Mayor quits", "The mayor resigned on Monday.\nOfficers came.", False),
]
"""Watch A's versions, one a day from DAY: headline, body, whether the edit was declared."""


def save(
    storage: Storage,
    watch_id: int,
    at: datetime,
    article: Article,
    before: Article | None,
    *,
    declared: bool | None = None,
    kept: bool = True,
    retention: Retention | None = None,
) -> None:
    """Store a version as a check does; ``kept``: with its change (else as before 0002)."""
    diff = diff_articles(before, article) if before else None
    version = NewVersion(
        article=article,
        raw_html=f"<p>{article.text}</p>".encode(),
        kind="edit" if before else "first",
        declared=declared if before else None,
        summary=diff.summary if diff and kept else None,
        edits=classify(diff) if diff and kept else None,
    )
    outcome = CheckOutcome(at=at, outcome=version.kind, next_check_at=at, version=version)
    storage.save_check(watch_id, "test", outcome, retention)


def newsroom(storage: Storage) -> None:
    """Watch A (four versions) and watch B (one, notifying 'desk'), on ``storage``."""
    a = storage.add_watch(WatchSpec(url=A), DAY)
    before = None
    for day, (title, body, declared) in enumerate(A_VERSIONS):
        article = Article(title=title, paragraphs=tuple(body.split("\n")))
        save(storage, a.id, DAY + timedelta(days=day), article, before, declared=declared)
        before = article
    b = storage.add_watch(WatchSpec(url=B, notify=("desk",)), DAY)
    story = Article(
        title="Storm over",
        byline="By Jane Police",
        paragraphs=("Police said the storm was over.", "They met at the Café Royal."),
    )
    save(storage, b.id, DAY + timedelta(days=1, hours=1), story, None)


@pytest.fixture
def monitor(storage: Storage) -> Iterator[Monitor]:
    """A Monitor on the newsroom's database, its clock at NOW."""
    newsroom(storage)
    core = Monitor(Config(path=None, storage_url=storage.url), clock=lambda: NOW)
    try:
        yield core
    finally:
        core.close()


def found(monitor: Monitor, query: str, **options: object) -> list[tuple[str, int, str]]:
    hits = monitor.search(Search(Phrase(query), **options))  # type: ignore[arg-type]
    return [(hit.url, hit.version, hit.field) for hit in hits]


# -- search, on both databases ------------------------------------------------------------


def test_search_finds_every_version_holding_the_words_in_order(monitor: Monitor) -> None:
    """A phrase is found wherever its words follow one another, whatever the case and the
    punctuation between them; the field is the first that holds it."""
    assert found(monitor, "police said") == [
        (A, 1, "body"),
        (A, 2, "body"),
        (A, 3, "body"),
        (B, 1, "body"),
    ]
    assert found(monitor, "POLICE") == [
        (A, 1, "body"),
        (A, 2, "body"),
        (A, 3, "body"),
        (B, 1, "byline"),
    ]


def test_search_says_where_the_text_first_appeared_and_where_it_went(monitor: Monitor) -> None:
    """Each watch's hits carry its first version holding the text and the version after
    the last one holding it (None while the latest has it)."""
    hits = monitor.search(Search(Phrase("police said"), watch=A))
    assert {(h.first, h.first_at, h.gone, h.gone_at) for h in hits} == {
        (1, DAY, 4, DAY + timedelta(days=3))
    }
    back = monitor.search(Search(Phrase("mayor resigned")))
    assert [(h.version, h.first, h.gone) for h in back] == [
        (1, 1, None),
        (2, 1, None),
        (4, 1, None),
    ]


def test_words_apart_or_out_of_order_are_not_the_phrase(monitor: Monitor) -> None:
    """Versions holding every word, but not one after the other, are not found."""
    assert found(monitor, "police spokesman") == []
    assert found(monitor, "said police") == []


def test_accents_count_on_both_databases(monitor: Monitor) -> None:
    """ "café royal" finds the Café Royal; "cafe royal" does not, on SQLite (whose index
    folds accents) as on PostgreSQL."""
    assert found(monitor, "café royal") == [(B, 1, "body")]
    assert found(monitor, "cafe royal") == []


def test_search_in_one_field(monitor: Monitor) -> None:
    """--field keeps to the headline, the byline or the body."""
    assert found(monitor, "police", field="byline") == [(B, 1, "byline")]
    assert found(monitor, "mayor quits", field="headline") == [
        (A, 3, "headline"),
        (A, 4, "headline"),
    ]
    assert found(monitor, "mayor quits", field="body") == []
    assert found(monitor, "jane", field="body") == []


def test_search_since_a_date_reads_only_the_versions_since(monitor: Monitor) -> None:
    """--since leaves the older versions out, of the hits and of first and gone."""
    hits = monitor.search(Search(Phrase("police said"), since=DAY + timedelta(days=2)))
    assert [(h.url, h.version, h.first, h.gone) for h in hits] == [(A, 3, 3, 4)]
    relative = monitor.search(Search(Phrase("police said"), since=timedelta(days=2)))
    assert [(h.url, h.version) for h in relative] == [(A, 3)]


def test_search_one_watch_or_the_watches_of_a_tag(monitor: Monitor) -> None:
    """--watch and --tag narrow the watches searched."""
    assert found(monitor, "police said", watch=B) == [(B, 1, "body")]
    assert found(monitor, "police said", watch="HTTPS://EXAMPLE.org/b#x") == [(B, 1, "body")]
    assert found(monitor, "police said", tag="desk") == [(B, 1, "body")]
    assert found(monitor, "police said", tag="nobody") == []


def test_a_regular_expression_is_matched_in_each_field(monitor: Monitor) -> None:
    """--regex finds what Python's re finds in the field as stored."""
    hits = monitor.search(Search(Pattern(r"resign\w+ on (Mon|Tues)day")))
    assert [(h.url, h.version, h.excerpt) for h in hits] == [
        (A, 1, "The mayor resigned on Monday."),
        (A, 2, "The mayor resigned on Monday."),
        (A, 4, "The mayor resigned on Monday."),
    ]
    assert [h.version for h in monitor.search(Search(Pattern(r"^Mayor q")))] == [3, 4]


def test_a_version_stored_now_is_found_and_one_removed_is_not(storage: Storage) -> None:
    """The index follows the versions: written with a new one, gone with a pruned one or a
    removed watch."""
    newsroom(storage)
    core = Monitor(Config(path=None, storage_url=storage.url), clock=lambda: NOW)
    try:
        c = storage.add_watch(WatchSpec(url="https://example.org/c"), NOW)
        for n in range(3):
            article = Article(title=f"Flood {n}", paragraphs=(f"The river rose {n} metres.",))
            save(
                storage,
                c.id,
                NOW + timedelta(hours=n),
                article,
                None if n == 0 else article,
                retention=Retention(versions=2),
            )
        assert [h.version for h in core.search(Search(Phrase("river rose")))] == [1, 3]
        storage.remove_watch(A)
        assert found(core, "police said") == [(B, 1, "body")]
    finally:
        core.close()


def test_search_asks_the_full_text_index(storage: Storage) -> None:
    """The candidates come from FTS5 on SQLite, from the tsvector table on PostgreSQL, and
    both hold every version."""
    newsroom(storage)
    with storage.engine.connect() as connection:
        if storage.engine.dialect.name == "postgresql":
            count = "SELECT count(*) FROM version_words WHERE words @@ 'police & said'::tsquery"
        else:
            count = "SELECT count(*) FROM version_fts WHERE version_fts MATCH 'police AND said'"
        assert connection.scalar(text(count)) == 4


# -- changes, on both databases -------------------------------------------------------------


def listed(monitor: Monitor, **options: object) -> list[tuple[str, int, tuple[str, ...]]]:
    changes = monitor.changes(ChangeFilter(**options))  # type: ignore[arg-type]
    return [(c.url, c.version, c.kinds) for c in changes]


def test_changes_lists_every_change_newest_first_with_its_kinds(monitor: Monitor) -> None:
    """Every version but first ones, newest first, with the kinds of edit stored with it."""
    changes = monitor.changes(ChangeFilter())
    assert [(c.url, c.version, c.at) for c in changes] == [
        (A, 4, DAY + timedelta(days=3)),
        (A, 3, DAY + timedelta(days=2)),
        (A, 2, DAY + timedelta(days=1)),
    ]
    assert changes[1].kinds[0] == "headline"
    assert changes[1].headline == "Mayor quits"
    assert [c.silent for c in changes] == [True, False, True]
    assert all(c.summary for c in changes)


def test_changes_filters(monitor: Monitor) -> None:
    """--since, --field, --silent and --kind each narrow the list."""
    assert [v for _, v, _ in listed(monitor, since=DAY + timedelta(days=2))] == [4, 3]
    assert [v for _, v, _ in listed(monitor, since=timedelta(days=1, hours=12))] == [4]
    assert [v for _, v, _ in listed(monitor, field="headline")] == [3]
    assert [v for _, v, _ in listed(monitor, field="byline")] == []
    assert [v for _, v, _ in listed(monitor, silent=True)] == [4, 2]
    assert [v for _, v, _ in listed(monitor, kinds=("headline", "byline"))] == [3]


def test_changes_stop_at_the_limit_counting_only_the_changes_listed(monitor: Monitor) -> None:
    """A limit keeps the newest changes that pass the filters, however many rows it read
    past to find them."""
    assert [v for _, v, _ in listed(monitor, limit=2)] == [4, 3]
    assert [v for _, v, _ in listed(monitor, limit=1, kinds=("headline",))] == [3]
    assert [v for _, v, _ in listed(monitor, limit=5, silent=True)] == [4, 2]


def test_changes_of_one_kind_one_watch_or_tag_and_at_most_so_many(monitor: Monitor) -> None:
    """The feeds' and the changes page's narrowing: the kind of change (silent, declared,
    revert, timestamp), one watch, the watches of a tag, the newest so many."""
    assert [v for _, v, _ in listed(monitor, changes=("silent",))] == [4, 2]
    assert [v for _, v, _ in listed(monitor, changes=("declared", "revert"))] == [3]
    assert [v for _, v, _ in listed(monitor, changes=("timestamp",))] == []
    assert [v for _, v, _ in listed(monitor, watch=A, limit=2)] == [4, 3]
    assert [v for _, v, _ in listed(monitor, silent=True, limit=1)] == [4]
    assert listed(monitor, watch=B) == listed(monitor, tag="desk") == []
    assert listed(monitor, tag="nobody") == []


def test_a_page_taken_down_is_a_change_of_its_own_kind(storage: Storage) -> None:
    """The alert a page taken down raised lists it among the changes, of kind 'gone' and
    with no version; the filters by kind of edit, field or silence leave it out."""
    newsroom(storage)
    at = NOW - timedelta(hours=1)
    gone = AlertDraft("gone", Rendered("[monitor] Taken down: b", "gone", "gone", "gone"), ())
    outcome = CheckOutcome(at, "gone", at, status=404, state="gone", alerts=(gone,))
    storage.save_check(storage.get_watch(B).id, "test", outcome, None)
    core = Monitor(Config(path=None, storage_url=storage.url), clock=lambda: NOW)
    try:
        first = core.changes(ChangeFilter())[0]
        assert (first.url, first.version, first.kind, first.kinds) == (B, None, "gone", ())
        assert [c.url for c in core.changes(ChangeFilter(changes=("gone",)))] == [B]
        assert [c.version for c in core.changes(ChangeFilter(limit=2))] == [None, 4]
        for which in (
            ChangeFilter(silent=True),
            ChangeFilter(field="body"),
            ChangeFilter(kinds=("added",)),
            ChangeFilter(changes=("silent",)),
            ChangeFilter(taken_down=False),
            ChangeFilter(changes=("gone",), since=NOW),
            ChangeFilter(watch=A),
        ):
            assert all(c.kind != "gone" for c in core.changes(which)), which
    finally:
        core.close()


def test_changes_stored_before_monitor_kept_their_kinds_are_worked_out(storage: Storage) -> None:
    """A version stored without its kinds of edit (before revision 0002) gets them on
    reading, from the version before."""
    watch = storage.add_watch(WatchSpec(url=A), DAY)
    first = Article(title="Vote", paragraphs=("The council voted 12 to 3.",))
    then = Article(title="Vote delayed", paragraphs=("The council voted 12 to 3.",))
    save(storage, watch.id, DAY, first, None)
    save(storage, watch.id, DAY + timedelta(hours=1), then, first, kept=False)
    core = Monitor(Config(path=None, storage_url=storage.url), clock=lambda: NOW)
    try:
        assert listed(core) == [(A, 2, ("headline",))]
    finally:
        core.close()


# -- the pure parts ---------------------------------------------------------------------------


def test_words_are_lower_cased_runs_of_letters_and_digits() -> None:
    """Punctuation and underscores separate words; accented letters stay in them."""
    assert words("Police, said the Mayor’s aide_2 — Café x2!") == [
        "police",
        "said",
        "the",
        "mayor",
        "s",
        "aide",
        "2",
        "café",
        "x2",
    ]


def test_a_phrase_does_not_run_from_one_paragraph_into_the_next() -> None:
    """The last word of a paragraph and the first of the next are not a phrase."""
    assert not Phrase("nothing police").found_in("It said nothing.\nPolice came.")
    assert Phrase("nothing police").found_in("It said nothing, police came.")


def test_the_words_a_regular_expression_requires() -> None:
    """Only whole words of top-level literals are asked of the index."""
    assert match.required_words(r"(?i)the death toll rose to \d+") == [
        "death",
        "toll",
        "rose",
        "to",
    ]
    assert match.required_words(r"police said|mayor") == []
    assert match.required_words(r"resign\w+") == []


def test_appearance_names_the_first_version_and_the_one_after_the_last() -> None:
    """A text that came, went and came back is 'gone' only after its last stretch."""
    versions = [(n, DAY + timedelta(days=n)) for n in (3, 4, 5, 6)]
    assert appearance(versions, {4, 6}) == match.Appearance(4, versions[1][1], None, None)
    assert appearance(versions, {3, 4}).gone == 5


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("1d", timedelta(days=1)),
        ("12h", timedelta(hours=12)),
        ("2w", timedelta(weeks=2)),
        ("30m", timedelta(minutes=30)),
        ("2026-11-01", datetime(2026, 11, 1, tzinfo=UTC)),
        ("2026-11-01T08:00+01:00", datetime(2026, 11, 1, 7, tzinfo=UTC)),
    ],
)
def test_since_takes_iso_dates_and_times_ago(given: str, expected: object) -> None:
    """--since: an ISO date or time (UTC unless an offset says otherwise), or 30m/12h/1d/2w."""
    assert parse_since(given) == expected


def test_the_cli_lists_the_same_fields_and_kinds_as_the_core() -> None:
    """The help's field and kind names are the core's."""
    assert FIELDS == match.FIELDS
    assert ", ".join(KINDS) == EDIT_KINDS


def test_the_printers_take_any_rows_of_a_dataclass() -> None:
    """Text groups by watch, CSV has a header even with no rows, JSON lines one object a line."""
    hit = Found(A, 1, DAY, 3, DAY, 2, DAY, "body", "Police said nothing.")
    assert list(as_text([hit], Found)) == [
        "  VERSION  AT                         FIELD  EXCERPT",
        f"{A}  first 1  first_at {DAY.isoformat()}  gone 3  gone_at {DAY.isoformat()}",
        f"  2        {DAY.isoformat()}  body   Police said nothing.",
    ]
    assert list(as_csv([], Change)) == ["at,url,version,kind,silent,kinds,summary,headline,edits"]
    assert json.loads(next(as_jsonl([hit])))["gone_at"] == DAY.isoformat()


# -- the command line -----------------------------------------------------------------------------


@pytest.fixture
def config(storage: Storage, tmp_path: Path) -> Path:
    """A config on the newsroom's database."""
    newsroom(storage)
    path = tmp_path / "monitor.toml"
    path.write_text(f'[storage]\nurl = "{storage.url}"\n', encoding="utf-8")
    return path


def run(config: Path, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(["--config", str(config), *args]) == 0
    return capsys.readouterr().out


def test_search_prints_text_json_jsonl_and_csv(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`monitor search` in each format: the same hits."""
    table = run(config, capsys, "search", "police said", "--watch", A)
    assert table.splitlines()[1].startswith(f"{A}  first 1  first_at 2026-01-01T09:00:00+00:00")
    assert len(table.splitlines()) == 5
    rows = json.loads(run(config, capsys, "search", "police said", "--json"))
    assert [(r["url"], r["version"], r["gone"]) for r in rows] == [
        (A, 1, 4),
        (A, 2, 4),
        (A, 3, 4),
        (B, 1, None),
    ]
    lines = run(config, capsys, "search", "police said", "--jsonl").splitlines()
    assert [json.loads(line) for line in lines] == rows
    sheet = list(csv.DictReader(io.StringIO(run(config, capsys, "search", "police said", "--csv"))))
    assert [(r["url"], r["version"], r["gone"]) for r in sheet] == [
        (A, "1", "4"),
        (A, "2", "4"),
        (A, "3", "4"),
        (B, "1", ""),
    ]
    assert "no version holds it" in run(config, capsys, "search", "nothing like it")


def test_changes_prints_text_json_jsonl_and_csv(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`monitor changes` in each format, filtered as asked."""
    rows = json.loads(run(config, capsys, "changes", "--json"))
    assert [(r["version"], r["silent"]) for r in rows] == [(4, True), (3, False), (2, True)]
    assert rows[1]["edits"][0]["kind"] == "headline"
    lines = run(config, capsys, "changes", "--jsonl", "--field", "headline").splitlines()
    assert [json.loads(line)["version"] for line in lines] == [3]
    sheet = list(csv.DictReader(io.StringIO(run(config, capsys, "changes", "--csv", "--silent"))))
    assert [r["version"] for r in sheet] == ["4", "2"]
    table = run(config, capsys, "changes", "--kind", "headline,byline")
    assert table.count("\n") == 2 and "Mayor quits" in table.splitlines()[1]


def test_changes_lists_the_newest_up_to_the_limit_and_says_there_are_more(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--limit N lists the N newest changes and says on stderr that there are more;
    --limit 0 lists every one; the default is 100."""
    assert main(["--config", str(config), "changes", "--json", "--limit", "2"]) == 0
    out, err = capsys.readouterr()
    assert [r["version"] for r in json.loads(out)] == [4, 3]
    assert err == "monitor: the 2 newest changes; --limit N for more, --limit 0 for all\n"
    assert main(["--config", str(config), "changes", "--json", "--limit", "3"]) == 0
    assert capsys.readouterr().err == ""
    every = json.loads(run(config, capsys, "changes", "--json", "--limit", "0"))
    assert [r["version"] for r in every] == [4, 3, 2]
    assert build_parser().parse_args(["changes"]).limit == CHANGES_LIMIT == 100


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["search", "--regex", "(unclosed"], "not a valid regular expression"),
        (["search", "police", "--since", "last tuesday"], "is not a date"),
        (["search", "police", "--field", "title"], "invalid choice: 'title'"),
        (["search"], "one of the arguments TEXT --regex is required"),
        (["search", "police", "--regex", "x"], "not allowed with argument"),
        (["search", "!!!"], "has no words to search for"),
        (["changes", "--kind", "headline,typo"], "typo is not a kind of edit"),
        (["changes", "--since", "1y"], "is not a date"),
        (["changes", "--json", "--csv"], "not allowed with argument"),
        (["changes", "--limit", "-1"], "'-1' is not a number of changes (0 or more)"),
        (["changes", "--limit", "all"], "'all' is not a number of changes (0 or more)"),
    ],
    ids=lambda value: value if isinstance(value, str) else " ".join(value),
)
def test_bad_input_is_one_line_and_exit_status_2(
    tmp_path: Path, args: list[str], says: str
) -> None:
    """A bad pattern, date, field, kind or combination: one line on stderr, status 2."""
    done = subprocess.run(
        [sys.executable, "-m", "monitor.cli", "--config", str(tmp_path / "none.toml"), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1 and says in done.stderr, done.stderr
    assert done.stdout == ""
