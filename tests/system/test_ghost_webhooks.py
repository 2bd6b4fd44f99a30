"""A Ghost post's whole life through signed webhooks, as the two-webhook pairs Ghost sends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis

from newsfeed.allinone import build_all_in_one_app
from newsfeed_publisher.settings import PublisherSettings
from tests.conftest import RunningApp, System, system_settings
from tests.ghost_payloads import GhostPost, signed
from tests.redis_server import RedisServer

SECRET = "ghost-webhook-secret"


@pytest.fixture
async def ghost_system(redis_server: RedisServer, redis_client: aioredis.Redis, prefix: str) -> AsyncIterator[System]:
    publisher, indexer = system_settings(redis_server.url, prefix)
    publisher = PublisherSettings(
        redis_url=publisher.redis_url, prefix=prefix, ghost_secret=SECRET, publisher_token="tok"
    )
    async with (
        RunningApp(build_all_in_one_app(publisher, indexer)) as running,
        httpx.AsyncClient(base_url=running.base_url, timeout=10) as http,
    ):
        yield System(http=http, prefix=prefix, redis=redis_client)


async def deliver(system: System, pairs: list[tuple[str, dict[str, Any]]]) -> list[int]:
    statuses = []
    for event, body in pairs:
        raw, headers = signed(SECRET, body)
        response = await system.http.post(f"/v1/webhooks/ghost/{event}", content=raw, headers=headers)
        statuses.append(response.status_code)
    return statuses


async def test_a_post_lifecycle_through_ghost_webhooks(ghost_system: System) -> None:
    system = ghost_system
    post = GhostPost("65d0c0ffee0000000000abcd")
    article = "/v1/articles/65d0c0ffee0000000000abcd"

    assert await deliver(system, post.publish()) == [202, 200]
    await system.caught_up()
    assert await system.feed_ids() == [post.post["id"]]
    assert await system.feed_ids(tag="world") == [post.post["id"]]
    body = (await system.http.get(article)).json()
    assert body["title"] == "Storm warning"
    assert body["feature_image"]["alt"] == "Dark clouds"

    assert await deliver(system, post.edit(title="Storm warning lifted")) == [202, 200]
    await system.caught_up()
    assert (await system.http.get(article)).json()["title"] == "Storm warning lifted"

    assert await deliver(system, post.unpublish()) == [202, 200]
    await system.caught_up()
    assert await system.feed_ids() == []
    assert (await system.http.get(article)).status_code == 404

    assert await deliver(system, post.publish()) == [202, 200]
    await system.caught_up()
    assert await system.feed_ids() == [post.post["id"]]

    assert await deliver(system, post.delete()) == [202, 202]
    await system.caught_up()
    assert await system.feed_ids() == []
    assert (await system.http.get(article)).status_code == 404


async def test_retried_webhook_is_a_duplicate(ghost_system: System) -> None:
    (event, body), _ = GhostPost("p-retry").publish()
    assert await deliver(ghost_system, [(event, body), (event, body)]) == [202, 200]


async def test_bad_signature_stale_timestamp_and_unknown_event(ghost_system: System) -> None:
    (event, body), _ = GhostPost("p-bad").publish()
    raw, headers = signed("wrong-secret", body)
    assert (
        await ghost_system.http.post(f"/v1/webhooks/ghost/{event}", content=raw, headers=headers)
    ).status_code == 401
    raw, headers = signed(SECRET, body, at_ms=1_000)
    assert (
        await ghost_system.http.post(f"/v1/webhooks/ghost/{event}", content=raw, headers=headers)
    ).status_code == 401
    raw, headers = signed(SECRET, body)
    assert (
        await ghost_system.http.post("/v1/webhooks/ghost/page.published", content=raw, headers=headers)
    ).status_code == 404
    raw, headers = signed(SECRET, {"post": {"current": {"id": "x"}, "previous": {}}})
    response = await ghost_system.http.post(f"/v1/webhooks/ghost/{event}", content=raw, headers=headers)
    assert response.status_code == 422 and response.json()["errors"]
    assert (await ghost_system.stats())["stream_length"] == 0


async def test_events_accept_a_bearer_token_or_standard_webhooks_signature(
    redis_server: RedisServer, redis_client: aioredis.Redis, prefix: str
) -> None:
    import base64
    import time

    import orjson

    from newsfeed_publisher.signatures import sign
    from tests.factories import published

    key = b"k" * 24
    publisher, indexer = system_settings(redis_server.url, prefix)
    secret = "whsec_" + base64.b64encode(key).decode()
    publisher = PublisherSettings(
        redis_url=publisher.redis_url, prefix=prefix, publisher_token="tok", webhook_secret=secret
    )
    async with (
        RunningApp(build_all_in_one_app(publisher, indexer)) as running,
        httpx.AsyncClient(base_url=running.base_url, timeout=10) as http,
    ):
        raw = orjson.dumps(published("signed"))
        now = int(time.time())
        good = {
            "content-type": "application/json",
            "webhook-id": "m1",
            "webhook-timestamp": str(now),
            "webhook-signature": sign(key, "m1", now, raw),
        }
        old = {**good, "webhook-timestamp": str(now - 600), "webhook-signature": sign(key, "m1", now - 600, raw)}
        assert (await http.post("/v1/events", content=raw, headers=good)).status_code == 202
        assert (await http.post("/v1/events", content=raw, headers=old)).status_code == 401
        assert (await http.post("/v1/events", content=raw)).status_code == 401
        bearer = {"authorization": "Bearer tok", "content-type": "application/json"}
        assert (await http.post("/v1/events", content=raw, headers=bearer)).status_code == 200
        batch = orjson.dumps([published("signed-2")])
        signed_batch = {**good, "webhook-signature": sign(key, "m1", now, batch)}
        assert (await http.post("/v1/events/batch", content=batch, headers=signed_batch)).status_code == 200
        assert (await http.post("/v1/events/batch", content=batch)).status_code == 401
