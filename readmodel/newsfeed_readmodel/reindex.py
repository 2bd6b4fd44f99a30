"""`newsfeed reindex`: rebuild the derived read model from the stored articles.

`reindex` rebuilds the feeds, the slug claims, the live set and the cards (below), then, when asked,
every related list (`related.maintainer.reindex_related`).

The rebuild reads every `{p}:article:*` hash, recomputes each live article's feeds and
feed member from its stored document (so a change of the feed rules reaches old
articles), writes the result under fresh scratch keys (`Keys.scratch`), then switches in
one MULTI/EXEC: RENAME each fresh key over the live one, DEL the feeds that no longer
exist, update the `feeds`/`member` fields of changed article records, and bump every feed's
change counter (its answers' ETag), so no client or CDN revalidates a rebuilt feed into a
304 of what it showed before. Readers see the old model until EXEC and the new one after,
never a mix.

While the indexer keeps writing, the rebuild is optimistic: it WATCHes the live set
(any newly published article touches it) before listing the articles, then every article
hash it read. An indexer write in between makes EXEC fail; the fresh keys are dropped and
the rebuild starts over (up to `attempts` times).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

import orjson
from redis.asyncio import Redis
from redis.exceptions import WatchError

from .cards import card_of
from .errors import RebuildConflict
from .feed import feed_member, feeds_named
from .keys import Keys, feed_version
from .related.maintainer import reindex_related
from .related.settings import RelatedSettings
from .related.store import RelatedStore

__all__ = ["Progress", "ReindexResult", "rebuild_feeds", "reindex"]

_CHUNK = 500
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class ReindexResult:
    live_articles: int
    related_lists: int | None


async def reindex(
    redis: Redis,
    keys: Keys,
    *,
    related: RelatedSettings | None = None,
    changes_maxlen: int,
    progress: Callable[[str], Progress] | None = None,
    say: Callable[[str], None] = lambda _: None,
) -> ReindexResult:
    """Rebuild the feeds, then (when `related` is given) recompute every related list.

    `progress(stage)` gives the progress callback of a stage (`feeds`); `say` reports the
    steps of the related rebuild.
    """
    report = progress or (lambda stage: lambda done, total: None)
    live = await rebuild_feeds(redis, keys, report("feeds"))
    linked = None
    if related is not None:
        store = RelatedStore(redis, keys, related, changes_maxlen=changes_maxlen)
        linked = await reindex_related(store, say)
    return ReindexResult(live, linked)


async def rebuild_feeds(redis: Redis, keys: Keys, progress: Progress | None = None, *, attempts: int = 5) -> int:
    """Rebuild and switch atomically; how many live articles the new feeds hold."""
    await sweep_abandoned_scratch(redis, keys, now=time.time())
    for _ in range(attempts):
        try:
            return await _attempt(redis, keys, progress or (lambda done, total: None))
        except WatchError:
            continue
    raise RebuildConflict(attempts)


ABANDONED_AFTER_S = 3600
"""A rebuild's scratch keys older than this belong to one that was killed (a rebuild of a
million articles takes minutes); the next rebuild removes them."""


def scratch_token(now: float) -> str:
    """A rebuild's own token: when it started (seconds), and a random part."""
    return f"{int(now)}-{uuid.uuid4().hex[:12]}"


async def sweep_abandoned_scratch(redis: Redis, keys: Keys, *, now: float) -> int:
    """Remove the scratch keys of rebuilds that started over `ABANDONED_AFTER_S` ago, or whose
    token says no start (written before tokens did); a killed `newsfeed reindex` leaves a whole
    copy of the feeds behind. How many keys were removed."""
    root = f"{keys.root}:rebuild:"
    abandoned = []
    async for key in redis.scan_iter(match=root + "*", count=1000):
        started = key.decode()[len(root) :].partition(":")[0].partition("-")[0]
        if not (started.isascii() and started.isdigit()) or now - int(started) > ABANDONED_AFTER_S:
            abandoned.append(key)
    for start in range(0, len(abandoned), _CHUNK):
        await redis.delete(*abandoned[start : start + _CHUNK])
    return len(abandoned)


