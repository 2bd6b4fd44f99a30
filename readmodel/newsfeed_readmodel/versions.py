"""Revision fencing: which of two events about one article wins.

Events of one article are ordered by `(revision, rank, event_id)`; the larger
wins whatever order they arrive in, so replicas that see a shuffled, duplicated
log converge. A delete is terminal: once an article is deleted nothing brings it
back, so a late update can never resurrect it.
"""

from __future__ import annotations

from typing import NamedTuple

from newsfeed_schemas.events import EventType

__all__ = ["Version", "is_newer", "version_of"]

# At one revision, taking an article down wins over (re)publishing it.
_RANK = {
    EventType.PUBLISHED: 0,
    EventType.UPDATED: 0,
    EventType.UNPUBLISHED: 1,
    EventType.DELETED: 2,
}


class Version(NamedTuple):
    revision: int
    rank: int
    event_id: str


def version_of(event_type: EventType, revision: int | None, event_id: str) -> Version:
    """The version an event would give its article. A delete with no revision sorts last."""
    if revision is None:
        revision = 0
    return Version(revision, _RANK[event_type], event_id)


def is_newer(stored: Version | None, incoming: Version, *, stored_is_deleted: bool) -> bool:
    """True when `incoming` must replace what is stored."""
    if stored_is_deleted:
        return False
    if incoming.rank == _RANK[EventType.DELETED]:
        return True
    return stored is None or incoming > stored
