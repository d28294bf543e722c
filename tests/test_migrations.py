"""The Alembic migrations: they build the models' schema on both backends, and ship."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from fixtures.edited_pages import corpus_page
from sqlalchemy import Engine, create_engine, inspect, text

from monitor.app import with_changes
from monitor.config import target_ref
from monitor.history.index import is_index_table
from monitor.models import Article, CheckOutcome, NewVersion
from monitor.schema import Base
from monitor.storage import MIGRATION_LOCK, SCHEMA_HEAD, Storage

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = (
    "env.py",
    "script.py.mako",
    "versions/0001_initial_schema.py",
    "versions/0002_version_change_size_and_kinds.py",
    "versions/0003_watch_notify_keeps_no_secret.py",
    "versions/0004_raw_pages_once_alert_digests.py",
    "versions/0005_watch_urls_canonical.py",
    "versions/0006_version_full_text_index.py",
    "versions/0007_versions_keep_their_response_chained_by_hash.py",
    "versions/0008_check_log_extraction_time.py",
    "versions/0009_raw_pages_as_zstd_deltas.py",
    "versions/0010_watch_unread_version.py",
)


def alembic_config(url: str) -> Config:
    """An Alembic config for the shipped scripts, as ``monitor.storage`` builds it."""
    config = Config()
    config.set_main_option("script_location", str(files("monitor.migrations")))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head(url: str) -> str:
    revision = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    assert revision is not None
    return revision


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on the test's empty database, for looking at what the migrations built."""
    engine = create_engine(db_url)
    try:
        yield engine
    finally:
        engine.dispose()


def test_the_scripts_have_one_head() -> None:
    """The migration history is linear: exactly one head, reached from the base."""
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(scripts.get_heads()) == 1
    assert [s.revision for s in scripts.walk_revisions()][-1] == "0001"


def test_migrate_upgrades_an_empty_database_to_head(db_url: str, engine: Engine) -> None:
    """Storage.migrate() takes an empty database to the head revision."""
    storage = Storage(db_url)
    try:
        storage.migrate()
    finally:
        storage.close()
    with engine.connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    assert versions == [(head(db_url),)]


def test_alembic_alone_upgrades_an_empty_database(db_url: str, engine: Engine) -> None:
    """The scripts also run without monitor's connection (as `alembic` and revision do)."""
    command.upgrade(alembic_config(db_url), "head")
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head(db_url)


def test_the_migrated_tables_have_the_models_columns(db_url: str, engine: Engine) -> None:
    """Every table the models define exists, with the same columns, nullability and keys."""
    command.upgrade(alembic_config(db_url), "head")
    found = inspect(engine)
    tables = set(found.get_table_names())
    # Beside the models' tables, the full-text index (monitor.history.index).
    assert {name for name in tables if not is_index_table(name)} == set(Base.metadata.tables) | {
        "alembic_version"
    }
    assert {name for name in tables if is_index_table(name)} >= (
        {"version_words"} if engine.dialect.name == "postgresql" else {"version_fts"}
    )
    for name, table in Base.metadata.tables.items():
        columns = {c["name"]: c for c in found.get_columns(name)}
        assert list(columns) == [c.name for c in table.columns], name
        for column in table.columns:
            assert columns[column.name]["nullable"] == column.nullable, (name, column.name)
        keys = [column.name for column in table.primary_key.columns]
        assert found.get_pk_constraint(name)["constrained_columns"] == keys
        indexes = {i["name"] for i in found.get_indexes(name)}
        assert indexes >= {i.name for i in table.indexes}, name


def test_the_migrations_match_the_models(db_url: str, engine: Engine) -> None:
    """Autogenerate finds nothing to add: the migrations and the models agree."""
    command.upgrade(alembic_config(db_url), "head")
    with engine.connect() as connection:
        # As env.py compares them: the full-text index is the migrations' alone.
        opts = {"compare_type": True, "include_name": _not_the_index}
        context = MigrationContext.configure(connection, opts=opts)
        assert compare_metadata(context, Base.metadata) == []


def _not_the_index(name: str | None, type_: str, parents: object) -> bool:
    return not (type_ == "table" and name is not None and is_index_table(name))


