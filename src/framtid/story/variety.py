"""How alike do two stories read? The measure behind «variety» in docs/story.md.

A story's *sentence templates* are its sentences (headlines, texts and actions, split at «. »)
with every number and every name of the region masked. Two kommuner of different arcs share a
template when both stories contain the same masked sentence. The figure is the share of one
story's templates that the other story also has, averaged over random pairs of kommuner with
different arcs (a fixed seed, so the figure is reproducible).
"""

from __future__ import annotations

import random
import re

_NUMBER = re.compile(r"\d[\d\u00a0 .,]*\d|\d")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def skeletons(story: dict) -> set[str]:
    """The masked sentences of one story."""
    reg = story["region"]
    names = {reg["name"], reg["official_name"], *reg["official_name"].split(" - ")}
    names = sorted((n for n in names if n), key=len, reverse=True)
    out = set()
    for beat in story["beats"]:
        for text in (beat["headline"], beat["text"], beat["action"]["effect_text"]):
            for sentence in _SENTENCE.split(text):
                s = sentence
                for n in names:
                    s = s.replace(n, "<NAME>")
                s = _NUMBER.sub("<N>", s).strip()
                if s:
                    out.add(s)
    return out


def variety(stories: dict[str, dict], pairs: int = 2000, seed: int = 0) -> dict:
    """Share of sentence templates identical between two random kommuner of different arcs.

    `stories`: code → story (one language). Returns the mean share, the number of pairs and the
    share per pair of arcs."""
    rng = random.Random(seed)
    codes = sorted(stories)
    sk = {c: skeletons(stories[c]) for c in codes}
    arc = {c: stories[c].get("arc") for c in codes}
    shares, by_arcs = [], {}
    tries = 0
    while len(shares) < pairs and tries < pairs * 20:
        tries += 1
        a, b = rng.sample(codes, 2)
        if arc[a] == arc[b] or not sk[a]:
            continue
        share = len(sk[a] & sk[b]) / len(sk[a])
        shares.append(share)
        by_arcs.setdefault(tuple(sorted((arc[a], arc[b]))), []).append(share)
    return {"share": sum(shares) / len(shares) if shares else 0.0, "pairs": len(shares),
            "by_arcs": {f"{x}/{y}": round(sum(v) / len(v), 3)
                        for (x, y), v in sorted(by_arcs.items())}}
