"""The FastStream consumer of `{prefix}:articles` in group `indexer`.

Batch mode (`max_records` = batch size) with manual acknowledgement: the XACK
is part of the transaction that applies the batch (see `store.py`).
"""

from __future__ import annotations

from typing import Any

from faststream import AckPolicy
from faststream.redis import RedisBroker, StreamSub
from faststream.redis.annotations import RedisBatchStreamMessage

from newsfeed_schemas.streams import INDEXER_GROUP, StreamNames

from .applier import Applier
from .entries import EntryFormat, decode_entries
from .settings import IndexerSettings

__all__ = ["register_consumer"]


def register_consumer(broker: RedisBroker, applier: Applier, settings: IndexerSettings) -> Any:
    """Subscribe the indexer's handler on `broker`; the subscriber (to restart it after NOGROUP)."""
    stream = StreamSub(
        StreamNames(settings.prefix).articles,
        group=INDEXER_GROUP,
        consumer=settings.consumer,
        batch=True,
        max_records=settings.batch_size,
        polling_interval=settings.block_ms,
    )

    subscriber = broker.subscriber(
        stream=stream,
        ack_policy=AckPolicy.MANUAL,
        message_format=EntryFormat,
        title="index-articles",
        description="Applies article events to the feed orders and related links.",
    )

    @subscriber
    async def index_articles(message: RedisBatchStreamMessage) -> None:
        raw = message.raw_message
        await applier.apply(decode_entries(raw["message_ids"], raw["data"]))

    return subscriber
