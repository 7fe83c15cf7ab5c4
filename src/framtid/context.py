"""One place that opens the store and keeps what every command and request reuses."""

from __future__ import annotations

from pathlib import Path

from .regions import Regions
from .store import Store, connect


class Context:
    def __init__(self, db_path: Path):
        self.db_path = Path(db_path)
        with connect(self.db_path):  # fail early with a clear message if there is no store
            pass
        self.store = Store(self.db_path)

    @property
    def regions(self) -> Regions:
        """Regions of the current store version (rebuilt after a swap; one tuple, so a thread
        never sees the regions of one version labelled with another)."""
        return self.store.cached("context.regions", lambda: Regions(self.store))

    @property
    def last_year(self) -> int:
        """The last registered year (the projections' base): one small query, not the whole
        population cube, so that a CLI call on a saved model fit never loads the cube."""
        return self.store.cached("context.last_year", lambda: int(self.store.query(
            "SELECT max(year) AS y FROM population WHERE region_code <> 'NO'")["y"].iloc[0]))
