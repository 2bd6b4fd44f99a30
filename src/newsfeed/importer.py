"""`newsfeed import FILE`: backfill through `POST /v1/events/batch`, resumable.

FILE is NDJSON (one envelope per line) or a Ghost export (`db[0].data.posts`,
`tags`, `posts_tags`, `users`, `posts_authors`, optionally `posts_meta`), whose
published posts become `article.published` events (other posts are skipped).
NDJSON lines are sent as they are, so the publisher judges each one (a line that is
not JSON is refused on its own, the others go through). Every refused item is reported
with where it is in FILE and why. Requests stay under `max_request_bytes`.

After each batch the offset reached is written to a small JSON state file, so a run
that is interrupted continues where it stopped; event ids are deterministic, so a
batch sent twice is answered as duplicates, never written twice. A publisher that
answers 503 is retried (as its Retry-After says); one that cannot be reached, or
refuses the credentials, stops the import with `ImportFailed`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from newsfeed_publisher.ghost import envelope_from_post, ghost_event_id
from newsfeed_publisher.validation import BOM

__all__ = [
    "ImportFailed",
    "ImportItem",
    "ImportSummary",
    "Refusal",
    "ghost_export_envelopes",
    "import_file",
    "read_items",
]


class ImportFailed(RuntimeError):
    """The import could not go on (publisher unreachable, credentials refused, Redis down too long)."""


@dataclass(frozen=True, slots=True)
class ImportItem:
    """One item to post: where it is in FILE (`line 12`, `post 5f3a… "Title"`) and its JSON."""

    where: str
    body: bytes


@dataclass(frozen=True, slots=True)
class Refusal:
    where: str
    status: int
    reason: str


@dataclass
class ImportSummary:
    total: int = 0
    accepted: int = 0
    duplicate: int = 0
    refused: int = 0
    skipped: int = 0
    resumed_from: int = 0
    refusals: list[Refusal] = field(default_factory=list)


GHOST_URL = b"__GHOST_URL__"
"""How a Ghost export writes its site's own address (its images, its avatars, its links)."""


def ghost_export_envelopes(export: dict[str, Any], ghost_url: str | None = None) -> tuple[list[dict[str, Any]], int]:
    """The envelopes of a Ghost export's published posts, oldest first, and how many posts were
    skipped. With `ghost_url`, a post without a `url` gets Ghost's default one (`{ghost_url}/{slug}/`)."""
    data = export["db"][0]["data"]
    tags = {t["id"]: t for t in data.get("tags", [])}
    users = {u["id"]: u for u in data.get("users", [])}
    meta = {m["post_id"]: m for m in data.get("posts_meta", [])}
    post_tags: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for row in data.get("posts_tags", []):
        if row["tag_id"] in tags:
            post_tags[row["post_id"]].append((row.get("sort_order", 0), tags[row["tag_id"]]))
    post_authors: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for row in data.get("posts_authors", []):
        if row["author_id"] in users:
            post_authors[row["post_id"]].append((row.get("sort_order", 0), users[row["author_id"]]))
    envelopes, skipped = [], 0
    for post in data.get("posts", []):
        if post.get("type", "post") != "post" or post.get("status") != "published":
            skipped += 1
            continue
        joined = {
            **post,
            **{k: v for k, v in meta.get(post["id"], {}).items() if k.startswith("feature_image")},
            "tags": [tag for _, tag in sorted(post_tags[post["id"]], key=lambda pair: pair[0])],
            "authors": [user for _, user in sorted(post_authors[post["id"]], key=lambda pair: pair[0])],
        }
        if ghost_url and not joined.get("url") and joined.get("slug"):
            joined["url"] = f"{ghost_url}/{joined['slug']}/"
        event_id = ghost_event_id("import", post)
        envelopes.append(envelope_from_post(joined, "article.published", event_id=event_id))
    envelopes.sort(key=lambda e: (str(e["data"].get("published_at")), e["subject"]))
    return envelopes, skipped


