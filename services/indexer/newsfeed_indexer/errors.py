"""Errors the indexer and read API raise; each carries the data to explain itself.

NewsfeedError
├── InvalidCursor      a "Show More" cursor that this service did not issue (HTTP 400)
└── InvalidFeedName    a tag or author slug that cannot name a feed (HTTP 400)
"""

from __future__ import annotations

__all__ = ["InvalidCursor", "InvalidFeedName", "NewsfeedError"]


class NewsfeedError(Exception):
    """Base of the errors the read side maps to 4xx answers."""


class InvalidCursor(NewsfeedError):
    def __init__(self, cursor: str) -> None:
        super().__init__(f"invalid cursor: {cursor!r}")
        self.cursor = cursor


class InvalidFeedName(NewsfeedError):
    def __init__(self, name: str) -> None:
        super().__init__(f"invalid feed name: {name!r}")
        self.name = name
