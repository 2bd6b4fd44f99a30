"""Run every benchmark scenario on a private redis-server and print the figures.

    python -m bench.run            # full run (~15 min on 2 cores)
    python -m bench.run --quick    # smoke run (< 2 min), used by CI
    python -m bench.run --only ingest,indexing

Each scenario compares newsfeed against baselines measured in the same run, so
the ratios hold on a noisy machine; absolute figures move from run to run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.scenarios_freshness import run_freshness
from bench.scenarios_indexing import run_indexing
from bench.scenarios_ingest import run_ingest
from bench.scenarios_reading import run_reading
from newsfeed.embedded import EmbeddedRedis

SIZES = {
    "quick": {"single": 2000, "steady_s": 2, "batches": 6, "index": 5000, "fs": 1000, "related": 1000,
              "backlog": 1000, "fresh_s": 2, "reads": 1000},
    "full": {"single": 20000, "steady_s": 10, "batches": 40, "index": 100_000, "fs": 5000, "related": 20000,
             "backlog": 10_000, "fresh_s": 10, "reads": 10_000},
}  # fmt: skip


async def main(sizes: dict[str, Any], only: set[str]) -> dict[str, Any]:
    results: dict[str, Any] = {"machine": f"{platform.machine()}, {platform.python_version()}"}
    with tempfile.TemporaryDirectory() as data:
        redis = EmbeddedRedis(Path(data), appendfsync="everysec")
        redis.start()
        try:
            if "ingest" in only:
                results["1. ingest"] = await run_ingest(
                    redis.url, redis.port, single=sizes["single"], steady_s=sizes["steady_s"], batches=sizes["batches"]
                )
            if "indexing" in only:
                results["2. indexing"] = await run_indexing(
                    redis.url, sizes["index"], sizes["fs"], related_count=sizes["related"]
                )
            if "freshness" in only:
                results["3. freshness, feed only"] = await run_freshness(
                    redis.url,
                    backlog=sizes["backlog"],
                    seconds=sizes["fresh_s"],
                    rates=(500, 1000),
                    related=False,
                    prefix="freshfeed",
                )
                results["3. freshness, feed + related"] = await run_freshness(
                    redis.url, backlog=sizes["backlog"], seconds=sizes["fresh_s"], rates=(100, 250, 500, 1000)
                )
            if "reading" in only:
                results["5. reading"] = await run_reading(redis.url, "fresh", requests=sizes["reads"])
        finally:
            redis.stop()
    return results


def _print(results: dict[str, Any]) -> None:
    for scenario, figures in results.items():
        if not isinstance(figures, dict):
            print(f"{scenario}: {figures}")
            continue
        print(f"\n## {scenario}")
        for label, values in figures.items():
            print(f"- {label}: {json.dumps(values)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default="ingest,indexing,freshness,reading")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    started = time.perf_counter()
    figures = asyncio.run(main(SIZES["quick" if args.quick else "full"], set(args.only.split(","))))
    figures["seconds"] = round(time.perf_counter() - started)
    _print(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
