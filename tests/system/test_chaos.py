"""A small chaos run (bench/chaos.py): indexers killed, Redis restarted, nothing lost or doubled,
and the read model, related lists included, equal to one replica reading in order.

Slow: deselected unless `-m slow` (`python -m bench.chaos` runs the full size)."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench.chaos import run_chaos


@pytest.mark.slow
@pytest.mark.timeout(600)
async def test_small_chaos_run_loses_and_doubles_nothing(tmp_path: Path) -> None:
    report = await run_chaos(
        2000,
        kill_every_s=0.5,
        concurrency=6,
        workdir=tmp_path,
        drain_timeout_s=300,
        batch_size=20,
        chaos_after_post_s=30,
    )
    assert report.kills >= 2 and report.redis_restarts == 1, report
    assert report.drained and report.lost == 0 and report.doubled == 0, report
    assert report.differences == [], report.differences[:10]
    assert report.related_differences == [], report.related_differences[:10]  # related lists too
