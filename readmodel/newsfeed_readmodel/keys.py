"""Every Redis key newsfeed uses, built in one place.

| key                          | type   | holds                                                |
| ---------------------------- | ------ | ---------------------------------------------------- |
| `{p}:articles`               | stream | accepted CMS events (written by the publisher)       |
| `{p}:feed-changes`           | stream | `FeedChange` announcements                           |
| `{p}:related-changes`        | stream | `RelatedChange` announcements                        |
| `{p}:articles:dead`          | stream | events that could not be applied, with the error     |
| `{p}:dedupe:{event id}`      | string | stream id of an accepted event (`event_log.py`), for 30 days |
| `{p}:article:{id}`           | hash   | version, state, feed member, feeds, slug, url, doc, related features |
| `{p}:feed:{name}`            | zset   | feed members, all at score 0 (see `feed.py`)         |
| `{p}:related:{id}`           | zset   | an article's related list: ids scored by minus their score |
| `{p}:slug:{slug}`            | zset   | feed members of the live articles with that slug; the first owns it |
| `{p}:live`                   | set    | ids of live (published) articles                     |
| `{p}:cards`                  | hash   | article id -> its card JSON, for live articles (served as it is) |
| `{p}:related-work`           | stream | ids of applied articles, for the related maintainer   |
| `{p}:related-state`          | hash   | position in `related-work`, settings fingerprints, rebuild flag |
| `{p}:related-lease`          | hash   | which process maintains the related lists now (expires) |
| `{p}:rebuild:{token}:...`    | any    | a rebuild's fresh copies of the keys above (`scratch`), renamed over them |
| `{p}:rebuild-hold`           | hash   | a rebuild switching in its keys: the indexer's writes wait (expires) |
| `{p}:probe:{consumer}`       | string | a replica's write probe: does Redis accept writes? (expires) |
| `{p}:versions`               | hash   | `feed:{name}`, `related:{id}`: counters bumped on change (HTTP ETags) |
| `{p}:replicated`             | string | set once a publisher saw a replica: acknowledge what one holds |

`{p}` is the site's prefix in braces, `{newsfeed}` by default: a Redis Cluster hash tag, so every
key of one site lives in one hash slot and every script of a site runs on one node.
"""

from __future__ import annotations

from dataclasses import dataclass

from newsfeed_schemas.streams import StreamNames, key_root

__all__ = ["Keys", "feed_version", "legacy_root", "related_version"]


def legacy_root(prefix: str) -> str:
    """What a site's keys started with before they were hash-tagged (`newsfeed:articles`)."""
    return f"{prefix}:"


def feed_version(feed: str) -> str:
    """The field of `Keys.versions` counting changes of a feed's cards."""
    return f"feed:{feed}"


def related_version(article_id: str) -> str:
    """The field of `Keys.versions` counting changes of an article's related list."""
    return f"related:{article_id}"


@dataclass(frozen=True, slots=True)
class Keys:
    prefix: str = "newsfeed"
    scratch_token: str = ""  # set: the same layout under `{p}:rebuild:{token}:`, for a rebuild

    @property
    def root(self) -> str:
        """`{prefix}` (a hash tag: one slot per site on a cluster), or a rebuild's scratch root in that slot."""
        root = key_root(self.prefix)
        return f"{root}:rebuild:{self.scratch_token}" if self.scratch_token else root

    @property
    def streams(self) -> StreamNames:
        return StreamNames(self.prefix)

    def dedupe(self, event_id: str) -> str:
        """Remembers that `event_id` was accepted (holds its stream id)."""
        return f"{self.root}:dedupe:{event_id}"

    def scratch(self, token: str) -> Keys:
        """The same layout under a scratch prefix, for a rebuild that renames its keys into place."""
        return Keys(self.prefix, scratch_token=token)

    @property
    def all_keys(self) -> str:
        """SCAN pattern matching every key under this prefix."""
        return f"{self.root}:*"

    @property
    def versions(self) -> str:
        return f"{self.root}:versions"

    @property
    def replicated(self) -> str:
        return f"{self.root}:replicated"

    def probe(self, consumer: str) -> str:
        return f"{self.root}:probe:{consumer}"

    def article(self, article_id: str) -> str:
        return f"{self.root}:article:{article_id}"

    def feed(self, name: str) -> str:
        return f"{self.root}:feed:{name}"

    def related(self, article_id: str) -> str:
        return f"{self.root}:related:{article_id}"

    @property
    def related_work(self) -> str:
        return f"{self.root}:related-work"

    @property
    def related_state(self) -> str:
        return f"{self.root}:related-state"

    @property
    def related_lease(self) -> str:
        return f"{self.root}:related-lease"

    @property
    def legacy_related(self) -> str:
        """SCAN pattern of the keys an earlier related index kept (removed by a rebuild)."""
        return f"{self.root}:rel:*"

    def slug(self, slug: str) -> str:
        return f"{self.root}:slug:{slug}"

    @property
    def live(self) -> str:
        return f"{self.root}:live"

    @property
    def rebuild_hold(self) -> str:
        return f"{self.root}:rebuild-hold"

    @property
    def cards(self) -> str:
        return f"{self.root}:cards"
