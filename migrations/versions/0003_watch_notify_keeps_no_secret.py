"""watch.notify: Apprise URLs become references to the config's targets

The database keeps no secret: a watch's notification targets are its tags and, for an
Apprise URL (tokens, passwords), ``target:`` and a hash of it, matched against the URLs
of the config file at start. A URL given only to ``monitor add --notify`` before this
revision is no longer known: put it in the config file under ``[notify] urls``.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 21:30:00
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_WATCH = sa.table("watch", sa.column("id", sa.Integer), sa.column("notify", sa.JSON))


def _reference(selector: str) -> str:
    # monitor.config.target_ref as of this revision, frozen here.
    if "://" not in selector:
        return selector
    return "target:" + hashlib.sha256(selector.encode()).hexdigest()[:16]


def upgrade() -> None:
    connection = op.get_bind()
    for watch_id, notify in connection.execute(sa.select(_WATCH.c.id, _WATCH.c.notify)).all():
        kept = [_reference(selector) for selector in notify or []]
        if kept != (notify or []):
            connection.execute(sa.update(_WATCH).where(_WATCH.c.id == watch_id).values(notify=kept))


def downgrade() -> None:
    pass  # the URLs are gone from the database, by design; they live in the config file
