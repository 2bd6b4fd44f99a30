"""What the server renders of a time: the same bytes whenever it is rendered, so a cached page never lies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from newsfeed_api.rendering import exact, render_cards, when


def _card(published_at: str) -> dict[str, object]:
    return {
        "id": "a1",
        "slug": "a1",
        "title": "Storm warning",
        "published_at": published_at,
        "reading_time_minutes": 3,
        "tags": [],
        "authors": [],
    }


def test_a_time_is_shown_as_a_date_not_as_an_age() -> None:
    assert when("2025-02-17T18:40:00Z") == "17 Feb 2025"
    assert when("2025-02-18T00:40:00+01:00") == "17 Feb 2025"  # the day in UTC, as the title says
    assert exact("2025-02-18T00:10:00+05:30") == "17 February 2025, 18:40 UTC"
    minute_ago = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    html = render_cards([_card(minute_ago)]).decode()
    assert f">{when(minute_ago)}</time>" in html
    assert "ago" not in html and "just now" not in html
