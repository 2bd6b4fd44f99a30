"""Where the related engine's time goes when it scores new articles against a large archive.

    python -m bench.related_profile                 # 100,000 live articles (about 3 minutes)
    python -m bench.related_profile --size 10000

Exact lists mean every new article is scored against every live article of its language, in
blocks of 64 (`engine._BLOCK`). This times each part of scoring one block, on the engine's own
arrays, best of 3: the embedding and common-word matrix products (BLAS), the sparse sum over the
postings of the other terms, shared tags, the recency factor, and the checks that follow (which
other lists the new articles enter, each one's own top 20). The archive is loaded with
`restore` (no lists), so it takes seconds, not the minutes of a rebuild; the parts timed do not
depend on the lists. Articles come from `tests/related_corpus.py`, as in `bench.related_cost`.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from tests.related_corpus import EnglishLike

from bench.related_cost import featurise
from newsfeed_readmodel.related.engine import _BLOCK, RelatedEngine
from newsfeed_readmodel.related.scoring import ScoreSettings


def best_of(repeats: int, part: Callable[[], Any]) -> float:
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        part()
        times.append(time.perf_counter() - began)
    return min(times)


def main(size: int) -> None:
    features, per_second = featurise(EnglishLike(), size + _BLOCK, sections=0)
    print(f"features: {per_second:,.0f} articles/s; {size:,} live articles, one block of {_BLOCK} new ones\n")
    ids = [f"a{i:07d}" for i in range(len(features))]
    engine = RelatedEngine(ScoreSettings())
    engine.restore(dict(zip(ids, features, strict=True)), {})
    part = engine.languages["en"]
    rows, used = list(range(size, size + _BLOCK)), len(part.ids)

    def recency() -> Any:
        gap = np.minimum(np.abs(part.hours[rows][:, None] - part.hours[None, :used]), part.settings.max_hours)
        return part.recency[gap]

    scores = part._scores(rows)
    parts: dict[str, Callable[[], Any]] = {
        "whole block (all of the below and the sums)": lambda: part._scores(rows),
        "embedding product (BLAS)": lambda: part.dense[rows] @ part.dense[:used].T,
        "common-word product (BLAS)": lambda: part.terms.columns[rows] @ part.terms.columns[:used].T,
        "other terms over their postings": lambda: part._sparse(
            rows, part.terms.postings, lambda f: (f.terms, f.weights), used
        ),
        "shared tags": lambda: part._sparse(rows, part.tags.postings, lambda f: (f.tags, [1] * len(f.tags)), used),
        "recency factor": recency,
        "lists entered (compare with last places)": lambda: np.argwhere(scores >= part.last_score[:used][None, :]),
        "own top 20 of each row": lambda: [part._best_of(row) for row in scores],
    }
    print("| part | ms per block | ms per new article |")
    print("| --- | ---: | ---: |")
    for name, run in parts.items():
        seconds = best_of(3, run)
        print(f"| {name} | {seconds * 1000:.1f} | {seconds * 1000 / _BLOCK:.2f} |")
    postings = [len(part.terms.postings.rows.get(term, ())) for f in features[size:] for term in f.terms]
    print(f"\nmean postings read per term (common words excluded): {np.mean(postings):,.0f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="live articles (default: %(default)s)")
    main(parser.parse_args().size)
