"""Reading time the way Ghost computes it, so themes show the same "N min read".

275 words a minute; images add 12 s for the first, one second less for each
next, never under 3 s; the feature image counts as an image; rounded to whole
minutes and shown as at least 1.
"""

from __future__ import annotations

from .text import count_images, plain_text, words

__all__ = ["WORDS_PER_MINUTE", "image_seconds", "reading_time_minutes"]

WORDS_PER_MINUTE = 275
_FIRST_IMAGE_SECONDS = 12
_MIN_IMAGE_SECONDS = 3


def image_seconds(image_count: int) -> int:
    """Seconds added for `image_count` images (12, 11, 10, ... floored at 3)."""
    return sum(max(_FIRST_IMAGE_SECONDS - i, _MIN_IMAGE_SECONDS) for i in range(image_count))


def reading_time_minutes(*, html: str | None, text: str | None, has_feature_image: bool) -> int:
    """Whole minutes, at least 1. `text` is used when there is no `html`."""
    body = plain_text(html) if html else (text or "")
    images = (count_images(html) if html else 0) + (1 if has_feature_image else 0)
    seconds = len(words(body)) * 60 / WORDS_PER_MINUTE + image_seconds(images)
    return max(1, _round_half_up(seconds / 60))


def _round_half_up(value: float) -> int:
    """JavaScript's Math.round for non-negative values (Python's round() is banker's)."""
    return int(value + 0.5)
