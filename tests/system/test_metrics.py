"""`/metrics` shows the operator stats as of the scrape, and how long each route takes to answer."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

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


def _count(text: str, route: str, method: str, status: int) -> float:
    """The request count of one (route, method, status) series of the duration histogram."""
    for family in text_string_to_metric_families(text):
        if family.name == "newsfeed_http_request_duration_seconds":
            for sample in family.samples:
                wanted = {"route": route, "method": method, "status": str(status)}
                if sample.name.endswith("_count") and sample.labels == wanted:
                    return float(sample.value)
    return 0.0


async def test_request_durations_are_labelled_by_route_template_never_by_raw_path(system: System) -> None:
    await system.publish(published("timed"))
    await system.caught_up()
    before = (await system.http.get("/metrics")).text
    for _ in range(3):
        assert (await system.http.get("/v1/articles/timed/related")).status_code == 200
    assert (await system.http.get("/v1/articles/nobody-0123/related")).status_code == 404
    assert (await system.http.get("/no/such/path-4567")).status_code == 404
    assert (await system.http.request("PROPFIND", "/v1/feed")).status_code == 405
    after = (await system.http.get("/metrics")).text
    related = "/v1/articles/{article_id}/related"
    assert _count(after, related, "GET", 200) - _count(before, related, "GET", 200) == 3
    assert _count(after, related, "GET", 404) - _count(before, related, "GET", 404) == 1
    assert _count(after, "unmatched", "GET", 404) - _count(before, "unmatched", "GET", 404) == 1
    assert _count(after, "/v1/feed", "other", 405) - _count(before, "/v1/feed", "other", 405) == 1
    for raw in ("timed", "nobody-0123", "path-4567", "PROPFIND"):
        assert raw not in after  # labels hold templates and known methods only: bounded series
