"""Errors of the read model; each carries the data to explain itself.

ReadModelError
├── InvalidCursor      a "Show More" cursor that newsfeed did not issue          (read API: 400)
├── InvalidFeedName    a tag or author slug that cannot name a feed              (read API: 400)
├── ArticleNotFound    no live article with that id or slug                      (read API: 404)
├── ApplyConflict      a batch met concurrent writes to its articles too often   (indexer: retried later)
└── RebuildConflict    a reindex's hold on the indexer's writes kept lapsing      (CLI: retry)

Redis' own errors are not wrapped: `newsfeed_runtime.redis.is_outage` tells an outage
from the rest, and every HTTP process maps them to 503 in `newsfeed_runtime.errors`.
"""

from __future__ import annotations

__all__ = [
    "ApplyConflict",
    "ArticleNotFound",
    "InvalidCursor",
    "InvalidFeedName",
    "ReadModelError",
    "RebuildConflict",
]


class ReadModelError(Exception):
    """Base of the read model's errors."""


class InvalidCursor(ReadModelError):
    def __init__(self, cursor: str) -> None:
        super().__init__(f"invalid cursor: {cursor[:100]!r}")
        self.cursor = cursor


class InvalidFeedName(ReadModelError):
    def __init__(self, name: str) -> None:
        super().__init__(f"invalid feed name: {name[:100]!r}")
        self.name = name


class ArticleNotFound(ReadModelError):
    def __init__(self, key: str) -> None:
        super().__init__(f"no published article {key[:200]!r}")
        self.key = key


class ApplyConflict(ReadModelError):
    def __init__(self, attempts: int) -> None:
        super().__init__(f"gave up after {attempts} conflicting concurrent writes")
        self.attempts = attempts


class RebuildConflict(ReadModelError):
    def __init__(self, attempts: int) -> None:
        super().__init__(f"the rebuild's hold on the indexer's writes lapsed before its switch {attempts} times; retry")
        self.attempts = attempts
