"""Where framtid keeps its store, and where a snapshot comes from (environment-driven)."""

from __future__ import annotations

import os
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
