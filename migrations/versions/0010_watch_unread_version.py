"""watch.unread_version: a first version stored with its quick reading, its article to read

A first check stores the page as fetched and a quick reading of it (its headings,
paragraphs and list items, chrome included); the full reading (the extractor, and the
article's container) is done later, when the daemon is idle or at the next check that
fetches the page's bytes, and stored as the next version (a silent baseline, of the
same fetch). This column names the version still waiting for it; NULL for every watch
before this revision (their versions were read in full).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("watch", sa.Column("unread_version", sa.Integer(), nullable=True))
    op.create_index("ix_watch_unread", "watch", ["unread_version"])


def downgrade() -> None:
    op.drop_index("ix_watch_unread", table_name="watch")
    with op.batch_alter_table("watch") as batch:
        batch.drop_column("unread_version")
