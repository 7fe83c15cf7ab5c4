"""A throwaway PostgreSQL for the workshop tests: `initdb` + `pg_ctl start` in a temp folder on a
free loopback port, stopped and removed at the end of the session. Nothing is installed here:
`./dev` installs Debian's postgresql; the binaries are under /usr/lib/postgresql/*/bin.

As root (CI) the server runs as the `postgres` user via runuser (initdb refuses root). Set
FRAMTID_TEST_DATABASE_URL to use a server of your own instead. Without PostgreSQL the tests that
need it are skipped, except in CI (CI=1), where they fail.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return Path(found[-1]).parent if found else None


class ThrowawayPostgres:
    def __init__(self):
        bindir = _bindir()
        if bindir is None:
            raise FileNotFoundError("PostgreSQL is not installed (./dev installs it)")
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="framtid-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.prefix: list[str] = []
        if os.getuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self.prefix = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-locale", "--no-sync")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-w", "-t", "60",
                  "-o", f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                        f"-c fsync=off -c synchronous_commit=on -c full_page_writes=off "
                        f"-c max_connections=250", "start")
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run([*self.prefix, str(self.bindir / tool), *args], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)

    def new_database(self) -> str:
        """A fresh, empty database on the server (one per test that needs isolation)."""
        import psycopg

        name = "ws_" + uuid.uuid4().hex[:12]
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


class _External:
    def __init__(self, url: str):
        self.url = url

    def new_database(self) -> str:
        return self.url

    def stop(self) -> None:
        pass


@pytest.fixture(scope="session")
def postgres():
    """The session's PostgreSQL server (`.url`, `.new_database()`)."""
    env = os.environ.get("FRAMTID_TEST_DATABASE_URL")
    if env:
        yield _External(env)
        return
    try:
        pg = ThrowawayPostgres()
    except (FileNotFoundError, subprocess.CalledProcessError, KeyError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        msg = f"no throwaway PostgreSQL: {exc} {detail.decode(errors='replace')[:500]}"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    try:
        yield pg
    finally:
        pg.stop()
