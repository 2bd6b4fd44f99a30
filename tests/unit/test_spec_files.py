"""The committed AsyncAPI and OpenAPI documents match the code."""

from __future__ import annotations

from newsfeed.specs import DEFAULT_DIR, asyncapi_document, render_specs


def test_committed_specs_match_the_code() -> None:
    rendered = render_specs()
    stale = sorted(name for name, content in rendered.items() if (DEFAULT_DIR / name).read_bytes() != content)
    assert not stale, f"run `python -m newsfeed.specs`; stale: {stale}"


def test_asyncapi_documents_every_stream_with_its_payload() -> None:
    document = asyncapi_document("site")
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert addresses == {"{site}:articles", "{site}:feed-changes", "{site}:related-changes", "{site}:articles:dead"}
    schemas = document["components"]["schemas"]
    assert {"FeedChange", "RelatedChange"} <= set(schemas)
    assert any("ArticlePublished" in name for name in schemas)
    # what the indexer reads is what the publisher appends; entries carry no correlation id
    messages = document["components"]["messages"]
    indexer_reads = next(m for name, m in messages.items() if name.startswith("index-articles:"))
    assert indexer_reads["payload"] == messages["publish-articles:Message"]["payload"]
    assert "EmptyPayload" not in schemas
    assert all("correlationId" not in m and "`data`" in m["description"] for m in messages.values())


async def test_api_app_serves_asyncapi() -> None:
    import httpx

    from newsfeed_api.app import build_app as build_api_app
    from newsfeed_api.settings import ApiSettings

    app = build_api_app(ApiSettings(redis_url="redis://127.0.0.1:1/0", prefix="site"), asyncapi_document("site"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as http:
        response = await http.get("/docs/asyncapi")
    assert response.status_code == 200
    assert response.json()["asyncapi"] == "3.0.0"
