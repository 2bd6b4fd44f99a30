"""Operator commands: `newsfeed dead list|replay`, `newsfeed reindex`, `newsfeed import`.

Imports of the services sit inside the commands, so `newsfeed --help` starts fast.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

__all__ = ["dead_app", "import_command", "reindex_command"]

T = TypeVar("T")
console = Console(stderr=True)
dead_app = typer.Typer(help="Inspect and re-drive events in the dead-letter stream.", no_args_is_help=True)

RedisUrl = Annotated[str | None, typer.Option("--redis-url", envvar="REDIS_URL")]
Prefix = Annotated[str | None, typer.Option(envvar="NEWSFEED_PREFIX")]


def _run(redis_url: str | None, prefix: str | None, work: Callable[[Any, Any, Any], Awaitable[T]]) -> T:
    """Run `work(redis, keys, settings)` against the configured Redis."""
    from newsfeed_indexer.settings import IndexerSettings
    from newsfeed_readmodel.keys import Keys
    from newsfeed_runtime.redis import connect

    given: dict[str, Any] = {k: v for k, v in (("redis_url", redis_url), ("prefix", prefix)) if v is not None}
    settings = IndexerSettings(**given)

    async def main() -> T:
        redis = connect(settings.redis_url)
        try:
            return await work(redis, Keys(settings.prefix), settings)
        finally:
            await redis.aclose()

    return asyncio.run(main())


@dead_app.command("list")
def dead_list(
    redis_url: RedisUrl = None,
    prefix: Prefix = None,
    count: Annotated[int, typer.Option(help="At most this many, oldest first.")] = 100,
) -> None:
    """Print dead letters as JSON lines: id, source entry, error, type, subject, payload."""
    from newsfeed_readmodel.dead_letters import list_dead

    letters = _run(redis_url, prefix, lambda redis, keys, _: list_dead(redis, keys, count))
    for letter in letters:
        typer.echo(json.dumps(letter.as_dict(), ensure_ascii=False, default=str))
    console.print(f"{len(letters)} dead letter(s)")


@dead_app.command("replay")
def dead_replay(
    ids: Annotated[list[str] | None, typer.Argument(help="Dead-letter ids; none: all of them.")] = None,
    redis_url: RedisUrl = None,
    prefix: Prefix = None,
) -> None:
    """Append dead letters to the articles stream again and remove them from the dead-letter stream."""
    from newsfeed_readmodel.dead_letters import replay_dead

    replayed = _run(redis_url, prefix, lambda redis, keys, _: replay_dead(redis, keys, ids or None))
    console.print(f"replayed {replayed} event(s)")


def reindex_command(
    related: Annotated[bool, typer.Option("--related", help="Recompute every related list too.")] = False,
    redis_url: RedisUrl = None,
    prefix: Prefix = None,
) -> None:
    """Rebuild the feeds (and related lists) from the stored articles into fresh keys and switch atomically."""
    from newsfeed_readmodel.reindex import reindex

    bars = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=console
    )

    def stage(label: str) -> Callable[[int, int], None]:
        task = bars.add_task(label, total=None)
        return lambda done, total: bars.update(task, completed=done, total=total)

    async def work(redis: Any, keys: Any, settings: Any) -> Any:
        config = settings.related_config() if related else None
        return await reindex(redis, keys, related=config, changes_maxlen=settings.changes_maxlen, progress=stage)

    with bars:
        result = _run(redis_url, prefix, work)
    console.print(f"rebuilt the feeds of {result.live_articles} live article(s)")
    if result.related_lists is not None:
        console.print(f"recomputed the related lists of {result.related_lists} article(s)")


def import_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="NDJSON envelopes or a Ghost export.")],
    url: Annotated[str, typer.Option(help="The publisher's base URL.")] = "http://127.0.0.1:8000",
    token: Annotated[str | None, typer.Option(envvar="NEWSFEED_PUBLISHER_TOKEN")] = None,
    batch_size: Annotated[int, typer.Option(min=1, max=5000)] = 500,
) -> None:
    """Backfill: post a file through the batch endpoint, resumable after an interruption."""
    from .importer import import_file

    summary = import_file(file, url, token=token, batch_size=batch_size)
    console.print(
        f"accepted {summary.accepted}, duplicate {summary.duplicate}, refused {summary.refused}"
        f" (of {summary.total}; {summary.skipped} skipped; resumed from {summary.resumed_from})"
    )
