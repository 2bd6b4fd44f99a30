"""Reading time the way Ghost computes it, so themes show the same "N min read".

275 words a minute; images add 12 s for the first, one second less for each
next, never under 3 s; the feature image counts as an image; rounded to whole
minutes (half up, like JavaScript's Math.round) and shown as at least 1.

Words are what white space separates, except in Chinese and Japanese, which do not put spaces
between words: there each Han character or kana counts as a word, as Ghost counts Han
characters (a 6,000-character Chinese article reads in about 20 minutes, not 1).
"""

from __future__ import annotations

import re

__all__ = ["WORDS_PER_MINUTE", "count_words", "image_seconds", "reading_time_minutes"]

WORDS_PER_MINUTE = 275
_FIRST_IMAGE_SECONDS = 12
_MIN_IMAGE_SECONDS = 3
_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
"""Kana and Han ideographs: each one a word."""


def count_words(text: str) -> int:
    """The words of visible text (see the module's docstring)."""
    characters = len(_CJK.findall(text))
    if not characters:
        return len(text.split())
    # what is left between them: Latin words, numbers; not the punctuation ("。") they leave
    return characters + sum(1 for token in _CJK.sub(" ", text).split() if any(c.isalnum() for c in token))


def image_seconds(image_count: int) -> int:
    """Seconds added for `image_count` images (12, 11, 10, ... floored at 3)."""
    if image_count <= 0:
        return 0
    return sum(max(_FIRST_IMAGE_SECONDS - i, _MIN_IMAGE_SECONDS) for i in range(image_count))


def reading_time_minutes(*, words: int, images: int) -> int:
    """Whole minutes, at least 1."""
    seconds = words * 60 / WORDS_PER_MINUTE + image_seconds(images)
    return max(1, int(seconds / 60 + 0.5))
