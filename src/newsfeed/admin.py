"""Operator commands: `newsfeed dead list|replay`, `newsfeed reindex`, `newsfeed import`.

Imports of the services sit inside the commands, so `newsfeed --help` starts fast.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import ValidationError
from redis.exceptions import RedisError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from .workspace import find_running_up

__all__ = ["dead_app", "import_command", "migrate_keys_command", "reindex_command", "stats_command"]

T = TypeVar("T")
console = Console(stderr=True, soft_wrap=True)  # a message is one line, even when it is longer than a terminal
dead_app = typer.Typer(help="Inspect and re-drive events in the dead-letter stream.", no_args_is_help=True)

RedisUrl = Annotated[str | None, typer.Option("--redis-url", envvar="REDIS_URL")]
Prefix = Annotated[str | None, typer.Option(envvar="NEWSFEED_PREFIX")]
_STREAM_ID = re.compile(r"[0-9]{1,20}-[0-9]{1,20}")  # a dead letter's id, as Redis gives it


SettingsT = TypeVar("SettingsT")


def _setting_name(factory: Callable[..., Any], loc: tuple[int | str, ...]) -> str:
    """The environment variable an operator sets (`NEWSFEED_SITE_URL`, `REDIS_READ_URL`), not the field's name."""
    if not loc:
        return "settings"
    field = getattr(factory, "model_fields", {}).get(loc[0])
    if field is None:  # already the alias, or not a field
        return ".".join(str(part) for part in loc)
    alias = field.validation_alias
    return alias if isinstance(alias, str) else f"NEWSFEED_{str(loc[0]).upper()}"


def settings_or_exit(factory: Callable[..., SettingsT], **values: Any) -> SettingsT:
    """Settings from flags and the environment, or one line per wrong setting and exit 2."""
    try:
        return factory(**values)
    except ValidationError as exc:
        for error in exc.errors():
            where = _setting_name(factory, error["loc"])
            message = str(error["msg"]).removeprefix("Value error, ")
            console.print(f"[red]refusing to start:[/] {where}: {message}")
        raise typer.Exit(2) from None


def _settings(redis_url: str | None, prefix: str | None) -> Any:
    """The settings to reach the read model: REDIS_URL when given, else the `newsfeed up` running here."""
    from newsfeed_indexer.settings import IndexerSettings
    from newsfeed_runtime.redis import redacted

    if redis_url is None and (running := find_running_up()) is not None:
        redis_url, prefix = running.redis_url, prefix or running.prefix
        console.print(f"using the Redis of `newsfeed up` (pid {running.pid}) at {redacted(redis_url)}")
    elif redis_url is None:
        console.print("no REDIS_URL given and no `newsfeed up` running in this folder: using the default Redis")
    given: dict[str, Any] = {k: v for k, v in (("redis_url", redis_url), ("prefix", prefix)) if v is not None}
    return settings_or_exit(IndexerSettings, **given)


def _run(redis_url: str | None, prefix: str | None, work: Callable[[Any, Any, Any], Awaitable[T]]) -> T:
    """Run `work(redis, keys, settings)` against the configured Redis; a Redis outage is one line and exit 2."""
    from newsfeed_readmodel.keys import Keys
    from newsfeed_runtime.redis import connect, is_outage, redacted

    settings = _settings(redis_url, prefix)
    # Whether REDIS_URL is a cluster is asked first; when that fails, the line below says why once.
    logging.getLogger("newsfeed.redis").setLevel(logging.ERROR)

    async def main() -> T:
        redis = connect(settings.redis_url, cluster=settings.cluster())
        try:
            return await work(redis, Keys(settings.prefix), settings)
        finally:
            await redis.aclose()

    try:
        return asyncio.run(main())
    except Exception as exc:
        where = redacted(settings.redis_url)
        if is_outage(exc):
            console.print(f"[red]Redis at {where} is unavailable:[/] {exc}")
        elif isinstance(exc, RedisError):  # a database that does not exist, an id Redis cannot read...
            console.print(f"[red]Redis at {where} refused the command:[/] {exc}")
        else:
            raise
        raise typer.Exit(2) from None


