"""What an HTML fragment costs an HTML5 parser, estimated in linear time and never under: how
deeply its elements nest, and how much of its formatting elements the parser copies (see
`_FormattingList`; `exceeds` checks both).

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
from typing import Literal, NamedTuple

__all__ = [
    "MAX_ATTRIBUTES",
    "MAX_DOCUMENT_TAGS",
    "QUOTED_TAG",
    "UNREADABLE",
    "MarkupCost",
    "copy_allowance",
    "document_tags",
    "exceeds",
    "markup_cost",
    "most_attributes",
    "nesting_depth",
]

# Tokens: comment openings and closings, and tags, each tag ending at its first `>`. A quoted
# attribute value may hold `>` and what looks like markup (`<span title="></span>">` is one tag);
# `QUOTED_TAG` reads such a tag whole, and what the first pattern found inside it counts
# only as text might (see `markup_cost`). `[^>]*` never backtracks: a tag never closed runs to
# the end (one match, not one per `<`). `<!-->` and `<!--->` are whole (empty) comments: their
# `-->` overlaps the opening and would otherwise be missed. A tag name runs to a space, `/` or
# `>`, as HTML's tokenizer reads it (`<p<b>` opens a `p<b`, no `p`).
_TOKENS = re.compile(r"(<!---?>|<!--|--!?>)|<(/?)([A-Za-z][^\t\n\f\r />]*)([^>]*)(>?)")
# A tag's attributes as HTML's tokenizer reads them: a quote starts a value only after `=`
# (`<a ="x>` ends at its `>`); `/` just before `>` makes the tag self-closing, `/` in an
# unquoted value does not (`<path d=a/>`). Each part's first character decides which part it
# is, so matching never backtracks far.
_ONE_ATTRIBUTE = r"[^\t\n\f\r />][^\t\n\f\r /=>]*(?:[\t\n\f\r ]*=[\t\n\f\r ]*(?:\"[^\"]*\"|'[^']*'|[^\t\n\f\r >]*))?"
_ATTRIBUTES = r"(?:[\t\n\f\r ]+|/(?!>)|" + _ONE_ATTRIBUTE + ")*"
QUOTED_TAG = re.compile(r"</?[A-Za-z][^\t\n\f\r />]*" + _ATTRIBUTES + r"(/?>)?")
"""A tag read whole as the tokenizer reads it; group 1 is `/>` when it closes itself."""
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
# HTML's formatting elements, which a parser copies when they were closed by an ancestor's end.
_FORMATTING = frozenset(
    ["a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u"]
)
# Their start tags, as the tokenizer reads a name (case-insensitively: a Kelvin sign read as `k`
# only makes the count larger, which a bound from above allows).
_FORMATTING_NAME = (
    r"(?:[aAbBiIsSuU]|[bB][iI][gG]|[cC][oO][dD][eE]|[eE][mM]|[fF][oO][nN][tT]|[nN][oO][bB][rR]"
    r"|[sS][mM][aA][lL][lL]|[sS][tT][rR][iI][kK][eE]|[sS][tT][rR][oO][nN][gG]|[tT][tT])"
)
# A formatting element's start tag, and, when the element holds only text and ends with its own
# end tag (`<a href="...">text</a>`), that end tag's name. Such an element is never closed by
# another element's end, so a parser never copies it. Quotes are read only as whole values after
# `=` without `<` or `>` in them, so the tag surely ends at the `>` found (else it is not such an
# element: that only makes the check slower, never wrong).
_FORMATTING_START = re.compile(
    "<" + _FORMATTING_NAME + r"(?=[\t\n\f\r />])"
    r"(?:[^<>\"'=]*(?:=[\t\n\f\r ]*(?:\"[^\"<>]*\"|'[^'<>]*'|[^<>\"'=\t\n\f\r ][^<>\"'\t\n\f\r ]*)?[^<>\"'=]*)*"
    r">[^<]*</(" + _FORMATTING_NAME + r")[\t\n\f\r ]*>)?"
)
# Elements that put a marker in the list of active formatting elements.
_MARKERS = frozenset(["applet", "caption", "marquee", "object", "td", "template", "th"])
_IDENTICAL_KEPT = 3
# HTML's "special" elements (besides the formatting ones, all but phrasing content): an end tag
# of a formatting element open below one of them runs the adoption agency's copying rounds.
_SPECIAL = frozenset(
    [
        *("address", "applet", "area", "article", "aside", "base", "basefont", "bgsound", "blockquote"),
        *("body", "br", "button", "caption", "center", "col", "colgroup", "dd", "details", "dir", "div"),
        *("dl", "dt", "embed", "fieldset", "figcaption", "figure", "footer", "form", "frame", "frameset"),
        *("h1", "h2", "h3", "h4", "h5", "h6", "head", "header", "hgroup", "hr", "html", "iframe", "img"),
        *("input", "keygen", "li", "link", "listing", "main", "marquee", "menu", "meta", "nav", "noembed"),
        *("noframes", "noscript", "object", "ol", "p", "param", "plaintext", "pre", "script", "search"),
        *("section", "select", "source", "style", "summary", "table", "tbody", "td", "template"),
        *("textarea", "tfoot", "th", "thead", "title", "tr", "track", "ul", "wbr", "xmp"),
        *("mi", "mo", "mn", "ms", "mtext", "annotation-xml", "foreignobject", "desc"),
    ]
)


def exceeds(html: str, depth_limit: int) -> Literal["depth", "copies"] | None:
    """Which bound `html` may pass, if any: elements nested deeper than `depth_limit`, or more
    characters of formatting elements copied than `copy_allowance(len(html))`.

    Cheap for most articles: before any tag is read one by one, counts prove most bodies
    within both bounds. A body has at most as many start tags as `<` not followed by `/`, and
    before each tag a parser copies at most the formatting elements met so far, which are at
    most the whole body, or at most those that do not only hold text."""
    allowance = copy_allowance(len(html))
    tags = html.count("<")
    copies_within = tags * len(html) <= allowance or tags * _copied_per_tag_at_most(html) <= allowance
    if copies_within and tags - html.count("</") <= depth_limit:
        return None
    cost = markup_cost(html, depth_limit=depth_limit, copy_limit=allowance, count_copies=not copies_within)
    if cost.depth > depth_limit:
        return "depth"
    return "copies" if cost.copied > allowance else None


MAX_ATTRIBUTES = 1000
"""Attributes one tag may hold. An HTML5 tokenizer checks each attribute's name against those
of its tag before it, in time that grows with the square of their number: a megabyte of tags
of 1,000 attributes each takes the sanitiser 0.1 s, one tag of 200,000 took 12 s. Real tags
hold a few."""
_TAG = re.compile(r"<(/?)([A-Za-z][^\t\n\f\r />]*)([^>]*)")  # `_TOKENS`' tags: a literal `<` first is fast to find
UNREADABLE = -1
"""What `most_attributes` gives for a body whose tags it could not read in linear time."""
_ATTRIBUTE = re.compile(_ONE_ATTRIBUTE)


MAX_DOCUMENT_TAGS = 16
"""`<html>` and `<body>` start tags a body may hold. A parser adds the attributes of each one to
the page's own `<html>` or `<body>` element, checking them against all that element holds:
40,000 attributes and 10,000 more such tags took four minutes. A body pasted from a whole
page holds one of each."""
_DOCUMENT_TAG = re.compile(r"<(?:html|body)(?=[\t\n\f\r />]|$)", re.IGNORECASE | re.ASCII)


def document_tags(html: str) -> int:
    """How many `<html>` and `<body>` start tags `html` may hold (wherever they stand: never fewer)."""
    return len(_DOCUMENT_TAG.findall(html)) if "<" in html else 0


def most_attributes(html: str, limit: int = MAX_ATTRIBUTES, *, budget: int | None = None) -> int | None:
    """How many attributes a tag of `html` may hold, when that is more than `limit`; None when
    no tag may (or `UNREADABLE`).

    Every `<` and letter is read as the start of a tag, as HTML's tokenizer reads one (a quoted
    value may hold `>`: `QUOTED_TAG`), and never counts fewer attributes than it would: a
    parser may see no tag there at all (inside a comment or a `<style>`), never more. Such
    readings can overlap when quoted values hold markup (one reading whose value holds the next
    tags, and the reading of the last of them that opens a value of its own); a body whose
    readings add up to more than `budget` characters (8 times its length and 64 KiB) is
    `UNREADABLE` rather than read again and again: real tags do not overlap."""
    shortest = 2 * limit  # more than `limit` attributes take at least 2 x limit + 1 characters
    if len(html) <= shortest:
        return None
    budget = 8 * len(html) + 65536 if budget is None else budget
    for token in _TAG.finditer(html):
        closing, name, attributes = token.groups()
        start = token.start()
        end = token.end()
        if '"' in attributes or "'" in attributes:
            whole = QUOTED_TAG.match(html, start)
            assert whole is not None  # it matches wherever a tag starts
            end = max(end, whole.end())
        if end - start <= shortest:
            continue
        budget -= end - start
        if budget < 0:
            return UNREADABLE
        found = sum(1 for _ in _ATTRIBUTE.finditer(html, start + 1 + len(closing) + len(name), end))
        if found > limit:
            return found
    return None


def _copied_per_tag_at_most(html: str) -> int:
    """The characters of the formatting elements a parser may copy before one tag: those of
    every formatting element but the ones that hold only text and end with their own end tag
    (`<a href="...">link</a>`), which nothing closes but that end tag. A start tag inside the
    extent of an earlier one (a quoted value may hold `>`) is counted as running to the end:
    reading each such tag whole would read the body once per tag."""
    copied = 0
    read_until = 0
    for start in _FORMATTING_START.finditer(html):
        if start.group(1):
            continue
        if start.start() < read_until:
            copied += len(html) - start.start()
            continue
        whole = QUOTED_TAG.match(html, start.start())
        assert whole is not None  # it matches wherever a tag starts
        copied += whole.end() - start.start()
        read_until = whole.end()
    return copied


def copy_allowance(length: int) -> int:
    """How many characters of formatting elements a body of `length` may have a parser copy:
    four times its length, and 2 MiB more. An unclosed `<a href=...>` in a long article copies
    its tag into every paragraph after it, about once the article's length; a body made to copy
    (hundreds of distinct unclosed `<b>`s, then paragraph after paragraph) copies hundreds of times
    its length."""
    return 4 * length + 2 * 1024 * 1024


class MarkupCost(NamedTuple):
    """Upper estimates of what a body costs an HTML5 parser."""

    depth: int  # how deeply its elements nest
    copied: int  # characters of formatting elements the parser copies ("reconstructs")


def nesting_depth(html: str, stop_at: int | None = None) -> int:
    """An upper estimate of the element depth of `html`; stops counting past `stop_at`."""
    return markup_cost(html, depth_limit=stop_at, count_copies=False).depth


def markup_cost(
    html: str, *, depth_limit: int | None = None, copy_limit: int | None = None, count_copies: bool = True
) -> MarkupCost:
    """Upper estimates of the depth of `html` and of the formatting elements a parser copies;
    counting stops once either passes its limit (None: no limit). Without `count_copies`,
    `copied` is 0, which saves half the time.

    A comment runs from `<!--` to the next `-->` or `--!>` (that of a `<!-->` included). A
    closing sequence inside what the pattern reads as a tag's attributes does not end it, so
    a comment may be taken to run on further than a parser's. Inside a comment, and inside
    what may be a quoted attribute value holding `>` (in a comment or a `<style>` it is no
    value at all, so what follows may be markup), start tags count and end tags close nothing:
    the estimates can only come out higher, never lower.
    """
    formatting = _FormattingList() if count_copies else None
    elements = _OpenElements(formatting)
    deepest = 0
    depth_limit = len(html) if depth_limit is None else depth_limit
    copy_limit = len(html) ** 2 if copy_limit is None else copy_limit
    in_comment = False
    quoted_until = 0  # tokens before this may be inside a quoted attribute value
    for token in _TOKENS.finditer(html):  # match by match: the GIL is free between them
        comment, closing, name, attributes, ended = token.groups()
        if comment:  # `<!-->` is an empty comment, or ends the one open: either way none is open after it
            in_comment = comment == _OPENS_COMMENT
            continue
        inside_earlier_tag = token.start() < quoted_until
        maybe_text = in_comment or inside_earlier_tag
        self_closing = False
        size = token.end() - token.start()
        if inside_earlier_tag:
            # Inside an earlier tag's extent: reading this one whole would read the body again for
            # each such tag, so it is taken to run to the end (and to close nothing itself).
            size = len(html) - token.start()
        elif '"' in attributes or "'" in attributes or (ended and attributes[-1:] == "/"):
            whole = QUOTED_TAG.match(html, token.start())
            assert whole is not None  # it matches wherever `_TOKENS` found a tag
            quoted_until = whole.end() if whole.end() > token.end() else quoted_until
            self_closing = whole.group(1) == "/>" and whole.end() == token.end()
            size = whole.end() - whole.start()
        # HTML lowers ASCII letters only: `<trac\u212a>` (a Kelvin sign) is no `<track>`.
        tag = name.lower() if name.isascii() else name
        if formatting is not None:
            formatting.copied += formatting.size  # a parser may copy the whole list before this tag
        if closing and tag != "br":  # `</br>` is read as `<br>`
            depth = elements.close(tag, maybe_text)
        else:
            depth = elements.open(tag, attributes, size, self_closing=self_closing, in_comment=maybe_text)
        deepest = max(deepest, depth)
        if deepest > depth_limit or (formatting is not None and formatting.copied > copy_limit):
            break
    return MarkupCost(deepest, 0 if formatting is None else formatting.copied)


class _OpenElements:
    """The stack of open elements as the estimate keeps it; `open` and `close` give the depth they reach."""

    __slots__ = ("foreign", "formatting", "roots", "stack", "tables")

    def __init__(self, formatting: _FormattingList | None) -> None:
        self.stack: list[str] = []
        self.foreign = False  # True only while a parser is surely inside SVG/MathML, where `/>` closes
        self.tables = 0
        self.roots = 0  # open <svg>/<math>
        self.formatting = formatting

    def close(self, tag: str, in_comment: bool) -> int:
        stack = self.stack
        formatting = self.formatting
        if stack and stack[-1] == tag and not in_comment:
            if formatting is not None:
                formatting.ended(tag, removed=not (self.tables or self.roots))
            self._pop()
            return 0
        if formatting is not None and not in_comment and tag in _FORMATTING:
            formatting.ended(tag, removed=not (self.tables or self.roots) and self._adopted_at_once(tag))
        self.foreign = False
        if tag == "p":  # a stray `</p>` makes an empty <p> (and a comment may have ended before it)
            return len(stack) + 1 + _TABLE_WRAPPERS * self.tables
        return 0

    def open(self, tag: str, attributes: str, size: int, *, self_closing: bool, in_comment: bool) -> int:
        """A start tag (`size`: its characters, as a parser reads it); the depth it reaches."""
        stack = self.stack
        if tag in _LEAVES_FOREIGN:
            self.foreign = False
        if not (in_comment or self.roots):
            while stack and tag in _ENDED_BY.get(stack[-1], ()):
                self._pop()
        depth = len(stack) + 1 + _TABLE_WRAPPERS * self.tables
        if self.formatting is not None and tag in _FORMATTING:
            self.formatting.add((tag, attributes, size))
        if (tag in _VOID and not self.roots) or (self.foreign and self_closing and tag in _FOREIGN_LEAVES):
            return depth
        stack.append(tag)
        self.tables += tag == "table"
        if tag in _MARKERS:
            if self.formatting is not None:
                self.formatting.mark()
        elif tag in _FOREIGN_ROOTS:
            self.roots += 1
            self.foreign = self.foreign or not self_closing
        return depth

    def _adopted_at_once(self, tag: str) -> bool:
        """Whether a parser surely takes the formatting element `tag` out of its list at its end
        tag: when no element of the "special" kind is open above it (there, misnested markup makes
        a parser copy the element over and over, and after eight rounds keep a copy listed)."""
        for above in reversed(self.stack):
            if above == tag:
                return True
            if above in _SPECIAL:
                return False
        return True  # not open: a parser only takes it out of the list

    def _pop(self) -> None:
        tag = self.stack.pop()
        self.tables -= tag == "table"
        if tag in _MARKERS:
            if self.formatting is not None:
                self.formatting.clear_to_marker()
        elif tag in _FOREIGN_ROOTS:
            self.roots -= 1
            self.foreign = False


_Entry = tuple[str, str, int]
"""A formatting element in the list: its tag, attributes and characters."""


class _FormattingList:
    """A parser's list of active formatting elements, estimated never shorter, and the characters
    of copies it may make.

    An HTML5 parser keeps every open formatting element (`<b>`, `<a href=...>`...) in this list.
    When an ancestor's end closes one (`</p>` closes the `<b>`s open in the paragraph), the
    parser opens a copy of it, attributes and all, before the next text or element, and so on
    after every paragraph until the element's own end tag. Here each tag adds the characters of
    the whole list to `copied` (a parser copies at most that much before it). An entry leaves
    the list on its end tag only where nothing bounds the scope (no table, no `<svg>`/`<math>`),
    since there a parser may keep it; a cell, a caption or an `<object>` puts a marker, and its
    end clears the entries after it, as a parser does. Of identical entries after the last marker
    only three are kept (the parser's own rule).
    """

    __slots__ = ("copied", "entries", "size")

    def __init__(self) -> None:
        self.entries: list[_Entry | None] = []  # None is a marker
        self.size = 0  # characters of the entries
        self.copied = 0

    def add(self, entry: _Entry) -> None:
        identical = [i for i in self._since_marker() if self.entries[i] == entry]
        if len(identical) >= _IDENTICAL_KEPT:
            self._remove(identical[-1])  # the earliest
        self.entries.append(entry)
        self.size += entry[2]

    def ended(self, tag: str, *, removed: bool) -> None:
        """The end tag of `tag`: its latest entry after the last marker leaves the list if `removed`."""
        if not removed or tag not in _FORMATTING:
            return
        for i in self._since_marker():
            entry = self.entries[i]
            if entry is not None and entry[0] == tag:
                self._remove(i)
                return

    def mark(self) -> None:
        self.entries.append(None)

    def clear_to_marker(self) -> None:
        while self.entries:
            entry = self.entries.pop()
            if entry is None:
                return
            self.size -= entry[2]

    def _since_marker(self) -> Iterator[int]:
        """Indices of the entries after the last marker, latest first."""
        for i in range(len(self.entries) - 1, -1, -1):
            if self.entries[i] is None:
                return
            yield i

    def _remove(self, index: int) -> None:
        entry = self.entries.pop(index)
        assert entry is not None
        self.size -= entry[2]
