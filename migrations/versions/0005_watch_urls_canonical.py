"""watch.url: one spelling per page

A watch's URL is stored in its canonical spelling: scheme and host in lower case, no
default port, no fragment (path and query as written). Existing watches are respelled,
unless two of them would become one: those are left as they are, both with their
history, and named in a warning (keep one with `monitor remove URL`); nothing is merged.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 04:00:00
"""

from __future__ import annotations

import logging
from collections import defaultdict
from urllib.parse import urlsplit, urlunsplit

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

log = logging.getLogger("monitor.migrations")

_WATCH = sa.table("watch", sa.column("id", sa.Integer), sa.column("url", sa.String))
_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical(url: str) -> str:
    # monitor.config.canonical_url as of this revision, frozen here.
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return url
    user = parts.netloc.rpartition("@")[0]
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host += f":{port}"
    netloc = f"{user}@{host}" if user else host
    return urlunsplit((scheme, netloc, parts.path, parts.query, ""))


def upgrade() -> None:
    connection = op.get_bind()
    spellings: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for watch_id, url in connection.execute(sa.select(_WATCH.c.id, _WATCH.c.url)).all():
        spellings[canonical(url)].append((watch_id, url))
    for url, rows in sorted(spellings.items()):
        if len(rows) > 1:
            log.warning(
                "watches %s are one page (%s); kept apart with their histories: remove the "
                "one you do not want with `monitor remove URL --yes`",
                ", ".join(sorted(written for _, written in rows)),
                url,
            )
            continue
        ((watch_id, written),) = rows
        if written != url:
            connection.execute(sa.update(_WATCH).where(_WATCH.c.id == watch_id).values(url=url))


def downgrade() -> None:
    pass  # the old spellings named the same pages; the canonical ones work for any revision
