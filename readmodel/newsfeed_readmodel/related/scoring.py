"""How related two articles are: one integer, the same on every machine and in every order.

For two articles a, b of the same language:

    D = <dense_a, dense_b>          int8 embeddings: |D| <= dim x 127^2 < 2^24
    L = sum of w_a(t) x w_b(t)      over their shared terms, weights 1..255
    G = |tags_a & tags_b|
    score = (WD x D + WL x L + WG x G) x REC[|hour_a - hour_b|]

with integer weights (`ScoreSettings.weights`: similarity 1.0 == 2^24) and an integer recency
table (1.0 == 2^16), built once with `decimal`, so no transcendental function is evaluated
when scoring. The score is symmetric. An article's related list is the first `k` other live
articles of its language scoring above `min_score`, ordered by (score descending, id ascending):
a total order, so the list is unique, whoever computes it and whenever.

Exactness: the dense dot products are computed with float32 BLAS on integer vectors, where
every partial sum is an integer below 2^24 and therefore exact in any summation order; the
rest are integers below 2^53, exact in float64. `ScoreSettings.__post_init__` checks both bounds.
"""

from __future__ import annotations

import heapq
from dataclasses import asdict, dataclass
from decimal import Decimal, localcontext
from functools import cache
from typing import Any

import numpy as np
import orjson

from .features import Features
from .vocabulary import unexplaining

__all__ = [
    "REC_ONE",
    "SIM_ONE",
    "Entry",
    "ScoreSettings",
    "pair_score",
    "rank_key",
    "reason",
    "recency_table",
    "shown_score",
]

SIM_ONE = 1 << 24
REC_ONE = 1 << 16

Entry = tuple[int, str]
"""(score, article id): one place in a related list."""


def rank_key(entry: Entry) -> tuple[int, str]:
    """Ascending order of this key is the order of a related list: best score first, then smaller id."""
    return (-entry[0], entry[1])


@dataclass(frozen=True, slots=True)
class ScoreSettings:
    """The blend; changing one setting means recomputing every list (`newsfeed reindex --related`)."""

    k: int = 20  # links kept per article (the API serves up to 20)
    min_score: float = 0.1  # at or below this an article is not related (see docs/related.md)
    w_dense: float = 0.25  # weight of the embedding cosine
    w_lexical: float = 0.75  # weight of the shared-terms cosine
    w_tag: float = 0.05  # per shared tag
    half_life_hours: int = 168  # recency: the gap at which the decaying part halves (0: no decay)
    recency_floor: float = 0.5  # the factor never drops below this (old coverage still counts)
    max_hours: int = 24 * 366  # the recency factor is constant beyond this gap
    dense_scale: float = 200.0  # as in FeatureSettings
    lexical_scale: float = 255.0
    dim: int = 256
    n_terms: int = 120  # as in FeatureSettings
    tag_cap: int = 8

    def __post_init__(self) -> None:
        if self.dim * 127 * 127 >= 2**24 or self.n_terms * 255 * 255 >= 2**24:
            raise ValueError("dense dot products would leave float32's exact range")
        wd, wl, wg = self.weights
        top = wd * self.dim * 127 * 127 + wl * self.n_terms * 255 * 255 + wg * self.tag_cap
        if top * REC_ONE >= 2**53:
            raise ValueError("scores would leave float64's exact range")

    @property
    def floor(self) -> int:
        """`min_score` as an integer score: a related article scores above it."""
        return round(self.min_score * SIM_ONE * REC_ONE)

    @property
    def weights(self) -> tuple[int, int, int]:
        """(WD, WL, WG): integer weights of the dense dot, the lexical dot and a shared tag."""
        return (
            round(self.w_dense * SIM_ONE / self.dense_scale**2),
            round(self.w_lexical * SIM_ONE / self.lexical_scale**2),
            round(self.w_tag * SIM_ONE),
        )

    def recency(self) -> np.ndarray[Any, np.dtype[np.int64]]:
        return recency_table(self.half_life_hours, self.recency_floor, self.max_hours)

    def fingerprint(self) -> str:
        return orjson.dumps(asdict(self), option=orjson.OPT_SORT_KEYS).decode()


@cache
def recency_table(half_life_hours: int, floor: float, max_hours: int) -> np.ndarray[Any, np.dtype[np.int64]]:
    """REC[h] = round(2^16 x (floor + (1 - floor) x 2^(-h / half_life))), h = 0..max_hours."""
    table = np.full(max_hours + 1, REC_ONE, dtype=np.int64)
    if half_life_hours > 0:
        with localcontext() as context:
            context.prec = 40
            low, half_life, ln2 = Decimal(repr(floor)), Decimal(half_life_hours), Decimal(2).ln()
            for h in range(max_hours + 1):
                factor = low + (1 - low) * (-(Decimal(h) / half_life) * ln2).exp()
                table[h] = int((REC_ONE * factor).to_integral_value())
    table.setflags(write=False)
    return table


def _recency(settings: ScoreSettings, a: Features, b: Features) -> int:
    if a.hour is None or b.hour is None:
        return REC_ONE
    return int(settings.recency()[min(abs(a.hour - b.hour), settings.max_hours)])


def _parts(a: Features, b: Features) -> tuple[int, int, int]:
    dense = int(np.dot(a.vector().astype(np.int64), b.vector().astype(np.int64)))
    theirs = dict(zip(b.terms, b.weights, strict=True))
    lexical = sum(w * theirs[t] for t, w in zip(a.terms, a.weights, strict=True) if t in theirs)
    return dense, lexical, len(set(a.tags) & set(b.tags))


def pair_score(settings: ScoreSettings, a: Features, b: Features) -> int | None:
    """The score of two articles (the reference the vectorised engine must equal); None across languages."""
    if a.language != b.language:
        return None
    wd, wl, wg = settings.weights
    dense, lexical, tags = _parts(a, b)
    return (wd * dense + wl * lexical + wg * tags) * _recency(settings, a, b)


def shown_score(score: int) -> float:
    """The score as the API shows it: about 1.0 for the same story told twice."""
    return round(score / (SIM_ONE * REC_ONE), 4)


def reason(a: Features, b: Features, tag_names: dict[str, str], *, terms: int = 3) -> dict[str, Any]:
    """Why b is related to a: the shared tags (by name) and their strongest shared words, leaving
    out those that count in the score but explain nothing (`vocabulary.unexplaining`)."""
    theirs = dict(zip(b.terms, b.weights, strict=True))
    left_out = unexplaining((t for t in a.terms if t in theirs), a.language)
    # (-product, term) tuples order strongest first, then by term: no sort key, only the top few
    shared = [(-w * theirs[t], t) for t, w in zip(a.terms, a.weights, strict=True) if t in theirs and t not in left_out]
    their_tags = set(b.tags)
    tags = [tag_names.get(t, t) for t in a.tags if t in their_tags]
    words = [t for _, t in heapq.nsmallest(terms, shared)]
    parts = (["tagged " + ", ".join(tags)] if tags else []) + (["about " + ", ".join(words)] if words else [])
    text = "; ".join(parts)
    return {"tags": tags, "terms": words, "text": text[:1].upper() + text[1:]}
