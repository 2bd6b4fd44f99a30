"""Turning request bodies into validated events, with field errors a CMS developer can act on."""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import ValidationError

from newsfeed_runtime.errors import field_errors
from newsfeed_schemas.events import ArticleEvent, event_adapter

from .errors import InvalidEvents, PayloadTooLarge

__all__ = ["parse_batch_body", "parse_one", "validate_item"]


def _errors(exc: ValidationError) -> list[dict[str, Any]]:
    return field_errors(exc.errors(include_url=False, include_input=False, include_context=False))


def parse_one(body: bytes) -> ArticleEvent:
    """One envelope from raw JSON bytes; `InvalidEvents` lists what is wrong."""
    try:
        return event_adapter.validate_json(body)
    except ValidationError as exc:
        raise InvalidEvents(_errors(exc)) from exc


def validate_item(item: Any) -> ArticleEvent | list[dict[str, Any]]:
    """One decoded batch item: the event, or its field errors."""
    try:
        return event_adapter.validate_python(item)
    except ValidationError as exc:
        return _errors(exc)


def parse_batch_body(body: bytes, content_type: str, max_items: int) -> list[Any]:
    """A JSON array, or NDJSON (one envelope per line), decoded but not yet validated."""
    is_ndjson = "ndjson" in content_type or "jsonl" in content_type
    if not is_ndjson and body.lstrip()[:1] == b"[":
        items = _loads(body, "the body")
        if not isinstance(items, list):
            raise InvalidEvents([{"loc": [], "msg": "expected a JSON array of envelopes", "type": "list_type"}])
    else:
        items = [
            _loads(line, f"line {number}") for number, line in enumerate(body.splitlines(), start=1) if line.strip()
        ]
    if len(items) > max_items:
        raise PayloadTooLarge("the number of batch items", max_items)
    return items


def _loads(raw: bytes, where: str) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidEvents([{"loc": [], "msg": f"{where} is not valid JSON: {exc}", "type": "json_invalid"}]) from exc
