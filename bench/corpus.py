"""Realistic synthetic articles for benchmarks: Zipf-distributed vocabulary, 500-word bodies.

Deterministic for a given seed, so every contender in a run indexes the same articles.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = ["Corpus"]

_SYLLABLES = [
    "ka", "lo", "mi", "ne", "ro", "ta", "vi", "su", "pe", "dra", "gon", "mar", "tel", "vos", "quin",
    "bel", "cor", "dun", "fal", "har", "jin", "lum", "nor", "pra", "sel", "tor", "ul", "wen", "zar", "ost",
]  # fmt: skip


class Corpus:
    def __init__(self, seed: int = 7, vocabulary: int = 30_000, tags: int = 60, authors: int = 40) -> None:
        self.random = random.Random(seed)
        words = set()
        while len(words) < vocabulary:
            words.add("".join(self.random.choices(_SYLLABLES, k=self.random.randint(2, 4))))
        self.words = sorted(words)
        self.random.shuffle(self.words)
        # Zipf weights: the rank-r word is drawn with probability ~ 1/r
        self.cumulative = []
        total = 0.0
        for rank in range(1, vocabulary + 1):
            total += 1.0 / rank
            self.cumulative.append(total)
        self.tags = [f"topic-{i}" for i in range(tags)]
        self.authors = [f"reporter-{i}" for i in range(authors)]
        self.start = datetime(2023, 1, 1, tzinfo=UTC)

    def _sentence(self, length: int) -> str:
        chosen = self.random.choices(self.words, cum_weights=self.cumulative, k=length)
        return " ".join(chosen).capitalize() + "."

    def article(self, index: int, *, words: int = 500) -> dict[str, Any]:
        paragraphs = []
        remaining = words
        while remaining > 0:
            size = min(remaining, self.random.randint(40, 90))
            paragraphs.append("<p>" + self._sentence(size) + "</p>")
            remaining -= size
        published = self.start + timedelta(minutes=index * 7 + self.random.randint(0, 6))
        stamp = published.isoformat().replace("+00:00", "Z")
        tags = self.random.sample(self.tags, k=self.random.randint(1, 3))
        return {
            "id": f"art-{index:07d}",
            "revision": 1,
            "slug": f"art-{index:07d}",
            "title": self._sentence(self.random.randint(6, 12)),
            "html": "".join(paragraphs),
            "tags": [{"slug": t, "name": t.title()} for t in tags],
            "authors": [
                {"slug": a, "name": a.title(), "bio": "Staff reporter."} for a in [self.random.choice(self.authors)]
            ],
            "published_at": stamp,
            "updated_at": stamp,
            "url": f"https://news.example.com/art-{index:07d}/",
            "language": "en",
        }

    def envelope(self, index: int, *, words: int = 500) -> dict[str, Any]:
        data = self.article(index, words=words)
        return {
            "specversion": "1.0",
            "id": f"evt-{index:07d}",
            "source": "bench/corpus",
            "type": "article.published",
            "subject": data["id"],
            "time": data["published_at"],
            "datacontenttype": "application/json",
            "data": data,
        }

    def envelopes(self, count: int, *, start: int = 0, words: int = 500) -> Iterator[dict[str, Any]]:
        for index in range(start, start + count):
            yield self.envelope(index, words=words)
