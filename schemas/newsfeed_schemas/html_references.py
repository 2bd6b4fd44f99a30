"""How much work the character references (`&`) of an HTML body give a sanitiser, bounded.

The HTML5 tokenizer behind the sanitiser (html5ever, in nh3) appends each character reference
to the text node it is in, and each append costs about the length of that node: a body whose
text is one long run full of `&` (`&amp;` a million times, or bare `&`) takes time that grows
with (references x length). A megabyte of `&` takes 7 s on two cores, over the indexer's
content budget, while the same megabyte in paragraphs takes milliseconds.

The bound takes the worst case (every reference in one text node as long as the body), so it
never lets through what could be slow: at most `REFERENCE_WORK` (references x characters). A body of
up to 316,000 characters is never refused; a body of a million characters may hold 100,000
references, some 0.7 s of sanitising at worst here, against a budget of 5 s. Real articles hold
a few references per paragraph.
"""

from __future__ import annotations

__all__ = ["REFERENCE_WORK", "references_allowed", "too_many_references"]

REFERENCE_WORK = 10**11


def references_allowed(length: int) -> int:
    """The most `&` a body of `length` characters may hold."""
    return REFERENCE_WORK // max(length, 1)


def too_many_references(html: str) -> int | None:
    """The number of `&` in `html` when over what its length allows, else None."""
    if len(html) * len(html) <= REFERENCE_WORK:  # cannot be over, whatever it holds
        return None
    found = html.count("&")
    return found if found > references_allowed(len(html)) else None
