"""Feed order and "Show More" cursors.

Every feed is a sorted set whose members all have score 0 and read
`{place, 15 characters}|{article id}`, so lexicographic order is newest first
with ties broken by id (descending). The place of an article published since
1970 is its milliseconds since 1970 in 15 digits; one published before 1970 (an
archive's, back to the year 1) reads `-` and 14 digits, its milliseconds after
0001-01-01, so it sorts below every later one (`-` is below every digit) and
older below newer. A cursor is the member of the last card shown; the next page
starts strictly after it, so articles that arrive meanwhile (they sort before
the cursor) never shift what comes next: "Show More" neither repeats nor skips.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from newsfeed_schemas.articles import Article, to_millis
from newsfeed_schemas.limits import CEILINGS, check_id, is_slug

from .errors import InvalidCursor, InvalidFeedName

__all__ = [
    "ALL",
    "MAX_CURSOR_CHARS",
    "author_feed",
    "decode_cursor",
    "encode_cursor",
    "feed_member",
    "feeds_named",
    "feeds_of",
    "id_of_member",
    "page_bounds",
    "tag_feed",
]

ALL = "all"
_WIDTH = 15
_MAX_MILLIS = 10**_WIDTH - 1
_BEFORE_1970 = "-"
_YEAR_ONE = datetime(1, 1, 1, tzinfo=UTC)
_SEPARATOR = "|"
MAX_CURSOR_CHARS = -(-(_WIDTH + 1 + 4 * CEILINGS.max_id_chars) // 3) * 4
"""The longest cursor `encode_cursor` gives: base64 of a member whose id has the most
characters, each of four UTF-8 bytes (1,088 characters for ids of 200)."""


def tag_feed(slug: str) -> str:
    return f"tag:{_check_slug(slug)}"


def author_feed(slug: str) -> str:
    return f"author:{_check_slug(slug)}"


def _check_slug(slug: str) -> str:
    if not is_slug(slug, CEILINGS.max_slug_chars):
        raise InvalidFeedName(slug)
    return slug


def feeds_of(article: Article) -> list[str]:
    """Every feed an article appears in: all, each of its tags, each of its authors."""
    return feeds_named([tag.slug for tag in article.tags], [author.slug for author in article.authors])


def feeds_named(tag_slugs: Iterable[str], author_slugs: Iterable[str]) -> list[str]:
    """The feeds of an article with these tags and authors; slugs that cannot name a feed are left out."""
    names = [ALL]
    names += [f"tag:{slug}" for slug in tag_slugs if is_slug(slug, CEILINGS.max_slug_chars)]
    names += [f"author:{slug}" for slug in author_slugs if is_slug(slug, CEILINGS.max_slug_chars)]
    return list(dict.fromkeys(names))


def feed_member(published_at: datetime, article_id: str) -> str:
    """The sorted-set member that places an article in every feed it is in."""
    millis = to_millis(published_at)
    if millis < 0:
        # exactly, in whole milliseconds: to_millis goes through a float and rounds towards zero
        moment = published_at if published_at.tzinfo else published_at.replace(tzinfo=UTC)
        since_year_one = (moment - _YEAR_ONE) // timedelta(milliseconds=1)
        return f"{_BEFORE_1970}{since_year_one:0{_WIDTH - 1}d}{_SEPARATOR}{article_id}"
    return f"{min(millis, _MAX_MILLIS):0{_WIDTH}d}{_SEPARATOR}{article_id}"


def id_of_member(member: str) -> str:
    return member[_WIDTH + 1 :]


def _is_member(text: str) -> bool:
    """Whether `text` is a place a feed could hold: 15 ASCII digits (or `-` and 14), `|`, an article id."""
    digits = text[1:_WIDTH] if text.startswith(_BEFORE_1970) else text[:_WIDTH]
    if len(text) <= _WIDTH + 1 or text[_WIDTH] != _SEPARATOR or not (digits.isascii() and digits.isdigit()):
        return False
    try:
        check_id(id_of_member(text), CEILINGS.max_id_chars)
    except ValueError:  # pydantic's error is a ValueError
        return False
    return True


def encode_cursor(member: str) -> str:
    """An opaque, URL-safe cursor for the card whose member is `member`."""
    return base64.urlsafe_b64encode(member.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    """The member a cursor stands for; `InvalidCursor` for anything we did not issue."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        member = base64.urlsafe_b64decode(padded.encode("ascii")).decode()
    except (binascii.Error, UnicodeError, ValueError) as exc:
        raise InvalidCursor(cursor) from exc
    if not _is_member(member):
        raise InvalidCursor(cursor)
    return member


def page_bounds(cursor: str | None) -> tuple[str, str]:
    """`(max, min)` arguments of ZREVRANGEBYLEX for the page after `cursor`."""
    if cursor is None:
        return "+", "-"
    return "(" + decode_cursor(cursor), "-"


def next_cursor(members: Iterable[str], limit: int) -> tuple[list[str], str | None]:
    """Split `limit + 1` fetched members into the page and the cursor of the next one."""
    fetched = list(members)
    page = fetched[:limit]
    if len(fetched) > limit and page:
        return page, encode_cursor(page[-1])
    return page, None
