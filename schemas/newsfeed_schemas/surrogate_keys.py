"""Surrogate keys: the names of what an answer shows, for a CDN to purge by.

The read API sends them (`Surrogate-Key`); a purger computes the same names from the change
announcements (`examples/cache_purger.py`). Both use these functions, so they always agree.

A key is its kind and the percent-encoded name (`article:storm-warning`, `feed:tag:world`).
CDNs bound a key (Fastly: 1 KB) and the header (16 KB), and an article id may be 200
characters of four UTF-8 bytes each, 2,400 once encoded: a key longer than 100 characters is
its kind, `!` (which encoding never leaves bare) and the 32 hex digits of the name's
BLAKE2b-128 digest instead.
"""

from __future__ import annotations

import hashlib
from urllib.parse import quote

__all__ = ["MAX_KEY_CHARS", "article_key", "feed_key", "related_key", "slug_key"]

MAX_KEY_CHARS = 100


def feed_key(feed: str) -> str:
    return _key("feed:", quote(feed, safe=":-_"), feed)


def article_key(article_id: str) -> str:
    return _key("article:", quote(article_id, safe="-_.~"), article_id)


def related_key(article_id: str) -> str:
    return _key("related:", quote(article_id, safe="-_.~"), article_id)


def slug_key(slug: str) -> str:
    """The key of an article page's 404: a slug is any letters, a path any text, a header ASCII."""
    return _key("slug:", quote(slug, safe="-_.~"), slug)


def _key(kind: str, encoded: str, name: str) -> str:
    key = kind + encoded
    if len(key) <= MAX_KEY_CHARS:
        return key
    return kind + "!" + hashlib.blake2b(name.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