async def _attempt(redis: Redis, keys: Keys, progress: Progress) -> int:
    fresh = keys.scratch(scratch_token(time.time()))
    async with redis.pipeline(transaction=True) as watcher:
        await watcher.watch(keys.live)
        article_keys = [k async for k in redis.scan_iter(match=keys.article("*"), count=1000)]
        for start in range(0, len(article_keys), _CHUNK):
            await watcher.watch(*article_keys[start : start + _CHUNK])
        try:
            built = await _build(redis, keys, fresh, article_keys, progress)
            old_feeds = [k async for k in redis.scan_iter(match=keys.feed("*"), count=1000)]
            old_slugs = [k async for k in redis.scan_iter(match=keys.slug("*"), count=1000)]
            watcher.multi()  # type: ignore[no-untyped-call]
            _switch(watcher, old_feeds, built.feeds, fresh.feed, keys.feed)
            _switch(watcher, old_slugs, built.slugs, fresh.slug, keys.slug)
            for source, target in ((fresh.live, keys.live), (fresh.cards, keys.cards)):
                watcher.delete(target)
                if built.live:
                    _rename(watcher, source, target)
            for article_key, fields in built.record_updates.items():
                watcher.hset(article_key, mapping=cast(dict[Any, Any], fields))
            for name in built.feeds | _names(old_feeds, keys.feed("")):
                watcher.hincrby(keys.versions, feed_version(name), 1)
            await watcher.execute()
            return built.live
        finally:
            leftovers = [k async for k in redis.scan_iter(match=fresh.all_keys, count=1000)]
            if leftovers:
                await redis.delete(*leftovers)


def _rename(pipe: Any, source: str, target: str) -> None:
    """RENAME within the transaction; sent as a plain command because redis-py refuses `rename`
    in a Redis Cluster pipeline (it cannot know both keys share a slot; a site's keys do)."""
    pipe.execute_command("RENAME", source, target)


def _names(feed_keys: list[bytes], prefix: str) -> set[str]:
    return {key.decode().removeprefix(prefix) for key in feed_keys}


def _switch(
    pipe: Any, old_keys: list[bytes], names: set[str], fresh: Callable[[str], str], live: Callable[[str], str]
) -> None:
    """Rename each freshly built key over the live one; delete live keys that were not rebuilt."""
    for name in names:
        _rename(pipe, fresh(name), live(name))
    rebuilt = {live(name) for name in names}
    for old in old_keys:
        if old.decode() not in rebuilt:
            pipe.delete(old)


@dataclass(slots=True)
class _Built:
    live: int = 0
    feeds: set[str] = field(default_factory=set)
    slugs: set[str] = field(default_factory=set)
    record_updates: dict[str, dict[str, bytes]] = field(default_factory=dict)


async def _build(redis: Redis, keys: Keys, fresh: Keys, article_keys: list[Any], progress: Progress) -> _Built:
    """Write the feeds, slug claims and live set of every live article under `fresh`.

    Feeds are recomputed from the stored documents as they are (a document stored by an
    older version is not validated again: its slugs that cannot name a feed are left out).
    """
    built = _Built()
    for start in range(0, len(article_keys), _CHUNK):
        chunk = article_keys[start : start + _CHUNK]
        async with redis.pipeline(transaction=False) as pipe:
            for key in chunk:
                pipe.hmget(key, ["state", "doc", "member", "feeds"])
            rows = await pipe.execute()
        async with redis.pipeline(transaction=False) as pipe:
            for key, (state, doc, member, feeds) in zip(chunk, rows, strict=True):
                if state != b"published" or not doc:
                    continue
                document = orjson.loads(doc)
                new_member = feed_member(datetime.fromisoformat(document["published_at"]), document["id"])
                new_feeds = feeds_named(_slugs(document, "tags"), _slugs(document, "authors"))
                for name in new_feeds:
                    pipe.zadd(fresh.feed(name), {new_member: 0})
                built.feeds.update(new_feeds)
                pipe.sadd(fresh.live, document["id"])
                pipe.hset(fresh.cards, document["id"], orjson.dumps(card_of(document)))
                slug = document.get("slug") or document["id"]
                pipe.zadd(fresh.slug(slug), {new_member: 0})
                built.slugs.add(slug)
                if member != new_member.encode() or orjson.loads(feeds or b"[]") != new_feeds:
                    updates = {"member": new_member.encode(), "feeds": orjson.dumps(new_feeds), "slug": slug.encode()}
                    built.record_updates[key.decode()] = updates
                built.live += 1
            await pipe.execute()
        progress(min(start + _CHUNK, len(article_keys)), len(article_keys))
    return built


def _slugs(document: dict[str, Any], field_name: str) -> list[str]:
    return [str(item["slug"]) for item in document.get(field_name) or [] if isinstance(item, dict) and item.get("slug")]
