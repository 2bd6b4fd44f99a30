"""The site as syndication feeds: RSS 2.0 and Atom 1.0 (feedgen), JSON Feed 1.1.

Same order as `/v1/feed` (newest first), at most `feed_items` items, each with its
excerpt, its sanitised HTML (when under `_MAX_CONTENT` characters: a feed stays bounded),
its tags and authors, and the feature image as an enclosure (RSS), a `media:content`
(RSS, Atom) or `image` (JSON Feed).

An item's id (Atom `id`, RSS `guid`, JSON Feed `id`) is the address of the article in the JSON
API, `{base}/v1/articles/{id}`: the CMS's id, so two articles that share a slug are two items,
and an edited slug or URL does not make a feed reader show the article again as new.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import orjson
from feedgen.feed import FeedGenerator
from lxml import etree

__all__ = ["FeedSite", "atom", "json_feed", "rss"]

_MAX_CONTENT = 100_000


class FeedSite:
    """What a feed says about the site it belongs to."""

    def __init__(self, name: str, base_url: str, language: str, title: str, path: str, self_url: str) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.language = language
        self.title = title
        self.path = path  # the page this feed mirrors, e.g. /tag/world
        self.self_url = self_url

    def link(self, document: dict[str, Any]) -> str:
        return str(document.get("url") or f"{self.base_url}/articles/{document['slug']}")

    def item_id(self, document: dict[str, Any]) -> str:
        """The item's permanent id: the article's address in the JSON API (see the module's docstring)."""
        return f"{self.base_url}/v1/articles/{quote(str(document['id']), safe='')}"


def _moment(iso: str) -> datetime:
    """A stored time; one without an offset (stored before times were read as UTC) is UTC."""
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _rfc3339(iso: str) -> str:
    """A stored time as RFC 3339 wants it: with its offset."""
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return iso if moment.tzinfo is not None else moment.replace(tzinfo=UTC).isoformat()


# What XML 1.0 cannot carry at all (its `Char` production): C0 controls but tab, line feed and
# carriage return, lone surrogates, U+FFFE and U+FFFF. A CMS can send them in any text field.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(value: Any) -> Any:
    """`value` with every string in it stripped of what XML cannot carry."""
    if isinstance(value, str):
        return _NOT_XML.sub("", value)
    if isinstance(value, dict):
        return {key: _xml_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_xml_safe(item) for item in value]
    return value


def _image_type(url: str) -> str:
    return mimetypes.guess_type(url.split("?", maxsplit=1)[0])[0] or "image/jpeg"


def _generator(site: FeedSite, documents: Sequence[dict[str, Any]]) -> FeedGenerator:
    documents = [_xml_safe(document) for document in documents]
    generator = FeedGenerator()
    generator.load_extension("media")
    generator.id(site.base_url + site.path)
    generator.title(_xml_safe(site.title))
    # Atom needs an author for every entry, from the entry or the feed: an article without
    # authors is credited to the site (RSS shows no feed-level author without an e-mail address)
    generator.author({"name": _xml_safe(site.name)})
    generator.link(href=site.self_url, rel="self")
    generator.link(href=site.base_url + site.path, rel="alternate")  # the last link is RSS's <link>
    generator.description(f"The latest from {site.name}")
    generator.language(site.language)
    newest = max((_moment(d.get("updated_at") or d["published_at"]) for d in documents), default=None)
    if newest is not None:  # the same answer for the same items (no "now" in it)
        generator.updated(newest)
        generator.lastBuildDate(newest)
    for document in documents:
        entry = generator.add_entry(order="append")
        link = site.link(document)
        entry.id(site.item_id(document))
        entry.guid(site.item_id(document), permalink=False)
        entry.title(document["title"] or document["slug"])  # a title of control characters only
        entry.link(href=link, rel="alternate")
        entry.published(_moment(document["published_at"]))
        entry.updated(_moment(document.get("updated_at") or document["published_at"]))
        if document.get("excerpt"):
            entry.summary(document["excerpt"])
        html = document.get("html")
        if html and len(html) <= _MAX_CONTENT:
            entry.content(html, type="html")
        for author in document.get("authors") or []:
            entry.author(
                {"name": author.get("name") or author["slug"], "uri": f"{site.base_url}/author/{author['slug']}"}
            )
        for tag in document.get("tags") or []:
            entry.category(term=tag["slug"], label=tag.get("name") or tag["slug"])
        image = document.get("feature_image")
        if image:
            entry.link(href=image["url"], rel="enclosure", type=_image_type(image["url"]), length="0")
            entry.media.content({"url": image["url"], "medium": "image"})
    return generator


def rss(site: FeedSite, documents: Sequence[dict[str, Any]]) -> bytes:
    return _four_digit_years(bytes(_generator(site, documents).rss_str(pretty=False)))


_SHORT_YEAR = re.compile(rb"(<(?:pubDate|lastBuildDate)>[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} )(\d{1,3}) ")


def _four_digit_years(xml: bytes) -> bytes:
    """RSS dates (RFC 822) with a year of four digits: feedgen writes the year of an archive's
    article before 1000 as it is ("Mon, 01 Jan 1 ..."), which feed validators refuse."""
    return _SHORT_YEAR.sub(lambda m: m.group(1) + m.group(2).rjust(4, b"0") + b" ", xml)


def atom(site: FeedSite, documents: Sequence[dict[str, Any]]) -> bytes:
    return _with_link_relations(bytes(_generator(site, documents).atom_str(pretty=False)), documents)


_ATOM = "{http://www.w3.org/2005/Atom}"


def _with_link_relations(xml: bytes, documents: Sequence[dict[str, Any]]) -> bytes:
    """feedgen 1.0 drops the `rel` (and `type`) of an Atom entry's links: put them back.

    Without it the image link of an entry would read as a second alternate link.
    """
    images = {d["feature_image"]["url"] for d in documents if d.get("feature_image")}
    tree = etree.fromstring(xml)
    for link in tree.iterfind(f"{_ATOM}entry/{_ATOM}link"):
        href = link.get("href", "")
        if href in images:
            link.set("rel", "enclosure")
            link.set("type", _image_type(href))
        else:
            link.set("rel", "alternate")
    return bytes(etree.tostring(tree, xml_declaration=True, encoding="UTF-8"))


def json_feed(site: FeedSite, documents: Sequence[dict[str, Any]]) -> bytes:
    """JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/)."""
    items = []
    for document in documents:
        link = site.link(document)
        item: dict[str, Any] = {
            "id": site.item_id(document),
            "url": link,
            "title": document["title"],
            "date_published": _rfc3339(document["published_at"]),
            "date_modified": _rfc3339(document.get("updated_at") or document["published_at"]),
            "authors": [
                {"name": a.get("name") or a["slug"], "url": f"{site.base_url}/author/{a['slug']}"}
                | ({"avatar": a["profile_image"]} if a.get("profile_image") else {})
                for a in document.get("authors") or []
            ],
            "tags": [t.get("name") or t["slug"] for t in document.get("tags") or []],
            "language": document.get("language") or site.language,
        }
        if document.get("excerpt"):
            item["summary"] = document["excerpt"]
        html = document.get("html")
        if html and len(html) <= _MAX_CONTENT:
            item["content_html"] = html
        else:
            item["content_text"] = document.get("excerpt") or document["title"]
        if document.get("feature_image"):
            item["image"] = document["feature_image"]["url"]
        items.append(item)
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": site.title,
        "home_page_url": site.base_url + site.path,
        "feed_url": site.self_url,
        "language": site.language,
        "items": items,
    }
    return orjson.dumps(feed)
