"""raw_page.codec, base_hash, depth: raw pages as zstd deltas of the watch's page before

A new page is stored as a zstd frame, most often compressed against the watch's previous
page (``monitor.rawpages``): ``codec`` says how ('zlib' for every page stored before this
revision, which are read as they are, unconverted), ``base_hash`` which page a delta
needs, ``depth`` how many deltas lie between it and its keyframe.

The columns are added in place, on SQLite too (``ALTER TABLE ... ADD COLUMN``, the
foreign key inline): a batch migration would copy every stored page.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 10:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "raw_page", sa.Column("codec", sa.String(12), server_default="zlib", nullable=False)
    )
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column with its foreign key inline (NULL default), and no other way.
        op.execute(
            "ALTER TABLE raw_page ADD COLUMN base_hash VARCHAR(64) REFERENCES raw_page (hash)"
        )
    else:
        op.add_column("raw_page", sa.Column("base_hash", sa.String(64), nullable=True))
        op.create_foreign_key("fk_raw_page_base", "raw_page", "raw_page", ["base_hash"], ["hash"])
    op.add_column("raw_page", sa.Column("depth", sa.Integer(), server_default="0", nullable=False))
    op.create_index("ix_raw_page_base", "raw_page", ["base_hash"])


def downgrade() -> None:
    op.drop_index("ix_raw_page_base", table_name="raw_page")
    with op.batch_alter_table("raw_page") as batch:
        batch.drop_column("base_hash")
        batch.drop_column("depth")
        batch.drop_column("codec")
