"""What a text field keeps: the characters a reader can be shown.

A CMS's text now and then carries characters no page, feed or email can show: control
characters pasted from a word processor (a vertical tab for a soft line break, a backspace),
a NUL, or a Unicode noncharacter such as U+FFFE. Browsers draw them as boxes and XML cannot
carry them at all. They mean nothing to a reader, so validation leaves them out instead of
refusing a whole article for an invisible character. Format characters (zero-width joiners,
direction marks) are kept: scripts need them.

A line break written as a control (vertical tab, form feed, U+0085) becomes a line feed, so the
words on either side stay apart. A one-line field (a title, a name, an image's alt text) has
each run of line breaks and tabs read as one space, since a headline is shown on one line
wherever it appears.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["readable", "shows_anything"]

_UNSHOWABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]+")
"""C0 and C1 controls but tab, line feed and carriage return; DEL; the noncharacters of the Basic
Multilingual Plane (XML carries the other planes' noncharacters, and they are vanishingly rare)."""
_LINE_BREAKS = re.compile("[\t\n\r\x0b\x0c\x85\u2028\u2029]+")
_CONTROL_BREAKS = re.compile("[\x0b\x0c\x85]")
"""Vertical tab (a word processor's soft line break), form feed, next line: controls that break lines."""
# The same for ASCII text in one pass of bytes.translate: a megabyte body costs milliseconds, not
# the tenth of a second a regular expression takes over it.
_ASCII_BREAKS = bytes.maketrans(b"\x0b\x0c", b"\n\n")
_ASCII_UNSHOWABLE = bytes(range(0x00, 0x09)) + bytes(range(0x0E, 0x20)) + b"\x7f"


_BLANK_CATEGORIES = frozenset({"Cf", "Mn", "Zs", "Zl", "Zp", "Cc"})
"""Format characters, combining marks with nothing to sit on, spaces and separators, controls."""
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
"""Letters and symbols that draw nothing: the Hangul fillers and the blank Braille pattern."""
_DRAWN = frozenset("\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u0890\u0891\u08e2\U000110bd\U000110cd")
"""Format characters that do draw: the prepended concatenation marks (the Arabic end of ayah,
number signs)."""


def _ignored(c: str) -> bool:
    """Unassigned code points a renderer must draw as nothing (Default_Ignorable_Code_Point), and
    the noncharacters of the other planes."""
    point = ord(c)
    return point == 0x2065 or 0xFFF0 <= point <= 0xFFF8 or 0xE0000 <= point <= 0xE0FFF or point & 0xFFFE == 0xFFFE


def shows_anything(value: str) -> bool:
    """Whether `value` draws at least one glyph: not only spaces, zero-width and direction marks,
    soft hyphens, joiners, tag characters, variation selectors, lone combining marks or fillers."""
    return any(
        c in _DRAWN
        or (c not in _BLANK_LETTERS and unicodedata.category(c) not in _BLANK_CATEGORIES and not _ignored(c))
        for c in value
    )


def readable(value: str, *, one_line: bool) -> str:
    """`value` without the characters a reader cannot be shown (and, for a one-line field, with
    each run of line breaks and tabs read as one space), stripped of surrounding white space."""
    if not one_line and value.isascii():
        return value.encode().translate(_ASCII_BREAKS, _ASCII_UNSHOWABLE).decode().strip()
    value = _LINE_BREAKS.sub(" ", value) if one_line else _CONTROL_BREAKS.sub("\n", value)
    return _UNSHOWABLE.sub("", value).strip()
