"""English-like articles and a history of edits and take-downs, for related-list tests and benchmarks.

Words are drawn by their real frequency from the shipped English frequency table, plus the
words of one of `topics` topics, so related lists are made of real neighbours, not noise.
Everything is a function of the seed and the index: two runs build the same articles.
"""

from __future__ import annotations

import gzip
import random
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from newsfeed_readmodel.related.embedding import MODEL_DIR
from tests.factories import deleted, published, unpublished, updated

__all__ = ["EnglishLike", "history"]


@cache
def _table() -> tuple[list[str], list[float], list[str]]:
    """(common words, their weights, mid-frequency words): read once per process."""
    common, weights, middle = [], [], []
    with gzip.open(MODEL_DIR / "zipf_en.tsv.gz", "rt", encoding="utf-8") as lines:
        for line in lines:
            word, zipf = line.rstrip("\n").split("\t")
            if not word.isalpha():
                continue
            if int(zipf) >= 450:
                common.append(word)
                weights.append(10 ** (int(zipf) / 100))
            elif int(zipf) >= 250:
                middle.append(word)
    return common, weights, middle


class EnglishLike:
    """Deterministic English-like articles: common words by frequency, plus one topic's words."""

    def __init__(self, *, topics: int = 300, seed: int = 7) -> None:
        self.common, self.weights, middle = _table()
        shuffled = sorted(middle)
        random.Random(seed).shuffle(shuffled)
        self.topics = [shuffled[i * 40 : (i + 1) * 40] for i in range(topics)]
        self.seed = seed
        self.start = datetime(2025, 1, 1, tzinfo=UTC)

    def parts(self, index: int, *, variant: int = 0) -> tuple[str, str, list[str], datetime]:
        """(title, text, tag slugs, published_at) of article `index` (`variant`: an edited version)."""
        rnd = random.Random(f"{self.seed}/{index}/{variant}")
        topic = rnd.randrange(len(self.topics))
        length = rnd.randint(300, 700)
        words = rnd.choices(self.common, weights=self.weights, k=length) + rnd.choices(
            self.topics[topic], k=length // 5
        )
        rnd.shuffle(words)
        title = " ".join(rnd.choices(self.topics[topic], k=3) + rnd.choices(self.common, k=5)).capitalize()
        tags = [f"topic-{topic}"] + [f"topic-{rnd.randrange(len(self.topics))}" for _ in range(rnd.randint(0, 2))]
        return title, " ".join(words), list(dict.fromkeys(tags)), self.start + timedelta(minutes=index * 5)

    def fields(self, index: int, *, variant: int = 0) -> dict[str, Any]:
        """The article fields of a CMS event (for `tests.factories`)."""
        title, text, tags, _ = self.parts(index, variant=variant)
        return {"title": title, "text": text, "tags": [{"slug": t, "name": t.title()} for t in tags]}


def history(count: int, *, topics: int, seed: int = 7) -> list[dict[str, Any]]:
    """CMS events for `count` articles: each published; about one in eight then edited (moved to
    another topic), one in twenty unpublished, one in thirty deleted. Revisions say the final
    state, so any delivery order of these events must end in the same read model."""
    corpus = EnglishLike(topics=topics, seed=seed)
    rnd = random.Random(seed)
    events = []
    for index in range(count):
        aid = f"a{index:05d}"
        minutes = index * 5
        events.append(published(aid, minutes=minutes, **corpus.fields(index)))
        if rnd.random() < 1 / 8:
            events.append(updated(aid, revision=2, minutes=minutes, **corpus.fields(index, variant=1)))
        if rnd.random() < 1 / 20:
            events.append(unpublished(aid, revision=3))
        elif rnd.random() < 1 / 30:
            events.append(deleted(aid, revision=4))
    return events
