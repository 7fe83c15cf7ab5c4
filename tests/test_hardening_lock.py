"""Hardening (#12): one import at a time; readers never see a lock error."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from framtid.errors import FramtidError
from framtid.store import ImportRunning, connect, import_lock, lock_path

FRAMTID = [sys.executable, "-c", "from framtid.cli import main; main()"]


@pytest.fixture()
def store_copy(tmp_path, db_path):
    path = tmp_path / "framtid.duckdb"
    shutil.copy(db_path, path)
    return path


def _holder(code: str) -> subprocess.Popen:
    """A second process that prints 'ready' once it holds what `code` takes, then waits for
    a line on stdin."""
    script = textwrap.dedent(code) + "\nprint('ready', flush=True)\nsys.stdin.readline()\n"
    p = subprocess.Popen([sys.executable, "-c", "import sys\n" + script], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    return p


def _release(p: subprocess.Popen) -> None:
    p.stdin.write("\n")
    p.stdin.flush()
    p.wait(30)


def test_second_import_exits_2_while_one_runs(store_copy, shared_data):
    before = store_copy.read_bytes()
    holder = _holder(f"""
        from framtid.store import import_lock
        ctx = import_lock({str(store_copy)!r}); ctx.__enter__()
    """)
    try:
        r = subprocess.run([*FRAMTID, "--db", str(store_copy), "data", "import", str(shared_data)],
                           capture_output=True, text=True, check=False, timeout=120)
        assert r.returncode == 2, r.stderr
        assert f"another import is running (lock {lock_path(store_copy)})" in r.stderr
        assert "Traceback" not in r.stderr
        assert "Reading" not in r.stderr    # refused before reading the snapshot
        r = subprocess.run([*FRAMTID, "--db", str(store_copy), "data", "update",
                            "--base-url", "http://127.0.0.1:9/"],
                           capture_output=True, text=True, check=False, timeout=120)
        assert r.returncode == 2 and "another import is running" in r.stderr, r.stderr
    finally:
        _release(holder)
    assert store_copy.read_bytes() == before
    assert not Path(str(store_copy) + ".new").exists()
    # the lock is gone with its holder: the next import runs
    r = subprocess.run([*FRAMTID, "--db", str(store_copy), "data", "import", str(shared_data),
                        "--json"], capture_output=True, text=True, check=False, timeout=300)
    assert r.returncode == 0, r.stderr


def test_two_real_imports_at_once(store_copy, shared_data):
    """Two `framtid data import` processes started together: one imports, the other exits 2
    at once (or, if the first was already done, imports after it); never a torn store."""
    cmd = [*FRAMTID, "--db", str(store_copy), "data", "import", str(shared_data), "--json"]
    a = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # wait until the first holds the lock, then start the second
    deadline = time.time() + 60
    while time.time() < deadline and a.poll() is None:
        try:
            with import_lock(store_copy):
                pass
        except ImportRunning:
            break
        time.sleep(0.01)
    b = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=300)
    _, a_err = a.communicate(timeout=300)
    assert a.returncode == 0, a_err
    assert b.returncode in (0, 2), b.stderr
    if a.poll() is not None and b.returncode == 2:
        assert "another import is running" in b.stderr and "Traceback" not in b.stderr
    with connect(store_copy) as con:
        assert con.execute("SELECT count(*) FROM population").fetchone()[0] > 1_000_000


def test_lock_is_reentrant_in_one_process(tmp_path):
    db = tmp_path / "s.duckdb"
    other = textwrap.dedent(f"""
        import sys
        from framtid.store import import_lock, ImportRunning
        try:
            import_lock({str(db)!r}).__enter__()
        except ImportRunning:
            sys.exit(3)
    """)
    with import_lock(db):
        with import_lock(db):
            pass
        # still held after the nested exit: another process is refused
        assert subprocess.run([sys.executable, "-c", other], check=False).returncode == 3
    assert subprocess.run([sys.executable, "-c", other], check=False).returncode == 0


def test_readers_wait_out_a_writer_lock(store_copy):
    """A process holding DuckDB's write lock on the store for a moment (as an in-place writer
    would) makes readers retry briefly instead of failing."""
    holder = _holder(f"""
        import duckdb
        con = duckdb.connect({str(store_copy)!r})
    """)
    try:
        with pytest.raises(FramtidError, match="Cannot open the data store"):  # noqa: SIM117
            with connect(store_copy):   # held for longer than the retries last: a clear error
                pass
        import threading

        threading.Timer(0.2, _release, args=(holder,)).start()
        with connect(store_copy) as con:      # released after 0.2 s: the reader gets through
            assert con.execute("SELECT count(*) FROM regions").fetchone()[0] == 532
    finally:
        if holder.poll() is None:
            _release(holder)


def test_failed_swap_leaves_no_partial_file(tmp_path):
    """Before: os.replace failing (here: the target is a folder) left a `<db>.new` behind."""
    import pandas as pd

    from framtid.sources.snapshot import Dataset, Provenance
    from framtid.store import write_dataset

    ds = Dataset()
    ds.add("t", pd.DataFrame({"x": [1, 2]}), Provenance("t", "test", None, "CC0", "2026-01-01"))
    target = tmp_path / "is-a-dir.duckdb"
    target.mkdir()
    with pytest.raises(OSError):
        write_dataset(target, ds, origin="test")
    assert sorted(os.listdir(tmp_path)) == ["is-a-dir.duckdb"]
