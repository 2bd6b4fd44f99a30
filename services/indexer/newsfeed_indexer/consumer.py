"""The FastStream consumer of `{prefix}:articles` in group `indexer`.

Batch mode (`max_records` = batch size) with manual acknowledgement: the XACK
is part of the transaction that applies the batch (see `newsfeed_readmodel.writer`).
A batch that meets an outage of Redis stays pending (the reclaimer applies it once
Redis serves again) and is logged as one warning line, not as a failed handler.
`EntryFormat` makes FastStream read the documented entry layout (`data`, `type`,
`subject`) instead of its own binary framing, so a plain XREADGROUP in any language
reads the same fields FastStream does.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from faststream import AckPolicy
from faststream.redis import RedisBroker, StreamSub
from faststream.redis.annotations import RedisBatchStreamMessage
from faststream.redis.parser.message import MessageFormat
from redis.exceptions import ResponseError

from newsfeed_readmodel.entries import StreamEntry, decode_entries_off_loop
from newsfeed_runtime.redis import WritesRefused, is_outage
from newsfeed_schemas.streams import INDEXER_GROUP, SUBJECT_FIELD, TYPE_FIELD, StreamNames

__all__ = ["BatchHandler", "EntryFormat", "FetchOutageAsWarning", "Subscriber", "register_consumer"]

log = logging.getLogger("newsfeed.indexer")


class FetchOutageAsWarning(logging.Filter):
    """A read of the stream that met an outage of Redis, as one warning line.

    FastStream logs every failed read as "Message fetch error" at ERROR with the whole
    traceback, and tries again a few seconds later: during an outage that is an error and
    thirty lines every five seconds per replica, for what the other loops log as one warning.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is not None and record.getMessage() == "Message fetch error" and is_outage(error):
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.msg, record.args = "consumer: Redis unavailable (%s); reading again shortly", (error,)
            record.exc_info, record.exc_text = None, None
        return True


class BatchHandler(Protocol):
    async def apply(self, entries: list[StreamEntry]) -> None: ...


class Subscriber(Protocol):
    """What the supervisor needs of FastStream's stream subscriber (checked at start, see `supervisor`)."""

    @property
    def running(self) -> bool: ...

    async def start(self) -> None: ...


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


def _refused_reads_back_off(subscriber: Any) -> None:
    """Make a stream read that Redis refuses fail like an outage, so that FastStream waits before
    reading again.

    XREADGROUP is a write, so Redis refuses it while it refuses writes (MISCONF, NOREPLICAS,
    READONLY). FastStream 0.7 re-raises every ResponseError of a stream read but NOGROUP, and its
    task supervisor restarts the read at once: each replica spun on the refusal, thousands of reads
    a second, with a traceback logged for each. As `WritesRefused` (not a ResponseError) the read
    fails like any other fetch error: FastStream logs it (`FetchOutageAsWarning` makes that one
    warning) and reads again a few seconds later.
    """
    read = getattr(subscriber, "_xreadgroup", None)
    if read is None:
        raise TypeError("FastStream's stream subscriber has no '_xreadgroup': refused reads would not back off")

    async def xreadgroup(**kwargs: Any) -> Any:
        try:
            return await read(**kwargs)
        except ResponseError as exc:
            if is_outage(exc):
                raise WritesRefused(str(exc)) from exc
            raise

    subscriber._xreadgroup = xreadgroup


def register_consumer(
    broker: RedisBroker, handler: BatchHandler, *, prefix: str, consumer: str, batch_size: int, block_ms: int
) -> Any:
    """Subscribe the indexer's handler on `broker`; the subscriber (to restart it after NOGROUP)."""
    stream = StreamSub(
        StreamNames(prefix).articles,
        group=INDEXER_GROUP,
        consumer=consumer,
        batch=True,
        max_records=batch_size,
        polling_interval=block_ms,
    )

    subscriber = broker.subscriber(
        stream=stream,
        ack_policy=AckPolicy.MANUAL,
        message_format=EntryFormat,
        title="index-articles",
        description="Applies article events to the feed orders and related links.",
    )

    _refused_reads_back_off(subscriber)

    @subscriber
    async def index_articles(message: RedisBatchStreamMessage) -> None:
        raw = message.raw_message
        entries = await decode_entries_off_loop(raw["message_ids"], raw["data"])
        try:
            await handler.apply(entries)
        except Exception as exc:
            if not is_outage(exc):
                raise
            log.warning("Redis unavailable (%s): %d entries stay pending until it serves", exc, len(entries))

    return subscriber
