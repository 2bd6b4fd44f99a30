"""What an HTML5 parser moves out of a table ("foster parenting"), counted in linear time, never under.

Text (other than white space) and elements that stand directly in a `<table>`, `<tbody>`,
`<thead>`, `<tfoot>` or `<tr>`, outside any cell or caption, are moved in front of the table.
For each one html5ever (behind the sanitiser) looks for the table among its parent's children,
and the nodes moved before it are among them, so the work grows with the square of their
number: `<table>` then 200,000 `x<br>` took 43 s. Real tables hold their text in cells.

`fostered` reads the body once, as a parser's tokenizer would (comments, raw text such as
`<style>` and `<textarea>`, quoted attribute values that hold `>`), and keeps a stack of the
tables it may be in. It errs one way only: a cell is taken to be open only where a parser
surely opens one (not inside `<svg>`, `<math>`, `<template>` or `<noscript>`, where a `<td>` may
be something else; from there to the table's end everything counts), and a table is taken to
be closed only where a parser surely closes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["MAX_FOSTERED", "fostered"]

MAX_FOSTERED = 2_000
"""Nodes a body may have a parser move out of its tables: enough for stray text between
cells; 2,000 moves before a table among 150,000 other nodes take a parser a fifth of a second."""

_PIECE = re.compile(r"<!--|<[!?]|</(?![A-Za-z])|</?[A-Za-z]|[^<]+|<")
_TABLE = re.compile(r"<table", re.IGNORECASE | re.ASCII)
_NAME = re.compile(r"[^\t\n\f\r />]*")
_TAG_END = re.compile(r"[^>]*>?")
_QUOTED_TAG = re.compile(
    r"</?[A-Za-z][^\t\n\f\r />]*(?:[\t\n\f\r ]+|/(?!>)"
    r"|[^\t\n\f\r />][^\t\n\f\r /=>]*(?:[\t\n\f\r ]*=[\t\n\f\r ]*(?:\"[^\"]*\"|'[^']*'|[^\t\n\f\r >]*))?)*(?:/?>)?"
)
_COMMENT_END = re.compile(r"--!?>")
_WHITE = "\t\n\f\r "
_RAW_TEXT = frozenset({"style", "script", "textarea", "title", "xmp", "iframe", "noembed", "noframes"})
_STRUCTURE = frozenset({"tr", "tbody", "thead", "tfoot", "col", "colgroup"})
_CELLS = frozenset({"td", "th", "caption"})
_UNCERTAIN = frozenset({"svg", "math", "template", "noscript"})
_CELL_ENDS = frozenset({"td", "th", "caption", "tr", "tbody", "thead", "tfoot"})
_IN_HEAD = frozenset({"style", "script"})  # in a table these stay where they are


@dataclass(slots=True)
class _Table:
    in_cell: bool = False
    uncertain: bool = False  # inside foreign content or a template: a `<td>` may open no cell

    @property
    def fosters(self) -> bool:
        return self.uncertain or not self.in_cell


def fostered(html: str, limit: int = MAX_FOSTERED) -> int:
    """How many nodes a parser may move out of the tables of `html` (never fewer); counting
    stops past `limit`."""
    if not _TABLE.search(html):
        return 0
    tables: list[_Table] = []
    count = 0
    at = 0
    while at < len(html) and count <= limit:
        piece = _PIECE.match(html, at)
        assert piece is not None  # every position starts one of the pieces
        text = piece.group()
        if text == "<!--":
            if html.startswith(("<!-->", "<!--->"), at):
                at = html.index(">", at) + 1
                continue
            closed = _COMMENT_END.search(html, at + 4)
            at = len(html) if closed is None else closed.end()
            continue
        if text in ("<!", "<?", "</"):  # a doctype or a bogus comment, to the first `>` (`</>`: nothing)
            bracket = html.find(">", at)
            at = len(html) if bracket < 0 else bracket + 1
            continue
        if text[0] != "<" or text == "<":  # text (a `<` that opens nothing is text too)
            if tables and tables[-1].fosters and text.strip(_WHITE):
                count += 1 + text.count("&") + text.count("\r") + text.count("\0")
            at = piece.end()
            continue
        closing = text[1] == "/"
        name_at = at + (2 if closing else 1)
        named = _NAME.match(html, name_at)
        assert named is not None  # it matches the empty string too
        raw_name = named.group()
        name = raw_name.lower() if raw_name.isascii() else raw_name
        rest = _TAG_END.match(html, name_at + len(raw_name))
        assert rest is not None
        end = rest.end()
        if '"' in rest.group() or "'" in rest.group():  # a quoted value may hold `>`
            whole = _QUOTED_TAG.match(html, at)
            assert whole is not None
            end = max(end, whole.end())
        at = end
        if closing:
            _close(tables, name)
            continue
        count += _open(tables, name)
        if name in _RAW_TEXT:
            at = _after_raw_text(html, at, name)
        elif name == "plaintext":
            break  # the rest is its text
    return count


def _open(tables: list[_Table], name: str) -> int:
    """Take a start tag in; how many nodes it may have a parser move out of a table."""
    table = tables[-1] if tables else None
    if name == "table":
        if table is not None and not table.in_cell and not table.uncertain:
            tables.pop()  # a table in a table (outside a cell) ends the first: they are siblings
        tables.append(_Table())
        return 0
    if table is None:
        return 0
    if name in _CELLS:
        table.in_cell = table.in_cell or not table.uncertain
        return 0
    if name in _STRUCTURE:
        table.in_cell = False
        return 0
    if not table.fosters or name in _IN_HEAD:
        return 0
    if name in _UNCERTAIN:
        table.uncertain = True
    return 1


def _close(tables: list[_Table], name: str) -> None:
    if not tables:
        return
    table = tables[-1]
    if name == "table" and not table.uncertain:
        tables.pop()
    elif name in _CELL_ENDS:
        table.in_cell = False


def _after_raw_text(html: str, at: int, name: str) -> int:
    """Where the raw text of `<name>` ends: after its end tag (no end tag: the body's end)."""
    end = re.compile(f"</{name}(?=[\t\n\f\r />]|$)", re.IGNORECASE | re.ASCII).search(html, at)
    return len(html) if end is None else end.start()
