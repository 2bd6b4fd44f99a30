"""`/metrics` shows the operator stats as of the scrape."""

from __future__ import annotations

from newsfeed_schemas.streams import key_root
from tests.conftest import System
from tests.factories import published


async def test_metrics_show_stream_length_lag_pending_and_dead_letters(system: System) -> None:
    await system.publish(published("counted"))
    await system.redis.xadd(f"{key_root(system.prefix)}:articles", {"data": b"{broken", "type": b"x", "subject": b"y"})
    await system.caught_up()
    text = (await system.http.get("/metrics")).text
    for line in ("newsfeed_stream_length 2.0", "newsfeed_lag 0.0", "newsfeed_pending 0.0", "newsfeed_dead_letters 1.0"):
        assert line in text.splitlines(), line
