"""`newsfeed reindex`: rebuild the derived read model from the stored articles.

`reindex` rebuilds the feeds, the slug claims, the live set and the cards (below), then, when asked,
every related list (`related.maintainer.reindex_related`).

The rebuild reads every `{p}:article:*` hash, recomputes each live article's feeds and
feed member from its stored document (so a change of the feed rules reaches old
articles), writes the result under fresh scratch keys (`Keys.scratch`), then switches in
one atomic script run (`scripts.APPLY`): RENAME each fresh key over the live one, DEL the feeds that no longer
exist, update the `feeds`/`member` fields of changed article records, and bump every feed's
change counter (its answers' ETag), so no client or CDN revalidates a rebuilt feed into a
304 of what it showed before. Readers see the old model before that run and the new one
after, never a mix.

The indexer keeps writing while the rebuild reads, so the rebuild reads every article's
version with it. Once built, it holds the indexer's writes (`{p}:rebuild-hold`, which the
writer waits on), re-reads the versions, redoes in the fresh keys only the articles that
changed meanwhile, switches, and lets go. The indexer waits only for that catch-up and the
switch, never for the whole build, and the rebuild finishes however busy the site is.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from redis.asyncio import Redis
from redis.exceptions import WatchError

from .batch import OpBatch
from .cards import card_of
from .errors import RebuildConflict
from .feed import feed_member, feeds_named
from .keys import Keys, feed_version
from .related.maintainer import reindex_related
from .related.settings import RelatedSettings
from .related.store import RelatedStore
from .scripts import APPLY, READ_RECORDS, RELEASE_LEASE, TAKE_LEASE

__all__ = ["Progress", "ReindexResult", "rebuild_feeds", "reindex"]

_CHUNK = 500
_SCAN_COUNT = 5000
_VERSIONS_CHUNK = 5000
_UNHELD_ROUNDS = 5
_FEW_CHANGES = 500
"""Catch-up rounds run before the hold while more than this many articles changed in the last
one: a bulk import during the build must not be redone with the indexer held."""
_READ = ("state", "doc", "member", "feeds", "version")
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
            continue  # the hold lapsed and the indexer wrote meanwhile: start over
    raise RebuildConflict(attempts)


ABANDONED_AFTER_S = 3600
"""A rebuild's scratch keys older than this belong to one that was killed (a rebuild of a
million articles takes minutes); the next rebuild removes them."""

HOLD_TTL_MS = 30_000
"""How long the indexer waits for a rebuild's switch at most, should the rebuild die holding it.
The hold covers only the catch-up and the switch (a few milliseconds per thousand articles)."""

_HOLD_POLL_S = 0.05


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
    """Build from a scan while the indexer writes, then hold the indexer's writes, bring the
    fresh keys up to date with the articles that changed meanwhile, and switch."""
    token = scratch_token(time.time())
    fresh = keys.scratch(token)
    try:
        # SCAN may return a key twice: each article must be counted once (see `_Built`).
        article_keys = list(
            dict.fromkeys([k async for k in redis.scan_iter(match=keys.article("*"), count=_SCAN_COUNT)])
        )
        built = _Built()
        await _read_into(redis, fresh, article_keys, built, progress)
        # Keys the indexer creates from here on belong to live articles, which the catch-up adds.
        old_feeds = list({k async for k in redis.scan_iter(match=keys.feed("*"), count=_SCAN_COUNT)})
        old_slugs = list({k async for k in redis.scan_iter(match=keys.slug("*"), count=_SCAN_COUNT)})
        for _ in range(_UNHELD_ROUNDS):  # what changed during the build, while the indexer writes on
            if await _catch_up(redis, keys, fresh, built) <= _FEW_CHANGES:
                break
        async with _writes_held(redis, keys, token) as hold:
            await _catch_up(redis, keys, fresh, built, hold)
            await _switch_in(redis, keys, fresh, built, old_feeds, old_slugs, token)
        return built.live
    finally:
        leftovers = [k async for k in redis.scan_iter(match=fresh.all_keys, count=1000)]
        if leftovers:
            await redis.delete(*leftovers)


@asynccontextmanager
async def _writes_held(redis: Redis, keys: Keys, token: str) -> AsyncIterator[Callable[[], Awaitable[object]]]:
    """Hold the indexer's writes (`writer.ReadModelWriter` waits while `{p}:rebuild-hold` is
    held by anyone) for the block; waits for another rebuild's hold to end first. Yields a
    function that renews the hold for another `HOLD_TTL_MS` (a hold that lapsed stays lapsed)."""
    take, release = redis.register_script(TAKE_LEASE), redis.register_script(RELEASE_LEASE)
    while not await take(keys=[keys.rebuild_hold], args=[token, HOLD_TTL_MS, "0"]):  # noqa: ASYNC110 (polls Redis)
        await asyncio.sleep(_HOLD_POLL_S)  # another rebuild is switching; its hold expires at worst
    try:
        yield lambda: take(keys=[keys.rebuild_hold], args=[token, HOLD_TTL_MS, "2"])
    finally:
        await release(keys=[keys.rebuild_hold], args=[token])


async def _catch_up(
    redis: Redis, keys: Keys, fresh: Keys, built: _Built, renew: Callable[[], Awaitable[object]] | None = None
) -> int:
    """Redo, in the fresh keys, every article whose version changed since the build read it
    (new, edited, taken down or gone); how many did. The articles to look at are those read
    and those live now (an article published meanwhile is live; one that is not adds nothing),
    not a scan of the whole keyspace. With `renew` it runs while the writes are held, renewing
    the hold as it goes, so nothing moves; without, it only shortens the held one."""
    read = redis.register_script(READ_RECORDS)
    live = {keys.article(i.decode()).encode() async for i in redis.sscan_iter(keys.live, count=_SCAN_COUNT)}
    candidates = sorted(live | built.read.keys())
    redone = 0
    for start in range(0, len(candidates), _VERSIONS_CHUNK):
        if renew is not None:
            await renew()
        chunk = candidates[start : start + _VERSIONS_CHUNK]
        versions = [row[0] for row in await read(keys=chunk, args=[1, "version"])]
        changed = [k for k, v in zip(chunk, versions, strict=True) if k not in built.read or built.read[k][0] != v]
        if not changed:
            continue
        ops = OpBatch()
        for key in changed:
            built.withdraw(ops, fresh, key)
        await _run(redis, ops, fresh.live)
        await _read_into(redis, fresh, changed, built, lambda done, total: None)
        redone += len(changed)
    return redone


async def _switch_in(
    redis: Redis,
    keys: Keys,
    fresh: Keys,
    built: _Built,
    old_feeds: list[bytes],
    old_slugs: list[bytes],
    token: str,
) -> None:
    """RENAME every fresh key over the live one in one atomic script run (`scripts.APPLY`), which
    first checks that the rebuild still holds the indexer's writes (should the hold have lapsed,
    the indexer may have written: `WatchError`, and the rebuild starts over)."""
    ops = OpBatch()
    ops.expect(keys.rebuild_hold, "holder", token.encode())
    _switch(ops, old_feeds, built.feed_names(), fresh.feed, keys.feed)
    _switch(ops, old_slugs, built.slug_names(), fresh.slug, keys.slug)
    for source, target in ((fresh.live, keys.live), (fresh.cards, keys.cards)):
        ops.delete(target)
        if built.live:
            ops.rename(source, target)
    for article_key, fields in built.record_updates.items():
        ops.hset(article_key.decode(), mapping=fields)
    for name in built.feed_names() | _names(old_feeds, keys.feed("")):
        ops.hincrby(keys.versions, feed_version(name), 1)
    if not await _run(redis, ops, keys.live):
        raise WatchError("the rebuild's hold lapsed")


async def _run(redis: Redis, ops: OpBatch, anchor: str) -> bool:
    """Run `ops` in one script call; False when one of its checks failed (nothing written)."""
    apply = redis.register_script(APPLY)
    return bool(await apply(keys=ops.declared(redis, anchor), args=ops.argv()) == 1)


def _names(feed_keys: list[bytes], prefix: str) -> set[str]:
    return {key.decode().removeprefix(prefix) for key in feed_keys}


def _switch(
    ops: OpBatch, old_keys: list[bytes], names: set[str], fresh: Callable[[str], str], live: Callable[[str], str]
) -> None:
    """Rename each freshly built key over the live one; delete live keys that were not rebuilt."""
    for name in names:
        ops.rename(fresh(name), live(name))
    rebuilt = {live(name) for name in names}
    for old in old_keys:
        if old.decode() not in rebuilt:
            ops.delete(old.decode())


@dataclass(frozen=True, slots=True)
class _Entry:
    """What one live article put in the fresh keys, so that a later version can take it back."""

    article_id: str
    member: str
    feeds: tuple[str, ...]
    slug: str


@dataclass(slots=True)
class _Built:
    live: int = 0
    feeds: Counter[str] = field(default_factory=Counter)  # feed -> members in the fresh feed
    slugs: Counter[str] = field(default_factory=Counter)
    record_updates: dict[bytes, dict[str, bytes]] = field(default_factory=dict)
    read: dict[bytes, tuple[bytes | None, _Entry | None]] = field(default_factory=dict)
    """article key -> the version read, and what it added (None: not live)."""

    def feed_names(self) -> set[str]:
        return {name for name, size in self.feeds.items() if size > 0}

    def slug_names(self) -> set[str]:
        return {name for name, size in self.slugs.items() if size > 0}

    def withdraw(self, ops: OpBatch, fresh: Keys, key: bytes) -> None:
        """Take back what the article at `key` added to the fresh keys."""
        _, entry = self.read.pop(key, (None, None))
        self.record_updates.pop(key, None)
        if entry is None:
            return
        for name in entry.feeds:
            ops.zrem(fresh.feed(name), entry.member)
            self.feeds[name] -= 1
        ops.zrem(fresh.slug(entry.slug), entry.member)
        self.slugs[entry.slug] -= 1
        ops.srem(fresh.live, entry.article_id)
        ops.hdel(fresh.cards, entry.article_id)
        self.live -= 1


async def _read_into(redis: Redis, fresh: Keys, article_keys: list[Any], built: _Built, progress: Progress) -> None:
    """Write the feeds, slug claims and live set of every live article among `article_keys`
    under `fresh`, and remember what each added.

    Feeds are recomputed from the stored documents as they are (a document stored by an
    older version is not validated again: its slugs that cannot name a feed are left out).
    """
    read = redis.register_script(READ_RECORDS)
    for start in range(0, len(article_keys), _CHUNK):
        chunk = article_keys[start : start + _CHUNK]
        rows = await read(keys=chunk, args=[len(_READ), *_READ])
        ops = OpBatch()
        for key, (state, doc, member, feeds, version) in zip(chunk, rows, strict=True):
            if state != b"published" or not doc:
                built.read[key] = (version, None)
                continue
            document = orjson.loads(doc)
            new_member = feed_member(datetime.fromisoformat(document["published_at"]), document["id"])
            new_feeds = feeds_named(_slugs(document, "tags"), _slugs(document, "authors"))
            for name in new_feeds:
                ops.zadd(fresh.feed(name), {new_member: 0})
            built.feeds.update(new_feeds)
            ops.sadd(fresh.live, document["id"])
            ops.hset(fresh.cards, document["id"], orjson.dumps(card_of(document)))
            slug = document.get("slug") or document["id"]
            ops.zadd(fresh.slug(slug), {new_member: 0})
            built.slugs[slug] += 1
            built.read[key] = (version, _Entry(document["id"], new_member, tuple(new_feeds), slug))
            if member != new_member.encode() or orjson.loads(feeds or b"[]") != new_feeds:
                updates = {"member": new_member.encode(), "feeds": orjson.dumps(new_feeds), "slug": slug.encode()}
                built.record_updates[key] = updates
            built.live += 1
        await _run(redis, ops, fresh.live)
        progress(min(start + _CHUNK, len(article_keys)), len(article_keys))


def _slugs(document: dict[str, Any], field_name: str) -> list[str]:
    return [str(item["slug"]) for item in document.get(field_name) or [] if isinstance(item, dict) and item.get("slug")]
