"""Feed order and "Show More" cursors, as pure functions."""

from __future__ import annotations

import bisect
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsfeed_readmodel.errors import InvalidCursor
from newsfeed_readmodel.feed import (
    MAX_CURSOR_CHARS,
    decode_cursor,
    encode_cursor,
    feed_member,
    id_of_member,
    next_cursor,
    page_bounds,
)
from newsfeed_schemas.limits import CEILINGS

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


_MOMENTS = st.datetimes(
    min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59), timezones=st.just(UTC)
).map(lambda moment: moment.replace(microsecond=moment.microsecond // 1000 * 1000))
_IDS = st.text(alphabet="abcxyz-_:|é😀", min_size=1, max_size=8)


@given(_MOMENTS, _MOMENTS, _IDS, _IDS)
def test_any_two_moments_from_year_1_to_9999_sort_newest_first(
    first: datetime, second: datetime, first_id: str, second_id: str
) -> None:
    # an archive's articles (the contract takes years 1-9999) keep their order before 1970 too
    a, b = feed_member(first, first_id), feed_member(second, second_id)
    if first != second:
        assert (a < b) == (first < second)
    assert decode_cursor(encode_cursor(a)) == a and id_of_member(a) == first_id


def test_the_oldest_moments_read_as_places() -> None:
    moments = [
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(1963, 11, 22, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 59, 999000, tzinfo=UTC),
        datetime(1970, 1, 1, tzinfo=UTC),
    ]
    members = [feed_member(m, "x") for m in moments]
    assert members == sorted(members) and len(set(members)) == len(members)
    assert members[0] == "-" + "0" * 14 + "|x" and members[-1] == "0" * 15 + "|x"


def test_a_cursor_of_the_longest_id_is_within_what_the_routes_take() -> None:
    member = feed_member(T0, "😀" * CEILINGS.max_id_chars)
    assert len(encode_cursor(member)) == MAX_CURSOR_CHARS


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
