"""What the indexer announces on `{prefix}:feed-changes` and `{prefix}:related-changes`.

Each entry carries `schema_version`; a consumer should ignore versions it does not
know rather than fail. Delivery is at-least-once: dedupe on `event_id` (+ `feed`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["FeedChange", "FeedDelta", "RelatedChange", "RelatedLink"]


class FeedDelta(BaseModel):
    """How one feed changed: ids that entered it, moved within it, changed in place, or left it."""

    model_config = ConfigDict(extra="ignore")

    feed: str = Field(description="`all`, `tag:{slug}` or `author:{slug}`.")
    inserted: list[str] = Field(default_factory=list)
    moved: list[str] = Field(default_factory=list)
    updated: list[str] = Field(default_factory=list, description="Ids whose card changed in place (same position).")
    removed: list[str] = Field(default_factory=list)


class FeedChange(BaseModel):
    """One applied article event and every feed it changed."""

    model_config = ConfigDict(extra="ignore")

    schema_version: Literal[1] = 1
    type: Literal["feed.changed"] = "feed.changed"
    event_id: str = Field(description="The CMS event that caused the change.")
    article_id: str
    event_type: str
    url: str | None = Field(default=None, description="The article's public URL, when known.")
    feeds: list[FeedDelta]


class RelatedLink(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    score: float


class RelatedChange(BaseModel):
    """An article's related list as it now stands (empty when it left the site)."""

    model_config = ConfigDict(extra="ignore")

    schema_version: Literal[1] = 1
    type: Literal["related.changed"] = "related.changed"
    event_id: str
    article_id: str
    related: list[RelatedLink]
