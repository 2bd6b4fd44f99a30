"""The trimming rule: never below what a consumer group has not processed."""

from __future__ import annotations

import pytest

from newsfeed_indexer.trimming import GroupPosition, parse_id, retention_floor, successor, trim_floor

G = GroupPosition


@pytest.mark.parametrize(
    ("groups", "keep_floor", "floor"),
    [
        ([], None, None),  # no group: nothing is known to be processed
        ([], "5-0", None),
        ([G("10-0", None)], None, "10-1"),  # all delivered and acked: everything up to 10-0 goes
        ([G("10-0", "7-3")], None, "7-3"),  # a pending entry stays, and all after it
        ([G("10-0", None)], "4-0", "4-0"),  # the retention floor keeps more
        ([G("10-0", None)], "12-0", "10-1"),  # but never lets undelivered entries go
        ([G("10-0", None), G("3-0", None)], None, "3-1"),  # the slowest group wins
        ([G("10-0", "2-5"), G("30-0", "9-0")], "20-0", "2-5"),
        ([G("0-0", None)], None, "0-1"),  # a fresh group at 0: nothing is trimmed
        ([G("9-9", None), G("10-0", None)], None, "9-10"),  # ids compare as numbers, not text
    ],
)
def test_trim_floor(groups: list[GroupPosition], keep_floor: str | None, floor: str | None) -> None:
    assert trim_floor(groups, keep_floor) == floor


@pytest.mark.parametrize(
    ("text", "parsed"), [("5-3", (5, 3)), ("17", (17, 0)), ("1700000000000-12", (1700000000000, 12))]
)
def test_parse_id(text: str, parsed: tuple[int, int]) -> None:
    assert parse_id(text) == parsed


def test_successor() -> None:
    assert successor("5-3") == "5-4"


@pytest.mark.parametrize(
    ("now_ms", "retention_s", "floor"), [(10_000, 2, "8000-0"), (10_000, 0, None), (1_000, 5, "0-0")]
)
def test_retention_floor(now_ms: int, retention_s: float, floor: str | None) -> None:
    assert retention_floor(now_ms, retention_s) == floor
