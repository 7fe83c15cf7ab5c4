"""Shared benchmark fixture: one store imported from the snapshot (../shared/data) per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("FRAMTID_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def ctx(tmp_path_factory):
    from framtid.context import Context
    from framtid.pipeline import import_snapshot

    path = tmp_path_factory.mktemp("bench") / "framtid.duckdb"
    import_snapshot(SHARED_DATA, path)
    return Context(path)
