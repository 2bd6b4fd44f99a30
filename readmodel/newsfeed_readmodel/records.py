"""The article record as stored in its Redis hash, and back."""

from __future__ import annotations

from typing import Any, cast

import orjson

from .projection import State, Stored
from .versions import Version

__all__ = ["STORED_FIELDS", "decode_stored", "encode_stored"]

STORED_FIELDS = ("version", "state", "member", "feeds", "slug", "url", "shown")


def encode_stored(stored: Stored, document: dict[str, Any] | None) -> dict[str, bytes]:
    fields = {
        "version": orjson.dumps(list(stored.version)),
        "state": stored.state.encode(),
        "feeds": orjson.dumps(list(stored.feeds)),
    }
    for name, value in (("member", stored.member), ("slug", stored.slug), ("url", stored.url)):
        if value is not None:
            fields[name] = value.encode()
    if stored.shown is not None:
        fields["shown"] = orjson.dumps(list(stored.shown))
    if document is not None:
        fields["doc"] = orjson.dumps(document)
    return fields


def decode_stored(fields: dict[bytes, bytes]) -> Stored | None:
    if not fields or b"version" not in fields:
        return None
    revision, rank, event_id = orjson.loads(fields[b"version"])
    return Stored(
        version=Version(int(revision), int(rank), str(event_id)),
        state=cast(State, fields[b"state"].decode()),
        member=_text(fields.get(b"member")),
        feeds=tuple(orjson.loads(fields.get(b"feeds", b"[]"))),
        slug=_text(fields.get(b"slug")),
        url=_text(fields.get(b"url")),
        shown=_shown(fields.get(b"shown")),
    )


def _shown(raw: bytes | None) -> tuple[str, str] | None:
    """The digests of what readers were shown; None for a record written before they were kept."""
    if raw is None:
        return None
    card, document = orjson.loads(raw)
    return str(card), str(document)


def _text(raw: bytes | None) -> str | None:
    return raw.decode() if raw is not None else None
