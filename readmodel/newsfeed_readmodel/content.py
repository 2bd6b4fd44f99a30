"""An article's HTML made safe to serve, and the readable text in it: pure, linear-time.

The CMS's HTML is sanitised once, at index time, with an allow-list (nh3, the Rust
`ammonia` sanitiser): no scripts, no event handlers, no `style`, no `javascript:` URLs,
no frames or forms; Ghost's cards keep their structure and classes. Pages serve the
stored, sanitised HTML as it is. A feature image caption, which Ghost sends as inline
HTML, is sanitised with a smaller inline allow-list.

The text (for word counts, excerpts and related terms) is read off the sanitised HTML,
whose every `<` opens a tag that a `>` closes (text `<` is escaped as `&lt;`), so one
tag-stripping pass is linear. Parsers get only HTML that passed the nesting guard of
`newsfeed_schemas.html_depth` (their cost grows with depth x tags).
"""

from __future__ import annotations

import html as html_lib
import re
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import nh3

from newsfeed_schemas.articles import Article

from .reading_time import count_words

__all__ = [
    "SANITIZED",
    "Content",
    "prepare",
    "prepare_article",
    "sanitize_body",
    "sanitize_caption",
    "servable",
    "stored_text",
    "text_of",
]

SANITIZED = 4
"""Version of the allow-list; a stored document carries it as `html_sanitized` (2: `srcset` URLs
are checked like every other URL; 3: so are `cite` URLs, read as a browser reads a URL, tabs and
line breaks left out; 4: a class is kept only when it is the body's own, `_CLASS_PREFIXES`)."""

_BODY_TAGS = nh3.ALLOWED_TAGS - {"area", "map", "nav", "center", "acronym", "strike", "tt"} | {
    "audio",
    "picture",
    "source",
    "track",
    "video",
}
_BODY_ATTRIBUTES = {
    "*": {"class", "title", "lang", "dir"},
    "a": {"href", "hreflang"},
    "img": {"src", "srcset", "sizes", "alt", "width", "height", "loading"},
    "source": {"src", "srcset", "sizes", "type", "media"},
    "video": {"src", "poster", "controls", "width", "height", "preload", "loop", "muted", "playsinline"},
    "audio": {"src", "controls", "preload", "loop"},
    "track": {"src", "kind", "srclang", "label"},
    "ol": {"start", "reversed"},
    "td": {"colspan", "rowspan", "headers"},
    "th": {"colspan", "rowspan", "headers", "scope"},
    "time": {"datetime"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "del": {"datetime", "cite"},
    "ins": {"datetime", "cite"},
}
_REMOVED_WITH_CONTENT = {"script", "style", "template", "noscript", "iframe", "object", "embed", "form", "select"}
_SCHEMES = {"http", "https", "mailto", "tel"}

_SCHEME = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*):")


# What a URL parser removes before it reads a scheme: tabs and line breaks anywhere, and
# leading C0 controls and spaces ("java\tscript:" is "javascript:" to a browser).
_URL_IGNORED = str.maketrans("", "", "\t\n\r")
_URL_ATTRIBUTES = frozenset({"srcset", "cite"})


def _url_allowed(url: str) -> bool:
    scheme = _SCHEME.match(url.translate(_URL_IGNORED).lstrip("".join(map(chr, range(0x21)))))
    return scheme is None or scheme.group(1).lower() in _SCHEMES


_CLASS_PREFIXES = ("kg-", "language-", "wp-")
"""The classes a body keeps: Ghost's cards (`kg-`, which the site's stylesheet lays out), a code
block's language, WordPress's blocks. Any other would borrow the site's own (`skip` hides a
paragraph off-screen, `live-bar` or `more` dress it as the page's controls)."""


def _content_classes(value: str) -> str | None:
    kept = [name for name in value.split() if name.startswith(_CLASS_PREFIXES)]
    return " ".join(kept) or None


def _urls_allowed(element: str, attribute: str, value: str) -> str | None:
    """Attributes holding URLs the sanitiser does not check: `srcset` (a list of candidates) and
    `cite`. Keep one only when every URL is relative or of an allowed scheme (no
    `javascript:` image or quotation source). And `class`: only the body's own (`_CLASS_PREFIXES`)."""
    if attribute == "class":
        return _content_classes(value)
    if attribute not in _URL_ATTRIBUTES:
        return value
    if attribute == "srcset" and value.count(",") >= _MAX_CANDIDATES:
        return None  # a real one offers a few sizes; checking a million empty ones took seconds
    urls = value.split(",") if attribute == "srcset" else [value]
    return value if all(_url_allowed(url) for url in urls) else None


_MAX_CANDIDATES = 64


_body = nh3.Cleaner(
    tags=_BODY_TAGS,
    attributes=_BODY_ATTRIBUTES,
    attribute_filter=_urls_allowed,
    clean_content_tags=_REMOVED_WITH_CONTENT,
    url_schemes=_SCHEMES,
    link_rel="noopener noreferrer",
)
_caption = nh3.Cleaner(
    tags={"a", "b", "br", "code", "em", "i", "s", "small", "span", "strong", "sub", "sup", "u"},
    attributes={"a": {"href", "title"}},
    clean_content_tags=_REMOVED_WITH_CONTENT,
    url_schemes=_SCHEMES,
    link_rel="noopener noreferrer",
)

