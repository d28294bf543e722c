"""check_log.extract_ms: how long each check spent reading its page

The time a check spent on extraction (and on confirming a change with the full
extractor), for `/metrics`' extraction-time histogram. NULL for the checks that did not
read the page (an error before it, a 304), and for every check logged before.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("check_log", sa.Column("extract_ms", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("check_log") as batch:
        batch.drop_column("extract_ms")
