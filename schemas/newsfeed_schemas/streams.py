"""Stream names and the documented entry layout shared by every stream.

An entry has three fields, readable by a plain `XREADGROUP` in any language:

| field     | value                                              |
| --------- | -------------------------------------------------- |
| `data`    | the payload as compact JSON (the CloudEvents envelope on `articles`) |
| `type`    | the payload's `type`, for cheap filtering           |
| `subject` | the article id                                      |
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

__all__ = [
    "DATA_FIELD",
    "INDEXER_GROUP",
    "SUBJECT_FIELD",
    "TYPE_FIELD",
    "StreamNames",
    "decode_fields",
    "encode_fields",
    "key_root",
]

DATA_FIELD = "data"
TYPE_FIELD = "type"
SUBJECT_FIELD = "subject"

INDEXER_GROUP = "indexer"


def key_root(prefix: str) -> str:
    """What every key and stream of a site starts with: its prefix as a Redis Cluster hash tag,
    `{newsfeed}`, so all of one site's keys share one hash slot (one node) and its scripts
    stay atomic on a cluster, while several sites spread over the masters."""
    return "{" + prefix + "}"


@dataclass(frozen=True, slots=True)
class StreamNames:
    """The four streams of one site, all under its key root (`{prefix}:...`)."""

    prefix: str = "newsfeed"

    @property
    def articles(self) -> str:
        return f"{key_root(self.prefix)}:articles"

    @property
    def feed_changes(self) -> str:
        return f"{key_root(self.prefix)}:feed-changes"

    @property
    def related_changes(self) -> str:
        return f"{key_root(self.prefix)}:related-changes"

    @property
    def dead(self) -> str:
        return f"{key_root(self.prefix)}:articles:dead"


def encode_fields(payload: dict[str, Any], *, type_: str, subject: str) -> dict[str, bytes]:
    """The stream entry for one payload."""
    return {
        DATA_FIELD: orjson.dumps(payload),
        TYPE_FIELD: type_.encode(),
        SUBJECT_FIELD: subject.encode(),
    }


def decode_fields(fields: Mapping[bytes, bytes] | Mapping[str, Any]) -> Any:
    """The decoded `data` field of an entry (raises KeyError / orjson.JSONDecodeError)."""
    by_name: Mapping[Any, Any] = fields
    raw = by_name[DATA_FIELD.encode()] if DATA_FIELD.encode() in by_name else by_name[DATA_FIELD]
    return orjson.loads(raw)
