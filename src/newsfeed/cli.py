"""The `newsfeed` command: up, publisher, indexer, api."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn
from fastapi import FastAPI
from rich.console import Console

from newsfeed_runtime.logs import configure_logging

from .admin import dead_app, import_command, migrate_keys_command, reindex_command, settings_or_exit, stats_command
from .workspace import DEFAULT_DATA_DIR

__all__ = ["app"]

app = typer.Typer(help="newsfeed: CMS events in, News Feed and related articles out.", no_args_is_help=True)
console = Console(stderr=True, soft_wrap=True)  # a message is one line, even when it is longer than a terminal
app.add_typer(dead_app, name="dead")
app.command("reindex")(reindex_command)
app.command("import")(import_command)
app.command("stats")(stats_command)
app.command("migrate-keys")(migrate_keys_command)

Host = Annotated[str, typer.Option(help="Interface to listen on.")]
RedisUrl = Annotated[
    str | None, typer.Option("--redis-url", envvar="REDIS_URL", help="redis://, rediss:// or unix:// URL.")
]
Prefix = Annotated[
    str | None, typer.Option(envvar="NEWSFEED_PREFIX", help="Key and stream prefix (several sites per Redis).")
]
Token = Annotated[
    str | None,
    typer.Option("--publisher-token", envvar="NEWSFEED_PUBLISHER_TOKEN", help="Bearer token(s) for CMS calls."),
]
WebhookSecret = Annotated[
    str | None,
    typer.Option("--webhook-secret", envvar="NEWSFEED_WEBHOOK_SECRET", help="Standard Webhooks signing secret."),
]
GhostSecret = Annotated[
    str | None, typer.Option("--ghost-secret", envvar="NEWSFEED_GHOST_SECRET", help="Ghost's webhook secret.")
]
Consumer = Annotated[
    str | None, typer.Option(envvar="NEWSFEED_CONSUMER", help="Consumer name (default: host name + pid).")
]


def _given(**values: Any) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


def _serve(asgi: FastAPI, host: str, port: int, *, access_log: bool = True) -> None:
    config = uvicorn.Config(
        asgi, host=host, port=port, log_level="info", lifespan="on", timeout_graceful_shutdown=10, access_log=access_log
    )
    uvicorn.Server(config).run()


def _logging() -> None:
    configure_logging(logging.INFO)


@app.command()
def up(
    host: Host = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port of every HTTP route.")] = 8000,
    redis_url: RedisUrl = None,
    prefix: Prefix = None,
    publisher_token: Token = None,
    webhook_secret: WebhookSecret = None,
    ghost_secret: GhostSecret = None,
    data_dir: Annotated[Path, typer.Option(help="Where the embedded Redis keeps its data.")] = DEFAULT_DATA_DIR,
) -> None:
    """The whole system in one process, on an embedded Redis when REDIS_URL is unset (development mode)."""
    from newsfeed_api.settings import ApiSettings
    from newsfeed_indexer.settings import IndexerSettings
    from newsfeed_publisher.settings import PublisherSettings

    from .allinone import build_all_in_one_app
    from .embedded import EmbeddedRedis
    from .workspace import FolderInUse, Workspace

    _logging()
    workspace = Workspace(data_dir)
    try:
        workspace.acquire()
    except FolderInUse as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    embedded = None
    try:
        if redis_url is None:
            embedded = EmbeddedRedis(data_dir / "redis")
            embedded.start()
            redis_url = embedded.url
            console.print(f"[green]embedded Redis[/] at {redis_url}, data in {embedded.data_dir}")
        common = _given(redis_url=redis_url, prefix=prefix)
        secrets = _given(publisher_token=publisher_token, webhook_secret=webhook_secret, ghost_secret=ghost_secret)
        publisher_settings = settings_or_exit(PublisherSettings, **common, **secrets, dev=True)
        indexer_settings = settings_or_exit(IndexerSettings, **common)
        api_settings = settings_or_exit(ApiSettings, **common)
        base = f"http://{f'[{host}]' if ':' in host else host}:{port}"  # an IPv6 address goes in brackets
        workspace.record(redis_url, indexer_settings.prefix, base)
        if not publisher_settings.has_credentials():
            console.print(
                "[yellow]development mode:[/] the publisher accepts events without a credential; "
                "set NEWSFEED_PUBLISHER_TOKEN to require one"
            )
        console.print(f"CMS events:  POST {base}/v1/events   (batch: {base}/v1/events/batch)")
        console.print(f"News Feed:   {base}/   JSON: {base}/v1/feed   stats: {base}/v1/stats")
        _serve(build_all_in_one_app(publisher_settings, indexer_settings, api_settings), host, port)
    finally:
        if embedded is not None:
            embedded.stop()
        workspace.release()


@app.command()
def publisher(
    host: Host = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    redis_url: RedisUrl = None,
    prefix: Prefix = None,
    publisher_token: Token = None,
    webhook_secret: WebhookSecret = None,
    ghost_secret: GhostSecret = None,
    dev: Annotated[
        bool, typer.Option("--dev", envvar="NEWSFEED_DEV", help="Run without any credential (development only).")
    ] = False,
) -> None:
    """The CMS-facing HTTP service (refuses to start without a token or secret, unless --dev)."""
    from newsfeed_publisher.app import InsecureSettings, build_app
    from newsfeed_publisher.settings import PublisherSettings

    _logging()
    settings = settings_or_exit(
        PublisherSettings,
        **_given(
            redis_url=redis_url,
            prefix=prefix,
            publisher_token=publisher_token,
            webhook_secret=webhook_secret,
            ghost_secret=ghost_secret,
        ),
        dev=dev,
    )
    try:
        asgi = build_app(settings)
    except InsecureSettings as exc:
        console.print(f"[red]refusing to start:[/] {exc}")
        raise typer.Exit(2) from None
    _serve(asgi, host, port)


@app.command()
def indexer(
    host: Host = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Health and metrics port (0: any free port).")] = 8002,
    redis_url: RedisUrl = None,
    prefix: Prefix = None,
    consumer: Consumer = None,
    sites: Annotated[
        str | None,
        typer.Option(envvar="NEWSFEED_SITES", help="Comma-separated prefixes: index several sites in this process."),
    ] = None,
) -> None:
    """One replica of the `indexer` consumer group (of each site it serves)."""
    from newsfeed_indexer.app import build_app
    from newsfeed_indexer.settings import IndexerSettings

    _logging()
    settings = settings_or_exit(
        IndexerSettings, **_given(redis_url=redis_url, prefix=prefix, consumer=consumer, sites=sites)
    )
    served = settings.site_prefixes()
    console.print(f"indexer consumer {settings.consumer} (pid {os.getpid()}) of {', '.join(served)}")
    _serve(build_app(settings), host, port)


@app.command()
def api(
    host: Host = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8001,
    redis_url: RedisUrl = None,
    prefix: Prefix = None,
    access_log: Annotated[
        bool, typer.Option(envvar="NEWSFEED_ACCESS_LOG", help="Log every request (off: the CDN in front logs them).")
    ] = False,
) -> None:
    """The read API and the News Feed pages."""
    from newsfeed_api.app import build_app
    from newsfeed_api.settings import ApiSettings

    from .specs import asyncapi_document

    _logging()
    settings = settings_or_exit(ApiSettings, **_given(redis_url=redis_url, prefix=prefix))
    _serve(build_app(settings, asyncapi_document(settings.prefix)), host, port, access_log=access_log)
