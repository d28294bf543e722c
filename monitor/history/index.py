"""The full-text index of the versions, in the database's own engine.

SQLite: ``version_fts``, an FTS5 table over the version table's own columns (external
content: the text is not stored twice), kept by triggers on ``version``. PostgreSQL:
``version_words``, a ``tsvector`` per version (its words, and its headline's and byline's
words again as ``h:word`` and ``b:word``) under a GIN index, written here by
``add_version`` in the transaction that stores the version, and dropped with it (ON DELETE
CASCADE). Migration 0006 made both and indexed the versions already stored.

Neither is in ``monitor.schema`` (SQLAlchemy has no type for them): ``is_index_table``
keeps Alembic's autogenerate from proposing to drop them. A migration that rebuilds the
``version`` table on SQLite (batch mode's copy and rename) drops its triggers, and must
create them again (``SQLITE_TRIGGERS``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from monitor.history.match import Field, indexable, words

FTS_TABLE = "version_fts"
WORDS_TABLE = "version_words"

SQLITE_TABLE = (
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(title, byline, text, content='version', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2', detail='column')"
)
_FTS_ROW = f"INSERT INTO {FTS_TABLE}(rowid, title, byline, text)"
_FTS_DELETE = f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, byline, text)"
SQLITE_TRIGGERS = (
    f"CREATE TRIGGER {FTS_TABLE}_insert AFTER INSERT ON version BEGIN "
    f"{_FTS_ROW} VALUES (new.id, new.title, new.byline, new.text); END",
    f"CREATE TRIGGER {FTS_TABLE}_delete AFTER DELETE ON version BEGIN "
    f"{_FTS_DELETE} VALUES ('delete', old.id, old.title, old.byline, old.text); END",
    f"CREATE TRIGGER {FTS_TABLE}_update AFTER UPDATE OF title, byline, text ON version BEGIN "
    f"{_FTS_DELETE} VALUES ('delete', old.id, old.title, old.byline, old.text); "
    f"{_FTS_ROW} VALUES (new.id, new.title, new.byline, new.text); END",
)
SQLITE_REBUILD = f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')"

POSTGRES_TABLE = (
    f"CREATE TABLE {WORDS_TABLE} (version_id INTEGER PRIMARY KEY "
    "REFERENCES version(id) ON DELETE CASCADE, words TSVECTOR NOT NULL)"
)
POSTGRES_INDEX = f"CREATE INDEX ix_{WORDS_TABLE} ON {WORDS_TABLE} USING gin (words)"
_POSTGRES_ROW = (
    f"INSERT INTO {WORDS_TABLE} (version_id, words) "
    "VALUES (:id, array_to_tsvector(CAST(:words AS text[])))"
)

EVERYTHING = "0:all"
"""The lexeme of a version with too many distinct words for one tsvector (1 MiB): every
query asks for it too, so such a version is always read and decided on in Python."""
_MOST_BYTES = 800_000
_PREFIX: dict[Field, str] = {"headline": "h:", "byline": "b:", "body": ""}


def is_index_table(name: str) -> bool:
    """A table of the full-text index (FTS5 keeps shadow tables beside its own)."""
    return name == WORDS_TABLE or name.startswith(FTS_TABLE)


def lexemes(title: str, byline: str, body: str) -> list[str]:
    """What ``version_words`` holds for a version."""
    heads, bys = words(title), words(byline)
    terms = dict.fromkeys([*heads, *bys, *words(body)])
    terms.update(dict.fromkeys(["h:" + w for w in heads] + ["b:" + w for w in bys]))
    kept = indexable(terms)
    if sum(len(term.encode()) + 8 for term in kept) > _MOST_BYTES:
        return [EVERYTHING]
    return kept


def add_version(connection: Any, version_id: int, title: str, byline: str, body: str) -> None:
    """Index a version just stored on PostgreSQL (SQLite's triggers do it themselves).
    ``connection``: a SQLAlchemy Session or Connection, in the storing transaction."""
    from sqlalchemy import text  # the search's fast path reads this module without it

    connection.execute(
        text(_POSTGRES_ROW), {"id": version_id, "words": lexemes(title, byline, body)}
    )


def fts_match(terms: Sequence[str], field: Field | None) -> str:
    """An FTS5 query for versions holding every term (in ``field``, when given)."""
    column = {"headline": "title", "byline": "byline", "body": "text"}.get(field or "", "")
    prefix = f"{column} : " if column else ""
    return " AND ".join(prefix + '"' + term.replace('"', '""') + '"' for term in terms)


def tsquery(terms: Sequence[str], field: Field | None) -> str:
    """A tsquery for versions holding every term (as ``fts_match``; the body's words are
    asked for in any field, which ``match`` then settles)."""
    prefix = _PREFIX[field] if field else ""
    quoted = " & ".join("'" + (prefix + term).replace("'", "''") + "'" for term in terms)
    return f"({quoted}) | '{EVERYTHING}'"