def read_items(path: Path, ghost_url: str | None = None) -> tuple[list[ImportItem], int]:
    """The items to post from FILE (a Ghost export, a JSON array of envelopes or NDJSON), and the
    count of skipped posts. A Ghost export that writes its address as `__GHOST_URL__` needs
    `ghost_url` (the Ghost site's address), which takes its place."""
    raw = path.read_bytes().removeprefix(BOM)
    if raw.lstrip()[:1] == b"{":
        try:
            document = orjson.loads(raw)
        except orjson.JSONDecodeError:
            document = None
        if isinstance(document, dict) and "db" in document:
            site = ghost_url.rstrip("/") if ghost_url else None
            if site and not site.startswith(("https://", "http://")):
                raise ImportFailed(f"--ghost-url must be the Ghost site's http:// or https:// address, not {site!r}")
            if GHOST_URL in raw:
                if not site:
                    raise ImportFailed(
                        f"{path} writes its Ghost site's address as __GHOST_URL__ (its images, avatars and links):"
                        " give that address with --ghost-url https://your-ghost-site"
                    )
                document = orjson.loads(raw.replace(GHOST_URL, orjson.dumps(site)[1:-1]))
            try:
                envelopes, skipped = ghost_export_envelopes(document, site)
            except (KeyError, IndexError, TypeError, AttributeError) as exc:
                raise ImportFailed(f"{path} has a 'db' but is no Ghost export ({type(exc).__name__}: {exc})") from None
            items = [ImportItem(_post_name(envelope), orjson.dumps(envelope)) for envelope in envelopes]
            return items, skipped
    if raw.lstrip()[:1] == b"[":  # a JSON array of envelopes, as the batch endpoint takes
        try:
            array = orjson.loads(raw)
        except orjson.JSONDecodeError:
            array = None
        if isinstance(array, list):
            return [ImportItem(f"item {index}", orjson.dumps(item)) for index, item in enumerate(array)], 0
    lines = [(number, line) for number, line in enumerate(raw.splitlines(), start=1) if line.strip()]
    return [ImportItem(f"line {number}", line.strip()) for number, line in lines], 0


def _post_name(envelope: dict[str, Any]) -> str:
    title = str(envelope.get("data", {}).get("title") or "")[:60]
    return f"post {envelope.get('subject')} {title!r}"


def _load_state(state_file: Path, source: Path, digest: str, target: str, from_start: bool) -> dict[str, Any]:
    """Where an import of this very file into this very publisher stopped (the same path, content
    and URL), else the start. Importing the file into another site starts over; so does a
    progress file that cannot be read (the publisher answers what it already has as duplicates)."""
    fresh = {
        "source": str(source.resolve()),
        "sha256": digest,
        "target": target.rstrip("/"),
        "offset": 0,
        "summary": asdict(ImportSummary()),
    }
    if from_start:
        return fresh
    try:
        state = json.loads(state_file.read_text())
    except (OSError, ValueError):  # none yet, unreadable, or cut short
        return fresh
    if isinstance(state, dict) and all(state.get(k) == fresh[k] for k in ("source", "sha256", "target")):
        return state
    return fresh


def _save_state(state_file: Path, state: dict[str, Any]) -> bool:
    """Write the progress whole or not at all (a kill mid-write leaves the previous one); False
    when it cannot be written (a read-only folder, a pipe): the import goes on, not resumable."""
    partial = state_file.with_name(state_file.name + ".partial")
    try:
        partial.write_text(json.dumps(state))
        os.replace(partial, state_file)
    except OSError:
        return False
    return True


def _batch_at(items: list[ImportItem], start: int, max_items: int, max_bytes: int) -> list[ImportItem]:
    """The items from `start` on: at most `max_items` and about `max_bytes` bytes (at least one item)."""
    end, size = start, 0
    while end < len(items) and end - start < max_items:
        size += len(items[end].body) + 1
        if end > start and size > max_bytes:
            break
        end += 1
    return items[start:end]


_BATCH_LINE = re.compile(r"^line \d+ is ")
"""How the publisher names an item of the batch it was sent; the importer names the file's line instead."""


def _reason(result: dict[str, Any]) -> str:
    errors = result.get("errors") or []
    parts = [
        f"{'.'.join(map(str, e.get('loc', []))) or 'event'}: {_BATCH_LINE.sub('', str(e.get('msg')))}"
        for e in errors[:5]
    ]
    return "; ".join(parts) or "refused"


