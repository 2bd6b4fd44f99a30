"""Revision fencing decisions."""

from __future__ import annotations

import pytest

from newsfeed_readmodel.versions import Version, is_newer, version_of
from newsfeed_schemas.events import EventType

P, U, UN, D = EventType.PUBLISHED, EventType.UPDATED, EventType.UNPUBLISHED, EventType.DELETED


@pytest.mark.parametrize(
    ("stored", "incoming", "deleted", "applies"),
    [
        (None, version_of(P, 1, "e1"), False, True),  # first sight
        (version_of(P, 1, "e1"), version_of(U, 2, "e2"), False, True),  # newer revision
        (version_of(U, 3, "e3"), version_of(U, 2, "e2"), False, False),  # stale revision
        (version_of(P, 1, "e1"), version_of(P, 1, "e1"), False, False),  # duplicate delivery
        (version_of(P, 2, "e1"), version_of(UN, 2, "e2"), False, True),  # unpublish wins a tie
        (version_of(UN, 2, "e2"), version_of(P, 2, "e1"), False, False),
        (version_of(P, 2, "a"), version_of(U, 2, "b"), False, True),  # same revision: event id decides
        (version_of(U, 2, "b"), version_of(P, 2, "a"), False, False),
        (version_of(P, 9, "e"), version_of(D, None, "d"), False, True),  # delete always applies
        (version_of(D, 2, "d"), version_of(U, 5, "late"), True, False),  # tombstone: no resurrection
        (version_of(D, 2, "d"), version_of(D, 3, "d2"), True, False),
    ],
)
def test_is_newer(stored: Version | None, incoming: Version, deleted: bool, applies: bool) -> None:
    assert is_newer(stored, incoming, stored_is_deleted=deleted) is applies


def test_delete_without_revision_sorts_at_zero() -> None:
    assert version_of(D, None, "d") == Version(0, 2, "d")
