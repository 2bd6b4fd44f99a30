"""What an HTML5 parser moves out of a table ("foster parenting"), counted in linear time, never under.

Text (other than white space) and elements that stand directly in a `<table>`, `<tbody>`,
`<thead>`, `<tfoot>` or `<tr>`, outside any cell or caption, are moved in front of the table.
For each one html5ever (behind the sanitiser) looks for the table among its parent's children,
and the nodes moved before it are among them, so the work grows with the square of their
number: `<table>` then 200,000 `x<br>` took 43 s. Real tables hold their text in cells.

`fostered` reads the body once, as a parser's tokenizer would (comments, raw text such as
`<style>` and `<textarea>`, quoted attribute values that hold `>`), and keeps a stack of the
tables it may be in. It errs one way only: a cell is taken to be open, a table closed, a
comment or raw text skipped only where a parser surely does so. Inside `<svg>` or `<math>` it
is sure of nothing until their end tags (an icon's paths end there as they began); from a
`<select>` or `<template>` on, or from markup in `<svg>` or `<math>` that a parser may read as
HTML again (a `<p>`, a `<style>`, a comment...), for good: every text and tag in a table counts,
and nothing is skipped. Checked against html5lib, which builds trees by the same
rules as html5ever (`tests/unit/test_html_guards.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .html_depth import QUOTED_TAG

__all__ = ["MAX_FOSTERED", "fostered", "fosters_too_much"]

MAX_FOSTERED = 2_000
"""Nodes a body may have a parser move out of its tables: enough for stray text between
cells; 2,000 moves before a table among 150,000 other nodes take a parser a fifth of a second."""

# Comment openings, bogus comments, tags (name, then attributes up to a `>` or a quote), text.
_PIECE = re.compile(r"<!--|<[!?]|</(?![A-Za-z])|<(/?)([A-Za-z][^\t\n\f\r />]*)([^>\"']*)(>?)|[^<]+|<")
_TABLE = re.compile(r"<table", re.IGNORECASE | re.ASCII)
_COMMENT_END = re.compile(r"--!?>")
_WHITE = "\t\n\f\r "
_RAW_TEXT = frozenset({"style", "script", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript"})
_STRUCTURE = frozenset({"tr", "tbody", "thead", "tfoot", "col", "colgroup"})
_CELLS = frozenset({"td", "th", "caption"})
_LOST = frozenset({"select", "template"})  # after one, nothing is sure any more
# In `<svg>` or `<math>` these start tags end the foreign content (`<font>`: with some attributes).
# fmt: off
_BREAKOUT = frozenset({
    "b", "big", "blockquote", "body", "br", "center", "code", "dd", "div", "dl", "dt", "em", "embed", "font",
    "h1", "h2", "h3", "h4", "h5", "h6", "head", "hr", "i", "img", "li", "listing", "menu", "meta", "nobr", "ol",
    "p", "pre", "ruby", "s", "small", "span", "strong", "strike", "sub", "sup", "table", "tt", "u", "ul", "var",
})
# fmt: on
_INTEGRATION = frozenset({"foreignobject", "desc", "title", "mi", "mo", "mn", "ms", "mtext", "annotation-xml"})
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_CELL_ENDS = frozenset({"td", "th", "caption", "tr", "tbody", "thead", "tfoot"})
_IN_HEAD = frozenset({"style", "script"})  # in a table these stay where they are


def fosters_too_much(html: str, limit: int = MAX_FOSTERED) -> bool:
    """Whether a parser may move more than `limit` nodes out of the tables of `html`. Most bodies
    are settled by counting characters: every node moved starts at a `<` or is a text (which ends
    at one), and a text may be cut at each `&`, `\\r` or NUL; only a table with more than that
    after it is read tag by tag (`fostered`)."""
    first = _TABLE.search(html)
    if first is None:
        return False
    at = first.start()
    most = 2 * html.count("<", at) + 1 + html.count("&", at) + html.count("\r", at) + html.count("\0", at)
    return most > limit and fostered(html, limit) > limit


def fostered(html: str, limit: int = MAX_FOSTERED) -> int:
    """How many nodes a parser may move out of the tables of `html` (never fewer); counting
    stops past `limit`."""
    if not _TABLE.search(html):
        return 0
    reader = _Reader()
    at = 0
    while at < len(html) and reader.count <= limit:
        piece = _PIECE.match(html, at)
        assert piece is not None  # every position starts one of the pieces
        text = piece.group()
        if text[0] != "<" or text == "<" or (reader.unsure and text[1] not in "/" + _LETTERS):
            if text[0] == "<" and text != "<":
                reader.lost = True  # a comment or CDATA in `<svg>`: what follows may be read as HTML
            reader.text(text)  # text (a `<` that opens nothing is text too; unsure: so is a `<!--`)
            at = piece.end()
            continue
        if text == "<!--":
            if html.startswith(("<!-->", "<!--->"), at):
                at = html.index(">", at) + 1
                continue
            closed = _COMMENT_END.search(html, at + 4)
            at = len(html) if closed is None else closed.end()
            continue
        if text in ("<!", "<?", "</"):  # a doctype or a bogus comment, to the first `>` (`</>`: nothing)
            if reader.unsure:  # it may be text (in raw text the parser reads and this does not)
                reader.lost = True
                reader.text(text)
                at = piece.end()
                continue
            bracket = html.find(">", at)
            at = len(html) if bracket < 0 else bracket + 1
            continue
        slash, raw_name, attributes, ends = piece.groups()
        name = raw_name.lower() if raw_name.isascii() else raw_name
        self_closing = ends == ">" and attributes.endswith("/")
        at = piece.end()
        if (ends != ">" and at < len(html)) or name in ("svg", "math"):
            whole = QUOTED_TAG.match(html, piece.start())  # a quoted value may hold `>`; `a=b/>` is no `/>`
            assert whole is not None
            at, self_closing = whole.end(), whole.group(1) == "/>"
        if slash:
            reader.close(name)
        elif reader.open(name, self_closing=self_closing):
            if name == "plaintext":
                break  # the rest is its text
            at = _after_raw_text(html, at, name)
    return reader.count


def _after_raw_text(html: str, at: int, name: str) -> int:
    """Where the raw text of `<name>` ends: at its end tag (no end tag: the body's end)."""
    end = re.compile(f"</{name}(?=[\t\n\f\r />]|$)", re.IGNORECASE | re.ASCII).search(html, at)
    return len(html) if end is None else end.start()


@dataclass(slots=True)
class _Table:
    cell: str | None = None  # the kind of cell (`td`, `th`, `caption`) a parser is surely in
    outside: bool = True  # surely in no cell (neither: it may be in one)

    @property
    def fosters(self) -> bool:
        return self.cell is None

    def enter(self, cell: str | None, *, sure: bool) -> None:
        """In a cell of this kind (None: in none), if `sure`; else it may be in one or not."""
        self.cell = cell if sure else None
        self.outside = sure and cell is None


@dataclass(slots=True)
class _Reader:
    """The tables a parser may be in, and whether this reading can still be sure of it."""

    tables: list[_Table] = field(default_factory=list)
    svg: int = 0  # open `<svg>` and `<math>` elements, as their start and end tags say
    math: int = 0
    integration: int = 0  # open elements of theirs whose content a parser reads as HTML (`<desc>`...)
    lost: bool = False  # for good
    count: int = 0

    @property
    def foreign(self) -> bool:
        return self.svg + self.math > 0

    @property
    def unsure(self) -> bool:
        return self.lost or self.foreign

    def text(self, text: str) -> None:
        if self.tables and self.tables[-1].fosters and text.strip(_WHITE):
            self.count += 1 + text.count("&") + text.count("\r") + text.count("\0")

    def open(self, name: str, *, self_closing: bool) -> bool:
        """Take a start tag in, and what it may have a parser move out of a table; whether raw
        text follows it (`<style>`, `<textarea>`..., where a parser reads no markup)."""
        self.count += self._moved_by(name)
        foreign = self.foreign
        # `<title>` in `<svg>` holds text (an icon's name), but in HTML, as within `<desc>`, raw text
        raw = name in _RAW_TEXT and (name != "title" or self.integration > 0)
        if name in _LOST or (foreign and (name in _BREAKOUT or raw or name == "plaintext")):
            self.lost = True
        self.svg += name == "svg" and not self_closing
        self.math += name == "math" and not self_closing
        self.integration += foreign and name in _INTEGRATION and not self_closing
        return not self.unsure and (name in _RAW_TEXT or name == "plaintext")

    def _moved_by(self, name: str) -> int:
        table = self.tables[-1] if self.tables else None
        sure = not self.unsure
        if name == "table":
            if table is not None and table.outside and sure:
                self.tables.pop()  # a table in a table (outside a cell) ends the first: they are siblings
            self.tables.append(_Table())
            return 0
        if table is None:
            return 0
        if name in _CELLS:  # a cell or caption opens (closing the one before)
            table.enter(name, sure=sure)
            return 0
        if name in _STRUCTURE:  # a row or section: out of any cell
            table.enter(None, sure=sure)
            return 0
        if not table.fosters or name in _IN_HEAD:
            return 0
        return 1

    def close(self, name: str) -> None:
        if self.foreign and name in ("p", "br"):
            self.lost = True  # these end tags end foreign content too
        if name == "svg" and self.svg:
            self.svg -= 1
        elif name == "math" and self.math:
            self.math -= 1
        elif name in _INTEGRATION and self.integration:
            self.integration -= 1
        if not self.tables:
            return
        table = self.tables[-1]
        if name in ("p", "br") and table.fosters:
            self.count += 1  # `</br>` is read as `<br>`, and `</p>` with no `<p>` open makes one
        if name == "table":
            if not self.unsure:
                self.tables.pop()
        elif self.unsure and name in _CELL_ENDS:
            table.enter(None, sure=False)  # in `<svg>`, an end tag may close the cell it stands in
        elif name == table.cell or (name in ("tr", "tbody") and table.cell in ("td", "th")):
            table.enter(None, sure=True)  # the cell's own end tag, or its row's or section's
        elif name in ("thead", "tfoot") and table.cell in ("td", "th"):
            table.enter(None, sure=False)  # closes the cell if the cell is in that section
