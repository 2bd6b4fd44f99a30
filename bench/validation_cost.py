"""What validating an event costs the publisher, and the share of it the HTML guards take.

    python -m bench.validation_cost
    # against an earlier revision of the models, in the same shell:
    git archive REV schemas | tar -x -C /tmp/old && PYTHONPATH=/tmp/old/schemas python -m bench.validation_cost

On `bench/corpus.py`'s articles (~5.9 KB envelopes), as they are and with a 120-row results
table appended to each body, it prints `parse_event` per event (best of 7 runs over 500
events). Compare two revisions by running them alternately, as above: the machine is noisy.
"""

from __future__ import annotations

import timeit
from collections.abc import Callable
from typing import Any

from bench.corpus import Corpus
from newsfeed_schemas.events import parse_event

_TABLE = (
    "<table>\n<thead><tr><th>Team</th><th>Points</th></tr></thead>\n<tbody>\n"
    + "".join(f"<tr><td>Team {i}</td><td>{i}</td></tr>\n" for i in range(120))
    + "</tbody></table>"
)


def _per_event_us(work: Callable[[], Any], events: int) -> float:
    return min(timeit.repeat(work, number=2, repeat=7)) / (2 * events) * 1e6


def main() -> None:
    events = list(Corpus().envelopes(500))
    with_table = [dict(e, data=dict(e["data"], html=e["data"]["html"] + _TABLE)) for e in events]
    for label, batch in (("corpus bodies", events), ("with a 120-row table", with_table)):
        spent = _per_event_us(lambda batch=batch: [parse_event(e) for e in batch], len(batch))
        print(f"{label}: parse_event {spent:.1f} µs an event")


if __name__ == "__main__":
    main()
