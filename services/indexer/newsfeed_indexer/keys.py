"""Every Redis key newsfeed uses, built in one place.

| key                          | type   | holds                                                |
| ---------------------------- | ------ | ---------------------------------------------------- |
| `{p}:articles`               | stream | accepted CMS events (written by the publisher)       |
| `{p}:feed-changes`           | stream | `FeedChange` announcements                           |
| `{p}:related-changes`        | stream | `RelatedChange` announcements                        |
| `{p}:articles:dead`          | stream | events that could not be applied, with the error     |
| `{p}:dedupe:{event id}`      | string | stream id of an accepted event (`newsfeed_publisher.appender`) |
| `{p}:article:{id}`           | hash   | version, state, feed member, feeds, slug, url, doc   |
| `{p}:feed:{name}`            | zset   | feed members, all at score 0 (see `feed.py`)         |
| `{p}:related:{id}`          | zset   | related article ids scored by relatedness            |
| `{p}:slugs`                  | hash   | slug -> article id of live articles                  |
| `{p}:live`                   | set    | ids of live (published) articles                     |
"""

from __future__ import annotations

from dataclasses import dataclass

from newsfeed_schemas.streams import StreamNames

__all__ = ["Keys"]


@dataclass(frozen=True, slots=True)
class Keys:
    prefix: str = "newsfeed"

    @property
    def streams(self) -> StreamNames:
        return StreamNames(self.prefix)

    def article(self, article_id: str) -> str:
        return f"{self.prefix}:article:{article_id}"

    def feed(self, name: str) -> str:
        return f"{self.prefix}:feed:{name}"

    def related(self, article_id: str) -> str:
        return f"{self.prefix}:related:{article_id}"

    @property
    def slugs(self) -> str:
        return f"{self.prefix}:slugs"

    @property
    def live(self) -> str:
        return f"{self.prefix}:live"
