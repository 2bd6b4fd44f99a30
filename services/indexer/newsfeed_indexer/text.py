"""Plain text out of an article's HTML, for word counts and term extraction."""

from __future__ import annotations

from html.parser import HTMLParser

__all__ = ["count_images", "plain_text", "words"]

_BLOCK_TAGS = frozenset(
    {"p", "br", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "figcaption", "tr", "td"}
)
_SKIPPED_TAGS = frozenset({"script", "style", "template"})


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.images = 0
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images += 1
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS and self._skipping:
            self._skipping -= 1
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def _collect(html: str) -> _TextCollector:
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    return collector


def plain_text(html: str) -> str:
    """The visible text of an HTML fragment, white space folded."""
    return " ".join("".join(_collect(html).parts).split())


def count_images(html: str) -> int:
    return _collect(html).images


def words(text: str) -> list[str]:
    """White-space separated words, as Ghost counts them for reading time."""
    return text.split()
