"""The fitted model kept on disk beside the store (model/fitcache.py): the next process on the
same store version loads it instead of fitting, and gets the same projection."""

from __future__ import annotations

import shutil

import pytest

from framtid.context import Context
from framtid.model import fitcache
from framtid.model import service as model_service
from framtid.model.fit import FittedModel


@pytest.fixture()
def store_copy(tmp_path, db_path):
    path = tmp_path / "framtid.duckdb"
    shutil.copy(db_path, path)
    yield path
    model_service.clear_cache()


def _saved(path):
    return sorted((path.parent / "web-cache").glob(f"{fitcache.PREFIX}*.pkl"))


def test_a_fit_is_saved_and_loaded_by_the_next_process(store_copy, monkeypatch):
    ctx = Context(store_copy)
    model_service.clear_cache()
    first = model_service.project_region(ctx, "3403", to_year=2040)
    files = _saved(store_copy)
    assert len(files) == 1 and str(ctx.store.version()) in files[0].name

    def no_fit(cls, inp):
        raise AssertionError("fitted again although a saved fit exists")

    model_service.clear_cache()                 # a new process: nothing in memory
    monkeypatch.setattr(FittedModel, "fit", classmethod(no_fit))
    again = model_service.project_region(ctx, "3403", to_year=2040)
    assert again == first


def test_a_damaged_file_is_ignored_and_replaced(store_copy):
    ctx = Context(store_copy)
    model_service.clear_cache()
    first = model_service.project_region(ctx, "0301", to_year=2035)
    (path,) = _saved(store_copy)
    path.write_bytes(b"not a pickle")
    model_service.clear_cache()
    assert model_service.project_region(ctx, "0301", to_year=2035) == first
    assert path.read_bytes() != b"not a pickle"        # fitted again, and saved again


def test_a_new_store_version_replaces_the_old_file(store_copy, tmp_path):
    ctx = Context(store_copy)
    model_service.clear_cache()
    model_service.project_region(ctx, "3403", to_year=2030)
    (old,) = _saved(store_copy)
    new = tmp_path / "new.duckdb"
    shutil.copy(store_copy, new)
    shutil.move(new, store_copy)                       # a swap: the version changes
    model_service.project_region(ctx, "3403", to_year=2030)
    (current,) = _saved(store_copy)
    assert current != old and not old.exists()


def test_the_cache_can_be_turned_off(store_copy, monkeypatch):
    monkeypatch.setenv("FRAMTID_FIT_CACHE", "0")
    model_service.clear_cache()
    model_service.project_region(Context(store_copy), "3403", to_year=2030)
    assert _saved(store_copy) == []
