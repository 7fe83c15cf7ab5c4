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
        years, _, _ = self.store.population_cube()
        return int(years[-1])
