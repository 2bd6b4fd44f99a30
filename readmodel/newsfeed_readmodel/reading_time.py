"""Reading time the way Ghost computes it, so themes show the same "N min read".

275 words a minute; images add 12 s for the first, one second less for each
next, never under 3 s; the feature image counts as an image; rounded to whole
minutes (half up, like JavaScript's Math.round) and shown as at least 1.
"""

from __future__ import annotations

__all__ = ["WORDS_PER_MINUTE", "image_seconds", "reading_time_minutes"]

WORDS_PER_MINUTE = 275
_FIRST_IMAGE_SECONDS = 12
_MIN_IMAGE_SECONDS = 3


def image_seconds(image_count: int) -> int:
    """Seconds added for `image_count` images (12, 11, 10, ... floored at 3)."""
    if image_count <= 0:
        return 0
    return sum(max(_FIRST_IMAGE_SECONDS - i, _MIN_IMAGE_SECONDS) for i in range(image_count))


def reading_time_minutes(*, words: int, images: int) -> int:
    """Whole minutes, at least 1."""
    seconds = words * 60 / WORDS_PER_MINUTE + image_seconds(images)
    return max(1, int(seconds / 60 + 0.5))
