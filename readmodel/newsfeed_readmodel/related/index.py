"""Related links in Redis: the term index and the projector that keeps every list current.

Per batch, `RelatedProjector.prepare` (before the store's atomic write) handles the last
transition of each article, all articles of the batch together, in a fixed number of round
trips whatever the batch size:

1. one pipeline reads the previous profiles, the article count and the document
   frequencies the cache lacks;
2. one script writes the index entries of every live article (profile, postings, document
   frequencies) and removes the taken-down ones, at once rather than in the atomic batch
   write, so that a replica indexing a related article at the same moment finds them: of
   two concurrent indexers at least one queries after the other wrote, and that one links
   both sides (write the index entry before querying);
3. one script picks each article's candidates server-side (`CANDIDATES_SCRIPT`) and one
   MGET fetches their profiles; scoring is pure Python (`related.rank`);
4. one script returns the related lists the new articles may enter (`LISTS_SCRIPT`), so
   lists where they would not rank are never shipped.

Taken-down or edited articles add one more pass of 2-4 for the lists that held them.
`RelatedProjector.write` queues the list edits and the `related-changes` announcements into
the store's atomic `OpBatch`. Index writes are idempotent, so a retried batch converges.

Bounded cost: an article is posted under its `posted_terms` strongest terms (its profile
keeps more, for scoring), postings keep the most recent `postings` ids per term, a query
reads the postings of the article's top `query_terms` terms only and scores at most
`candidates` profiles, so the work per article does not grow with the corpus.

Document frequencies count each article once when first indexed and are not decremented on
removal (an approximation; `related_reindex.recompute_related` recounts them). They are
cached in-process for `df_ttl_s` seconds (`DfCache`): idf moves slowly, and a stale count
changes a weight by a fraction of a percent, while fetching thousands of counts per batch is
the largest read of the indexer. The replica's own increments are applied to the cache.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from redis.asyncio import Redis

from ..announcements import CHANGES_MAXLEN, related_change
from ..batch import OpBatch
from ..keys import Keys, related_version
from ..projection import Transition
from ..scripts import APPLY, RELATED_CANDIDATES, RELATED_LISTS
from .planning import Ranked, RelatedPlan, lists_wanted
from .scoring import Profile, decode_profile, document_facts, encode_profile, rank
from .terms import TermCounts, Weighting, weigh

__all__ = ["DfCache", "RelatedConfig", "RelatedIndex", "RelatedProjector"]


@dataclass(frozen=True, slots=True)
class RelatedConfig:
    half_life_days: float = 14.0
    postings: int = 100
    posted_terms: int = 32
    query_terms: int = 12
    candidates: int = 100
    keep: int = 20
    df_ttl_s: float = 60.0
    weighting: Weighting = field(default_factory=Weighting)


class DfCache:
    """Document frequencies kept in-process for `ttl_s` seconds; `now` is injectable for tests."""

    def __init__(self, ttl_s: float, now: Any = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self.now = now
        self.counts: dict[str, int] = {}
        self.loaded_at = now()

    def missing(self, terms: Iterable[str]) -> list[str]:
        if self.now() - self.loaded_at > self.ttl_s:
            self.counts.clear()
            self.loaded_at = self.now()
        return [t for t in terms if t not in self.counts]

    def add(self, terms: Iterable[str], values: Iterable[Any]) -> None:
        self.counts.update((t, int(v or 0)) for t, v in zip(terms, values, strict=True))

    def bump(self, terms: Iterable[str]) -> None:
        for term in terms:
            if term in self.counts:
                self.counts[term] += 1


class RelatedIndex:
    """Reads and index writes of related links (list edits go through `RelatedProjector.write`)."""

    def __init__(self, redis: Redis, keys: Keys, config: RelatedConfig) -> None:
        self.redis = redis
        self.keys = keys
        self.config = config
        self.df = DfCache(config.df_ttl_s)
        self._apply = redis.register_script(APPLY)
        self._candidates = redis.register_script(RELATED_CANDIDATES)
        self._lists = redis.register_script(RELATED_LISTS)
        self._decoded: dict[str, tuple[bytes | str, Profile]] = {}

    def _decode(self, article_id: str, raw: bytes | str) -> Profile:
        """Profiles decoded once per content (a bounded memo keyed by the stored bytes)."""
        hit = self._decoded.get(article_id)
        if hit is not None and hit[0] == raw:
            return hit[1]
        if len(self._decoded) > 50_000:
            self._decoded.clear()
        profile = decode_profile(article_id, raw)
        self._decoded[article_id] = (raw, profile)
        return profile

    async def profiles(self, article_ids: Iterable[str]) -> dict[str, Profile]:
        ids = list(dict.fromkeys(article_ids))
        if not ids:
            return {}
        raws = await self.redis.mget([self.keys.rel_profile(a) for a in ids])
        return {a: self._decode(a, raw) for a, raw in zip(ids, raws, strict=True) if raw}

    async def lists(self, wanted: Mapping[str, tuple[float | None, Iterable[str]]]) -> dict[str, dict[str, float]]:
        """The lists of `wanted` owners: {owner: (threshold or None for always, members)}.

        An owner is left out when its list is full, scores at least its threshold and holds
        none of its members: an article scoring below the threshold could not enter it.
        """
        if not wanted:
            return {}
        args: list[Any] = [self.config.keep]
        for owner, (threshold, members) in wanted.items():
            listed = list(members)
            args += [self.keys.related(owner), "-" if threshold is None else repr(threshold), len(listed), *listed]
        rows = await self._lists(args=args)
        found = {}
        for owner, row in zip(wanted, rows, strict=True):
            if row is not None:
                found[owner] = {row[j].decode(): float(row[j + 1]) for j in range(0, len(row), 2)}
        return found

    async def holders(self, article_ids: Iterable[str]) -> dict[str, set[str]]:
        ids = list(article_ids)
        if not ids:
            return {}
        async with self.redis.pipeline(transaction=False) as pipe:
            for aid in ids:
                pipe.smembers(self.keys.rel_holders(aid))
            rows = await pipe.execute()
        return {aid: {m.decode() for m in row} for aid, row in zip(ids, rows, strict=True)}

    async def rank_many(self, profiles: list[Profile], exclude: set[str], limit: int) -> dict[str, Ranked]:
        """Each profile's best `limit` articles, from bounded candidates (one script, one MGET)."""
        if not profiles:
            return {}
        args: list[Any] = [self.config.candidates + len(exclude), len(profiles)]
        for p in profiles:
            top = sorted(p.weights.items(), key=lambda kv: -kv[1])[: self.config.query_terms]
            args += [p.article_id, len(top)]
            for term, weight in top:
                args += [self.keys.rel_postings(p.language, term), repr(weight)]
        tmp = self.keys.rel_scratch("candidates")
        rows = await self._candidates(keys=[tmp], args=args)
        chosen = {
            p.article_id: [m.decode() for m in row if m.decode() not in exclude]
            for p, row in zip(profiles, rows, strict=True)
        }
        found = await self.profiles(a for ids in chosen.values() for a in ids)
        half_life = self.config.half_life_days
        return {
            p.article_id: rank(p, (found[a] for a in chosen[p.article_id] if a in found), half_life, limit)
            for p in profiles
        }

    async def index_many(
        self, documents: Mapping[str, dict[str, Any]], removed: Iterable[str]
    ) -> tuple[dict[str, Profile], dict[str, Profile | None]]:
        """Write the live articles' index entries and drop the removed ones, now.

        Returns (new profile of each live article, previous profile of every article or None).
        """
        gone = list(removed)
        facts = {aid: document_facts(doc) for aid, doc in documents.items()}
        ids = [*facts, *gone]
        if not ids:
            return {}, {}
        vocabulary = list(dict.fromkeys(t for counts, *_ in facts.values() for t in counts.vocabulary))
        missing = self.df.missing(vocabulary)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.mget([self.keys.rel_profile(a) for a in ids])
            pipe.get(self.keys.rel_docs)
            if missing:
                pipe.hmget(self.keys.rel_df, missing)
            raws, docs_raw, *rest = await pipe.execute()
        if missing:
            self.df.add(missing, rest[0])
        olds = {a: (decode_profile(a, raw) if raw else None) for a, raw in zip(ids, raws, strict=True)}
        firsts = [a for a in facts if olds.get(a) is None]
        docs = int(docs_raw or 0) + len(firsts)
        increments: dict[str, int] = {}
        for aid in firsts:
            for term in facts[aid][0].vocabulary:
                increments[term] = increments.get(term, 0) + 1
        ops = OpBatch()
        profiles = {}
        for aid, (terms, language, published_s, tag_names) in facts.items():
            weights = self._weigh(terms, self.df.counts, increments, docs)
            profiles[aid] = Profile(aid, language, published_s, weights, tag_names)
            self.write_entry(ops, profiles[aid], olds.get(aid))
        for aid in gone:
            self.write_entry(ops, None, olds.get(aid))
        for term, n in increments.items():
            ops.command("HINCRBY", self.keys.rel_df, term, n)
        if firsts:
            ops.command("INCRBY", self.keys.rel_docs, len(firsts))
        if ops.count:
            await self._apply(args=ops.argv())
        for aid in firsts:
            self.df.bump(facts[aid][0].vocabulary)
        return profiles, olds

    def posted(self, profile: Profile) -> list[str]:
        """The terms whose postings list the article: its `posted_terms` strongest."""
        ranked = sorted(profile.weights.items(), key=lambda kv: (-kv[1], kv[0]))
        return [term for term, _ in ranked[: self.config.posted_terms]]

    def write_entry(self, ops: OpBatch, profile: Profile | None, old: Profile | None) -> None:
        """Record the index writes turning `old` into `profile` (None: the article leaves)."""
        posted = self.posted(profile) if profile is not None else []
        keep = set(posted)
        if old is not None:
            same_language = profile is not None and profile.language == old.language
            for term in self.posted(old):
                if term not in keep or not same_language:
                    ops.zrem(self.keys.rel_postings(old.language, term), old.article_id)
            if profile is None:
                ops.delete(self.keys.rel_profile(old.article_id))
        if profile is None:
            return
        ops.command("SET", self.keys.rel_profile(profile.article_id), encode_profile(profile))
        for term in posted:
            key = self.keys.rel_postings(profile.language, term)
            ops.zadd(key, {profile.article_id: profile.published_s})
            ops.zremrangebyrank(key, 0, -(self.config.postings + 1))

    def _weigh(
        self, terms: TermCounts, counts: Mapping[str, int], fresh: Mapping[str, int], docs: int
    ) -> dict[str, float]:
        """Weights with df counting this batch's new articles (the cached counts precede them)."""
        df = {t: counts.get(t, 0) + fresh.get(t, 0) for t in terms.vocabulary}
        return weigh(terms, df, docs, self.config.weighting)


