"""Feed order and "Show More" cursors, as pure functions."""

from __future__ import annotations

import bisect
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsfeed_readmodel.errors import InvalidCursor
from newsfeed_readmodel.feed import (
    decode_cursor,
    encode_cursor,
    feed_member,
    id_of_member,
    next_cursor,
    page_bounds,
)

T0 = datetime(2025, 2, 17, tzinfo=UTC)


def test_members_sort_newest_first_then_by_id() -> None:
    members = [
        feed_member(T0, "b"),
        feed_member(T0 + timedelta(seconds=1), "a"),
        feed_member(T0, "c"),
    ]
    assert [id_of_member(m) for m in sorted(members, reverse=True)] == ["a", "c", "b"]


def test_member_round_trips_the_id_even_with_separators() -> None:
    assert id_of_member(feed_member(T0, "x|y")) == "x|y"


def test_dates_before_1970_clamp_to_the_start() -> None:
    assert feed_member(datetime(1960, 1, 1, tzinfo=UTC), "old").startswith("0" * 15)


def test_cursor_round_trip_and_is_url_safe() -> None:
    member = feed_member(T0, "lavrov-rules-out")
    cursor = encode_cursor(member)
    assert decode_cursor(cursor) == member
    assert all(ch.isalnum() or ch in "-_" for ch in cursor)


@pytest.mark.parametrize(
    "forged",
    [
        "",
        "!!!",
        "bm90LWEtbWVtYmVy",
        encode_cursor("123|x"),
        "é",
        encode_cursor("١٢٣٤٥٦٧٨٩٠١٢٣٤٥|x"),  # digits, but not ASCII: it would sort above every place
        encode_cursor("000000000000000|\x00"),  # no article id holds a control character
        encode_cursor("000000000000000|a b"),
        encode_cursor("000000000000000|a/b"),
        encode_cursor("000000000000000|" + "x" * 201),
    ],
)
def test_forged_cursors_are_refused(forged: str) -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(forged)


def test_page_bounds() -> None:
    member = feed_member(T0, "a")
    assert page_bounds(None) == ("+", "-")
    assert page_bounds(encode_cursor(member)) == ("(" + member, "-")


@pytest.mark.parametrize(
    ("fetched", "limit", "page", "has_next"),
    [([], 3, [], False), (["a", "b"], 3, ["a", "b"], False), (["a", "b", "c", "d"], 3, ["a", "b", "c"], True)],
)
def test_next_cursor_only_when_more_exist(fetched: list[str], limit: int, page: list[str], has_next: bool) -> None:
    got_page, cursor = next_cursor(fetched, limit)
    assert got_page == page
    assert (cursor is not None) == has_next
    if has_next:
        assert cursor == encode_cursor(page[-1])


def _paginate(ordered_desc: list[str], after: str | None, limit: int) -> list[str]:
    """What ZREVRANGEBYLEX (after - LIMIT 0 limit returns on a descending-sorted list."""
    if after is None:
        return ordered_desc[:limit]
    ascending = ordered_desc[::-1]
    index = bisect.bisect_left(ascending, after)
    return ascending[:index][::-1][:limit]


@given(
    old=st.sets(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=80),
    new=st.sets(st.integers(min_value=0, max_value=20_000), max_size=30),
    limit=st.integers(min_value=1, max_value=12),
    insert_after_page=st.integers(min_value=0, max_value=5),
)
def test_show_more_never_repeats_or_skips_while_articles_arrive(
    old: set[int], new: set[int], limit: int, insert_after_page: int
) -> None:
    members = sorted((feed_member(T0 + timedelta(seconds=s), f"o{s}") for s in old), reverse=True)
    snapshot = list(members)
    seen: list[str] = []
    cursor: str | None = None
    for page_number in range(10_000):
        if page_number == insert_after_page:
            members = sorted(members + [feed_member(T0 + timedelta(seconds=s), f"n{s}") for s in new], reverse=True)
        after = decode_cursor(cursor) if cursor else None
        page, cursor = next_cursor(_paginate(members, after, limit + 1), limit)
        seen += page
        if cursor is None:
            break
    old_seen = [m for m in seen if id_of_member(m).startswith("o")]
    assert len(seen) == len(set(seen))
    assert old_seen == snapshot
