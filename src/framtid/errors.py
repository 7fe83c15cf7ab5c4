"""Errors that reach the user: each carries a message meant to be read, never a traceback."""


class FramtidError(Exception):
    """Base for errors caused by input or the environment (CLI exit code 2, API 4xx)."""


class UnknownRegion(FramtidError):
    def __init__(self, query: str, suggestions: list[str]):
        self.query = query
        self.suggestions = suggestions
        hint = f" Did you mean {', '.join(suggestions)}?" if suggestions else ""
        shown = query if len(query) <= 60 else f"{query[:40]}… ({len(query):,} characters)"
        super().__init__(f"Unknown region {shown!r}.{hint}")


class SnapshotError(FramtidError):
    """A snapshot folder is missing files, has the wrong shape or fails a consistency check."""


class SourceError(FramtidError):
    """A live source (SSB PxWebApi, KLASS) failed: outage, rate limit storm, bad or truncated body."""


class StoreEmpty(FramtidError):
    """The store has no data yet."""