class RelatedProjector:
    """A `writer.Projector`: keeps related lists symmetric and current as articles come and go."""

    def __init__(self, index: RelatedIndex, *, changes_maxlen: int = CHANGES_MAXLEN) -> None:
        self.index = index
        self.keys = index.keys
        self.config = index.config
        self.changes_maxlen = changes_maxlen

    async def prepare(self, transitions: list[Transition]) -> RelatedPlan:
        keep = self.config.keep
        plan = RelatedPlan(keep)
        last = {t.article_id: t for t in transitions}
        events = {aid: t.stored.version.event_id for aid, t in last.items()}
        plan.gone = gone = {a for a, t in last.items() if not (t.is_live and t.document is not None)}
        live = {a: cast(dict[str, Any], t.document) for a, t in last.items() if a not in gone}
        profiles, olds = await self.index.index_many(live, gone)
        ranked = await self.index.rank_many(list(profiles.values()), gone, self.config.candidates)
        edited = [a for a in live if olds.get(a) is not None]
        holders = await self.index.holders([*edited, *gone])
        wanted = lists_wanted(ranked, gone, live, set(edited))
        refill = {h: a for a in [*gone, *edited] for h in holders[a] if h not in gone and h not in live}
        for aid in edited:
            for owner, _ in ranked[aid]:
                if refill.get(owner) == aid:
                    del refill[owner]
        wanted.update((h, (None, [])) for h in refill)
        plan.views.update(await self.index.lists(wanted))
        for aid in last:
            if aid in gone:
                if olds.get(aid) is not None or holders[aid] or plan.views.get(aid):
                    plan.drop(aid, events[aid])
                continue
            plan.replace(aid, ranked[aid][:keep], events[aid])
            for owner, score in ranked[aid]:
                view = plan.views.get(owner)
                if owner in live or view is None:
                    continue
                if aid in view or len(view) < keep or score > min(view.values()):
                    plan.insert(owner, aid, score, events[aid])
        owners = {h: a for h, a in refill.items() if a in plan.views.get(h, {})}
        found = await self.index.profiles(owners)
        for owner, best in (await self.index.rank_many(list(found.values()), gone, keep)).items():
            plan.replace(owner, best, events[owners[owner]])
        return plan

    def write(self, pipe: OpBatch, prepared: Any) -> None:
        keys, plan = self.keys, cast(RelatedPlan, prepared)
        for kind, owner, arg in plan.ops:
            target = keys.related(owner)
            if kind == "insert":
                member, score = arg
                pipe.zadd(target, {member: score})
                pipe.zremrangebyrank(target, 0, -(self.config.keep + 1))
                pipe.sadd(keys.rel_holders(member), owner)
                continue
            pipe.delete(target)
            if kind == "drop":
                pipe.delete(keys.rel_holders(owner))
            elif arg:
                pipe.zadd(target, dict(arg))
                for member, _ in arg:
                    pipe.sadd(keys.rel_holders(member), owner)
        for owner, event_id in plan.changed.items():
            pipe.command("HINCRBY", keys.versions, related_version(owner), 1)
            view = plan.views.get(owner, {})
            links = sorted(view.items(), key=lambda kv: (-kv[1], kv[0]))[: self.config.keep]
            pipe.announce(
                keys.streams.related_changes,
                related_change(event_id, owner, links),
                subject=owner,
                maxlen=self.changes_maxlen,
            )
