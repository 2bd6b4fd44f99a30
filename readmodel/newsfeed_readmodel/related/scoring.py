"""Relatedness of two articles, candidate pruning and the reason text: pure functions.

The score is symmetric (`score(a, b) == score(b, a)`), which is what lets the store insert
a new article into its neighbours' lists with the same number it ranks them by:

    score = cosine(term profiles) x recency(|published_a - published_b|)

Both profiles are L2-normalised over their top terms (see `terms.weigh`), so the cosine is
a sparse dot product. Recency never drops below `RECENCY_FLOOR`: last year's coverage of
the same story still beats this week's unrelated article, but loses to this week's related one.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from ..content import stored_text
from .terms import TAG_MARK, TermCounts, count_terms

__all__ = [
    "RECENCY_FLOOR",
    "Profile",
    "decode_profile",
    "document_facts",
    "encode_profile",
    "language_of",
    "prune",
    "rank",
    "reason",
    "recency",
    "score",
]

RECENCY_FLOOR = 0.4
MIN_SCORE = 0.01
_DAY_S = 86_400.0


@dataclass(frozen=True, slots=True)
class Profile:
    """What relatedness needs of one article: language, publication time, weighted terms, tag names."""

    article_id: str
    language: str
    published_s: float
    weights: dict[str, float]
    tag_names: dict[str, str] = field(default_factory=dict)


def language_of(language: str | None) -> str:
    """The primary language subtag: `en-GB` and `en` are one language; unknown is its own."""
    return (language or "").split("-")[0].split("_")[0].lower()


def recency(seconds_apart: float, half_life_days: float) -> float:
    """1.0 for articles published together, halving towards `RECENCY_FLOOR` every half-life."""
    if half_life_days <= 0:
        return 1.0
    decay = math.pow(0.5, abs(seconds_apart) / _DAY_S / half_life_days)
    return RECENCY_FLOOR + (1.0 - RECENCY_FLOOR) * decay


def score(a: Profile, b: Profile, half_life_days: float) -> float:
    """Symmetric relatedness in [0, 1]; 0 across languages."""
    if a.language != b.language or a.article_id == b.article_id:
        return 0.0
    shared = a.weights.keys() & b.weights.keys()
    if not shared:
        return 0.0
    dot = math.fsum(a.weights[t] * b.weights[t] for t in shared)  # exact, so order-free: symmetric
    return dot * recency(a.published_s - b.published_s, half_life_days)


def rank(profile: Profile, candidates: Iterable[Profile], half_life_days: float, limit: int) -> list[tuple[str, float]]:
    """The best `limit` candidates as (id, score), best first, ties by id; junk below MIN_SCORE dropped."""
    scored = ((c.article_id, score(profile, c, half_life_days)) for c in candidates)
    kept = [(aid, s) for aid, s in scored if s >= MIN_SCORE]
    return heapq.nsmallest(limit, kept, key=lambda item: (-item[1], item[0]))


def prune(weights: Mapping[str, float], postings: Mapping[str, Iterable[str]], exclude: str, limit: int) -> list[str]:
    """Candidate ids worth scoring: those sharing the most query weight, at most `limit` of them.

    An upper bound of the dot product would need the candidates' weights; the query-side
    weight of the shared terms is a cheap proxy that keeps the work per article constant.
    """
    mass: dict[str, float] = {}
    for term, ids in postings.items():
        weight = weights.get(term, 0.0)
        for aid in ids:
            if aid != exclude:
                mass[aid] = mass.get(aid, 0.0) + weight
    return [aid for aid, _ in heapq.nsmallest(limit, mass.items(), key=lambda kv: (-kv[1], kv[0]))]


def reason(a: Profile, b: Profile, *, terms: int = 3) -> dict[str, Any]:
    """Why `b` is related to `a`: the shared tags (by name) and the strongest shared words."""
    shared = {t: w * b.weights[t] for t, w in a.weights.items() if t in b.weights}
    tag_slugs = sorted(set(a.tag_names) & set(b.tag_names))
    tags = [a.tag_names[s] or s for s in tag_slugs]
    words = [t for t, _ in sorted(shared.items(), key=lambda kv: (-kv[1], kv[0])) if not t.startswith(TAG_MARK)]
    words = words[:terms]
    parts = []
    if tags:
        parts.append("tagged " + ", ".join(tags))
    if words:
        parts.append("about " + ", ".join(words))
    text = "; ".join(parts)
    return {"tags": tags, "terms": words, "text": text[:1].upper() + text[1:]}


def encode_profile(profile: Profile) -> bytes:
    return orjson.dumps(
        {
            "l": profile.language,
            "t": profile.published_s,
            "w": {t: round(w, 5) for t, w in profile.weights.items()},
            "g": profile.tag_names,
        }
    )


def decode_profile(article_id: str, raw: bytes | str) -> Profile:
    data = orjson.loads(raw)
    return Profile(article_id, data["l"], float(data["t"]), dict(data["w"]), dict(data.get("g", {})))


def document_facts(document: Mapping[str, Any]) -> tuple[TermCounts, str, float, dict[str, str]]:
    """(term counts, language, published time in s, tag names) of a stored article document."""
    body = stored_text(dict(document))
    tags = [t for t in document.get("tags") or [] if t.get("slug")]
    language = language_of(document.get("language"))
    counts = count_terms(str(document.get("title") or ""), body, (t["slug"] for t in tags), language)
    published = document.get("published_at")
    published_s = datetime.fromisoformat(published.replace("Z", "+00:00")).timestamp() if published else 0.0
    return counts, language, published_s, {t["slug"].lower(): t.get("name") or t["slug"] for t in tags}
