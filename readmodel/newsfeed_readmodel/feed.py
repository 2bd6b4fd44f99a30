"""Feed order and "Show More" cursors.

Every feed is a sorted set whose members all have score 0 and read
`{published_at ms, 15 digits}|{article id}`, so lexicographic order is
newest first with ties broken by id (descending). A cursor is the member of
the last card shown; the next page starts strictly after it, so articles that
arrive meanwhile (they sort before the cursor) never shift what comes next:
"Show More" neither repeats nor skips.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from datetime import datetime

from newsfeed_schemas.articles import Article, to_millis
from newsfeed_schemas.limits import CEILINGS, check_id, is_slug

from .errors import InvalidCursor, InvalidFeedName

__all__ = [
    "ALL",
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
_SEPARATOR = "|"


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
    millis = min(max(to_millis(published_at), 0), _MAX_MILLIS)
    return f"{millis:0{_WIDTH}d}{_SEPARATOR}{article_id}"


def id_of_member(member: str) -> str:
    return member[_WIDTH + 1 :]


def _is_member(text: str) -> bool:
    """Whether `text` is a place a feed could hold: 15 ASCII digits, `|`, an article id."""
    digits = text[:_WIDTH]
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
