"""Backfill: a Ghost export of 1,000 posts through the batch endpoint, resumable."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from newsfeed.importer import ImportFailed, import_file, read_items
from tests.conftest import System, running_system
from tests.factories import published
from tests.redis_server import RedisServer


def ghost_export(posts: int, drafts: int = 5) -> dict[str, Any]:
    """A Ghost admin "Export content" file: db[0].data with posts, tags, posts_tags, users, posts_authors."""
    base = datetime(2024, 1, 1, tzinfo=UTC)
    rows, posts_tags, posts_authors = [], [], []
    for n in range(posts + drafts):
        at = (base + timedelta(minutes=n)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        post_id = f"{n:024x}"
        rows.append(
            {
                "id": post_id,
                "uuid": f"00000000-0000-4000-8000-{n:012x}",
                "title": f"Post {n}",
                "slug": f"post-{n}",
                "html": f"<p>Body of post {n}.</p>",
                "plaintext": f"Body of post {n}.",
                "feature_image": None,
                "type": "post",
                "status": "published" if n < posts else "draft",
                "visibility": "public",
                "created_at": at,
                "updated_at": at,
                "published_at": at if n < posts else None,
                "custom_excerpt": None,
            }
        )
        posts_tags += [
            {"id": f"pt{n}a", "post_id": post_id, "tag_id": "t-news", "sort_order": 1},
            {"id": f"pt{n}b", "post_id": post_id, "tag_id": f"t-{n % 7}", "sort_order": 0},
        ]
        posts_authors.append({"id": f"pa{n}", "post_id": post_id, "author_id": "u1", "sort_order": 0})
    tags = [{"id": "t-news", "name": "News", "slug": "news", "visibility": "public"}] + [
        {"id": f"t-{k}", "name": f"Topic {k}", "slug": f"topic-{k}", "visibility": "public"} for k in range(7)
    ]
    users = [{"id": "u1", "name": "Anna", "slug": "anna", "bio": "Reporter.", "email": "anna@example.com"}]
    data = {"posts": rows, "tags": tags, "posts_tags": posts_tags, "users": users, "posts_authors": posts_authors}
    return {"db": [{"meta": {"exported_on": 0, "version": "5.80.0"}, "data": data}]}


async def test_ghost_export_of_1000_posts_imports(system: System, tmp_path: Path) -> None:
    path = tmp_path / "ghost.json"
    path.write_bytes(orjson.dumps(ghost_export(1000)))
    base_url = str(system.http.base_url)
    summary = await asyncio.to_thread(import_file, path, base_url, None, 300, True, None)
    assert (summary.total, summary.accepted, summary.duplicate, summary.refused, summary.skipped) == (
        1000,
        1000,
        0,
        0,
        5,
    )
    stats = await system.caught_up(timeout=60)
    assert stats["articles"] == 1000
    cards = (await system.feed(limit=1))["items"]
    assert cards[0]["title"] == "Post 999"
    assert cards[0]["tags"][0]["slug"] == "topic-5"  # sort_order 0 is the primary tag
    assert await system.feed_ids(tag="news", limit=3) == [f"{n:024x}" for n in (999, 998, 997)]


async def test_an_interrupted_ndjson_import_resumes(system: System, tmp_path: Path) -> None:
    path = tmp_path / "events.ndjson"
    path.write_bytes(b"\n".join(orjson.dumps(published(f"a{n}", minutes=n)) for n in range(10)) + b"\n{}\n")
    state = tmp_path / "state.json"
    # A first run that stopped after its first batch of 4.
    state.write_text(
        json.dumps(
            {
                "source": str(path.resolve()),
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                "target": str(system.http.base_url).rstrip("/"),
                "offset": 4,
                "summary": {"accepted": 4, "duplicate": 0, "refused": 0, "skipped": 0, "total": 11, "resumed_from": 0},
            }
        )
    )
    summary = await asyncio.to_thread(import_file, path, str(system.http.base_url), None, 4, False, state)
    assert (summary.resumed_from, summary.accepted, summary.refused) == (4, 4 + 6, 1)
    assert json.loads(state.read_text())["offset"] == 11
    again = await asyncio.to_thread(import_file, path, str(system.http.base_url), None, 4, False, tmp_path / "fresh")
    assert (again.accepted, again.duplicate, again.refused) == (4, 6, 1)


async def test_a_file_imported_into_another_site_is_posted_whole(
    system: System, redis_server: RedisServer, tmp_path: Path
) -> None:
    # the progress of an import is that of one file into one publisher: another site gets it all
    path = tmp_path / "events.ndjson"
    path.write_bytes(b"\n".join(orjson.dumps(published(f"s{n}", minutes=n)) for n in range(5)))
    first = await asyncio.to_thread(import_file, path, str(system.http.base_url), None, 500, False)
    assert first.accepted == 5
    done = await asyncio.to_thread(import_file, path, str(system.http.base_url), None, 500, False)
    assert (done.resumed_from, done.accepted, done.duplicate) == (5, 5, 0)  # all posted already
    anew = await asyncio.to_thread(
        functools.partial(import_file, path, str(system.http.base_url), None, 500, False, from_start=True)
    )
    assert (anew.resumed_from, anew.accepted, anew.duplicate) == (0, 0, 5)
    async with running_system(redis_server.url, f"{system.prefix}-other") as other:
        second = await asyncio.to_thread(import_file, path, str(other.http.base_url), None, 500, False)
        assert (second.resumed_from, second.accepted) == (0, 5)
        await other.caught_up()
        assert len(await other.feed_ids()) == 5


async def test_a_progress_file_cut_short_or_unwritable_never_stops_an_import(system: System, tmp_path: Path) -> None:
    path = tmp_path / "events.ndjson"
    path.write_bytes(b"\n".join(orjson.dumps(published(f"p{n}", minutes=n)) for n in range(6)))
    url = str(system.http.base_url)
    state = tmp_path / "state.json"
    state.write_text('{"source": "')  # a kill or a full disk in the middle of a write
    summary = await asyncio.to_thread(import_file, path, url, None, 2, False, state)
    assert (summary.resumed_from, summary.accepted) == (0, 6)
    assert json.loads(state.read_text())["offset"] == 6
    warnings: list[str] = []
    nowhere = tmp_path / "no-such-folder" / "state.json"
    blind = await asyncio.to_thread(
        functools.partial(import_file, path, url, None, 2, False, nowhere, warn=warnings.append, from_start=True)
    )
    assert (blind.accepted + blind.duplicate, blind.refused) == (6, 0)
    assert len(warnings) == 1 and "cannot be resumed" in warnings[0]


async def test_a_file_whose_content_changed_is_imported_from_the_top(system: System, tmp_path: Path) -> None:
    path = tmp_path / "events.ndjson"
    path.write_bytes(b"\n".join(orjson.dumps(published(f"b{n}", minutes=n)) for n in range(3)))
    url = str(system.http.base_url)
    first = await asyncio.to_thread(import_file, path, url, None, 500, False)
    assert first.accepted == 3
    path.write_bytes(b"\n".join(orjson.dumps(published(f"c{n}", minutes=n)) for n in range(3)))  # same size
    second = await asyncio.to_thread(import_file, path, url, None, 500, False)
    assert (second.resumed_from, second.accepted) == (0, 3)
    await system.caught_up()
    assert sorted(await system.feed_ids()) == sorted([f"b{n}" for n in range(3)] + [f"c{n}" for n in range(3)])


async def test_a_refusal_names_the_files_line_and_no_other(system: System, tmp_path: Path) -> None:
    # The publisher numbers lines within each batch; an import reports the file's own, once.
    good = [orjson.dumps(published(f"n{n}", minutes=n)) for n in range(7)]
    lines = [*good[:5], b"", b"not json", *good[5:]]  # "not json" is the file's line 7, batch 2's line 2
    path = tmp_path / "events.ndjson"
    path.write_bytes(b"\n".join(lines) + b"\n")
    summary = await asyncio.to_thread(import_file, path, str(system.http.base_url), None, 4, False, None)
    assert (summary.accepted, summary.refused) == (7, 1)
    [refusal] = summary.refusals
    assert (refusal.where, refusal.status) == ("line 7", 422)
    assert refusal.reason.startswith("event: not valid JSON"), refusal.reason
    assert "line 2" not in refusal.reason  # (orjson may still say "line 1 column 1" of the item itself)


async def test_an_item_larger_than_a_request_is_refused_alone(system: System, tmp_path: Path) -> None:
    path = tmp_path / "events.ndjson"
    big = published("big", minutes=1, text="word " * 2_000)
    lines = [published("before", minutes=0), big, published("after", minutes=2)]
    path.write_bytes(b"\n".join(orjson.dumps(line) for line in lines))
    summary = await asyncio.to_thread(import_file, path, str(system.http.base_url), None, 500, False, None, 5_000)
    assert (summary.accepted, summary.refused) == (2, 1)
    assert [(r.where, r.status) for r in summary.refusals] == [("line 2", 413)]
    await system.caught_up()
    assert sorted(await system.feed_ids()) == ["after", "before"]


def test_a_file_with_a_db_that_is_no_ghost_export_stops_the_import(tmp_path: Path) -> None:
    for document in ({"db": []}, {"db": {"data": {}}}, {"db": [{"data": None}]}, {"db": [{"data": {"posts": [1]}}]}):
        path = tmp_path / "export.json"
        path.write_bytes(orjson.dumps(document))
        with pytest.raises(ImportFailed, match="no Ghost export"):
            read_items(path)


async def test_a_json_array_of_envelopes_imports_as_the_batch_endpoint_takes_it(system: System, tmp_path: Path) -> None:
    path = tmp_path / "events.json"
    path.write_bytes(orjson.dumps([published(f"j{n}", minutes=n) for n in range(3)] + [{"not": "an envelope"}]))
    summary = await asyncio.to_thread(import_file, path, str(system.http.base_url), None, 500, False)
    assert (summary.accepted, summary.refused) == (3, 1)
    assert [r.where for r in summary.refusals] == ["item 3"]
    await system.caught_up()
    assert await system.feed_ids() == ["j2", "j1", "j0"]


async def test_a_ghost_export_that_writes_its_address_as_a_placeholder_takes_it_from_ghost_url(
    system: System, tmp_path: Path
) -> None:
    # Ghost 4 and 5 write uploaded images and avatars as __GHOST_URL__/content/images/...
    export = ghost_export(2, drafts=0)
    data = export["db"][0]["data"]
    data["posts"][0]["feature_image"] = "__GHOST_URL__/content/images/2024/01/storm.jpg"
    data["posts"][0]["html"] = '<p>Body.</p><img src="__GHOST_URL__/content/images/2024/01/map.png">'
    data["users"][0]["profile_image"] = "__GHOST_URL__/content/images/anna.jpg"
    path = tmp_path / "ghost.json"
    path.write_bytes(orjson.dumps(export))
    with pytest.raises(ImportFailed, match="--ghost-url"):
        read_items(path)
    base_url = str(system.http.base_url)
    summary = await asyncio.to_thread(
        lambda: import_file(path, base_url, batch_size=10, progress=False, ghost_url="https://blog.example.com/")
    )
    assert (summary.accepted, summary.refused) == (2, 0), summary.refusals
    await system.caught_up()
    article = (await system.http.get(f"/v1/articles/{0:024x}")).json()
    assert article["feature_image"]["url"] == "https://blog.example.com/content/images/2024/01/storm.jpg"
    assert 'src="https://blog.example.com/content/images/2024/01/map.png"' in article["html"]
    assert article["authors"][0]["profile_image"] == "https://blog.example.com/content/images/anna.jpg"
    assert article["url"] == "https://blog.example.com/post-0/"  # Ghost's default permalink


async def test_an_import_sends_smaller_requests_to_a_publisher_that_takes_less(
    redis_server: RedisServer, prefix: str, tmp_path: Path
) -> None:
    # a publisher (or nginx before it, 1 MB by default) that takes less than the 8 MiB an
    # import sends at first answered 413 to every run of the import, which stopped for good
    path = tmp_path / "events.ndjson"
    body = "<p>" + "A long account of the storm. " * 300 + "</p>"  # ~9 KB an item
    path.write_bytes(b"\n".join(orjson.dumps(published(f"l{n}", minutes=n, html=body)) for n in range(20)))
    limits = {"max_batch_bytes": 64 * 1024, "max_event_bytes": 32 * 1024}
    async with running_system(redis_server.url, prefix, publisher=limits) as small:
        summary = await asyncio.to_thread(import_file, path, str(small.http.base_url), None, 500, False)
        assert (summary.accepted, summary.refused) == (20, 0)
        await small.caught_up()
        assert len(await small.feed_ids(limit=50)) == 20
