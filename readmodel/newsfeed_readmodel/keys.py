"""Every Redis key newsfeed uses, built in one place.

| key                          | type   | holds                                                |
| ---------------------------- | ------ | ---------------------------------------------------- |
| `{p}:articles`               | stream | accepted CMS events (written by the publisher)       |
| `{p}:feed-changes`           | stream | `FeedChange` announcements                           |
| `{p}:related-changes`        | stream | `RelatedChange` announcements                        |
| `{p}:articles:dead`          | stream | events that could not be applied, with the error     |
| `{p}:dedupe:{event id}`      | string | stream id of an accepted event (`event_log.py`), for 30 days |
| `{p}:article:{id}`           | hash   | version, state, feed member, feeds, slug, url, doc   |
| `{p}:feed:{name}`            | zset   | feed members, all at score 0 (see `feed.py`)         |
| `{p}:related:{id}`          | zset   | related article ids scored by relatedness            |
| `{p}:slug:{slug}`            | zset   | feed members of the live articles with that slug; the first owns it |
| `{p}:live`                   | set    | ids of live (published) articles                     |
| `{p}:cards`                  | hash   | article id -> its card JSON, for live articles (served as it is) |
| `{p}:rel:profile:{id}`       | string | an article's weighted terms (see `related_store.py`)  |
| `{p}:rel:post:{lang}:{term}` | zset   | the most recent article ids with that term (capped)  |
| `{p}:rel:in:{id}`            | set    | ids whose related list may hold `id` (a superset)    |
| `{p}:rel:df`, `{p}:rel:docs` | hash, string | document frequency per term, indexed articles  |
| `{p}:rel:tmp:{name}`         | any    | scratch of a script or of `related/reindex.py`, then gone |
| `{p}:rebuild:{token}:...`    | any    | a rebuild's fresh copies of the keys above (`scratch`), renamed over them |
| `{p}:probe:{consumer}`       | string | a replica's write probe: does Redis accept writes? (expires) |
| `{p}:versions`               | hash   | `feed:{name}`, `related:{id}`: counters bumped on change (HTTP ETags) |
"""

from __future__ import annotations

from dataclasses import dataclass

from newsfeed_schemas.streams import StreamNames

__all__ = ["Keys", "feed_version", "related_version"]


def feed_version(feed: str) -> str:
    """The field of `Keys.versions` counting changes of a feed's cards."""
    return f"feed:{feed}"


def related_version(article_id: str) -> str:
    """The field of `Keys.versions` counting changes of an article's related list."""
    return f"related:{article_id}"


@dataclass(frozen=True, slots=True)
class Keys:
    prefix: str = "newsfeed"

    @property
    def streams(self) -> StreamNames:
        return StreamNames(self.prefix)

    def dedupe(self, event_id: str) -> str:
        """Remembers that `event_id` was accepted (holds its stream id)."""
        return f"{self.prefix}:dedupe:{event_id}"

    def scratch(self, token: str) -> Keys:
        """The same layout under a scratch prefix, for a rebuild that renames its keys into place."""
        return Keys(f"{self.prefix}:rebuild:{token}")

    @property
    def all_keys(self) -> str:
        """SCAN pattern matching every key under this prefix."""
        return f"{self.prefix}:*"

    @property
    def versions(self) -> str:
        return f"{self.prefix}:versions"

    def probe(self, consumer: str) -> str:
        return f"{self.prefix}:probe:{consumer}"

    def article(self, article_id: str) -> str:
        return f"{self.prefix}:article:{article_id}"

    def feed(self, name: str) -> str:
        return f"{self.prefix}:feed:{name}"

    def related(self, article_id: str) -> str:
        return f"{self.prefix}:related:{article_id}"

    def rel_profile(self, article_id: str) -> str:
        return f"{self.prefix}:rel:profile:{article_id}"

    def rel_postings(self, language: str, term: str) -> str:
        return f"{self.prefix}:rel:post:{language}:{term}"

    def rel_holders(self, article_id: str) -> str:
        return f"{self.prefix}:rel:in:{article_id}"

    def rel_scratch(self, name: str) -> str:
        return f"{self.prefix}:rel:tmp:{name}"

    @property
    def rel_df(self) -> str:
        return f"{self.prefix}:rel:df"

    @property
    def rel_docs(self) -> str:
        return f"{self.prefix}:rel:docs"

    def slug(self, slug: str) -> str:
        return f"{self.prefix}:slug:{slug}"

    @property
    def live(self) -> str:
        return f"{self.prefix}:live"

    @property
    def cards(self) -> str:
        return f"{self.prefix}:cards"
