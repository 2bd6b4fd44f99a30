"""Entries of `{prefix}:articles` as the indexer sees them: the event, or why there is none."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import orjson
from pydantic import ValidationError

from newsfeed_runtime.off_loop import run_by_size
from newsfeed_schemas.events import ArticleEvent, InvalidEvent, field_errors, parse_event
from newsfeed_schemas.limits import CEILINGS
from newsfeed_schemas.streams import DATA_FIELD

from .content import Content

__all__ = ["StreamEntry", "decode_entries", "decode_entries_off_loop", "decode_entry"]

_DATA = DATA_FIELD.encode()


@dataclass(frozen=True, slots=True)
class StreamEntry:
    """One stream entry: its id and either the decoded event or why it could not be decoded."""

    stream_id: bytes
    event: ArticleEvent | None
    raw: dict[bytes, bytes] = field(default_factory=dict)
    error: str | None = None
    content: Content | None = None  # the prepared body, when prepared ahead of the write


def decode_entry(stream_id: bytes, fields: dict[bytes, bytes]) -> StreamEntry:
    """A `StreamEntry` holding the validated event, or the reason it is not one.

    Entries are validated with the ceilings of `newsfeed_schemas.limits`: whatever the
    publisher accepted passes; anything larger was not written by a publisher.
    """
    raw = fields.get(_DATA)
    if raw is None:
        return StreamEntry(stream_id, None, fields, error=f"entry has no {DATA_FIELD!r} field")
    if len(raw) > CEILINGS.max_event_bytes:
        error = f"entry of {len(raw)} bytes exceeds the limit of {CEILINGS.max_event_bytes}"
        return StreamEntry(stream_id, None, fields, error=error)
    try:
        return StreamEntry(stream_id, parse_event(raw), fields)
    except orjson.JSONDecodeError as exc:
        return StreamEntry(stream_id, None, fields, error=f"{DATA_FIELD!r} is not valid JSON: {exc}")
    except ValidationError as exc:
        return StreamEntry(stream_id, None, fields, error=f"invalid event: {InvalidEvent(field_errors(exc))}"[:2000])


def decode_entries(ids: Sequence[bytes], rows: Sequence[dict[bytes, bytes]]) -> list[StreamEntry]:
    return [decode_entry(i, f) for i, f in zip(ids, rows, strict=True)]


async def decode_entries_off_loop(ids: Sequence[bytes], rows: Sequence[dict[bytes, bytes]]) -> list[StreamEntry]:
    """`decode_entries`, in a worker thread when the entries are large (see `newsfeed_runtime.off_loop`)."""
    size = sum(len(row.get(_DATA, b"")) for row in rows)
    return await run_by_size(size, decode_entries, ids, rows)
