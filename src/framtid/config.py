"""Where framtid keeps its store, and where a snapshot comes from (environment-driven)."""

from __future__ import annotations

import hashlib
import os
import tempfile
from functools import lru_cache
from pathlib import Path

from platformdirs import user_data_dir

DB_FILENAME = "framtid.duckdb"


def home() -> Path:
    """The data folder: FRAMTID_HOME, or the platform's user data dir."""
    env = os.environ.get("FRAMTID_HOME")
    return Path(env) if env else Path(user_data_dir("framtid", appauthor=False))


def default_db_path() -> Path:
    return home() / DB_FILENAME


def snapshot_dir() -> Path | None:
    """A snapshot folder to load into an empty store (tests and CI point it at ../shared/data)."""
    env = os.environ.get("FRAMTID_SNAPSHOT")
    return Path(env) if env else None


def cache_dir_for(db_path: Path | str) -> Path:
    """The folder for files derived from one store (rendered pages, the fitted model, the Vega
    bundle): `web-cache` beside the store, or a per-user temporary folder where that is not
    writable."""
    for cand in (Path(db_path).parent / "web-cache",
                 Path(tempfile.gettempdir()) / f"framtid-web-{os.getuid()}"):
        try:
            cand.mkdir(parents=True, exist_ok=True)
            probe = cand / f".probe-{os.getpid()}"
            probe.write_text("ok")
            probe.unlink()
            return cand
        except OSError:
            continue
    raise RuntimeError("no writable folder for framtid's cache")


PACKAGE = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def build_id() -> str:
    """A hash of framtid's source (Python modules, templates, language catalogs): files derived
    by older code (cached pages, a saved model fit) are never read by newer code."""
    h = hashlib.sha1()
    for p in sorted(PACKAGE.rglob("*")):
        if p.is_file() and p.suffix in (".py", ".html", ".toml", ".json", ".j2", ".txt", ".css",
                                        ".js", ".md") and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(PACKAGE)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:12]
