"""Forgiving region lookup for the web: old codes and names, and the words people add.

- Old kommune and fylke codes (the store's `code_changes` table, FHI csdata): «5430» (Kautokeino
  2020–2023) is today's 5612; «54» (Troms og Finnmark) was split, so it gives a list.
- Old fylke names (2020–2023 and before 2020) that no longer name a region: «Viken», «Troms og
  Finnmark», «Hedmark»; their codes go through `code_changes` as above.
- Words around a name: «Hamar kommune», «Innlandet fylke», «Oslo/Bærum-regionen», «Hamar-regionen»
  (a BA-region is preferred for «-regionen»).
Kept per store version (the table changes with an import).
"""

from __future__ import annotations

import re
import threading

from ..names import fold

# Fylker that no longer exist, by name (folded) → their last code.
OLD_FYLKE_NAMES = {fold(k): v for k, v in {
    "Viken": "30", "Vestfold og Telemark": "38", "Troms og Finnmark": "54",
    "Romsa ja Finnmárku": "54", "Tromssa ja Finmarkku": "54", "Hedmark": "04", "Oppland": "05",
    "Aust-Agder": "09", "Vest-Agder": "10", "Hordaland": "12", "Sogn og Fjordane": "14",
    "Sør-Trøndelag": "16", "Nord-Trøndelag": "17"}.items()}
SUFFIXES = (("-regionen", "ba"), (" regionen", "ba"), (" region", "ba"), ("-region", "ba"),
            (" fylkeskommune", "fylke"), (" fylke", "fylke"), (" kommune", "kommune"),
            (" kommun", "kommune"))
PREFIXES = (("kommune ", "kommune"), ("fylke ", "fylke"))

_lock = threading.Lock()
_memo: dict = {}


def _changes(ctx, version) -> dict[str, set[str]]:
    """old code → the 2024 codes it went to (only codes that are not today's own)."""
    with _lock:
        hit = _memo.get("changes")
        if hit is not None and hit[0] == version:
            return hit[1]
    out: dict[str, set[str]] = {}
    df = ctx.store.optional_table("code_changes")
    if df is not None:
        for old, new in zip(df["code_original"], df["code_2024"]):
            if old and new and old != new:
                out.setdefault(str(old), set()).add(str(new))
    with _lock:
        _memo["changes"] = (version, out)
    return out


def successors(ctx, code: str) -> list:
    """Today's regions for an old code or an old fylke name ([] when there is none); a code
    that is a region today is not «old» and gives []."""
    regs = ctx.regions
    text = (code or "").strip()
    try:
        regs.get(text)
        return []
    except Exception:  # noqa: BLE001 - UnknownRegion
        pass
    key = fold(text)
    old = OLD_FYLKE_NAMES.get(key, text)
    if old.isdigit() and len(old) == 3:   # «010» style
        old = old.lstrip("0").zfill(2)
    new = _changes(ctx, ctx.store.version()).get(old, set())
    out = []
    for c in sorted(new):
        try:
            out.append(regs.get(c))
        except Exception:  # noqa: BLE001 - a code the store does not hold
            continue
    return out


def strip_words(text: str) -> tuple[str, str | None]:
    """«Hamar kommune» → («Hamar», "kommune"); «Oslo/Bærum-regionen» → («Oslo/Bærum», "ba")."""
    t = " ".join((text or "").split())
    low = t.lower()
    for suffix, level in SUFFIXES:
        if low.endswith(suffix) and len(t) > len(suffix):
            return t[: -len(suffix)].strip(), level
    for prefix, level in PREFIXES:
        if low.startswith(prefix) and len(t) > len(prefix):
            return t[len(prefix):].strip(), level
    return t, None


def resolve(ctx, text: str):
    """One region for `text` («Hamar kommune», «Innlandet fylke», «Hamar-regionen»), or None."""
    name, level = strip_words(text)
    if level is None:
        return None
    hits = [r for r in ctx.regions.find(name, 10) if r.level == level
            and fold(name) in (fold(r.name), fold(r.official_name),
                               fold(re.sub(r" \(.*\)$", "", r.name)))]
    return hits[0] if len(hits) == 1 else None


def find(ctx, text: str, limit: int = 10) -> list:
    """Search with the extras: a region for the words around a name first, then old codes and
    names, then the ordinary search."""
    first = []
    reg = resolve(ctx, text)
    if reg is not None:
        first.append(reg)
    first += successors(ctx, text)
    name, _ = strip_words(text)
    rest = ctx.regions.find(name, limit)
    seen, out = set(), []
    for r in first + rest:
        if r.code not in seen:
            seen.add(r.code)
            out.append(r)
    return out[:limit]