def _post(http: httpx.Client, batch: list[ImportItem], sleep: Callable[[float], None]) -> dict[str, Any]:
    """POST one batch; retries while the publisher answers 503, fails on anything it cannot fix."""
    body = b"\n".join(item.body for item in batch)
    for attempt in range(6):
        try:
            response = http.post("/v1/events/batch", content=body)
        except httpx.HTTPError as exc:
            raise ImportFailed(f"cannot reach the publisher at {http.base_url}: {exc}") from None
        if response.status_code == 503 and attempt < 5:
            sleep(min(float(response.headers.get("retry-after", "2") or 2), 30.0))
            continue
        if response.status_code == 413:
            if len(batch) > 1:
                raise _RequestTooLarge
            return _too_large(f"too large for the publisher: {response.text[:200]}")
        if response.status_code != 200:
            detail = response.text[:300]
            if response.status_code == 401:
                detail += " (set NEWSFEED_PUBLISHER_TOKEN or --token)"
            raise ImportFailed(f"the publisher answered {response.status_code}: {detail}")
        return dict(response.json())
    raise ImportFailed("the publisher kept answering 503")


def _too_large(message: str) -> dict[str, Any]:
    """The batch answer for one item refused as too large (413), sent alone or not at all."""
    error = {"loc": [], "msg": message, "type": "too_large"}
    return {"accepted": 0, "duplicate": 0, "refused": 1, "results": [{"index": 0, "status": 413, "errors": [error]}]}


class _RequestTooLarge(Exception):
    """The publisher (or a proxy before it) takes smaller requests than this batch."""


def import_file(
    path: Path,
    base_url: str,
    token: str | None = None,
    batch_size: int = 500,
    progress: bool = True,
    state_file: Path | None = None,
    max_request_bytes: int = 8 * 1024 * 1024,
    sleep: Callable[[float], None] = time.sleep,
    ghost_url: str | None = None,
    from_start: bool = False,
    warn: Callable[[str], None] = lambda _: None,
) -> ImportSummary:
    """Post FILE's items in batches; resume from `state_file` (default FILE + '.import-state')
    when this file was being imported into this publisher, unless `from_start`."""
    items, skipped = read_items(path, ghost_url)
    state_file = state_file or path.with_name(path.name + ".import-state")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    state = _load_state(state_file, path, digest, base_url, from_start)
    saving = True
    saved = dict(state["summary"])
    saved["refusals"] = [Refusal(**r) for r in saved.get("refusals", [])]
    summary = ImportSummary(**saved)
    summary.total, summary.skipped, summary.resumed_from = len(items), skipped, state["offset"]
    headers = {"content-type": "application/x-ndjson"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    columns = (TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    offset = state["offset"]
    with (
        httpx.Client(base_url=base_url, timeout=120, headers=headers) as http,
        Progress(*columns, disable=not progress, console=Console(stderr=True)) as bar,
    ):
        task = bar.add_task("import", total=len(items), completed=offset)
        request_bytes = max_request_bytes  # lowered when a publisher or proxy takes less
        while offset < len(items):
            batch = _batch_at(items, offset, batch_size, request_bytes)
            if len(batch[0].body) + 1 > max_request_bytes:  # alone in its batch: too large to send
                result = _too_large(
                    f"the item is {len(batch[0].body)} bytes; a request holds at most {max_request_bytes}"
                )
            else:
                try:
                    result = _post(http, batch, sleep)
                except _RequestTooLarge:  # a lower limit on the way (the publisher's, a proxy's): halve
                    batch_size = max(1, len(batch) // 2)
                    request_bytes = max(1, sum(len(item.body) + 1 for item in batch) // 2)
                    continue
            summary.accepted += result["accepted"]
            summary.duplicate += result["duplicate"]
            summary.refused += result["refused"]
            summary.refusals += [
                Refusal(batch[r["index"]].where, r["status"], _reason(r))
                for r in result["results"]
                if r["status"] >= 400
            ]
            offset += len(batch)
            state.update(offset=offset, summary=asdict(summary))
            if saving and not _save_state(state_file, state):
                saving = False
                warn(f"cannot save the progress to {state_file}: this import cannot be resumed")
            bar.update(task, advance=len(batch))
    return summary
