"""Alembic environment: run by ``monitor.storage.migrate``, from the checkout or installed."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from monitor.history.index import is_index_table
from monitor.schema import Base

config = context.config


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _not_the_index(name: str | None, type_: str, parents: object) -> bool:
    return not (type_ == "table" and name is not None and is_index_table(name))


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things in place; batch mode rebuilds the table.
        render_as_batch=True,
        compare_type=True,
        # The full-text index is made by hand (migration 0006): not the models' to compare.
        include_name=_not_the_index,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
