"""What computing an article's related features costs (`features.extract`), per CPU second.

    python -m bench.feature_cost
    # against an earlier revision, in the same shell:
    git archive REV readmodel | tar -x -C /tmp/old && PYTHONPATH=/tmp/old/readmodel python -m bench.feature_cost

Three kinds of article: `tests/related_corpus.py`'s English-like ones (300-700 words drawn by
real frequency), the BBC News stories of `bench.related_quality`'s cache when it holds them,
and made-up text in five languages (each run its own articles, so every word is new: the cost
of a hostile stream). Each is timed by the process's CPU clock, best of 3 after a warm-up, since the wall clock of this
two-core machine moves with whatever else runs. Compare two revisions by running them
alternately, as above.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

from tests.related_corpus import EnglishLike

from bench.quality_corpora import DEFAULT_CACHE
from bench.related_cost import article
from newsfeed_readmodel.related.features import FeatureSettings, Input, extract


def english_like(count: int) -> list[Input]:
    source = EnglishLike()
    return [article(source, i, 0) for i in range(count)]


def bbc(cache: Path) -> list[Input]:
    out: list[Input] = []
    for path in sorted((cache / "bbc").glob("**/*.txt")):
        title, _, body = path.read_text(encoding="latin-1").partition("\n")
        out.append((title, body, [], "en", None))
    return out


def made_up(count: int, seed: int) -> list[Input]:
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyzéüßçЖжщдиλσς語日本漢字ひらがな "
    out: list[Input] = []
    for _ in range(count):
        text = "".join(rng.choice(letters) for _ in range(2000))
        out.append((text[:40], text, [], rng.choice(["en", "fr", "ru", "zh", "xx"]), None))
    return out


def per_cpu_second(warm_up: list[Input], runs: list[list[Input]]) -> float:
    """Articles per CPU second, best of `runs` (after `warm_up`: the model and tables loaded)."""
    settings = FeatureSettings()
    extract(warm_up, settings)
    best = 0.0
    for articles in runs:
        began = time.process_time()
        extract(articles, settings)
        best = max(best, len(articles) / (time.process_time() - began))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="corpus folder of bench.related_quality")
    args = parser.parse_args()
    print("| articles | per CPU second |\n| --- | ---: |")
    english = english_like(3000)
    print(f"| English-like (2,500) | {per_cpu_second(english[:500], [english[500:]] * 3):,.0f} |", flush=True)
    stories = bbc(args.cache)
    if stories:
        print(f"| BBC News ({len(stories):,}) | {per_cpu_second(stories[:500], [stories] * 3):,.0f} |", flush=True)
    # every run of its own made-up articles: each word is new
    hostile = per_cpu_second(made_up(100, seed=1), [made_up(500, seed) for seed in (2, 3, 4)])
    print(f"| made-up words, five languages (500) | {hostile:,.0f} |", flush=True)


if __name__ == "__main__":
    main()
