"""Which related lists a batch changes, and how: pure decisions, no I/O.

`RelatedProjector.prepare` reads what these need from Redis and records the result in a
`RelatedPlan`, which `RelatedProjector.write` turns into writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Ranked", "RelatedPlan", "lists_wanted"]

Ranked = list[tuple[str, float]]


@dataclass(slots=True)
class RelatedPlan:
    """The list edits of one batch, in order, and each changed list as it will stand."""

    keep: int
    ops: list[tuple[str, str, Any]] = field(default_factory=list)
    views: dict[str, dict[str, float]] = field(default_factory=dict)
    changed: dict[str, str] = field(default_factory=dict)
    gone: set[str] = field(default_factory=set)

    def replace(self, owner: str, ranked: Ranked, event_id: str) -> None:
        self.ops.append(("replace", owner, ranked))
        self.views[owner] = dict(ranked)
        self.changed[owner] = event_id

    def insert(self, owner: str, member: str, score: float, event_id: str) -> None:
        view = self.views[owner]
        view[member] = score
        if len(view) > self.keep:
            del view[min(view, key=lambda m: (view[m], m))]
        self.ops.append(("insert", owner, (member, score)))
        self.changed[owner] = event_id

    def drop(self, owner: str, event_id: str) -> None:
        self.ops.append(("drop", owner, None))
        self.views[owner] = {}
        self.changed[owner] = event_id


def lists_wanted(
    ranked: dict[str, Ranked], gone: set[str], live: Mapping[str, Any], edited: set[str]
) -> dict[str, tuple[float | None, list[str]]]:
    """The lists a batch needs: the taken-down articles' own, and each list a new article may
    enter, with the best score it must beat and the edited articles it may already hold."""
    wanted: dict[str, tuple[float | None, list[str]]] = {a: (None, []) for a in gone}
    for aid, best in ranked.items():
        for owner, score in best:
            if owner in live or (owner in wanted and wanted[owner][0] is None):
                continue
            threshold, members = wanted.get(owner, (score, []))
            wanted[owner] = (max(threshold or score, score), members + ([aid] if aid in edited else []))
    return wanted
