"""The related maintainer: one process keeps every related list exact, the others stand by.

Every indexer replica runs a `RelatedMaintainer`; the one that holds the lease
(`store.RelatedStore`) leads. Leading is:

1. **Start.** When the stored lists were computed with other settings, are half-rebuilt or
   were never built, `rebuild`: all lists from scratch. Otherwise load every live article's
   features and the stored lists into a `RelatedEngine` and take in, as one change, every
   article named on `related-work` after the stored position: the stored lists are exact for
   the articles as they were before those changes (see `store.py`).
2. **Follow.** Read the next work entries, read the current features of the articles they
   name, `engine.apply` them, and write the lists that changed together with the new
   position, fenced by the lease. A failed or refused write drops the engine: the next
   leader (maybe this process again) starts over from what Redis holds.

The lists never depend on how changes were grouped or ordered (`engine.py`), so a crash,
a second replica taking over or a replayed entry changes nothing in the result.
The engine's work runs in a thread, so the replica's event loop keeps serving.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from newsfeed_runtime.redis import is_outage

from .engine import Changes, RelatedEngine
from .features import Features
from .store import RelatedStore, WorkItem

__all__ = ["LeaseLost", "RelatedMaintainer", "rebuild", "reindex_related"]

log = logging.getLogger("newsfeed.related")

Progress = Callable[[str], None]
REBUILD_EVENT = "reindex-related"


class LeaseLost(Exception):
    """A fenced write was refused: another process holds the lease, or what is stored is not
    what this process wrote last (a write lost in a failover). Either way: start over."""


async def rebuild(store: RelatedStore, progress: Progress = lambda _: None) -> tuple[RelatedEngine, str]:
    """Compute every list from the live articles, write those that differ, and record the position."""
    if not await store.mark_rebuilding():
        raise LeaseLost
    position = await store.last_work_id()  # every change before this is in what is read next
    state = await store.state()
    recompute = state.features != store.settings.features_fingerprint()
    live = await store.live_ids()
    progress(f"reading the features of {len(live)} live articles" + (" (recomputing them)" if recompute else ""))
    versions = await store.versions(live) if recompute else {}
    features = {aid: f for aid, f in (await store.features(live, recompute=recompute)).items() if f is not None}
    engine = RelatedEngine(store.settings.scores)
    progress(f"ranking {len(features)} articles")
    await asyncio.to_thread(engine.apply, features)
    stored = await store.lists(await store.listed_ids())
    changes: Changes = {}
    for aid in sorted(stored.keys() | features.keys()):
        old, new = stored.get(aid, []), engine.list_of(aid)
        if old != new:
            changes[aid] = (old, new)
    progress(f"writing {len(changes)} changed lists")
    if not await store.write_chunked(changes, REBUILD_EVENT):
        raise LeaseLost
    if recompute:
        await store.store_features(features, versions)
    if not await store.finish_rebuild(position):
        raise LeaseLost
    return engine, position


async def reindex_related(store: RelatedStore, progress: Progress, *, lease_ms: int = 30_000) -> int:
    """`newsfeed reindex --related`: take the lease from the running maintainer (its next write is
    refused, so it starts over from what this writes) and rebuild; how many articles were ranked."""
    await store.take_lease(lease_ms, force=True)
    try:
        async with store.lease_kept(lease_ms):
            engine, _ = await rebuild(store, progress)
    finally:
        await store.release_lease()
    return len(engine)


class RelatedMaintainer:
    def __init__(
        self,
        store: RelatedStore,
        *,
        batch: int = 1000,
        lease_ms: int = 30_000,
        block_ms: int = 1_000,
        rebuild_backlog: int = 50_000,
    ) -> None:
        self.store = store
        self.batch = batch
        self.lease_ms = lease_ms
        self.block_ms = block_ms
        self.rebuild_backlog = rebuild_backlog
        self.engine: RelatedEngine | None = None
        self.position = "0-0"
        self.leading = False
        self._task: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="related-maintainer")

    async def stop(self, timeout_s: float = 3.0) -> None:
        """Stop maintaining and release the lease. A cancellation that redis-py swallowed mid-command
        must not hold the stop: after `timeout_s` the lease is released anyway, and whatever the
        task still tries to write is refused by the lease check."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait({self._task}, timeout=timeout_s)
            self._task = None
        if self.leading:
            with contextlib.suppress(Exception):
                await self.store.release_lease()
        self.leading = False

    async def _run(self) -> None:
        delay = 0.1
        while True:
            try:
                if await self.store.take_lease(self.lease_ms):
                    self.leading = True
                    await self._lead()
                else:
                    self.leading = False
                    await asyncio.sleep(self.lease_ms / 3000)
                delay = 0.1
            except LeaseLost:
                log.info("related lists: a write was refused (lease taken, or stored state moved); starting over")
                self._drop()
            except Exception as exc:
                self._drop()
                if not is_outage(exc):
                    log.exception("related maintainer failed; starting over")
                else:
                    log.warning("related maintainer: Redis unavailable (%s); retrying", exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    def _drop(self) -> None:
        self.engine = None
        self.leading = False

    # ------------------------------------------------------------------ leading
    async def _lead(self) -> None:
        async with self.store.lease_kept(self.lease_ms):
            if self.engine is None:
                await self._begin()
            while True:
                await self.step(block_ms=self.block_ms)

    async def _begin(self) -> None:
        state = await self.store.state()
        settings = self.store.settings
        if state.missed and state.position is not None:
            log.warning(
                "related lists: a replica with NEWSFEED_RELATED_ENABLED=false applied changes they do not follow; "
                "rebuilding every list (run every replica with the same setting, or this repeats)"
            )
        if state.rebuilding or state.missed or state.position is None or state.fingerprint != settings.fingerprint():
            log.info("related lists: rebuilding every list (never built, settings changed, or changes missed)")
            self.engine, self.position = await rebuild(self.store, lambda line: log.info("related rebuild: %s", line))
            return
        backlog = await self.store.work_after(state.position, self.rebuild_backlog + 1)
        if len(backlog) > self.rebuild_backlog:
            log.info("related lists: %d articles changed since the lists were written; rebuilding", len(backlog))
            self.engine, self.position = await rebuild(self.store)
            return
        live = await self.store.live_ids()
        features = {aid: f for aid, f in (await self.store.features(live)).items() if f is not None}
        engine = RelatedEngine(settings.scores)
        work = await self.store.work_after(state.position, None)  # all of it: see `store.py`
        # Articles taken down since the position may still have a stored list: load those too,
        # so that taking their changes in removes them.
        gone = sorted({item.article_id for item in work} - features.keys())
        stored = await self.store.lists([*features, *gone])
        await asyncio.to_thread(engine.restore, features, stored)
        self.engine, self.position = engine, state.position
        log.info("related lists: loaded %d articles; %d changes to take in", len(features), len(work))
        await self._take_in(work)

    async def step(self, *, block_ms: int | None = None) -> int:
        """Take in the next batch of work (waiting up to `block_ms` for some); how many entries."""
        work = await self.store.work_after(self.position, self.batch, block_ms=block_ms)
        await self._take_in(work)
        return len(work)

    async def _take_in(self, work: list[WorkItem]) -> None:
        if not work:
            return
        assert self.engine is not None
        events = {item.article_id: item.event_id for item in work}
        features: dict[str, Features | None] = await self.store.features(sorted(events))
        changes = await asyncio.to_thread(self.engine.apply, features)
        if not await self.store.write(changes, events, position=work[-1].stream_id, since=self.position):
            raise LeaseLost
        self.position = work[-1].stream_id