# -- the package ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built offline from a copy of the checkout (so no build/ lands in it)."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, source / name)
    for package in ("monitor", "migrations"):
        shutil.copytree(
            ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    dist = tmp_path_factory.mktemp("dist")
    build = [sys.executable, "-m", "pip", "wheel", str(source)]
    build += ["--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", str(dist)]
    done = subprocess.run(build, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, (
        f"`pip wheel` failed; the venv needs the build backend "
        f"(pip install -e '.[test]'):\n{done.stdout}\n{done.stderr}"
    )
    [built] = dist.glob("monitor-*.whl")
    return built


def test_the_wheel_ships_the_migrations(wheel: Path) -> None:
    """The migration scripts are inside the package, where an installed monitor finds them."""
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"monitor/migrations/{name}" for name in MIGRATIONS} <= names


def test_the_wheel_ships_the_pages_templates_and_stylesheet(wheel: Path) -> None:
    """monitor serve's templates and stylesheet are package data, in the wheel."""
    names = set(zipfile.ZipFile(wheel).namelist())
    serve = ROOT / "monitor" / "serve"
    shipped = [
        path.relative_to(ROOT).as_posix()
        for folder in ("templates", "static")
        for path in (serve / folder).iterdir()
    ]
    assert len(shipped) >= 7
    assert set(shipped) <= names


def test_an_installed_monitor_migrates_without_the_checkout(wheel: Path, tmp_path: Path) -> None:
    """The unpacked wheel, run away from the checkout, migrates a new database to head."""
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    database = tmp_path / "fresh.db"
    script = textwrap.dedent(
        f"""
        import monitor, monitor.migrations
        from monitor.storage import Storage
        print(monitor.__file__)
        print(monitor.migrations.__file__)
        storage = Storage("sqlite:///{database}")
        storage.migrate()
        with storage.engine.connect() as connection:
            print(connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar())
        """
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    package, migrations, revision = done.stdout.split()
    assert Path(package).is_relative_to(site)
    assert Path(migrations).is_relative_to(site)
    assert revision == head(f"sqlite:///{database}")


# -- 0002: the size and kinds of each change --------------------------------------------------

STORY = "https://example.org/news/story"
# The two tables as revision 0001 made them, as far as these rows need.
_WATCH = sa.table(
    "watch",
    *(sa.column(name) for name in ("id", "url", "name", "every", "source", "enabled", "state")),
    *(sa.column(name) for name in ("created_at", "next_check_at", "error_count")),
    sa.column("notify", sa.JSON),
    sa.column("options", sa.JSON),
)
_VERSION = sa.table(
    "version",
    *(sa.column(name) for name in ("watch_id", "number", "created_at", "kind", "content_hash")),
    *(sa.column(name) for name in ("raw_hash", "title", "byline", "text", "raw_html", "raw_size")),
)


def _version_0001(number: int, text_: str, title: str) -> dict[str, object]:
    return {
        "watch_id": 1,
        "number": number,
        "created_at": datetime(2026, 1, number),
        "kind": "first" if number == 1 else "edit",
        "content_hash": f"{number:064}",
        "raw_hash": f"{number:064}",
        "title": title,
        "byline": "",
        "text": text_,
        "raw_html": zlib.compress(b"<html></html>"),
        "raw_size": 13,
    }


def _insert_story_watch(
    connection: sa.Connection,
    at: datetime,
    notify: list[str] | None = None,
    *,
    watch_id: int = 1,
    url: str = STORY,
) -> None:
    """Watch 1, on STORY, as a revision-0001 database holds it."""
    connection.execute(
        sa.insert(_WATCH).values(
            id=watch_id,
            url=url,
            name="",
            every="1h",
            source="cli",
            enabled=True,
            state="active",
            created_at=at,
            next_check_at=at,
            error_count=0,
            notify=notify or [],
            options={},
        )
    )


def test_versions_stored_before_0002_get_their_kinds_when_read(db_url: str, engine: Engine) -> None:
    """A database of revision 0001 upgrades with its versions' change left NULL; reading the
    history works their size and kinds out from the version before."""
    command.upgrade(alembic_config(db_url), "0001")
    at = datetime(2026, 1, 1)
    with engine.begin() as connection:
        _insert_story_watch(connection, at)
        connection.execute(
            sa.insert(_VERSION),
            [
                _version_0001(1, "The death toll was 12.\nOfficials met.", "Floods"),
                _version_0001(2, "The death toll was 15.\nOfficials met.", "Floods kill 15"),
            ],
        )
    storage = Storage(db_url)
    try:
        storage.migrate()
        stored = storage.history(STORY)
        versions = with_changes(stored)
    finally:
        storage.close()
    assert [(v.summary, v.edits) for v in stored] == [(None, None), (None, None)]
    first, second = versions
    assert (first.summary, first.edits) == (None, None)
    assert second.summary is not None and second.summary.title_changed
    assert second.edits is not None
    assert [(e.kind, e.label) for e in second.edits] == [
        ("headline", "headline rewritten"),
        ("number", "death toll 12 → 15"),
    ]


# -- start-up: an interrupted or concurrent migration ------------------------------------------


def interrupted_scripts(tmp_path: Path) -> Path:
    """The shipped scripts, with 0001 crashing after it made its first table (a kill, an
    out-of-memory) where a real crash would leave the schema half made."""
    scripts = tmp_path / "scripts"
    shutil.copytree(
        str(files("monitor.migrations")), scripts, ignore=shutil.ignore_patterns("__pycache__")
    )
    initial = scripts / "versions/0001_initial_schema.py"
    source = initial.read_text()
    marker = '    op.create_table(\n        "version",'
    assert marker in source
    initial.write_text(source.replace(marker, '    raise RuntimeError("killed")\n' + marker))
    return scripts


def test_an_interrupted_migration_leaves_the_previous_schema(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    """A migration that dies halfway leaves no table behind (one transaction, on SQLite too),
    so the next start migrates cleanly instead of failing with 'table watch already exists'."""
    storage = Storage(db_url)
    try:
        with pytest.raises(RuntimeError, match="killed"):
            storage.migrate(scripts=interrupted_scripts(tmp_path))
        assert inspect(engine).get_table_names() == []
        storage.migrate()
    finally:
        storage.close()
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head(db_url)


RACER = """
import sys
from monitor.storage import Storage
storage = Storage(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()
print("migrated" if storage.migrate() else "at head", flush=True)
"""


def test_processes_starting_at_once_on_a_fresh_database_all_start(db_url: str) -> None:
    """Four processes starting at once on an empty database all start: one migrates, under a
    lock (an advisory lock on PostgreSQL, BEGIN IMMEDIATE on SQLite); the others wait for
    it, then find the schema at head."""
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, db_url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    for racer in racers:  # every one imported and connected: the start is the race
        assert racer.stdout is not None and racer.stdout.readline() == "ready\n"
    for racer in racers:
        assert racer.stdin is not None
        racer.stdin.write("go\n")
        racer.stdin.flush()
    results = [racer.communicate(timeout=60) for racer in racers]
    assert [racer.returncode for racer in racers] == [0] * 4, [err for _, err in results]
    assert sorted(out.strip() for out, _ in results) == ["at head"] * 3 + ["migrated"]


def test_a_schema_at_head_is_not_migrated_again(db_url: str, engine: Engine) -> None:
    """At head, migrate() only reads the revision: it neither waits for the migration lock
    (held here by another session, as by a daemon migrating) nor writes."""
    storage = Storage(db_url)
    try:
        assert storage.migrate() is True
        with engine.connect() as holder:
            if holder.dialect.name == "postgresql":
                holder.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            else:
                holder.exec_driver_sql("BEGIN IMMEDIATE")
            assert storage.migrate() is False
            holder.rollback()
    finally:
        storage.close()


def test_schema_head_names_the_newest_migration() -> None:
    """``SCHEMA_HEAD``, what every command compares the database's revision with before
    it loads Alembic, is Alembic's head of the shipped scripts: a new migration moves it."""
    assert head("sqlite://") == SCHEMA_HEAD


def test_a_database_at_head_is_checked_without_loading_alembic(tmp_path: Path) -> None:
    """A process that opens a database at head and checks its schema (what `monitor list`
    does at start) never imports Alembic; one behind does, to say what to do."""
    url = f"sqlite:///{tmp_path}/monitor.db"
    Storage(url).migrate()
    check = (
        "import sys\n"
        "from monitor.errors import SchemaNotCurrent\n"
        "from monitor.storage import Storage\n"
        "try:\n"
        "    Storage(sys.argv[1]).require_schema()\n"
        "except SchemaNotCurrent as error:\n"
        "    print(error.current, end=' ')\n"
        "print('alembic' in sys.modules)\n"
    )

    def checked() -> str:
        done = subprocess.run([sys.executable, "-c", check, url], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert checked() == "False\n"
    command.downgrade(alembic_config(url), "0003")
    assert checked() == "0003 True\n"


# -- 0003: the database keeps no notification secret --------------------------------------------


def test_0003_replaces_stored_apprise_urls_by_references(db_url: str, engine: Engine) -> None:
    """A watch stored with an Apprise URL in its targets keeps its tags, and the URL becomes
    the reference that the same URL in the config file resolves to."""
    secret_url = "slack://T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"
    command.upgrade(alembic_config(db_url), "0002")
    at = datetime(2026, 1, 1)
    with engine.begin() as connection:
        _insert_story_watch(connection, at, notify=["desk", secret_url])
    storage = Storage(db_url)
    try:
        storage.migrate()
        assert storage.get_watch(STORY).spec.notify == ("desk", target_ref(secret_url))
    finally:
        storage.close()
    with engine.connect() as connection:
        assert "XXXXXXXX" not in str(connection.execute(text("SELECT notify FROM watch")).all())


def test_0004_keeps_each_fetched_page_once_and_every_version_readable(
    db_url: str, engine: Engine
) -> None:
    """Three versions of revision 0003, two of them of the same page: after the upgrade two
    pages are stored, and each version's page reads back as it was."""
    command.upgrade(alembic_config(db_url), "0003")
    at = datetime(2026, 1, 1)
    same, other = b"<html>same</html>", b"<html>other</html>"

    def version(number: int, raw: bytes) -> dict[str, object]:
        row = _version_0001(number, f"Text {number}.", "Floods")
        return {
            **row,
            "raw_hash": hashlib.sha256(raw).hexdigest(),
            "raw_html": zlib.compress(raw),
            "raw_size": len(raw),
        }

    with engine.begin() as connection:
        _insert_story_watch(connection, at)
        connection.execute(
            sa.insert(_VERSION), [version(1, same), version(2, other), version(3, same)]
        )
    storage = Storage(db_url)
    try:
        storage.migrate()
        assert [storage.raw_html(STORY, n) for n in (1, 2, 3)] == [same, other, same]
    finally:
        storage.close()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM raw_page")).scalar() == 2
        assert "raw_html" not in {c["name"] for c in inspect(connection).get_columns("version")}


def test_0009_keeps_zlib_pages_as_they_are_and_stores_the_next_as_a_delta_of_one(
    db_url: str, engine: Engine
) -> None:
    """A real page stored zlib-compressed before revision 0009 stays as it was (codec
    'zlib'), reads back exact, and the watch's next page is a zstd delta of it."""
    command.upgrade(alembic_config(db_url), "0003")
    old = corpus_page("heise").encode()
    new = old.replace(b"<body", b"<div>1,234 readers</div><body", 1)
    with engine.begin() as connection:
        _insert_story_watch(connection, datetime(2026, 1, 1))
        row = _version_0001(1, "Text.", "Story")
        connection.execute(
            sa.insert(_VERSION),
            [
                {
                    **row,
                    "raw_hash": hashlib.sha256(old).hexdigest(),
                    "raw_html": zlib.compress(old, 6),
                    "raw_size": len(old),
                }
            ],
        )
    storage = Storage(db_url)
    try:
        storage.migrate()
        version = NewVersion(Article("Story", "", None, None, ("Text two.",)), new, kind="edit")
        outcome = CheckOutcome(
            at=datetime(2026, 2, 1, tzinfo=UTC),
            outcome="edit",
            next_check_at=datetime(2026, 2, 2, tzinfo=UTC),
            version=version,
        )
        assert storage.save_check(1, "d1", outcome) == 2
        assert [storage.raw_html(STORY, n) for n in (1, 2)] == [old, new]
    finally:
        storage.close()
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT hash, codec, base_hash, depth, data FROM raw_page ORDER BY depth")
        ).all()
    assert [(codec, base, depth) for _, codec, base, depth, _ in rows] == [
        ("zlib", None, 0),
        ("zstd-delta", hashlib.sha256(old).hexdigest(), 1),
    ]
    assert zlib.decompress(rows[0].data) == old


def test_0005_respells_watch_urls_and_keeps_two_spellings_of_one_page_apart(
    db_url: str, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """A watch stored as HTTP://Example.org:80/a#top becomes http://example.org/a with its
    history; two watches that would become one are both kept as written, and named."""
    command.upgrade(alembic_config(db_url), "0003")
    at = datetime(2026, 1, 1)
    with engine.begin() as connection:
        _insert_story_watch(connection, at, url="HTTP://Example.org:80/a?Q=1#top")
        _insert_story_watch(connection, at, watch_id=2, url="https://example.org/b")
        _insert_story_watch(connection, at, watch_id=3, url="https://EXAMPLE.org/b#more")
        connection.execute(sa.insert(_VERSION), [_version_0001(1, "Text.", "A")])
    storage = Storage(db_url)
    try:
        with caplog.at_level("WARNING", logger="monitor.migrations"):
            storage.migrate()
        assert [w.url for w in storage.list_watches()] == [
            "http://example.org/a?Q=1",
            "https://EXAMPLE.org/b#more",
            "https://example.org/b",
        ]
        assert [v.number for v in storage.history("http://example.org/a?Q=1")] == [1]
    finally:
        storage.close()
    (warning,) = caplog.messages
    assert "https://EXAMPLE.org/b#more, https://example.org/b are one page" in warning


def test_0006_indexes_the_versions_already_stored(db_url: str, engine: Engine) -> None:
    """Versions stored before the full-text index are found by `monitor search` after the
    upgrade, and versions stored after it too."""
    from monitor.history.match import Phrase
    from monitor.history.queries import Archive
    from monitor.history.values import Search

    command.upgrade(alembic_config(db_url), "0003")
    at = datetime(2026, 1, 1)
    with engine.begin() as connection:
        _insert_story_watch(connection, at)
        connection.execute(
            sa.insert(_VERSION),
            [
                _version_0001(1, "The budget passed.", "Budget"),
                _version_0001(2, "The budget failed narrowly.", "Budget"),
            ],
        )
    storage = Storage(db_url)
    try:
        storage.migrate()
        archive = Archive(storage)
        hits = archive.search(Search(Phrase("budget failed")), None)
        assert [(h.url, h.version, h.first, h.gone) for h in hits] == [(STORY, 2, 2, None)]
        assert [h.version for h in archive.search(Search(Phrase("budget")), None)] == [1, 2]
        later = NewVersion(
            Article(title="Budget", paragraphs=("The budget failed.",)), b"x", "edit"
        )
        now = datetime(2026, 1, 5, tzinfo=UTC)
        storage.save_check(1, "test", CheckOutcome(now, "edit", now, version=later))
        assert [h.version for h in archive.search(Search(Phrase("budget failed")), None)] == [2, 3]
    finally:
        storage.close()


# -- who migrates ------------------------------------------------------------------------------


def run_cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor.cli", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def revision_of(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@pytest.fixture
def config_on(db_url: str, tmp_path: Path) -> Path:
    """A config file naming the test's database."""
    path = tmp_path / "monitor.toml"
    path.write_text(f'[storage]\nurl = "{db_url}"\n', encoding="utf-8")
    return path


def test_a_command_on_a_database_behind_says_to_migrate_and_changes_nothing(
    db_url: str, engine: Engine, config_on: Path
) -> None:
    """`monitor list` on a database at an older revision names both revisions and the
    command to run, exits 1 without a traceback, and leaves the schema as it was."""
    command.upgrade(alembic_config(db_url), "0002")
    done = run_cli(config_on, "list")
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"monitor: error: the database is at revision 0002, this monitor needs {head(db_url)}: "
        "run `monitor migrate` (or restart `monitor run`, which migrates)"
    )
    assert revision_of(engine) == "0002"


def test_monitor_migrate_upgrades_a_database_behind_to_head(
    db_url: str, engine: Engine, config_on: Path
) -> None:
    """`monitor migrate` brings an old database to head; the other commands then work."""
    command.upgrade(alembic_config(db_url), "0002")
    done = run_cli(config_on, "migrate")
    assert (done.returncode, done.stdout) == (0, "database schema upgraded\n"), done.stderr
    assert revision_of(engine) == head(db_url)
    assert run_cli(config_on, "migrate").stdout == "database schema already up to date\n"
    assert run_cli(config_on, "list").returncode == 0


def test_any_command_sets_up_a_brand_new_empty_database(
    db_url: str, engine: Engine, config_on: Path
) -> None:
    """First use: `monitor list` on an empty database creates the schema, at head."""
    done = run_cli(config_on, "list")
    assert done.returncode == 0, done.stderr
    assert revision_of(engine) == head(db_url)


def test_a_database_from_a_newer_monitor_is_refused_with_advice(
    db_url: str, engine: Engine, config_on: Path
) -> None:
    """A revision this monitor does not know means a newer monitor migrated it: say so."""
    command.upgrade(alembic_config(db_url), "head")
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    done = run_cli(config_on, "list")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "at revision 0099" in done.stderr and "upgrade this one" in done.stderr
