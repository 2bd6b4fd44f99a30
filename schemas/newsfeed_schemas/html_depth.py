"""How deeply an HTML fragment nests its elements, estimated in linear time and never under.

HTML parsers that follow the HTML5 tree-construction rules (html5ever behind the
sanitiser, lexbor behind the text extraction) look up the stack of open elements for
many start tags, so their cost grows with depth x tags: 8,000 nested `<div>`s take half a
second, a megabyte of them minutes. Real articles nest a few dozen levels at most, so an
article deeper than a limit is refused before any parser sees it.

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
* inside what may be a comment (from `<!--` to the next `-->`) start tags still count
  but end tags close nothing: in raw text (`<style>`, `<textarea>`...) `<!--` is no
  comment at all.

Everything else counts as staying open, so the estimate may be high for sloppy HTML.
"""

from __future__ import annotations

import re

__all__ = ["nesting_depth", "nests_deeper_than"]

# `[^>]*>?` never backtracks: a tag that is never closed runs to the end (one match, not one per `<`).
_TAG_OR_COMMENT = re.compile(r"<!--|<(/?)([A-Za-z][A-Za-z0-9:-]*)[^>]*>?")
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
    """An upper estimate of the element depth of `html`; stops counting past `stop_at`."""
    stack: list[str] = []
    foreign = False  # True only while a parser is surely inside SVG/MathML, where `/>` closes
    tables = roots = 0
    deepest = 0
    comment_end = -1
    comment_ends = _CommentEnds(html)
    for match in _TAG_OR_COMMENT.finditer(html):
        if match.group(2) is None:  # `<!--`, which inside a comment is text
            if match.start() >= comment_end:
                comment_end = comment_ends.after(match.start())
            continue
        in_comment = match.start() < comment_end
        closing, name = match.group(1), match.group(2).lower()
        self_closing = match.group(0).endswith("/>")
        if closing and name != "br":  # `</br>` is read as `<br>`
            if in_comment:
                continue
            if stack and stack[-1] == name:
                stack.pop()
                tables -= name == "table"
                roots -= name in _FOREIGN_ROOTS
                foreign = foreign and name not in _FOREIGN_ROOTS
            else:
                foreign = False
                if name == "p":  # a stray `</p>` makes an empty <p>
                    deepest = max(deepest, len(stack) + 1 + _TABLE_WRAPPERS * tables)
            continue
        if name in _LEAVES_FOREIGN:
            foreign = False
        while not (in_comment or roots) and stack and name in _ENDED_BY.get(stack[-1], ()):
            stack.pop()
        deepest = max(deepest, len(stack) + 1 + _TABLE_WRAPPERS * tables)
        if stop_at is not None and deepest > stop_at:
            break
        if (name in _VOID and not roots) or (foreign and self_closing and name in _FOREIGN_LEAVES):
            continue
        stack.append(name)
        tables += name == "table"
        roots += name in _FOREIGN_ROOTS
        foreign = foreign or (name in _FOREIGN_ROOTS and not self_closing)
    return deepest


class _CommentEnds:
    """Where comments end (`-->`, `--!>`, `<!-->`), asked for comments opened further and further on.

    Each closing sequence's next place is kept until a comment opens past it, so the whole
    document is searched once per sequence, however many comments it has (searching from every
    comment to the next `--!>`, which most documents lack, read the rest of the document each
    time: a body of 40,000 comments took over a minute)."""

    _CLOSINGS = ("-->", "--!>")

    def __init__(self, html: str) -> None:
        self._html = html
        self._next = dict.fromkeys(self._CLOSINGS, -1)

    def after(self, start: int) -> int:
        """The end of the comment opened at `start` (or the end of the document); `start` never
        goes back between calls."""
        for closing, known in self._next.items():
            if known < start + 2:  # behind this comment's text: look again from it
                found = self._html.find(closing, start + 2)
                self._next[closing] = len(self._html) if found < 0 else found
        return min(len(self._html), *self._next.values())
