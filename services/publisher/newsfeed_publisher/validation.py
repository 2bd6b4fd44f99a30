"""Turning request bodies into validated events, with field errors a CMS developer can act on.

Bodies are decoded with orjson (which refuses invalid UTF-8 and lone surrogates) and then
validated by `newsfeed_schemas.events.check_event` with the limits of the settings, so
what is accepted here is exactly what the indexer can apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from newsfeed_schemas.events import ArticleEvent, FieldError, InvalidEvent, check_event
from newsfeed_schemas.limits import Limits

from .errors import InvalidEvents, PayloadTooLarge

__all__ = ["BOM", "Refused", "check_batch", "check_item", "decode_json", "parse_one", "split_batch"]


@dataclass(frozen=True, slots=True)
class Refused:
    """A batch item that was not appended: its status (413 or 422) and why."""

    status: int
    errors: list[FieldError]


BOM = b"\xef\xbb\xbf"
"""UTF-8's byte order mark, which Windows tools put first: JSON readers may ignore it (RFC 8259), so newsfeed does."""


def decode_json(raw: bytes, where: str = "the body") -> Any:
    try:
        return orjson.loads(raw.removeprefix(BOM))
    except orjson.JSONDecodeError as exc:
        raise InvalidEvents([_json_error(where, exc)]) from None


def _json_error(where: str, exc: orjson.JSONDecodeError) -> FieldError:
    if "UTF-8" in str(exc):  # orjson's words ("str is not valid UTF-8: surrogates not allowed") say little
        return {"loc": [], "msg": f"{where} is not valid JSON: it is not UTF-8 text", "type": "json_invalid"}
    return {"loc": [], "msg": f"{where} is not valid JSON: {exc}", "type": "json_invalid"}


def parse_one(body: bytes, limits: Limits) -> ArticleEvent:
    """One envelope from raw JSON bytes; `InvalidEvents` lists everything that is wrong."""
    try:
        return check_event(decode_json(body), limits)
    except InvalidEvent as exc:
        raise InvalidEvents(exc.errors) from None


def check_item(item: Any, limits: Limits) -> ArticleEvent | Refused:
    """One decoded batch item: the event, or why it is refused."""
    if isinstance(item, Refused):
        return item
    try:
        return check_event(item, limits)
    except InvalidEvent as exc:
        return Refused(422, exc.errors)


def check_batch(
    body: bytes, media_type: str, limits: Limits, max_items: int
) -> tuple[list[ArticleEvent | Refused], list[int] | None]:
    """Every item of a batch body: its event, or why it is refused; and each item's line in an NDJSON body."""
    items, lines = split_batch(body, media_type, limits, max_items)
    return [check_item(item, limits) for item in items], lines


def split_batch(body: bytes, media_type: str, limits: Limits, max_items: int) -> tuple[list[Any], list[int] | None]:
    """The items of a JSON array or NDJSON body, decoded; an item that is too large or not
    JSON becomes a `Refused` in its place, so the others still go through. For NDJSON, also
    the line each item is on (blank lines are no items, so an item's index is not its line)."""
    body = body.removeprefix(BOM)
    if media_type not in ("application/x-ndjson", "application/jsonl") and body.lstrip()[:1] == b"[":
        items = decode_json(body)
        if not isinstance(items, list):
            raise InvalidEvents([{"loc": [], "msg": "expected a JSON array of envelopes", "type": "list_type"}])
        _count(items, max_items)
        return [_sized(item, limits) for item in items], None
    lines = [(number, line) for number, line in enumerate(body.splitlines(), start=1) if line.strip()]
    _count(lines, max_items)
    return [_line(number, line, limits) for number, line in lines], [number for number, _ in lines]


def _count(items: list[Any], max_items: int) -> None:
    if len(items) > max_items:
        raise PayloadTooLarge("the number of batch items", max_items, "items")


def _too_large(size: int, limits: Limits) -> Refused:
    message = f"the event is {size} bytes; the limit is {limits.max_event_bytes}"
    return Refused(413, [{"loc": [], "msg": message, "type": "too_large"}])


def _sized(item: Any, limits: Limits) -> Any:
    size = len(orjson.dumps(item))
    return _too_large(size, limits) if size > limits.max_event_bytes else item


def _line(number: int, line: bytes, limits: Limits) -> Any:
    if len(line) > limits.max_event_bytes:
        return _too_large(len(line), limits)
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return Refused(422, [_json_error(f"line {number}", exc)])
