"""Bad input gets a clear 4xx and writes nothing."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from newsfeed_schemas.streams import key_root
from tests.conftest import System
from tests.factories import published


async def _stream_length(system: System) -> int:
    return int(await system.redis.xlen(f"{key_root(system.prefix)}:articles"))


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        (b"{not json", []),
        (b"", []),
        (b"\xff\xfe\x00", []),
        (b"[1, 2]", []),
    ],
)
async def test_invalid_json_is_a_422_with_errors(system: System, body: bytes, loc: list[Any]) -> None:
    response = await system.http.post("/v1/events", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    payload = response.json()
    assert payload["errors"] and payload["errors"][0]["loc"] == loc
    assert await _stream_length(system) == 0


async def test_a_body_that_begins_with_a_byte_order_mark_is_read(system: System) -> None:
    # Windows tools write UTF-8 with a BOM first; JSON readers may ignore it (RFC 8259)
    bom = b"\xef\xbb\xbf"
    one = await system.http.post(
        "/v1/events", content=bom + orjson.dumps(published("bom-1")), headers={"content-type": "application/json"}
    )
    assert one.status_code == 202, one.text
    lines = bom + orjson.dumps(published("bom-2")) + b"\n" + orjson.dumps(published("bom-3"))
    batch = await system.http.post("/v1/events/batch", content=lines, headers={"content-type": "application/x-ndjson"})
    assert batch.json()["accepted"] == 2


async def test_an_event_id_sent_again_with_other_content_is_refused_not_dropped(system: System) -> None:
    first = published("story-77", revision=1, event_id="story-77")
    assert (await system.publish(first)).status_code == 202
    # a retry repeats the event (a CMS may stamp a new `time` on it): a duplicate, as before
    retry = {**first, "time": "2026-12-07T10:00:00Z"}
    assert (await system.publish(retry)).status_code == 200
    # the edit under the same id was dropped as a "duplicate": now the CMS hears why
    edit = published("story-77", revision=2, title="Corrected headline", event_id="story-77")
    refused = await system.publish(edit)
    assert refused.status_code == 409, refused.text
    assert refused.json()["errors"][0]["loc"] == ["id"] and refused.json()["errors"][0]["type"] == "id_reused"
    lines = orjson.dumps(edit) + b"\n" + orjson.dumps(published("story-78", event_id="story-78"))
    batch = await system.http.post("/v1/events/batch", content=lines, headers={"content-type": "application/x-ndjson"})
    assert [r["status"] for r in batch.json()["results"]] == [409, 202]
    assert (batch.json()["accepted"], batch.json()["refused"]) == (1, 1)
    assert await _stream_length(system) == 2  # story-77 once, story-78


async def test_wrong_types_and_missing_title_list_each_bad_field(system: System) -> None:
    event = published("bad")
    del event["data"]["title"]
    event["data"]["revision"] = "seven"
    event["data"]["tags"] = [{"name": "no slug"}]
    response = await system.publish(event)
    assert response.status_code == 422
    locations = {tuple(e["loc"]) for e in response.json()["errors"]}
    assert {
        ("data", "title"),
        ("data", "revision"),
        ("data", "tags", 0, "slug"),
    } <= locations
    assert await _stream_length(system) == 0
    assert await system.redis.keys(f"{key_root(system.prefix)}:dedupe:*") == []


async def test_a_refused_event_id_can_be_sent_again_once_fixed(system: System) -> None:
    event = published("fixable")
    broken = {**event, "data": {**event["data"], "title": ""}}
    assert (await system.publish(broken)).status_code == 422
    assert (await system.publish(event)).status_code == 202


async def test_batch_reports_per_item_and_writes_only_the_valid_ones(system: System) -> None:
    good = published("good")
    bad = published("bad")
    bad["data"]["published_at"] = "not a date"
    response = await system.http.post("/v1/events/batch", json=[good, bad, good])
    assert response.status_code == 200
    body = response.json()
    assert [r["status"] for r in body["results"]] == [202, 422, 200]
    assert (body["accepted"], body["refused"], body["duplicate"]) == (1, 1, 1)
    assert await _stream_length(system) == 1


async def test_batch_accepts_ndjson(system: System) -> None:
    import orjson

    lines = b"\n".join(orjson.dumps(published(f"nd-{i}", minutes=i)) for i in range(3))
    response = await system.http.post(
        "/v1/events/batch", content=lines, headers={"content-type": "application/x-ndjson"}
    )
    assert response.json()["accepted"] == 3
    await system.caught_up()
    assert await system.feed_ids() == ["nd-2", "nd-1", "nd-0"]


async def test_a_broken_ndjson_line_is_refused_on_its_own(system: System) -> None:
    good = orjson.dumps(published("fine"))
    body = b'{"a": 1}\n\n{broken\n' + good  # a blank line is no item, but it is a line
    response = await system.http.post(
        "/v1/events/batch", content=body, headers={"content-type": "application/x-ndjson"}
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == [422, 422, 202]
    assert "line 3 is not valid JSON" in results[1]["errors"][0]["msg"]
    # every item says its line, so a CMS finds the one an error is about (not only a JSON error)
    assert [(r["index"], r["line"]) for r in results] == [(0, 1), (1, 3), (2, 4)]
    undecodable = await system.http.post(
        "/v1/events/batch", content=b"\xff\xfe{}\n" + good, headers={"content-type": "application/x-ndjson"}
    )
    assert undecodable.json()["results"][0]["errors"][0]["msg"] == "line 1 is not valid JSON: it is not UTF-8 text"
    assert {tuple(e["loc"]) for e in results[0]["errors"]} >= {("type",), ("id",)}
    assert await _stream_length(system) == 1
    array = await system.http.post("/v1/events/batch", json=[published("arrayed")])
    assert "line" not in array.json()["results"][0]  # a JSON array's items have an index only
