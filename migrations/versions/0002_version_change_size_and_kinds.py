"""version: the size and the kinds of each change

Each version keeps what changed from the one before it (``summary``: words and
paragraphs; ``edits``: the kinds of edit), so ``monitor history`` need not diff every
version again. Versions stored before this revision keep NULL there; ``Monitor.history``
works theirs out when it reads them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 17:05:15.915614
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("version", schema=None) as batch_op:
        batch_op.add_column(sa.Column("summary", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("edits", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("version", schema=None) as batch_op:
        batch_op.drop_column("edits")
        batch_op.drop_column("summary")
