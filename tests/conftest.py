"""Shared fixtures: one store imported from the real snapshot (../shared/data) per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("FRAMTID_SHARED_DATA", REPO.parent / "shared" / "data"))
# `framtid data import` renders the web pages of Norway, the fylker and the BA-regions before the
# swap (minutes); the CLI tests import many times and test other things, so they skip that here.
# tests/test_web_pagecache.py tests the page build itself.
os.environ.setdefault("FRAMTID_IMPORT_PAGES", "0")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    assert SHARED_DATA.is_dir(), f"snapshot data not found at {SHARED_DATA}"
    return SHARED_DATA


@pytest.fixture(scope="session")
def db_path(tmp_path_factory, shared_data) -> Path:
    from framtid.pipeline import import_snapshot

    path = tmp_path_factory.mktemp("store") / "framtid.duckdb"
    import_snapshot(shared_data, path)
    return path


@pytest.fixture(scope="session")
def ctx(db_path):
    from framtid.context import Context

    return Context(db_path)


# The workshop tests' throwaway PostgreSQL (one server per session, shared by their files).
from workshop_pg import postgres  # noqa: E402,F401
