"""Evidence end to end, on SQLite and PostgreSQL: each version keeps the exchange it was
read from, `monitor verify` finds a changed byte or a deleted version, and `monitor
export` writes WARC that warcio's own reader reads back, and NewsEdits JSON lines.

Pages come from a real local web server; the commands run as the user runs them.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from fixtures.seed_pages import Chrome, article_v1, page_v1, render_page
from servers import PageServer
from warcio.archiveiterator import ArchiveIterator

from monitor import rawpages
from monitor.cli import main
from monitor.evidence.chain import Link, verify
from monitor.models import Article, CheckOutcome, NewVersion, Response, WatchSpec
from monitor.retention import Retention
from monitor.storage import Storage

PATH = "/news/council-budget"
ALLOW_LOOPBACK = '[monitor]\nallow_internal = ["127.0.0.1"]\n'
"""The pages are served on 127.0.0.1, which is refused unless the config allows it."""


def edited(old: str, new: str) -> str:
    headline, byline, date, paragraphs = article_v1()
    return render_page(
        tuple(p.replace(old, new) for p in paragraphs), headline, byline, date, Chrome(1)
    )


PAGES = [
    page_v1(Chrome(1)).encode(),
    edited("$2.5 billion", "$2.7 billion").encode(),
    edited("$2.5 billion", "$2.9 billion").encode(),
]


def configure(tmp_path: Path, db_url: str, url: str) -> Path:
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'[storage]\nurl = "{db_url}"\n{ALLOW_LOOPBACK}[[watch]]\nurl = "{url}"\n',
        encoding="utf-8",
    )
    return config


def run(config: Path, *argv: str) -> int:
    return main(["--config", str(config), *argv])


@pytest.fixture
def watched(tmp_path: Path, db_url: str, page_server: PageServer) -> tuple[Path, str]:
    """A watch with three pages fetched, the last served gzipped: (config, URL). Four
    versions: the first page's quick reading, then its full reading (at the second
    check), and one per later page."""
    url = page_server.url(PATH)
    config = configure(tmp_path, db_url, url)
    for number, page in enumerate(PAGES, 1):
        if number == len(PAGES):
            page_server.set(PATH, gzip.compress(page), headers={"Content-Encoding": "gzip"})
        else:
            page_server.set(PATH, page, headers={"X-Served": str(number)})
        assert run(config, "check", url) == 0
    return config, url


@contextmanager
def connected(db_url: str) -> Iterator[sa.Connection]:
    """A transaction on the test's database, to change it behind monitor's back."""
    engine = sa.create_engine(db_url)
    try:
        with engine.begin() as connection:
            yield connection
    finally:
        engine.dispose()


def test_each_version_keeps_the_exchange_it_was_read_from(
    watched: tuple[Path, str], db_url: str
) -> None:
    """Status, headers as received, final URL, request headers, fetch time and the body
    (by its SHA-256) are stored with each version."""
    _, url = watched
    storage = Storage(db_url)
    try:
        evidence = storage.evidence(url)
        bodies = [storage.page(e.content.body_sha256) for e in evidence if e.content]
    finally:
        storage.close()
    assert [e.number for e in evidence] == [1, 2, 3, 4]
    assert bodies == [PAGES[0], *PAGES]  # as decoded: the third came gzipped
    first = evidence[0].content
    assert first is not None
    assert (first.status, first.final_url) == (200, url)
    assert ("X-Served", "1") in (first.headers or ())
    assert ("Content-Encoding", "gzip") in (evidence[3].content.headers or ())  # type: ignore[union-attr]
    assert any(name.lower() == "user-agent" for name, _ in evidence[0].request_headers or ())
    assert first.fetched_at.tzinfo is not None
    assert first.fetched_at <= evidence[2].content.fetched_at  # type: ignore[union-attr]
    # Version 2 is version 1's page read in full: the same exchange, chained after it.
    reading = evidence[1].content
    assert reading is not None and reading.kind == "reading"
    assert (reading.fetched_at, reading.headers) == (first.fetched_at, first.headers)


def test_verify_passes_on_an_untouched_history(
    watched: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """An untouched database verifies: exit 0, one line saying what was re-hashed."""
    config, url = watched
    assert run(config, "verify", url) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("intact: 1 watch(es), 4 versions re-hashed")
    assert run(config, "verify") == 0


def flip_a_byte(db_url: str, digest: str) -> None:
    """Change the middle byte of the page stored under ``digest``, behind monitor's back,
    and store it again as it was stored (the same codec, against the same base)."""
    storage = Storage(db_url)
    try:
        page = bytearray(storage.page(digest))
        with connected(db_url) as connection:
            codec, base_hash, depth = connection.execute(
                sa.text("SELECT codec, base_hash, depth FROM raw_page WHERE hash = :h"),
                {"h": digest},
            ).one()
            page[len(page) // 2] ^= 0x01
            if codec == rawpages.ZLIB:
                data = zlib.compress(bytes(page))
            else:
                base = None
                if base_hash is not None:
                    base = rawpages.Base(base_hash, storage.page(base_hash), depth - 1)
                encoded = rawpages.encode(bytes(page), base)
                assert encoded.codec == codec, "stored as it was"
                data = encoded.data
            connection.execute(
                sa.text("UPDATE raw_page SET data = :d WHERE hash = :h"), {"d": data, "h": digest}
            )
    finally:
        storage.close()


def test_verify_finds_a_byte_flipped_in_a_stored_body(
    watched: tuple[Path, str], db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """One byte of version 3's stored page changed (a delta of version 1's, the page
    version 2 read again): verify names version 3 and says its SHA-256 differs, and
    exits 1."""
    config, url = watched
    storage = Storage(db_url)
    digest = storage.evidence(url)[2].content.body_sha256  # type: ignore[union-attr]
    storage.close()
    flip_a_byte(db_url, digest)
    capsys.readouterr()
    assert run(config, "verify") == 1
    out = capsys.readouterr().out
    assert f"{url}: broken at version 3: the stored page's SHA-256 is" in out


def test_verify_finds_a_byte_flipped_in_the_base_of_a_delta(
    watched: tuple[Path, str], db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """One byte of version 1's page changed, the page version 3's is a delta of: verify
    breaks at version 1, and version 3's page, rebuilt on the altered bytes, is refused
    in one line (zstd's checksum), never shown altered."""
    config, url = watched
    storage = Storage(db_url)
    first, second = (e.content.body_sha256 for e in storage.evidence(url)[0:3:2])  # type: ignore[union-attr]
    storage.close()
    with connected(db_url) as connection:
        base = connection.execute(
            sa.text("SELECT base_hash FROM raw_page WHERE hash = :h"), {"h": second}
        ).scalar_one()
    assert base == first, "version 3's page is stored as a delta of version 1's"
    flip_a_byte(db_url, first)
    capsys.readouterr()
    assert run(config, "verify") == 1
    assert f"{url}: broken at version 1: the stored page's SHA-256 is" in capsys.readouterr().out
    assert run(config, "show", url, "--version", "3", "--raw") == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"the page {second} is corrupt" in err[0]
    assert "Traceback" not in err[0]


def test_verify_finds_a_version_deleted_from_the_middle(
    watched: tuple[Path, str], db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Version 2 deleted by hand: verify says it is missing, at version 3, and exits 1."""
    config, url = watched
    with connected(db_url) as connection:
        connection.execute(sa.text("DELETE FROM version WHERE number = 2"))
    capsys.readouterr()
    assert run(config, "verify", url, "--json") == 1
    [report] = json.loads(capsys.readouterr().out)
    assert report["broken"]["number"] == 3
    assert report["broken"]["problem"].startswith("version 2 is missing")


def test_verify_finds_a_text_changed_in_the_database(
    watched: tuple[Path, str], db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A version's text rewritten in place is a break at that version."""
    config, url = watched
    with connected(db_url) as connection:
        connection.execute(
            sa.text("UPDATE version SET text = 'Nothing happened.' WHERE number = 1")
        )
    assert run(config, "verify", url) == 1
    assert "broken at version 1: its text differs from what was stored" in capsys.readouterr().out


def test_verify_finds_a_fetch_time_and_status_changed_in_the_database(
    watched: tuple[Path, str], db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Version 2 said to be fetched a day earlier, with another status: both are named."""
    config, url = watched
    with connected(db_url) as connection:
        connection.execute(
            sa.text("UPDATE version SET fetched_at = :at, status = 203 WHERE number = 2"),
            {"at": datetime(2020, 1, 1)},
        )
    assert run(config, "verify", url) == 1
    assert "broken at version 2: its fetched_at, status differ" in capsys.readouterr().out


def test_the_warc_export_reads_back_with_warcio(
    watched: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """warcio's ArchiveIterator, checking digests, reads a request and a response per
    version: each response's payload is the page's exact bytes, its date the fetch time,
    its target the final URL, its payload digest the body's SHA-256."""
    config, url = watched
    out = tmp_path / "story.warc.gz"
    assert run(config, "export", url, "--format", "warc", "-o", str(out)) == 0
    assert "wrote 3 versions" in capsys.readouterr().err
    responses, requests = [], []
    with out.open("rb") as stream:
        for record in ArchiveIterator(stream, check_digests="raise"):
            if record.rec_type == "response":
                responses.append(
                    (record.rec_headers, record.http_headers, record.content_stream().read())
                )
            elif record.rec_type == "request":
                requests.append(record.rec_headers)
    assert [body for _, _, body in responses] == PAGES
    assert len(requests) == 3
    for (warc, http, body), request in zip(responses, requests, strict=True):
        assert warc.get_header("WARC-Target-URI") == url
        assert warc.get_header("WARC-Payload-Digest").startswith("sha256:")
        assert request.get_header("WARC-Concurrent-To") == warc.get_header("WARC-Record-ID")
        assert http.get_statuscode() == "200"
        assert http.get_header("Content-Length") == str(len(body))
    assert responses[2][1].get_header("X-Archive-Orig-Content-Encoding") == "gzip"
    dates = [datetime.fromisoformat(w.get_header("WARC-Date")) for w, _, _ in responses]
    assert dates == sorted(dates)


def test_the_warc_target_is_where_a_redirect_landed(
    tmp_path: Path, db_url: str, page_server: PageServer
) -> None:
    """A first check that was redirected keeps the landing URL as its final URL, and the
    WARC records are of that URL."""
    page_server.redirect("/old", PATH)
    page_server.set(PATH, PAGES[0])
    config = configure(tmp_path, db_url, page_server.url("/old"))
    assert run(config, "check", "--all") == 0
    out = tmp_path / "all.warc.gz"
    assert run(config, "export", "--all", "-o", str(out)) == 0
    with out.open("rb") as stream:
        targets = [
            r.rec_headers.get_header("WARC-Target-URI")
            for r in ArchiveIterator(stream)
            if r.rec_type in ("request", "response")
        ]
    assert targets == [page_server.url(PATH)] * 2


def test_the_jsonl_export_has_the_newsedits_layout(
    watched: tuple[Path, str], tmp_path: Path
) -> None:
    """A line per version of the article (not the first page's quick reading, once its
    full reading is version 2): id, number, time, sentences, and the sentence operations
    and edit kinds from the version before."""
    config, url = watched
    out = tmp_path / "story.jsonl"
    assert run(config, "export", url, "--format", "jsonl", "-o", str(out)) == 0
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["version"] for line in lines] == [2, 3, 4]
    assert len({line["entry_id"] for line in lines}) == 1
    first, second, _ = lines
    assert first["operations"] == [] and first["previous_version"] is None
    assert first["num_sentences"] == len(first["sentences"]) > 1
    edits = [op for op in second["operations"] if op["operation"] == "Edit"]
    assert len(edits) == 1
    assert "$2.5 billion" in edits[0]["sentence_x"] and "$2.7 billion" in edits[0]["sentence_y"]
    unchanged = [op for op in second["operations"] if op["operation"] == "Unchanged"]
    assert len(unchanged) == first["num_sentences"] - 1
    assert [edit["kind"] for edit in second["edits"]] == ["number"]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["verify", "https://nowhere.example/"], "no watch for https://nowhere.example/"),
        (["export", "https://nowhere.example/"], "no watch for https://nowhere.example/"),
        (["export", "--all", "-o", "/nonexistent/dir/x.warc.gz"], "cannot write"),
        (["export"], "name the URL to export, or pass --all"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    """An unknown URL, an unwritable file or no watch named: one line on stderr, no
    traceback."""
    config = configure(tmp_path, db_url, "https://news.example/story")
    assert run(config, *argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err and "Traceback" not in err


def test_the_warc_export_to_stdout_is_the_archive(
    watched: tuple[Path, str], capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """Without -o the archive goes to standard output (not a terminal here), whole."""
    config, url = watched
    capsysbinary.readouterr()
    assert run(config, "export", url) == 0
    archive = capsysbinary.readouterr().out
    records = list(ArchiveIterator(BytesIO(archive), check_digests="raise"))
    assert [r.rec_type for r in records].count("response") == 3


def test_an_unknown_format_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--format pdf: argparse's one-line error, exit 2."""
    with pytest.raises(SystemExit) as exit_:
        main(["export", "--all", "--format", "pdf"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "invalid choice: 'pdf'" in err


# -- storage: retention, and databases from before the chain ---------------------------------

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
STORY = "https://news.example/story"


def saved(storage: Storage, watch_id: int, at: datetime, text: str, retention: Retention) -> None:
    version = NewVersion(
        Article(title="Story", paragraphs=(text,)),
        f"<p>{text}</p>".encode(),
        "edit",
        response=Response(at, 200, STORY, (("Content-Type", "text/html"),)),
    )
    outcome = CheckOutcome(at, "edit", at + timedelta(hours=1), status=200, version=version)
    storage.save_check(watch_id, "test", outcome, retention)


def test_versions_forgotten_by_retention_keep_the_chain(storage: Storage) -> None:
    """With a limit of three versions, five checks keep 1, 4 and 5; the chain of what is
    left still verifies, through the chain hashes of 2 and 3."""
    watch = storage.add_watch(WatchSpec(url=STORY), T0)
    for n in range(5):
        saved(storage, watch.id, T0 + timedelta(hours=n), f"Text {n}.", Retention(versions=3))
    evidence = storage.evidence(STORY)
    assert [(e.number, e.content is None) for e in evidence] == [
        (1, False),
        (2, True),
        (3, True),
        (4, False),
        (5, False),
    ]
    links = [
        Link(e.number, e.chain_hash, e.content, e.content.body_sha256 if e.content else None)
        for e in evidence
    ]
    assert verify(links).broken is None
    storage.remove_watch(STORY)  # and the forgotten hashes go with the watch


def test_an_upgraded_database_verifies(db_url: str, tmp_path: Path) -> None:
    """Versions stored at revision 0005, one of them already dropped by retention, get
    their chain in the migration: verify passes on the upgraded database."""
    from test_migrations import alembic_config

    command.upgrade(alembic_config(db_url), "0005")
    at = datetime(2026, 1, 1, 9, 30, 15, 123456)
    with connected(db_url) as connection:
        connection.execute(
            sa.text(
                "INSERT INTO watch (id, url, name, every, notify, options, source, enabled, "
                "state, created_at, next_check_at, error_count) VALUES (1, :u, '', '1h', "
                "'[]', '{}', 'cli', :t, 'active', :at, :at, 0)"
            ),
            {"u": STORY, "at": at, "t": True},
        )
        for number in (1, 2, 4):
            page = f"<p>Version {number}</p>".encode()
            digest = hashlib.sha256(page).hexdigest()
            connection.execute(
                sa.text("INSERT INTO raw_page (hash, size, data) VALUES (:h, :s, :d)"),
                {"h": digest, "s": len(page), "d": zlib.compress(page)},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO version (watch_id, number, created_at, kind, content_hash, "
                    "raw_hash, title, byline, text, raw_size) VALUES (1, :n, :at, 'edit', "
                    "'x', :h, 'Story', '', :text, :s)"
                ),
                {
                    "n": number,
                    "at": at + timedelta(hours=number),
                    "h": digest,
                    "text": f"Version {number}.",
                    "s": len(page),
                },
            )
    config = configure(tmp_path, db_url, STORY)
    assert run(config, "migrate") == 0
    assert run(config, "verify") == 0
    storage = Storage(db_url)
    try:
        evidence = storage.evidence(STORY)
    finally:
        storage.close()
    assert [(e.number, e.content is None) for e in evidence] == [
        (1, False),
        (2, False),
        (3, True),
        (4, False),
    ]
    assert evidence[0].content is not None
    assert evidence[0].content.fetched_at == (at + timedelta(hours=1)).replace(tzinfo=UTC)
    assert evidence[0].content.status is None
    out = tmp_path / "old.warc.gz"
    assert run(config, "export", STORY, "-o", str(out)) == 0
    with out.open("rb") as stream:
        records = [
            (r.rec_type, r.content_stream().read())
            for r in ArchiveIterator(stream, check_digests="raise")
            if r.rec_type != "warcinfo"
        ]
    assert records == [("resource", f"<p>Version {n}</p>".encode()) for n in (1, 2, 4)]
