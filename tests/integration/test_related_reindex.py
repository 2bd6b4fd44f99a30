"""`newsfeed reindex --related` and the live related maintainer: the same lists, whoever computes them."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from newsfeed_readmodel.keys import Keys
from newsfeed_readmodel.related import features as features_module
from newsfeed_readmodel.related import store as store_module
from newsfeed_readmodel.related.features import (
    Features,
    FeatureSettings,
    Input,
    decode_features,
    encode_features,
    stored_features,
)
from newsfeed_readmodel.related.maintainer import reindex_related
from newsfeed_readmodel.related.store import RelatedStore
from newsfeed_schemas.streams import decode_fields, key_root
from tests.conftest import System, running_system, system_settings
from tests.factories import deleted, published, unpublished, updated
from tests.redis_server import RedisServer
from tests.related_corpus import EnglishLike
from tests.system.test_related import CEASEFIRE, FOOTBALL, TALKS, publish_all, related_ids, seed, story
from tests.waiting import eventually


def store_for(system: System, **indexer: object) -> RelatedStore:
    _, settings = system_settings("redis://unused", system.prefix, **indexer)
    return RelatedStore(system.redis, Keys(system.prefix), settings.related_settings())


async def stored_lists(system: System) -> dict[str, list[tuple[str, float]]]:
    keys = Keys(system.prefix)
    out = {}
    async for key in system.redis.scan_iter(match=keys.related("*")):
        rows = await system.redis.zrange(key, 0, -1, withscores=True)
        out[key.decode()] = [(m.decode(), s) for m, s in rows]
    return out


async def announced_since(system: System, length: int) -> list[str]:
    entries = await system.redis.xrange(Keys(system.prefix).streams.related_changes)
    return [decode_fields(fields)["article_id"] for _, fields in entries[length:]]


async def test_reindex_computes_exactly_what_the_live_path_keeps(system: System) -> None:
    await seed(system)
    await publish_all(system, story("ceasefire", "Ceasefire talks", CEASEFIRE, minutes=5))
    await publish_all(system, updated("talks", revision=2, title="Talks resume", text=TALKS * 2, minutes=3))
    await publish_all(system, unpublished("soup", revision=2), deleted("football", revision=2))
    live = await stored_lists(system)
    length = await system.redis.xlen(Keys(system.prefix).streams.related_changes)
    ranked = await reindex_related(store_for(system), lambda _: None)
    assert ranked == 3
    assert await stored_lists(system) == live
    assert await announced_since(system, length) == []  # nothing differed: nothing announced


async def test_damaged_lists_are_restored_only_they_are_announced_and_the_live_path_resumes(system: System) -> None:
    keys = Keys(system.prefix)
    await seed(system)
    await publish_all(system, story("ceasefire", "Ceasefire talks", CEASEFIRE, minutes=5))
    before = await stored_lists(system)
    assert {m for m, _ in before[keys.related("lavrov")]} == {"talks", "ceasefire"}
    await system.redis.delete(keys.related("lavrov"))
    await system.redis.zadd(keys.related("soup"), {"talks": -0.9})
    await system.redis.set(f"{key_root(system.prefix)}:rel:df", "left by an earlier version")
    length = await system.redis.xlen(keys.streams.related_changes)
    await reindex_related(store_for(system), lambda _: None)
    assert await stored_lists(system) == before
    assert sorted(await announced_since(system, length)) == ["lavrov", "soup"]
    assert await system.redis.exists(f"{key_root(system.prefix)}:rel:df") == 0
    # the maintainer lost its lease to the reindex; it takes it back and goes on
    await publish_all(system, story("final", "Cup final", FOOTBALL, minutes=7))
    assert (await related_ids(system, "final"))[:1] == ["football"]


async def test_a_higher_floor_leaves_out_the_weaker_links(redis_server: RedisServer, prefix: str) -> None:
    """NEWSFEED_RELATED_MIN_SCORE: raising the floor rebuilds the lists without the links at or below it."""
    async with running_system(redis_server.url, prefix) as system:
        await seed(system)
        await publish_all(system, story("ceasefire", "Ceasefire talks", CEASEFIRE, minutes=5))
        before = await related_scores(system, "lavrov")
    assert len(set(before.values())) >= 2
    floor = (min(before.values()) + max(before.values())) / 2
    async with running_system(redis_server.url, prefix, related_min_score=floor) as system:
        after = await eventually(lambda: related_scores(system, "lavrov"), until=lambda s: s != before)
    assert after == {article: score for article, score in before.items() if score > floor}
    assert after  # the strongest link stays


async def test_features_computed_with_other_settings_are_computed_again(system: System) -> None:
    """A replica not yet upgraded, or configured otherwise, stores features its own way: lists
    are never ranked with them, the maintainer computes them again from the stored document."""
    keys = Keys(system.prefix)
    await seed(system)
    await publish_all(system, story("ceasefire", "Ceasefire talks", CEASEFIRE, minutes=5))
    store = store_for(system)
    raw = await system.redis.hget(keys.article("lavrov"), "features")
    assert raw is not None and stored_features(raw, store.settings.features_fingerprint()) is not None
    before = await stored_lists(system)
    mine = decode_features(raw)
    theirs = replace(mine, terms=mine.terms[:1], weights=mine.weights[:1], dense=bytes(len(mine.dense)))
    await system.redis.hset(keys.article("lavrov"), "features", encode_features(theirs, "other-settings"))
    assert (await store.features(["lavrov"]))["lavrov"] == mine
    await reindex_related(store, lambda _: None)
    assert await stored_lists(system) == before


async def related_scores(system: System, article_id: str) -> dict[str, float]:
    items = (await system.http.get(f"/v1/articles/{article_id}/related")).json()["items"]
    return {card["id"]: card["score"] for card in items}


async def test_a_change_of_settings_rebuilds_every_list(redis_server: RedisServer, prefix: str) -> None:
    async with running_system(redis_server.url, prefix) as system:
        await seed(system)
        await publish_all(system, story("ceasefire", "Ceasefire talks", CEASEFIRE, minutes=60 * 24 * 60))
        decayed = await related_scores(system, "lavrov")
    async with running_system(redis_server.url, prefix, related_half_life_days=0) as system:
        flat = await eventually(
            lambda: related_scores(system, "lavrov"), until=lambda s: s.get("ceasefire", 0) > decayed["ceasefire"]
        )
        assert set(flat) == set(decayed)
        assert flat["talks"] == decayed["talks"]  # published minutes apart: no decay to undo


async def test_a_rebuild_that_computes_every_articles_features_keeps_its_lease(
    system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a change of settings every article's features are computed again from its stored
    document, a few milliseconds each: run on the event loop, a few thousand held it past the
    lease's time to live, the renewal with it, and the rebuild lost its lease and started over
    for good. They are computed in a thread, so the loop renews the lease meanwhile."""
    corpus = EnglishLike()
    events = [published(f"n{i:03d}", minutes=i, **corpus.fields(i)) for i in range(300)]
    for start in range(0, len(events), 100):
        response = await system.http.post("/v1/events/batch", json=events[start : start + 100])
        assert response.json()["accepted"] == 100
    await system.caught_up()
    on_the_loop: list[bool] = []

    def extract(inputs: list[Input], settings: FeatureSettings) -> list[Features]:
        on_the_loop.append(threading.current_thread() is threading.main_thread())
        return features_module.extract(inputs, settings)

    monkeypatch.setattr(store_module, "extract", extract)
    elsewhere = store_for(system, default_language="de")  # other settings: features computed again
    assert await reindex_related(elsewhere, lambda _: None, lease_ms=2_000) == 300
    assert on_the_loop and not any(on_the_loop)
    state = await elsewhere.state()
    assert state.features == elsewhere.settings.features_fingerprint() and not state.rebuilding


async def test_changes_made_with_related_links_off_are_taken_in_when_they_are_on_again(
    redis_server: RedisServer, prefix: str
) -> None:
    async with running_system(redis_server.url, prefix) as system:
        await publish_all(system, story("a", "Ukraine talks", TALKS), story("b", "Ukraine talks", TALKS, minutes=1))
        assert await related_ids(system, "a") == ["b"]
    async with running_system(redis_server.url, prefix, related_enabled=False) as system:
        for envelope in (story("c", "Ukraine talks", TALKS, minutes=2), unpublished("b", revision=2)):
            assert (await system.publish(envelope)).status_code == 202
        applied = await eventually(
            lambda: system.http.get("/v1/stats"), until=lambda r: r.json()["lag"] == r.json()["pending"] == 0
        )
        assert applied.json()["related_lag"] == 2  # the two live articles' lists no longer follow
    async with running_system(redis_server.url, prefix) as system:
        await eventually(lambda: related_ids(system, "a"), until=lambda ids: ids == ["c"])
        assert await related_ids(system, "c") == ["a"]
        await eventually(lambda: system.http.get("/v1/stats"), until=lambda r: r.json()["related_lag"] == 0)
