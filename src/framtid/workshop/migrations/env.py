"""Alembic environment: runs on the connection `db.migrate` hands over (config.attributes)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from framtid.workshop.models import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:   # `alembic` run by hand with -x url=…
        url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
            "sqlalchemy.url")
        with create_engine(url).connect() as conn:
            _run(conn)
            conn.commit()
        return
    _run(connection)


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite",
                      version_table="ws_alembic_version")
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; pass -x url=…")
run()