_TAG = re.compile(r"<[^>]*>")
_EMBED_LINK_TEXT = "View the embedded media on "
_EMBED_LINK = re.compile(r"<a [^>]*>" + _EMBED_LINK_TEXT + r"[^<]*</a>")
"""The link `_embeds_as_links` puts in a frame's place, as the sanitiser writes it out (its
paragraph may be moved: a frame inside `<em>` leaves the link inside it)."""
_IMAGE = re.compile(r"<img\b")


class Content(NamedTuple):
    """What indexing derives from an article's body."""

    html: str | None  # sanitised
    text: str  # visible text, white space folded
    words: int
    images: int
    caption: str | None  # sanitised inline HTML
    features: bytes | None = None  # related-articles features (`related.features`), when computed


def sanitize_body(html: str) -> str:
    return _body.clean(_embeds_as_links(html))


_EMBEDS_LINKED = 100
_FRAME_OPEN = re.compile("<iframe", re.IGNORECASE)
_FRAME_SOURCE = re.compile(r"""\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)


def _embeds_as_links(html: str) -> str:
    """A link to what each embedded frame showed (a video, a map, a post), put before the frame,
    which the sanitiser removes: a reader keeps a way to it, and its caption is not left over
    nothing. One pass: each `<iframe` tag is read once, up to its `>`; only the first
    `_EMBEDS_LINKED` are read (an article has a few; a body of thousands is hostile)."""
    pieces, copied, at = [], 0, 0
    for _ in range(_EMBEDS_LINKED):
        opened = _FRAME_OPEN.search(html, at)
        end = html.find(">", opened.end()) if opened else -1
        if opened is None or end == -1:
            break
        at = end + 1
        link = _embed_link(_FRAME_SOURCE.search(html, opened.start(), end))
        if link:
            pieces += [html[copied : opened.start()], link]
            copied = opened.start()
    return "".join([*pieces, html[copied:]])


def _embed_link(source: re.Match[str] | None) -> str | None:
    url = html_lib.unescape(next((g for g in source.groups() if g is not None), "")) if source else ""
    try:
        host = urlsplit(url).hostname if url.lower().startswith(("https://", "http://")) else None
    except ValueError:  # not a URL (an unclosed IPv6 bracket, a bad port)
        return None
    if not host:
        return None
    return f'<p><a href="{html_lib.escape(url)}">{_EMBED_LINK_TEXT}{html_lib.escape(host)}</a></p>'


def sanitize_caption(caption: str) -> str:
    return _caption.clean(caption)


def text_of(sanitized: str) -> str:
    """The visible text of sanitised HTML, entities decoded, white space folded. The links left
    in place of embedded frames are not the article's words: every article opening with a video
    would share "view embedded media www youtube com" (a related link between unrelated stories,
    and an excerpt that starts with it)."""
    if _EMBED_LINK_TEXT in sanitized:
        sanitized = _EMBED_LINK.sub(" ", sanitized)
    return " ".join(html_lib.unescape(_TAG.sub(" ", sanitized)).split())


def prepare(html: str | None, text: str | None, caption: str | None = None) -> Content:
    """Sanitise the body and caption and read the text: from `html` when it shows any, else
    from `text` (an `html` of only a script or images, which shows no text, is read as `text`:
    a stored document, whose body is the sanitised `html`, reads the same, see `stored_text`)."""
    safe_caption = sanitize_caption(caption) if caption else None
    if html:
        safe = sanitize_body(html)
        visible = text_of(safe)
        images = len(_IMAGE.findall(safe))
    else:
        safe, visible, images = None, "", 0
    visible = visible if visible.strip() else _plain(text)
    words = count_words(visible)
    return Content(safe, visible, words, images, safe_caption)


def prepare_article(article: Article) -> Content:
    caption = article.feature_image.caption if article.feature_image is not None else None
    return prepare(article.html, article.text, caption)


def stored_text(document: dict[str, object]) -> str:
    """The visible text of a stored article document (sanitised again if stored before
    sanitising): what `prepare` read of the article when it was applied."""
    html, text = document.get("html"), document.get("text")
    text = text if isinstance(text, str) else None
    if isinstance(html, str) and html and document.get("html_sanitized") == SANITIZED:
        visible = text_of(html)
        return visible if visible.strip() else _plain(text)
    return prepare(html if isinstance(html, str) else None, text).text


def _plain(text: str | None) -> str:
    return " ".join((text or "").split())


def servable(document: dict[str, Any]) -> dict[str, Any]:
    """`document` as a reader may be served it: its HTML and caption sanitised (if it was stored
    before sanitising existed) and without `html_sanitized`, a mark for the read model only."""
    served = {key: value for key, value in document.items() if key != "html_sanitized"}
    if document.get("html_sanitized") == SANITIZED:
        return served
    if isinstance(served.get("html"), str):
        served["html"] = sanitize_body(served["html"])
    image = served.get("feature_image")
    if isinstance(image, dict) and isinstance(image.get("caption"), str):
        served["feature_image"] = {**image, "caption": sanitize_caption(image["caption"])}
    return served
