"""The AsyncAPI document of every stream and the OpenAPI documents of the HTTP services.

    python -m newsfeed.specs [OUTPUT_DIR]     # writes schemas/asyncapi.json, schemas/openapi-*.json

Generated from the code: the indexer's FastStream subscriber as registered by
`newsfeed_indexer.consumers`, plus the publishers of the four streams with their
pydantic payloads. Channel names use the default prefix `newsfeed`; another
prefix replaces it. A test fails when the committed files drift.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, cast

import orjson
from faststream.redis import RedisBroker
from faststream.specification import AsyncAPI

from newsfeed_api.app import build_app as build_api_app
from newsfeed_api.settings import ApiSettings
from newsfeed_indexer.consumer import EntryFormat, register_consumer
from newsfeed_publisher.app import build_app as build_publisher_app
from newsfeed_publisher.settings import PublisherSettings
from newsfeed_schemas.changes import FeedChange, RelatedChange
from newsfeed_schemas.events import ArticleEvent
from newsfeed_schemas.streams import StreamNames

__all__ = ["DEFAULT_DIR", "asyncapi_document", "openapi_documents", "render_specs", "write_specs"]

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "schemas"
_REDIS_URL = "redis://localhost:6379"


def asyncapi_document(prefix: str = "newsfeed") -> dict[str, Any]:
    """AsyncAPI 3.0 of `{prefix}:articles`, `:feed-changes`, `:related-changes` and `:articles:dead`."""
    streams = StreamNames(prefix)
    broker = RedisBroker(_REDIS_URL)
    register_consumer(broker, cast(Any, None), prefix=prefix, consumer="indexer-1", batch_size=200, block_ms=100)
    channels = [
        (streams.articles, "publish-articles", "One accepted CMS event: the CloudEvents envelope.", ArticleEvent),
        (streams.feed_changes, "publish-feed-changes", "What an applied event changed in which feed.", FeedChange),
        (
            streams.related_changes,
            "publish-related-changes",
            "An article's related list as it now stands.",
            RelatedChange,
        ),
        (streams.dead, "publish-dead-letters", "Events that failed N times, with the error.", dict[str, Any]),
    ]
    for stream, title, description, schema in channels:
        broker.publisher(stream=stream, title=title, description=description, schema=schema, message_format=EntryFormat)
    spec = AsyncAPI(
        broker,
        title="newsfeed streams",
        version="1",
        description=(
            "Redis Streams of newsfeed. Each entry has the fields `data` (payload JSON), `type` and `subject`; "
            "see docs/downstream.md."
        ),
    )
    return _as_entries(cast(dict[str, Any], spec.to_specification().to_jsonable()))


_ENTRY_LAYOUT = (
    "A Redis Stream entry with three fields: `data` (this payload as compact JSON), `type` (the "
    "payload's type, to filter without parsing) and `subject` (the article id)."
)

_DEAD_LETTER_LAYOUT = (
    "A Redis Stream entry: the failed entry's `data`, `type` and `subject` as they were, plus `error` "
    "(why it failed), `source_id` (its id in the articles stream) and `failed_at` (milliseconds)."
)


def _as_entries(document: dict[str, Any]) -> dict[str, Any]:
    """What FastStream cannot know of newsfeed's entries, written into its document: the indexer
    reads the envelope the publisher appends (its handler takes raw entries, so FastStream shows
    an empty payload), every message is an entry of `data`, `type` and `subject`, and entries
    carry no correlation id."""
    messages = document["components"]["messages"]
    for name, message in messages.items():
        message.pop("correlationId", None)
        message["description"] = _DEAD_LETTER_LAYOUT if name.startswith("publish-dead-letters:") else _ENTRY_LAYOUT
        if name.startswith("index-articles:"):
            message["payload"] = messages["publish-articles:Message"]["payload"]
    document["components"]["schemas"].pop("EmptyPayload", None)
    return document


def openapi_documents() -> dict[str, dict[str, Any]]:
    """OpenAPI of `newsfeed publisher` and `newsfeed api` (the all-in-one app serves both)."""
    publisher = build_publisher_app(PublisherSettings(redis_url=_REDIS_URL, dev=True))
    api = build_api_app(ApiSettings(redis_url=_REDIS_URL), asyncapi={})
    return {"publisher": publisher.openapi(), "api": api.openapi()}


def _dump(document: dict[str, Any]) -> bytes:
    return orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


def render_specs() -> dict[str, bytes]:
    """File name -> content of every committed spec file."""
    files = {"asyncapi.json": _dump(asyncapi_document())}
    files.update({f"openapi-{name}.json": _dump(doc) for name, doc in openapi_documents().items()})
    return files


def write_specs(directory: Path = DEFAULT_DIR) -> list[Path]:
    written = []
    for name, content in render_specs().items():
        (directory / name).write_bytes(content)
        written.append(directory / name)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DIR
    for path in write_specs(target):
        print(path)
