"""raw pages stored once; alerts past a watch's hourly limit folded into a digest

A fetched page is kept once in ``raw_page``, by its SHA-256, however many versions (of
any watch) fetched the same bytes; ``version.raw_hash`` names it. Existing versions are
converted: each distinct page is copied once, then ``version.raw_html`` is dropped.
``alert.folded_into`` names the digest an alert past the hourly limit went out in.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 21:50:07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "raw_page",
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("hash"),
    )
    # In SQL, page by page on the server: a year of pages need not fit in memory.
    op.execute(
        "INSERT INTO raw_page (hash, size, data) "
        "SELECT v.raw_hash, v.raw_size, v.raw_html FROM version v "
        "WHERE v.id = (SELECT MIN(w.id) FROM version w WHERE w.raw_hash = v.raw_hash)"
    )
    with op.batch_alter_table("version", schema=None) as batch_op:
        batch_op.create_index("ix_version_raw_hash", ["raw_hash"], unique=False)
        batch_op.create_foreign_key(
            "fk_version_raw_hash_raw_page", "raw_page", ["raw_hash"], ["hash"]
        )
        batch_op.drop_column("raw_html")
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.add_column(sa.Column("folded_into", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_alert_folded_into_alert", "alert", ["folded_into"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_constraint("fk_alert_folded_into_alert", type_="foreignkey")
        batch_op.drop_column("folded_into")
    with op.batch_alter_table("version", schema=None) as batch_op:
        batch_op.add_column(sa.Column("raw_html", sa.LargeBinary(), nullable=True))
    op.execute(
        "UPDATE version SET raw_html = "
        "(SELECT r.data FROM raw_page r WHERE r.hash = version.raw_hash)"
    )
    with op.batch_alter_table("version", schema=None) as batch_op:
        batch_op.drop_constraint("fk_version_raw_hash_raw_page", type_="foreignkey")
        batch_op.drop_index("ix_version_raw_hash")
        batch_op.alter_column("raw_html", existing_type=sa.LargeBinary(), nullable=False)
    op.drop_table("raw_page")
