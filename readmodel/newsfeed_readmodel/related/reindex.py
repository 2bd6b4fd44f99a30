"""`newsfeed reindex --related`: recompute the term index and every related list.

After a change of weights (`terms.Weighting`, recency, postings cap) the stored profiles,
postings and lists reflect the old settings, and the document frequencies only ever grew
(removals are not counted down by the incremental path). Three passes over the live
articles, `chunk` at a time, progress reported as (done, total) with total = 3 x live:

1. recount document frequencies from the stored documents; the fresh counts replace
   `rel:df` and `rel:docs` in one MULTI/EXEC (RENAME of a scratch hash);
2. reweigh every live article against them and rewrite its profile and postings (an
   entry moves from old to new terms without a moment where the article is missing, so a
   replica indexing meanwhile still finds it); profiles of articles no longer live leave
   the index;
3. rank every live article against the new index and replace its list (and the holder
   sets), announcing each list that changed on `related-changes`; lists of articles no
   longer live are dropped.

It runs beside live indexers: an article they index meanwhile is ranked with the new counts
(their in-process cache refreshes within `df_ttl_s`), and a list they edit during pass 3
is at worst recomputed here from the same index, so the result converges.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import orjson
from redis.asyncio import Redis

from ..batch import OpBatch
from ..keys import Keys
from ..scripts import APPLY
from .index import RelatedConfig, RelatedIndex, RelatedProjector
from .planning import RelatedPlan
from .scoring import Profile, decode_profile, document_facts
from .terms import weigh

__all__ = ["recompute_related"]

Progress = Callable[[int, int], None]
REINDEX_EVENT = "reindex-related"


async def recompute_related(
    redis: Redis, keys: Keys, config: RelatedConfig, progress: Progress, *, changes_maxlen: int, chunk: int = 200
) -> int:
    """Recompute document frequencies, profiles, postings and every related list; live articles seen."""
    index = RelatedIndex(redis, keys, config)
    apply = redis.register_script(APPLY)
    live = sorted(m.decode() if isinstance(m, bytes) else str(m) for m in await redis.smembers(keys.live))
    total = 3 * len(live)
    df: Counter[str] = Counter()
    docs = 0
    for start in range(0, len(live), chunk):
        for _, facts in await _facts(redis, keys, live[start : start + chunk]):
            df.update(facts[0].vocabulary)
            docs += 1
        progress(min(start + chunk, len(live)), total)
    await _replace_counts(redis, keys, df, docs)
    done = len(live)
    for start in range(0, len(live), chunk):
        ids = live[start : start + chunk]
        olds = await index.profiles(ids)
        ops = OpBatch()
        for aid, (counts, language, published_s, tag_names) in await _facts(redis, keys, ids):
            weights = weigh(counts, {t: df[t] for t in counts.vocabulary}, docs, config.weighting)
            index.write_entry(ops, Profile(aid, language, published_s, weights, tag_names), olds.get(aid))
        if ops.count:
            await apply(args=ops.argv())
        done += len(ids)
        progress(done, total)
    await _drop_dead(redis, keys, index, set(live), apply)
    projector = RelatedProjector(index, changes_maxlen=changes_maxlen)
    for start in range(0, len(live), chunk):
        ids = live[start : start + chunk]
        profiles = await index.profiles(ids)
        ranked = await index.rank_many(list(profiles.values()), set(), config.keep)
        before = await index.lists({aid: (None, []) for aid in ids})
        plan = RelatedPlan(config.keep)
        ops = OpBatch()
        for aid in ids:
            best = ranked.get(aid, [])
            old = before.get(aid, {})
            if {a: round(s, 6) for a, s in best} == {a: round(s, 6) for a, s in old.items()}:
                continue
            plan.replace(aid, best, REINDEX_EVENT)
            for member in set(old) - {a for a, _ in best}:
                ops.srem(keys.rel_holders(member), aid)
        projector.write(ops, plan)
        if ops.count:
            await apply(args=ops.argv())
        done += len(ids)
        progress(done, total)
    return len(live)


async def _facts(redis: Redis, keys: Keys, ids: list[str]) -> list[tuple[str, Any]]:
    """(id, `related.document_facts`) of the stored documents of `ids` (missing ones skipped)."""
    async with redis.pipeline(transaction=False) as pipe:
        for aid in ids:
            pipe.hget(keys.article(aid), "doc")
        raws = await pipe.execute()
    return [(aid, document_facts(orjson.loads(raw))) for aid, raw in zip(ids, raws, strict=True) if raw]


async def _replace_counts(redis: Redis, keys: Keys, df: Counter[str], docs: int) -> None:
    scratch = keys.rel_scratch(f"df:{uuid.uuid4().hex[:12]}")
    items = list(df.items())
    async with redis.pipeline(transaction=False) as pipe:
        for start in range(0, len(items), 5_000):
            pipe.hset(scratch, mapping=dict(items[start : start + 5_000]))
        await pipe.execute()
    async with redis.pipeline(transaction=True) as pipe:
        if items:
            pipe.rename(scratch, keys.rel_df)
        else:
            pipe.delete(keys.rel_df)
        pipe.set(keys.rel_docs, docs)
        await pipe.execute()


async def _drop_dead(redis: Redis, keys: Keys, index: RelatedIndex, live: set[str], apply: Any) -> None:
    """Profiles and lists of articles that are no longer live leave the index."""
    marker = keys.rel_profile("")
    dead = [k.decode()[len(marker) :] async for k in redis.scan_iter(match=keys.rel_profile("*"), count=1000)]
    dead = [aid for aid in dead if aid not in live]
    listed = keys.related("")
    lists = [k.decode()[len(listed) :] async for k in redis.scan_iter(match=keys.related("*"), count=1000)]
    ops = OpBatch()
    for aid in dead:
        raw = await redis.get(keys.rel_profile(aid))
        if raw:
            index.write_entry(ops, None, decode_profile(aid, raw))
    for aid in lists:
        if aid not in live:
            ops.delete(keys.related(aid), keys.rel_holders(aid))
    if ops.count:
        await apply(args=ops.argv())
