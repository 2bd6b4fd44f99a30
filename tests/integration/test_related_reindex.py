"""`recompute_related`: counts, profiles and lists recomputed from the stored articles."""

from __future__ import annotations

from collections import Counter

import orjson

from newsfeed_readmodel.keys import Keys
from newsfeed_readmodel.related.reindex import recompute_related
from newsfeed_readmodel.related.scoring import document_facts
from newsfeed_schemas.streams import decode_fields
from tests.conftest import System, system_settings
from tests.factories import unpublished
from tests.system.test_related import CEASEFIRE, FOOTBALL, publish_all, related_ids, seed, story


async def _scores(system: System, article_id: str) -> dict[str, float]:
    rows = await system.redis.zrange(Keys(system.prefix).related(article_id), 0, -1, withscores=True)
    return {m.decode(): s for m, s in rows}


async def test_counts_are_recounted_from_the_live_articles(system: System) -> None:
    keys = Keys(system.prefix)
    await seed(system)
    await publish_all(system, story("ceasefire", "Ceasefire talks", CEASEFIRE, minutes=5))
    await publish_all(system, unpublished("football", revision=2))
    assert int(await system.redis.get(keys.rel_docs)) == 5  # the incremental path never counts down
    progress: list[tuple[int, int]] = []
    _, settings = system_settings("redis://unused", system.prefix)
    seen = await recompute_related(
        system.redis,
        keys,
        settings.related_config(),
        lambda done, total: progress.append((done, total)),
        changes_maxlen=settings.changes_maxlen,
    )
    assert seen == 4
    assert progress[-1] == (12, 12)
    expected: Counter[str] = Counter()
    for aid in ("lavrov", "soup", "talks", "ceasefire"):
        document = orjson.loads(await system.redis.hget(keys.article(aid), "doc"))
        expected.update(document_facts(document)[0].vocabulary)
    stored = {k.decode(): int(v) for k, v in (await system.redis.hgetall(keys.rel_df)).items()}
    assert stored == dict(expected)
    assert int(await system.redis.get(keys.rel_docs)) == 4
    assert await system.redis.get(keys.rel_profile("football")) is None


async def test_damaged_lists_are_restored_and_only_they_announced(system: System) -> None:
    keys = Keys(system.prefix)
    await seed(system)
    await publish_all(system, story("ceasefire", "Ceasefire talks", CEASEFIRE, minutes=5))
    _, settings = system_settings("redis://unused", system.prefix)
    await recompute_related(
        system.redis, keys, settings.related_config(), lambda done, total: None, changes_maxlen=settings.changes_maxlen
    )
    before = {aid: await _scores(system, aid) for aid in ("lavrov", "talks", "ceasefire", "football", "soup")}
    assert set(before["lavrov"]) == {"talks", "ceasefire"}
    await system.redis.delete(keys.related("lavrov"))
    await system.redis.zadd(keys.related("soup"), {"talks": 0.9})
    length = await system.redis.xlen(keys.streams.related_changes)
    await recompute_related(
        system.redis, keys, settings.related_config(), lambda done, total: None, changes_maxlen=settings.changes_maxlen
    )
    assert {aid: await _scores(system, aid) for aid in before} == before
    entries = await system.redis.xrange(keys.streams.related_changes, min="-", max="+")
    announced = [decode_fields(fields)["article_id"] for _, fields in entries[length:]]
    assert sorted(announced) == ["lavrov", "soup"]
    assert "soup" not in {m.decode() for m in await system.redis.smembers(keys.rel_holders("talks"))}


async def test_a_change_of_weights_reaches_every_list(system: System) -> None:
    keys = Keys(system.prefix)
    await seed(system)
    await publish_all(system, story("ceasefire", "Ceasefire talks", CEASEFIRE, minutes=60 * 24 * 60))
    decayed = await _scores(system, "lavrov")
    _, settings = system_settings("redis://unused", system.prefix, related_half_life_days=0)
    await recompute_related(
        system.redis, keys, settings.related_config(), lambda done, total: None, changes_maxlen=settings.changes_maxlen
    )
    flat = await _scores(system, "lavrov")
    assert set(flat) == set(decayed)
    assert flat["ceasefire"] > decayed["ceasefire"]
    assert "lavrov" in await related_ids(system, "ceasefire")
    await publish_all(system, story("final", "Cup final", FOOTBALL, minutes=7))
    assert (await related_ids(system, "final"))[:1] == ["football"]
