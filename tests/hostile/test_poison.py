"""Entries that reach the stream without the publisher (or slip past it): contained, never stalling a replica."""

from __future__ import annotations

import itertools
import re
import string
import time
from collections.abc import AsyncIterator

import orjson
import pytest

from newsfeed_schemas.streams import encode_fields, key_root
from tests.conftest import System, running_system
from tests.factories import published
from tests.redis_server import RedisServer


async def _append(system: System, fields: dict[bytes | str, bytes | str]) -> None:
    await system.redis.xadd(f"{key_root(system.prefix)}:articles", fields)  # type: ignore[arg-type]


async def _append_event(system: System, event: dict[str, object]) -> None:
    await _append(system, encode_fields(event, type_=str(event["type"]), subject=str(event["subject"])))


async def _dead(system: System) -> list[dict[bytes, bytes]]:
    return [fields for _, fields in await system.redis.xrange(f"{key_root(system.prefix)}:articles:dead")]


async def test_an_entry_with_thousands_of_fields_is_dead_lettered(system: System) -> None:
    fields: dict[bytes | str, bytes | str] = {f"f{i}": b"x" for i in range(5_000)}
    await _append(system, fields)
    await system.publish(published("after"))
    await system.caught_up()
    dead = await _dead(system)
    assert len(dead) == 1 and b"no 'data' field" in dead[0][b"error"]
    assert len(dead[0]) <= 6  # the documented fields, not the 5,000
    assert await system.feed_ids() == ["after"]


def _distinct_names(count: int) -> list[str]:
    """`count` attribute names, the shortest first (a, b, ..., aa, ab, ...)."""
    names: list[str] = []
    size = 1
    while len(names) < count:
        names += ("".join(letters) for letters in itertools.product(string.ascii_lowercase, repeat=size))
        size += 1
    return names[:count]


@pytest.mark.parametrize(
    "html",
    [
        "<" * 20_000,
        "<a " * 20_000,
        "<!--" * 20_000,
        "<!--x-->" * 40_000,  # each comment's end looked for to the end of the body: quadratic
        "&" * 100_000,
        "&" * 1_000_000,  # one text node of references: quadratic in the sanitiser, so refused
        "<p>" + "<b>" * 20_000,
        '<img src="x" alt="' + "<" * 50_000 + '">',
        '<iframe src="https://a.example/v"></iframe>' * 20_000,  # each embed read for its link
        '<iframe src="' * 60_000,
        "<p " + " ".join(_distinct_names(200_000)) + ">x</p>",  # each name checked against those before
        "<table>" + "x<br>" * 199_000,  # each moved in front of the table, found among those moved
        "".join("<html " + " ".join(f"a{i}" for i in range(j, j + 1000)) + ">" for j in range(0, 40_000, 1000))
        + "<html></html>" * 10_000,  # each <html>'s attributes checked against all the page's <html> holds
        '<img src="a.png" srcset="' + "," * 999_000 + '">',
        "<p>a" + "\u0301\u0316" * 45_000 + "</p>",  # marks NFKC orders by insertion: quadratic
        "<p>a" + "\U0001d167\u0301" * 45_000 + "</p>",
    ],
)
async def test_hostile_html_is_refused_or_applied_quickly(system: System, html: str) -> None:
    started = time.monotonic()
    response = await system.publish(published("odd", html=html))
    assert response.status_code in (202, 422)
    await system.caught_up()
    assert time.monotonic() - started < 5
    assert await system.feed_ids() == (["odd"] if response.status_code == 202 else [])
    page = await system.http.get("/articles/odd")
    assert page.status_code == (200 if response.status_code == 202 else 404)


async def test_deeply_nested_html_written_straight_into_the_stream_is_dead_lettered(system: System) -> None:
    await _append_event(system, published("deep", html="<div>" * 100_000))
    await system.publish(published("next"))
    await system.caught_up(timeout=30)
    dead = await _dead(system)
    assert len(dead) == 1 and b"nest deeper" in dead[0][b"error"]
    assert await system.feed_ids() == ["next"]


@pytest.fixture
async def impatient(redis_server: RedisServer, prefix: str) -> AsyncIterator[System]:
    """A replica whose content budget is far below what a megabyte of nested markup takes."""
    async with running_system(redis_server.url, prefix, content_budget_s=0.3) as system:
        yield system


async def test_a_body_over_the_content_budget_is_dead_lettered_and_the_rest_flows(impatient: System) -> None:
    # Deep enough to be slow for an HTML5 parser, shallow enough to pass the nesting limit.
    slow = "<div>" * 500 + "<div><p>x</p></div>" * 200_000  # some 2 s of parsing
    for n in range(3):
        await _append_event(impatient, published(f"before-{n}", minutes=n))
    await _append_event(impatient, published("slow", html=slow))
    for n in range(3):
        await _append_event(impatient, published(f"after-{n}", minutes=10 + n))
    started = time.monotonic()
    await impatient.caught_up(timeout=60)
    assert time.monotonic() - started < 30
    dead = await _dead(impatient)
    assert [orjson.loads(d[b"data"])["subject"] for d in dead] == ["slow"]
    assert b"content budget" in dead[0][b"error"]
    assert sorted(await impatient.feed_ids()) == sorted(
        [f"before-{n}" for n in range(3)] + [f"after-{n}" for n in range(3)]
    )
    health = await impatient.http.get("/healthz")
    assert health.status_code == 200


async def test_html_that_runs_script_is_served_inert(system: System) -> None:
    html = (
        "<p>Hello</p><script>alert(1)</script><img src=x onerror=alert(2)>"
        '<svg onload=alert(3)><circle r="1"/></svg><a href="javascript:alert(4)">x</a>'
        '<iframe src="https://evil.example/"></iframe><p style="background:url(javascript:alert(5))">s</p>'
        "<form action=https://evil.example><input name=p></form><object data=x></object>"
        '<math><mi xlink:href="javascript:alert(6)">m</mi></math><base href="https://evil.example/">'
    )
    caption = '<span style="color:red" onclick="alert(7)">Photo</span> <em>credit</em><script>alert(8)</script>'
    event = published("xss", html=html, feature_image={"url": "https://x.example/a.jpg", "caption": caption})
    assert (await system.publish(event)).status_code == 202
    await system.caught_up()
    page = await system.http.get("/articles/xss")
    assert page.status_code == 200
    body = page.text.lower()
    scripts = re.findall(r"<script[^>]*>", body)
    assert scripts == ['<script src="/static/live.js?v=' + scripts[0].split("?v=")[1]], scripts  # the site's own only
    for needle in ("onerror", "onload", "onclick", "javascript:", "<iframe", "<form", "<object", "<base"):
        assert needle not in body, needle
    assert "<em>credit</em>" in page.text and "Hello" in page.text
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    api = await system.http.get("/v1/articles/xss")
    assert api.headers["content-type"] == "application/json"
    assert "<script" not in api.json()["html"]
