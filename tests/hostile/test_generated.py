"""Generated requests against the running system: schemathesis from the OpenAPI document (valid and
invalid requests for every operation), and hypothesis mutations of real envelopes.

What must hold for every one: no 5xx; a refused request writes nothing; every event answered 2xx
is applied (nothing dead-lettered, nothing left pending). The default run sends a few hundred
requests; `pytest -m slow` sends several thousand.
"""

from __future__ import annotations

import math
from typing import Any

import httpx
import orjson
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from newsfeed_schemas.streams import key_root
from tests.conftest import System
from tests.factories import published

FAST, SLOW = 20, 400  # cases per operation and generation mode


def _cases(document: dict[str, Any], count: int) -> list[Any]:
    schema = schemathesis.openapi.from_dict(document)
    cases: list[Any] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path == "/v1/feed/events":
            continue  # an event stream never ends; tests/system/test_live.py covers it
        for mode in GenerationMode:

            @given(operation.as_strategy(generation_mode=mode))
            @settings(max_examples=count, database=None, deadline=None, suppress_health_check=list(HealthCheck))
            def collect(case: Any) -> None:
                cases.append(case)

            try:
                collect()
            except Unsatisfiable:
                continue  # e.g. no invalid request exists for an operation without parameters
    return cases


def _request(case: Any) -> dict[str, Any]:
    """httpx keyword arguments for a generated case (bodies serialised as their media type says)."""
    headers = {k: str(v) for k, v in (case.headers or {}).items()}
    body = case.body
    content: bytes | None = None
    if body is not None and not isinstance(body, type(schemathesis.core.NOT_SET)):
        media_type = case.media_type or "application/json"
        headers["content-type"] = media_type
        if media_type in ("application/x-ndjson", "application/jsonl") and isinstance(body, list):
            content = b"\n".join(orjson.dumps(item, default=str) for item in body)
        else:
            content = orjson.dumps(body, default=str, option=orjson.OPT_NON_STR_KEYS)
    return {
        "method": case.method,
        "url": case.formatted_path,
        "params": case.query or None,
        "headers": {k: v.encode("utf-8", "surrogatepass") for k, v in headers.items()},
        "content": content,
    }


async def _written(system: System) -> int:
    return int(await system.redis.xlen(f"{key_root(system.prefix)}:articles"))


def _appended(response: httpx.Response) -> int:
    """How many entries a 2xx answer says it appended (a refusal: none)."""
    if response.status_code == 202:
        return 1
    if response.status_code == 200 and response.headers.get("content-type") == "application/json":
        body = response.json()
        return int(body["accepted"]) if isinstance(body, dict) and "accepted" in body else 0
    return 0


async def _run(system: System, cases: list[Any]) -> dict[int, int]:
    statuses: dict[int, int] = {}
    for case in cases:
        before = await _written(system)
        try:
            response = await system.http.request(**_request(case))
        except (ValueError, httpx.InvalidURL, httpx.LocalProtocolError):
            continue  # a request httpx itself cannot send
        assert response.status_code < 500, (case.method, case.formatted_path, response.status_code, response.text[:300])
        assert await _written(system) - before == _appended(response), "a partial or unreported write"
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    return statuses


async def _everything_accepted_was_applied(system: System) -> dict[str, Any]:
    stats = await system.caught_up(timeout=60)
    assert stats["dead"] == 0, "an event answered 2xx was dead-lettered"
    return stats


async def _openapi_run(system: System, count: int) -> None:
    document = (await system.http.get("/openapi.json")).json()
    statuses = await _run(system, _cases(document, count))
    assert any(status in (200, 202) for status in statuses) and any(status == 422 for status in statuses), statuses
    await _everything_accepted_was_applied(system)


async def test_openapi_generated_requests(system: System) -> None:
    await _openapi_run(system, FAST)


@pytest.mark.slow
async def test_openapi_generated_requests_many(system: System) -> None:
    await _openapi_run(system, SLOW)


# Hostile values for any field of a real envelope: what a careless CMS or an attacker sends.
_HOSTILE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=50),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=300),
    st.sampled_from(
        [
            "",
            " ",
            "a/b",
            "A",
            "x" * 5000,
            "\u0000",
            "<script>alert(1)</script>",
            "javascript:alert(1)",
            "2025-02-30T25:61:00Z",
            "9999-12-31T23:59:59Z",
            "0001-01-01T00:00:00Z",
            "<" * 3000,
            "<div>" * 600,
            "https://x.example/" + "a" * 9000,
            "🙂",
            "\u202e",
            "é",
            "../../etc/passwd",
            "%2F",
        ]
    ),
    st.lists(st.dictionaries(st.sampled_from(["slug", "name", "bio", "url"]), st.text(max_size=20)), max_size=4),
    st.dictionaries(st.text(max_size=10), st.integers(), max_size=3),
)
_FIELDS = [
    ("id",), ("type",), ("subject",), ("source",), ("time",), ("specversion",), ("data",),
    ("data", "id"), ("data", "revision"), ("data", "title"), ("data", "slug"), ("data", "html"),
    ("data", "text"), ("data", "excerpt"), ("data", "tags"), ("data", "authors"), ("data", "published_at"),
    ("data", "updated_at"), ("data", "url"), ("data", "language"), ("data", "feature_image"),
]  # fmt: skip


@st.composite
def _mutated_envelopes(draw: st.DrawFn) -> dict[str, Any]:
    event = published(draw(st.sampled_from(["a", "b", "c"])), revision=draw(st.integers(0, 5)))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_FIELDS))
        target: Any = event
        for step in path[:-1]:
            if not isinstance(target.get(step), dict):
                break
            target = target[step]
        else:
            target[path[-1]] = draw(_HOSTILE)
    event["id"] = f"{event.get('id')}-{draw(st.integers(0, 10**9))}"
    return event


def _encodable(value: Any) -> bytes | None:
    try:
        return orjson.dumps(value)
    except (TypeError, orjson.JSONEncodeError):
        return None  # NaN and infinities are not JSON: nothing a client can send


async def _mutation_run(system: System, count: int) -> None:
    envelopes: list[dict[str, Any]] = []

    @given(_mutated_envelopes())
    @settings(max_examples=count, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    def collect(envelope: dict[str, Any]) -> None:
        envelopes.append(envelope)

    collect()
    accepted = 0
    for envelope in envelopes:
        body = _encodable(envelope)
        if body is None or any(isinstance(v, float) and not math.isfinite(v) for v in envelope.values()):
            continue
        before = await _written(system)
        response = await system.http.post("/v1/events", content=body, headers={"content-type": "application/json"})
        assert response.status_code in (200, 202, 409, 413, 422), (response.status_code, response.text[:300])
        assert await _written(system) - before == _appended(response), "a partial or unreported write"
        accepted += response.status_code == 202
    await _everything_accepted_was_applied(system)
    assert accepted > 0


async def test_mutated_envelopes(system: System) -> None:
    await _mutation_run(system, 200)


@pytest.mark.slow
async def test_mutated_envelopes_many(system: System) -> None:
    await _mutation_run(system, 3000)
