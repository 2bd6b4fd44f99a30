"""Keeping one related list exact when some articles change, without rescoring all the others.

An article A's list is the top `k` of all other live articles of its language scoring above
the floor, in `rank_key` order. Let t be the list's last entry when the list is full. Every
live article outside the list ranks below t (or scores at most the floor when it is not full).
When a set C of articles changes (published, edited, taken down), the articles outside both
the list and C keep their scores, so the new list is:

    the entries not in C, plus the articles of C that now rank at or above t,

provided that gives at least k entries; otherwise the k-th place may go to an article
outside the list, which only a full rescoring of A can find (`repaired` returns None). When
the list was not full, nothing outside it scores above the floor and the merge is complete.
`repaired` is therefore exact, and so are the lists the engine keeps, whatever the order
in which changes arrive: each equals the list computed from scratch.
"""

from __future__ import annotations

from collections.abc import Iterable

from .scoring import Entry, rank_key

__all__ = ["best", "enters", "repaired"]


def best(entries: Iterable[Entry], k: int, floor: int) -> list[Entry]:
    """The first `k` entries scoring above `floor`, in list order."""
    return sorted((e for e in entries if e[0] > floor), key=rank_key)[:k]


def enters(entry: Entry, old: list[Entry], k: int, floor: int) -> bool:
    """Would `entry` rank at or above the last place of `old` (score above `floor`, when not full)?"""
    if len(old) < k:
        return entry[0] > floor
    return rank_key(entry) <= rank_key(old[-1])


def repaired(old: list[Entry], k: int, floor: int, changed: set[str], fresh: Iterable[Entry]) -> list[Entry] | None:
    """A's new list after the articles `changed` changed, or None when A must be rescored.

    `fresh` holds the new scores with A of the changed articles still live that `enter` the
    old list (others may be omitted: they cannot rank in it).
    """
    kept = [e for e in old if e[1] not in changed]
    merged = best([*kept, *(e for e in fresh if enters(e, old, k, floor))], k, floor)
    if len(old) < k or len(merged) == k:
        return merged
    return None
