"""Write aside, then rename: an export either appears whole or not at all.

The output's folder must exist and be writable; the bytes go to a hidden temporary file in that
folder, which is renamed over the target only when complete (`os.replace` is atomic on one file
system). On any error the temporary file is removed.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Callable, Iterator

from ..errors import FramtidError


def check_target(path: str | Path) -> Path:
    """The target path, or a FramtidError if its folder is missing or not writable."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FramtidError(f"The folder {str(folder)!r} does not exist; create it first or choose "
                           "another --out.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise FramtidError(f"The folder {str(folder)!r} is not writable; choose another --out.")
    if path.is_dir():
        raise FramtidError(f"{str(path)!r} is a folder; --out needs a file name.")
    return path


@contextlib.contextmanager
def aside(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it over `path` when the block succeeds."""
    path = check_target(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def produce(path: str | Path | None, make: Callable[[], bytes]) -> bytes:
    """`make()`'s bytes, written atomically to `path` when given (the target is checked before
    the work); nothing is left on failure."""
    if path is None:
        return make()
    target = check_target(path)
    data = make()
    with aside(target) as tmp:
        tmp.write_bytes(data)
    return data
