"""Where workshop state lives: SQLite beside the store (default, zero set-up) or PostgreSQL when
FRAMTID_DATABASE_URL says so (several server processes then serve one workshop consistently).

`Database(url)` opens the engine and runs the Alembic migrations to head, once per process and
serialised across processes (a PostgreSQL advisory lock, or a file lock beside the SQLite file),
so that `uvicorn --workers 4` starting at once migrates exactly once.

SQLite runs in WAL mode with `synchronous=NORMAL` (a committed answer survives a killed server
process) and every transaction starts with `BEGIN IMMEDIATE`, so concurrent writers queue on the
busy timeout instead of failing on a read-to-write lock upgrade.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_NAME = "workshop.sqlite"
ENV_URL = "FRAMTID_DATABASE_URL"
_ADVISORY_KEY = 7_140_204_014   # «framtid workshop» migration lock (any fixed 64-bit number)


def default_url(db_path: Path | str | None = None) -> str:
    """FRAMTID_DATABASE_URL if set, else a SQLite file beside the store (FRAMTID_HOME)."""
    env = os.environ.get(ENV_URL, "").strip()
    if env:
        return normalise(env)
    if db_path is None:
        from .. import config

        folder = config.home()
    else:
        folder = Path(db_path).parent
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / SQLITE_NAME}"


def normalise(url: str) -> str:
    """postgres://… and postgresql://… use psycopg 3 (the only PostgreSQL driver we ship)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


class Database:
    def __init__(self, url: str, *, migrate: bool = True):
        self.url = normalise(url)
        self.engine = _engine(self.url)
        self.session = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite: one writer at a time. Threads of this process queue on a lock (woken at once
        # when it is free) instead of SQLite's busy handler, which sleeps in growing steps and
        # turns a busy minute into seconds of waiting. Other processes still meet the busy
        # timeout.
        self._lock = (threading.Lock() if self.engine.dialect.name == "sqlite"
                      else contextlib.nullcontext())
        if migrate:
            self.migrate()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def migrate(self) -> None:
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with self._migration_lock(), self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    @contextlib.contextmanager
    def _migration_lock(self) -> Iterator[None]:
        if self.dialect == "postgresql":
            with self.engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _ADVISORY_KEY})
                conn.commit()
                try:
                    yield
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _ADVISORY_KEY})
                    conn.commit()
        elif self.dialect == "sqlite" and self.engine.url.database not in (None, "", ":memory:"):
            with open(f"{self.engine.url.database}.lock", "a+") as fh:
                fcntl.flock(fh, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(fh, fcntl.LOCK_UN)
        else:
            yield

    def warm(self, n: int | None = None) -> None:
        """Open the pool's connections now (a PostgreSQL connection forks a server process:
        better at start than in the first minute of a meeting)."""
        n = n if n is not None else self.engine.pool.size()
        conns = []
        try:
            for _ in range(max(0, n)):
                conns.append(self.engine.connect())
                conns[-1].execute(text("SELECT 1"))
                conns[-1].rollback()
        finally:
            for c in conns:
                c.close()

    @contextlib.contextmanager
    def tx(self) -> Iterator[Session]:
        """One transaction (ORM session): committed on success, rolled back on any error."""
        with self._lock, self.session() as s, s.begin():
            yield s

    @contextlib.contextmanager
    def begin(self) -> Iterator:
        """One transaction on a plain connection (the hot paths: join, answer)."""
        with self._lock, self.engine.begin() as con:
            yield con

    def dispose(self) -> None:
        self.engine.dispose()


def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        eng = create_engine(url, pool_size=8, max_overflow=16, pool_timeout=30,
                            connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(eng, "connect")
        def _sqlite_on_connect(dbapi_conn, _record):
            dbapi_conn.isolation_level = None      # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(eng, "begin")
        def _sqlite_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return eng
    # No pre-ping (a round trip per request); connections are recycled instead, and a
    # connection the server dropped fails one request, which the client may retry.
    return create_engine(url, pool_size=10, max_overflow=10, pool_recycle=600,
                         pool_timeout=30)
