"""version: a full-text index, and an index on the time

``monitor search`` asks the database's own full-text index: on SQLite an FTS5 table over
the version table's columns, kept by triggers; on PostgreSQL a tsvector of each version's
words under a GIN index, written with the version (see ``monitor.history.index``). The
versions already stored are indexed here. ``monitor changes --since`` reads the versions
by time: ``ix_version_created_at``.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 05:05:26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# The index must be built by the same tokenizer that queries it: a change to that comes
# with a migration that builds the index again.
from monitor.history import index

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_BATCH = 1000
_VERSION = sa.table(
    "version",
    *(sa.column(name) for name in ("id", "title", "byline", "text")),
)


def upgrade() -> None:
    with op.batch_alter_table("version", schema=None) as batch_op:
        batch_op.create_index("ix_version_created_at", ["created_at"], unique=False)
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        op.execute(index.POSTGRES_TABLE)
        _index_postgres(connection)
        op.execute(index.POSTGRES_INDEX)  # after the rows: one build, not a million updates
    else:
        op.execute(index.SQLITE_TABLE)
        for trigger in index.SQLITE_TRIGGERS:
            op.execute(trigger)
        op.execute(index.SQLITE_REBUILD)


def _index_postgres(connection: sa.Connection) -> None:
    """Every version's words, a batch at a time (by id: no cursor held across inserts)."""
    after = -1
    while True:
        batch = connection.execute(
            sa.select(_VERSION).where(_VERSION.c.id > after).order_by(_VERSION.c.id).limit(_BATCH)
        ).all()
        if not batch:
            return
        connection.execute(
            sa.text(
                f"INSERT INTO {index.WORDS_TABLE} (version_id, words) "
                "VALUES (:id, array_to_tsvector(CAST(:words AS text[])))"
            ),
            [{"id": r.id, "words": index.lexemes(r.title, r.byline, r.text)} for r in batch],
        )
        after = batch[-1].id


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TABLE {index.WORDS_TABLE}")
    else:
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER {index.FTS_TABLE}_{trigger}")
        op.execute(f"DROP TABLE {index.FTS_TABLE}")
    with op.batch_alter_table("version", schema=None) as batch_op:
        batch_op.drop_index("ix_version_created_at")
