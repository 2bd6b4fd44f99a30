"""`newsfeed import FILE`: backfill through `POST /v1/events/batch`, resumable.

FILE is NDJSON (one envelope per line) or a Ghost export (`db[0].data.posts`,
`tags`, `posts_tags`, `users`, `posts_authors`, optionally `posts_meta`), whose
published posts become `article.published` events (other posts are skipped).
After each batch the offset reached is written to a small JSON state file, so a
run that is interrupted continues where it stopped; event ids are deterministic,
so a batch sent twice is answered as duplicates, never written twice.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from newsfeed_publisher.ghost import envelope_from_post

__all__ = ["ImportSummary", "ghost_export_envelopes", "import_file", "read_envelopes"]


@dataclass
class ImportSummary:
    total: int = 0
    accepted: int = 0
    duplicate: int = 0
    refused: int = 0
    skipped: int = 0
    resumed_from: int = 0


def ghost_export_envelopes(export: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    """The envelopes of a Ghost export's published posts, oldest first, and how many posts were skipped."""
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
        event_id = f"ghost:import:{post['id']}:{post.get('updated_at')}"
        envelopes.append(envelope_from_post(joined, "article.published", event_id=event_id))
    envelopes.sort(key=lambda e: (str(e["data"].get("published_at")), e["subject"]))
    return envelopes, skipped


def read_envelopes(path: Path) -> tuple[list[Any], int]:
    """The items to post from FILE (a Ghost export or NDJSON), and the count of skipped posts."""
    raw = path.read_bytes()
    if raw.lstrip()[:1] == b"{":
        try:
            document = orjson.loads(raw)
        except orjson.JSONDecodeError:
            document = None
        if isinstance(document, dict) and "db" in document:
            return ghost_export_envelopes(document)
    return [orjson.loads(line) for line in raw.splitlines() if line.strip()], 0


def _load_state(state_file: Path, source: Path, size: int) -> dict[str, Any]:
    if state_file.exists():
        state = json.loads(state_file.read_text())
        if state.get("source") == str(source.resolve()) and state.get("size") == size:
            return dict(state)
    return {"source": str(source.resolve()), "size": size, "offset": 0, "summary": asdict(ImportSummary())}


def import_file(
    path: Path,
    base_url: str,
    token: str | None = None,
    batch_size: int = 500,
    progress: bool = True,
    state_file: Path | None = None,
) -> ImportSummary:
    """Post FILE's envelopes in batches; resume from `state_file` (default FILE + '.import-state')."""
    items, skipped = read_envelopes(path)
    state_file = state_file or path.with_name(path.name + ".import-state")
    state = _load_state(state_file, path, path.stat().st_size)
    summary = ImportSummary(**state["summary"])
    summary.total, summary.skipped, summary.resumed_from = len(items), skipped, state["offset"]
    headers = {"content-type": "application/x-ndjson"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    columns = (TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with (
        httpx.Client(base_url=base_url, timeout=60, headers=headers) as http,
        Progress(*columns, disable=not progress) as bar,
    ):
        task = bar.add_task("import", total=len(items), completed=state["offset"])
        for offset in range(state["offset"], len(items), batch_size):
            chunk = items[offset : offset + batch_size]
            response = http.post("/v1/events/batch", content=b"\n".join(orjson.dumps(item) for item in chunk))
            response.raise_for_status()
            result = response.json()
            summary.accepted += result["accepted"]
            summary.duplicate += result["duplicate"]
            summary.refused += result["refused"]
            state.update(offset=offset + len(chunk), summary=asdict(summary))
            state_file.write_text(json.dumps(state))
            bar.update(task, advance=len(chunk))
    return summary
