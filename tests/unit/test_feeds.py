"""RSS and Atom stay well-formed XML whatever text a CMS sends, and every time carries its offset."""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from newsfeed_api import feeds

SITE = feeds.FeedSite("Daily", "https://news.example", "en", "Daily", "/", "https://news.example/rss.xml")
_RSS_TITLE = "channel/item/title"
_ATOM_TITLE = "{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}title"

# Any code point, lone surrogates and the C0 controls included.
any_text = st.text(st.characters(blacklist_categories=()), min_size=1, max_size=40)


def _document(title: str, other: str, published_at: str = "2026-12-01T09:00:00Z") -> dict[str, Any]:
    return {
        "id": "a1",
        "slug": "a1",
        "title": title,
        "excerpt": other,
        "html": f"<p>{other}</p>",
        "published_at": published_at,
        "authors": [{"slug": "anna", "name": other}],
        "tags": [{"slug": "world", "name": other}],
    }


def _printable(text: str) -> str:
    """What a feed can show of `text`: XML 1.0's characters."""
    return "".join(c for c in text if c in "\t\n\r" or not _outside_xml(c))


def _outside_xml(c: str) -> bool:
    return c < " " or "\ud800" <= c <= "\udfff" or c in "\ufffe\uffff"


@given(title=any_text, other=any_text)
def test_any_text_gives_well_formed_rss_and_atom(title: str, other: str) -> None:
    documents = [_document(title, other)]
    rss = etree.fromstring(feeds.rss(SITE, documents))
    atom = etree.fromstring(feeds.atom(SITE, documents))
    shown = _printable(title) or "a1"  # a title with nothing printable: its slug
    assert [t.text for t in rss.iterfind(_RSS_TITLE)] == [shown]
    assert [t.text for t in atom.iterfind(_ATOM_TITLE)] == [shown]


def test_a_time_stored_without_an_offset_is_shown_as_utc() -> None:
    documents = [_document("Floods", "The Elbe rose", published_at="2026-12-01T09:00:00")]
    rss = etree.fromstring(feeds.rss(SITE, documents))
    assert rss.findtext("channel/item/pubDate") == "Tue, 01 Dec 2026 09:00:00 +0000"
    item = orjson.loads(feeds.json_feed(SITE, documents))["items"][0]
    assert item["date_published"] == item["date_modified"] == "2026-12-01T09:00:00+00:00"


def test_every_atom_entry_has_an_author_from_the_article_or_the_site() -> None:
    # RFC 4287 4.1.2: an entry without <author> needs one at the feed's level
    credited = _document("Floods", "The Elbe rose")
    uncredited = {**_document("Storms", "Gales"), "id": "a2", "slug": "a2", "authors": []}
    atom = etree.fromstring(feeds.atom(SITE, [credited, uncredited]))
    ns = "{http://www.w3.org/2005/Atom}"
    assert atom.findtext(f"{ns}author/{ns}name") == SITE.name
    entries = atom.findall(f"{ns}entry")
    assert [e.findtext(f"{ns}author/{ns}name") for e in entries] == ["The Elbe rose", None]


def test_rss_dates_of_any_year_read_as_rfc_822() -> None:
    # an archive reaches back: RFC 822 and 2822 write a year of four digits (feedgen wrote "1")
    for published_at, expected in (
        ("0001-01-01T00:00:00Z", "Mon, 01 Jan 0001 00:00:00 +0000"),
        ("0999-06-15T12:30:00Z", "Sat, 15 Jun 0999 12:30:00 +0000"),
        ("1963-11-22T18:30:00Z", "Fri, 22 Nov 1963 18:30:00 +0000"),
    ):
        rss = etree.fromstring(feeds.rss(SITE, [_document("Archive", "From the archive", published_at)]))
        assert rss.findtext("channel/item/pubDate") == expected
        assert rss.findtext("channel/lastBuildDate") == expected
