"""Hardening (#12): every CLI usage error exits 2 with one line on stderr and no traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

FRAMTID = [sys.executable, "-c", "from framtid.cli import main; main()"]


def _run(args: list[str], db: Path | str, timeout: int = 120, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "FRAMTID_SNAPSHOT": "", "COLUMNS": "200"}
    return subprocess.run([*FRAMTID, "--db", str(db), *args], capture_output=True, text=True,
                          check=False, timeout=timeout, env=env, **kw)


@pytest.fixture(scope="module")
def ro_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("ro")
    d.chmod(0o555)   # no write bit: read-only, even for root
    yield d
    d.chmod(0o755)


BAD = [
    (["population", "3403", "--year", "abc"], "--year"),
    (["project", "3403", "--paths", "abc"], "--paths"),
    (["project", "3403", "--to", "abc"], "--to"),
    (["serve", "--port", "abc"], "--port"),
    (["serve", "--port", "99999"], "--port"),
    (["serve", "--port", "0"], "--port"),
    (["run", "--port", "-1"], "--port"),
    (["population", "3403", "--bogus"], "--bogus"),
    (["bogus"], "bogus"),
    (["data", "bogus"], "bogus"),
    (["population"], "region"),
    (["regions", "--level", "moon"], "moon"),
    (["project", "3403", "--to", "1800"], "to_year"),
    (["project", "3403", "--lever", "fertility"], "--lever"),
]


@pytest.mark.parametrize("args,names", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_usage_errors_exit_2_with_one_line(db_path, args, names):
    r = _run(args, db_path)
    assert r.returncode == 2, (r.returncode, r.stderr[-800:])
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("Error:") and names in lines[0], lines[0]


def _paths(tmp: Path, ro: Path) -> list[tuple[str, str]]:
    return [(str(tmp), "is a folder"), ("/proc/framtid.duckdb", "/proc"),
            ("/proc/self/status", "/proc"), (str(ro / "framtid.duckdb"), "read-only")]


def test_bad_db_paths_for_import_exit_2_and_leave_nothing(tmp_path, ro_dir, shared_data):
    for db, why in _paths(tmp_path, ro_dir):
        before = sorted(os.listdir(tmp_path)), sorted(os.listdir(ro_dir))
        r = _run(["data", "import", str(shared_data)], db)
        assert r.returncode == 2, (db, r.stderr[-800:])
        assert "Traceback" not in r.stderr
        assert db in r.stderr and why in r.stderr, r.stderr
        assert (sorted(os.listdir(tmp_path)), sorted(os.listdir(ro_dir))) == before
        r = _run(["data", "update", "--base-url", "http://127.0.0.1:9/"], db)
        assert r.returncode == 2 and db in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert not list(Path("/proc").glob("framtid*"))


def test_bad_out_paths_exit_2_before_drawing(tmp_path, ro_dir, db_path):
    for out, why in [(str(tmp_path / "dir.svg"), "is a folder"), ("/proc/x.svg", "/proc"),
                     (str(ro_dir / "x.svg"), "read-only")]:
        if out.endswith("dir.svg"):
            Path(out).mkdir()
        r = _run(["chart", "3403", "pyramid", "--out", out], db_path)
        assert r.returncode == 2, (out, r.stderr[-800:])
        assert out in r.stderr and why in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert os.listdir(ro_dir) == []


def test_serve_on_a_port_in_use_exits_2_with_a_suggestion(db_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        r = _run(["serve", "--port", str(port)], db_path, timeout=60)
    assert r.returncode == 2, r.stderr[-800:]
    assert f"port {port} is in use; try --port " in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_serve_with_two_workers(db_path, tmp_path):
    """`framtid serve --workers 2`: uvicorn runs the app factory in two worker processes."""
    import signal
    import time
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = (tmp_path / "serve.log").open("w")
    env = {**os.environ, "FRAMTID_SNAPSHOT": ""}
    p = subprocess.Popen([*FRAMTID, "--db", str(db_path), "serve", "--port", str(port),
                          "--workers", "2"], stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.time() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                    assert r.status == 200
                    assert r.headers.get("server") is None
                    break
            except OSError:
                assert p.poll() is None, (tmp_path / "serve.log").read_text()
                assert time.time() < deadline, "server did not start"
                time.sleep(0.5)
        req = urllib.request.Request(f"http://127.0.0.1:{port}/api/regions/3403", method="HEAD")
        with urllib.request.urlopen(req, timeout=30) as r:
            assert r.status == 200 and r.read() == b""
        deadline = time.time() + 90       # the second worker may start later under load
        while (tmp_path / "serve.log").read_text().count("Started server process") < 2:
            assert time.time() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.5)
        assert (tmp_path / "serve.log").read_text().count("Started server process") == 2
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(60)
        log.close()