def stats_command(redis_url: RedisUrl = None, prefix: Prefix = None) -> None:
    """Print the pipeline's state as JSON: stream length, lag, pending, dead letters, articles, consumers."""
    from newsfeed_readmodel.stats import read_stats

    stats = _run(redis_url, prefix, lambda redis, keys, _: read_stats(redis, keys))
    typer.echo(json.dumps(stats, indent=2, default=str))


def migrate_keys_command(redis_url: RedisUrl = None, prefix: Prefix = None) -> None:
    """Move a site's keys written before hash tags (`newsfeed:...`) to `{newsfeed}:...`; stop the services first."""
    from newsfeed_readmodel.migration import migrate_legacy_keys

    report = _run(redis_url, prefix, lambda redis, _, settings: migrate_legacy_keys(redis, settings.prefix))
    console.print(f"moved {report.moved} key(s)")
    for key in report.conflicts:
        console.print(f"[yellow]left in place (its new name exists):[/] {key}")
    if report.conflicts:
        raise typer.Exit(1)


@dead_app.command("list")
def dead_list(
    redis_url: RedisUrl = None,
    prefix: Prefix = None,
    count: Annotated[int, typer.Option(min=1, help="At most this many, oldest first.")] = 100,
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

    unreadable = [entry_id for entry_id in ids or [] if not _STREAM_ID.fullmatch(entry_id)]
    if unreadable:
        console.print(f"[red]not dead-letter ids[/] (like 1739817600000-0): {', '.join(unreadable)[:200]}")
        raise typer.Exit(2)
    wanted = list(dict.fromkeys(ids or []))
    replayed = _run(redis_url, prefix, lambda redis, keys, _: replay_dead(redis, keys, wanted or None))
    console.print(f"replayed {replayed} event(s)")
    if wanted and replayed < len(wanted):
        console.print(f"[yellow]{len(wanted) - replayed} of the {len(wanted)} ids given are no dead letters[/]")
        raise typer.Exit(1)


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
        config = settings.related_settings() if related else None
        return await reindex(
            redis, keys, related=config, changes_maxlen=settings.changes_maxlen, progress=stage, say=console.print
        )

    with bars:
        result = _run(redis_url, prefix, work)
    console.print(f"rebuilt the feeds of {result.live_articles} live article(s)")
    if result.related_lists is not None:
        console.print(f"recomputed the related lists of {result.related_lists} article(s)")


def import_command(
    file: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, help="NDJSON envelopes, a JSON array of them, or a Ghost export."),
    ],
    url: Annotated[
        str | None, typer.Option(help="The publisher's base URL (default: this folder's `newsfeed up`).")
    ] = None,
    token: Annotated[str | None, typer.Option(envvar="NEWSFEED_PUBLISHER_TOKEN")] = None,
    batch_size: Annotated[int, typer.Option(min=1, max=5000)] = 500,
    ghost_url: Annotated[
        str | None,
        typer.Option(help="A Ghost export's site address, for its __GHOST_URL__ (images, avatars, post links)."),
    ] = None,
    from_start: Annotated[
        bool, typer.Option(help="Post every item again, not only those after where the last import stopped.")
    ] = False,
) -> None:
    """Backfill: post a file through the batch endpoint, resumable. Exit 1 when items were refused, 2 on failure."""
    from .importer import ImportFailed, import_file

    running = find_running_up()
    base_url = url or (running.http_url if running else None) or "http://127.0.0.1:8000"
    try:
        summary = import_file(
            file,
            base_url,
            token=token,
            batch_size=batch_size,
            ghost_url=ghost_url,
            from_start=from_start,
            warn=lambda line: console.print(f"[yellow]{line}[/]"),
        )
    except ImportFailed as exc:
        console.print(f"[red]import stopped:[/] {exc} (run it again to resume)")
        raise typer.Exit(2) from None
    for refusal in summary.refusals:
        typer.echo(f"{refusal.where}: refused ({refusal.status}): {refusal.reason}")
    console.print(
        f"accepted {summary.accepted}, duplicate {summary.duplicate}, refused {summary.refused}"
        f" (of {summary.total}; {summary.skipped} skipped; resumed from {summary.resumed_from})"
    )
    if summary.refused:
        raise typer.Exit(1)
