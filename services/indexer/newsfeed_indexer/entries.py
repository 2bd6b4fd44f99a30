"""Stream entries in and out of FastStream, in the documented field layout.

`EntryFormat` is the FastStream message format of newsfeed's streams: the
payload JSON as it is, no binary framing, so a plain XREADGROUP in any
language reads the same fields FastStream does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from faststream.redis.parser.message import MessageFormat
from pydantic import ValidationError

from newsfeed_schemas.events import parse_event
from newsfeed_schemas.streams import DATA_FIELD, SUBJECT_FIELD, TYPE_FIELD

from .store import Entry

__all__ = ["EntryFormat", "decode_entries", "decode_entry"]

_DATA = DATA_FIELD.encode()


class EntryFormat(MessageFormat):
    """Payload JSON in `data`; `type` and `subject` surface as message headers."""

    @classmethod
    async def encode(cls, **kwargs: Any) -> bytes:
        built = await cls.build(**kwargs)
        return built.data

    @classmethod
    def parse(cls, data: Any) -> tuple[bytes, dict[str, Any]]:
        """Headers only; never raises.

        The indexer's handler validates each entry's `data` itself (an undecodable one is
        dead-lettered, not failed in the parser), so the body FastStream would decode is
        left empty rather than parsed twice.
        """
        if isinstance(data, dict):
            return b"null", {name: _text(data.get(name.encode())) for name in (TYPE_FIELD, SUBJECT_FIELD)}
        return b"null", {}


def _text(value: bytes | None) -> str:
    return value.decode(errors="replace") if value is not None else ""


def decode_entry(stream_id: bytes, fields: dict[bytes, bytes]) -> Entry:
    """An `Entry` holding the validated event, or the reason it is not one."""
    raw = fields.get(_DATA)
    if raw is None:
        return Entry(stream_id, None, fields, error=f"entry has no {DATA_FIELD!r} field")
    try:
        return Entry(stream_id, parse_event(raw), fields)
    except (ValidationError, orjson.JSONDecodeError, ValueError) as exc:
        return Entry(stream_id, None, fields, error=str(exc)[:2000])


def decode_entries(ids: Sequence[bytes], rows: Sequence[dict[bytes, bytes]]) -> list[Entry]:
    return [decode_entry(i, f) for i, f in zip(ids, rows, strict=True)]
