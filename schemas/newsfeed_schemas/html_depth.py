"""How deeply an HTML fragment nests its elements, estimated in linear time and never under.

HTML parsers that follow the HTML5 tree-construction rules (html5ever, behind the
sanitiser) look up the stack of open elements for many start tags, so their cost grows
with depth x tags: 8,000 nested `<div>`s take half a second, a megabyte of them minutes.
Real articles nest a few dozen levels at most, so an article deeper than a limit is
refused before any parser sees it.

The estimate reads tags with a simple, backtracking-free pattern and keeps a stack of
open elements. It never comes out lower than a parser's depth:

* an end tag closes only the current node, when it matches (a parser pops at least that);
* the implied end tags modelled are those a parser always applies to the current node
  (`<p>` ended by a block, `<li>` by `<li>`, rows and cells, `<option>`, `<dt>`/`<dd>`),
  and only while no `<svg>`/`<math>` is open;
* void elements (`<br>`, `<img>`...) are leaves only while no `<svg>`/`<math>` is open
  (inside them they are ordinary elements); `/>` ends only SVG/MathML leaf elements, and
  only while surely inside `<svg>`/`<math>`;
* each open `<table>` counts two more levels (the `<tbody>` and `<tr>` a parser may add);
* inside what may be a comment (from `<!--` to the next `-->` or `--!>`) start tags still
  count but end tags close nothing: in raw text (`<style>`, `<textarea>`...) `<!--` is no
  comment at all.

Everything else counts as staying open, so the estimate may be high for sloppy HTML.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["nesting_depth", "nests_deeper_than"]

# One pass of tokens: comment openings and closings, and tags. `[^>]*` never backtracks: a tag
# that is never closed runs to the end (one match, not one per `<`). `<!-->` and `<!--->` are
# whole (empty) comments; their `-->` overlaps the opening and would otherwise be missed. A tag
# name runs to a space, `/` or `>`, as HTML's tokenizer reads it (`<p<b>` opens a `p<b`, no `p`).
_TOKENS = re.compile(r"(<!---?>|<!--|--!?>)|<(/?)([A-Za-z][^\t\n\f\r />]*)([^>]*)(>?)")
_OPENS_COMMENT = "<!--"
_VOID = frozenset(
    [
        "area",
        "base",
        "basefont",
        "bgsound",
        "br",
        "col",
        "embed",
        "frame",
        "hr",
        "image",
        "img",
        "input",
        "keygen",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)
# Start tags that close an open <p> (HTML5 "close a p element"; not <table>, which leaves it
# open in quirks mode, and a fragment without a doctype is in quirks mode).
_CLOSES_P = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "center",
        "details",
        "dialog",
        "dir",
        "div",
        "dl",
        "dd",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "li",
        "listing",
        "main",
        "menu",
        "nav",
        "ol",
        "p",
        "plaintext",
        "pre",
        "search",
        "section",
        "summary",
        "ul",
        "xmp",
    ]
)
# open element -> start tags that end it when it is the current node.
_ENDED_BY = {
    "p": _CLOSES_P,
    "li": frozenset({"li"}),
    "dt": frozenset({"dt", "dd"}),
    "dd": frozenset({"dt", "dd"}),
    "option": frozenset({"option", "optgroup"}),
    "tr": frozenset({"tr"}),
    "td": frozenset({"td", "th", "tr"}),
    "th": frozenset({"td", "th", "tr"}),
}
_FOREIGN_ROOTS = frozenset({"svg", "math"})
# Start tags after which a parser is (or may be) in HTML content again: HTML tags that break
# out of SVG/MathML, and integration points whose content is HTML.
_LEAVES_FOREIGN = frozenset(
    [
        "b",
        "big",
        "blockquote",
        "body",
        "br",
        "center",
        "code",
        "dd",
        "div",
        "dl",
        "dt",
        "em",
        "embed",
        "font",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "head",
        "hr",
        "i",
        "img",
        "li",
        "listing",
        "menu",
        "meta",
        "nobr",
        "ol",
        "p",
        "pre",
        "ruby",
        "s",
        "small",
        "span",
        "strong",
        "strike",
        "sub",
        "sup",
        "table",
        "tt",
        "u",
        "ul",
        "var",
        "foreignobject",
        "desc",
        "title",
        "mi",
        "mo",
        "mn",
        "ms",
        "mtext",
        "annotation-xml",
    ]
)


# SVG/MathML elements that `/>` closes inside foreign content (in HTML, `/>` closes nothing).
_FOREIGN_LEAVES = frozenset(
    [
        "path",
        "rect",
        "circle",
        "ellipse",
        "line",
        "polyline",
        "polygon",
        "use",
        "stop",
        "animate",
        "animatemotion",
        "animatetransform",
        "set",
        "image",
        "mpath",
        "mspace",
        "none",
        "mprescripts",
        "maligngroup",
        "malignmark",
    ]
)
_TABLE_WRAPPERS = 2


def nests_deeper_than(html: str, limit: int) -> bool:
    """True when `html` may nest elements deeper than `limit` (cheap for most articles)."""
    start_tags_at_most = html.count("<") - html.count("</")
    return start_tags_at_most > limit and nesting_depth(html, stop_at=limit) > limit


def nesting_depth(html: str, stop_at: int | None = None) -> int:
    """An upper estimate of the element depth of `html`; stops counting past `stop_at`.

    A comment runs from `<!--` to the next `-->` or `--!>` (that of a `<!-->` included). A
    closing sequence inside what the pattern reads as a tag's attributes does not end it, so
    a comment may be taken to run on further than a parser's: end tags then close nothing
    and the estimate can only come out higher, never lower.
    """
    elements = _OpenElements()
    deepest = 0
    limit = len(html) if stop_at is None else stop_at
    in_comment = False
    for comment, closing, name, attributes, ended in _tokens(html):
        if comment:  # `<!-->` is an empty comment, or ends the one open: either way none is open after it
            in_comment = comment == _OPENS_COMMENT
            continue
        # HTML lowers ASCII letters only: `<trac\u212a>` (a Kelvin sign) is no `<track>`.
        tag = name.lower() if name.isascii() else name
        if closing and tag != "br":  # `</br>` is read as `<br>`
            depth = elements.close(tag, in_comment)
        else:
            depth = elements.open(tag, self_closing=bool(ended) and attributes[-1:] == "/", in_comment=in_comment)
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                break
    return deepest


class _OpenElements:
    """The stack of open elements as the estimate keeps it; `open` and `close` give the depth they reach."""

    __slots__ = ("foreign", "roots", "stack", "tables")

    def __init__(self) -> None:
        self.stack: list[str] = []
        self.foreign = False  # True only while a parser is surely inside SVG/MathML, where `/>` closes
        self.tables = 0
        self.roots = 0  # open <svg>/<math>

    def close(self, tag: str, in_comment: bool) -> int:
        stack = self.stack
        if stack and stack[-1] == tag and not in_comment:
            stack.pop()
            self.tables -= tag == "table"
            if tag in _FOREIGN_ROOTS:
                self.roots -= 1
                self.foreign = False
            return 0
        self.foreign = False
        if tag == "p":  # a stray `</p>` makes an empty <p> (and a comment may have ended before it)
            return len(stack) + 1 + _TABLE_WRAPPERS * self.tables
        return 0

    def open(self, tag: str, *, self_closing: bool, in_comment: bool) -> int:
        stack = self.stack
        if tag in _LEAVES_FOREIGN:
            self.foreign = False
        if not (in_comment or self.roots):
            while stack and tag in _ENDED_BY.get(stack[-1], ()):
                stack.pop()
        depth = len(stack) + 1 + _TABLE_WRAPPERS * self.tables
        if (tag in _VOID and not self.roots) or (self.foreign and self_closing and tag in _FOREIGN_LEAVES):
            return depth
        stack.append(tag)
        self.tables += tag == "table"
        if tag in _FOREIGN_ROOTS:
            self.roots += 1
            self.foreign = self.foreign or not self_closing
        return depth


_CHUNK = 32 * 1024


def _tokens(html: str) -> Iterator[tuple[str, str, str, str, str]]:
    """`_TOKENS.findall(html)`, a piece at a time: the pattern matcher holds the GIL while it
    runs, so one call over megabytes would stop every other thread (the event loop's
    included) for as long. Pieces end just after a `>`, which only ever ends a token."""
    start = 0
    while start < len(html):
        end = html.find(">", start + _CHUNK) + 1 or len(html)
        yield from _TOKENS.findall(html, start, end)
        start = end
