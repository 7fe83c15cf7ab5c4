"""The fitted model kept on disk beside the store, per (framtid build, store version, base year).

Reading the inputs from the store and fitting the rates takes ≈ 2.5 s; every process pays it
once: each CLI call, each server worker, each worker of the page build at import. Saved here
after a fit and loaded (≈ 0.05 s) by the next process on the same store version. The file is
written aside and renamed into place, so a reader never sees half a file; files of other store
versions, base years or builds are removed when a new one is written. A file that cannot be read
(damaged, or written by other code) is ignored and the model is fitted as before.

The file is a pickle: it is only ever read from the store's own cache folder, which only the
store's owner can write (as the store itself). FRAMTID_FIT_CACHE=0 turns it off.
"""

from __future__ import annotations

import logging
import os
import pickle
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import build_id, cache_dir_for

if TYPE_CHECKING:
    from .fit import FittedModel

PREFIX = "model-fit-"
log = logging.getLogger("framtid.model")


def enabled() -> bool:
    return os.environ.get("FRAMTID_FIT_CACHE", "1").strip().lower() not in ("0", "false", "no",
                                                                            "off")


class SavedFit:
    def __init__(self, path: Path):
        self.path = path

    def load(self) -> "FittedModel | None":
        from .fit import FittedModel

        try:
            with open(self.path, "rb") as f:
                fm = pickle.load(f)
        except FileNotFoundError:
            return None
        except Exception:                   # damaged or foreign: fit again (and overwrite it)
            log.warning("ignoring unreadable saved model fit %s", self.path)
            return None
        return fm if isinstance(fm, FittedModel) else None

    def save(self, fm: "FittedModel") -> None:
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            with open(tmp, "wb") as f:
                pickle.dump(fm, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.path)
        except OSError:                     # a convenience only: the model is in memory anyway
            tmp.unlink(missing_ok=True)
            return
        for other in self.path.parent.glob(f"{PREFIX}*.pkl"):
            if other != self.path:
                other.unlink(missing_ok=True)


def saved_fit(db_path: Path | str, version: int, base_year: int) -> SavedFit | None:
    """Where the fit of this store version and base year is (or would be) saved; None when the
    cache is off or the store has no version yet."""
    if not enabled() or not version:
        return None
    try:
        folder = cache_dir_for(db_path)
    except RuntimeError:
        return None
    return SavedFit(folder / f"{PREFIX}{build_id()}-{version}-{base_year}.pkl")
