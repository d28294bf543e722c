"""versions keep their HTTP response as evidence, chained by hash

Each version keeps the exchange it was read from: when it was fetched, the status, the
final URL after redirects, the response and request headers (the body was already kept,
once, in ``raw_page``). ``version.chain_hash`` chains a watch's versions: each covers the
previous one's and the version's own content (``monitor.evidence.chain``), and
``version.digests`` keeps a short digest of each field it covers (which one changed, if
one did). ``forgotten`` keeps the chain hash of each version retention drops.

Existing versions get their chain here (backfill): their fetch time is their time, what
was not kept then (status, URL, headers) is NULL, and the numbers retention already
dropped stand in the chain as forgotten, so that `monitor verify` passes on an upgraded
database.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 05:03:28
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from monitor.history import index

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# monitor.evidence.chain as of this revision (format monitor-chain/1), frozen here.
_FORMAT = b"monitor-chain/1"
_GENESIS = "0" * 64

_VERSION = sa.table(
    "version",
    *(sa.column(name) for name in ("id", "watch_id", "number", "kind", "raw_hash", "title")),
    *(sa.column(name) for name in ("byline", "published", "modified", "canonical", "text")),
    sa.column("created_at", sa.DateTime),
    sa.column("chain_hash", sa.String),
    sa.column("digests", sa.JSON),
)
_FORGOTTEN = sa.table(
    "forgotten", sa.column("watch_id"), sa.column("number"), sa.column("chain_hash")
)


def _fields(row: Any) -> dict[str, Any]:
    at: datetime = row.created_at
    return {
        "number": row.number,
        "fetched_at": at.replace(tzinfo=UTC).isoformat(timespec="microseconds"),
        "status": None,
        "final_url": None,
        "headers": None,
        "body_sha256": row.raw_hash,
        "kind": row.kind,
        "title": row.title,
        "byline": row.byline,
        "published": row.published,
        "modified": row.modified,
        "canonical": row.canonical,
        "text": row.text,
    }


def _encoded(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=True, separators=(",", ":")).encode(
        "ascii"
    )


def _link_hash(previous: str, fields: dict[str, Any]) -> str:
    digest = hashlib.sha256(_FORMAT + b"\n" + previous.encode("ascii") + b"\n")
    digest.update(_encoded(fields))
    return digest.hexdigest()


def _field_digests(fields: dict[str, Any]) -> dict[str, str]:
    return {
        name: hashlib.sha256(_encoded(value)).hexdigest()[:12] for name, value in fields.items()
    }


def _gap_hash(previous: str, number: int) -> str:
    return hashlib.sha256(
        _FORMAT + b"\n" + previous.encode("ascii") + b"\nforgotten:" + str(number).encode()
    ).hexdigest()


def upgrade() -> None:
    op.create_table(
        "forgotten",
        sa.Column("watch_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("chain_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["watch_id"], ["watch.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("watch_id", "number"),
    )
    with op.batch_alter_table("version", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fetched_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("status", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("final_url", sa.String(length=2048), nullable=True))
        batch_op.add_column(sa.Column("headers", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("request_headers", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("http_version", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("chain_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("digests", sa.JSON(), nullable=True))
    op.execute("UPDATE version SET fetched_at = created_at")
    _backfill(op.get_bind())
    with op.batch_alter_table("version", schema=None) as batch_op:
        batch_op.alter_column("fetched_at", existing_type=sa.DateTime(), nullable=False)
        batch_op.alter_column("chain_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("digests", existing_type=sa.JSON(), nullable=False)
    _full_text_triggers()


def _full_text_triggers() -> None:
    """Batch mode copies the version table on SQLite, and its copy has none of the
    triggers that keep the full-text index (0006): create them again."""
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS {index.FTS_TABLE}_{trigger}")
    for statement in index.SQLITE_TRIGGERS:
        op.execute(statement)


def _backfill(connection: sa.Connection) -> None:
    """Chain every stored version, one watch at a time (a year of versions of every
    watch need not fit in memory)."""
    columns = [c for c in _VERSION.c if c.name not in ("chain_hash", "digests")]
    watches = connection.scalars(sa.select(_VERSION.c.watch_id).distinct()).all()
    for watch in sorted(watches):
        rows = connection.execute(
            sa.select(*columns).where(_VERSION.c.watch_id == watch).order_by(_VERSION.c.number)
        ).all()
        previous, expected = _GENESIS, 1
        hashes: list[dict[str, Any]] = []
        gaps: list[dict[str, Any]] = []
        for row in rows:
            for number in range(expected, row.number):  # dropped by retention before 0007
                previous = _gap_hash(previous, number)
                gaps.append({"watch_id": watch, "number": number, "chain_hash": previous})
            fields = _fields(row)
            previous, expected = _link_hash(previous, fields), row.number + 1
            hashes.append({"row_id": row.id, "hash": previous, "d": _field_digests(fields)})
        _write(connection, hashes, gaps)


def _write(connection: sa.Connection, hashes: list[dict[str, Any]], gaps: list[Any]) -> None:
    if hashes:
        connection.execute(
            sa.update(_VERSION)
            .where(_VERSION.c.id == sa.bindparam("row_id"))
            .values(chain_hash=sa.bindparam("hash"), digests=sa.bindparam("d")),
            hashes,
        )
    if gaps:
        connection.execute(sa.insert(_FORGOTTEN), gaps)


def downgrade() -> None:
    with op.batch_alter_table("version", schema=None) as batch_op:
        batch_op.drop_column("digests")
        batch_op.drop_column("chain_hash")
        batch_op.drop_column("http_version")
        batch_op.drop_column("request_headers")
        batch_op.drop_column("headers")
        batch_op.drop_column("final_url")
        batch_op.drop_column("status")
        batch_op.drop_column("fetched_at")
    _full_text_triggers()
    op.drop_table("forgotten")
