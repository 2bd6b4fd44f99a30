"""Plain text out of an article's HTML, for word counts, excerpts and terms.

Regular expressions rather than a full HTML parser: the CMS sends well-formed
fragments, and this runs for every indexed article (a parser costs ~10x more).
"""

from __future__ import annotations

import html as html_lib
import re
from typing import NamedTuple

__all__ = ["Body", "body_of", "plain_text"]

_INVISIBLE = re.compile(r"<(script|style|template)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"""<(?:[^>"']|"[^"]*"|'[^']*')*>""")
_IMAGE = re.compile(r"<img\b", re.IGNORECASE)


class Body(NamedTuple):
    text: str
    words: int
    images: int


def plain_text(html: str) -> str:
    """The visible text of an HTML fragment, entities decoded, white space folded."""
    visible = _TAG.sub(" ", _INVISIBLE.sub(" ", html))
    return " ".join(html_lib.unescape(visible).split())


def body_of(html: str | None, text: str | None) -> Body:
    """The article's readable body: from `html` when present, else `text`."""
    if html:
        shown = _INVISIBLE.sub(" ", html)
        images = len(_IMAGE.findall(shown))
        visible = " ".join(html_lib.unescape(_TAG.sub(" ", shown)).split())
    else:
        visible, images = " ".join((text or "").split()), 0
    return Body(visible, visible.count(" ") + 1 if visible else 0, images)
