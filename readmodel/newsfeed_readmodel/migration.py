"""Moving a site's keys from the layout before hash tags (`newsfeed:articles`) to `{newsfeed}:articles`.

Since keys became hash-tagged (`keys.py`), a Redis that an earlier newsfeed wrote holds the
site under `prefix:` and the new code reads `{prefix}:`. `newsfeed migrate-keys` renames each
old key to its new name (RENAME keeps the value, its TTL, a stream's consumer groups and
pending entries), on a single Redis with the services stopped. It is idempotent: keys already
moved are not found again, and a key whose new name already exists is left in place and
reported, never overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from redis.asyncio import Redis

from newsfeed_schemas.streams import key_root

from .keys import legacy_root

__all__ = ["MigrationReport", "migrate_legacy_keys"]


@dataclass(slots=True)
class MigrationReport:
    moved: int = 0
    conflicts: list[str] = field(default_factory=list)  # old keys left in place: the new name exists


async def migrate_legacy_keys(redis: Redis, prefix: str) -> MigrationReport:
    """Rename every `prefix:...` key to `{prefix}:...` (one Redis, services stopped)."""
    report = MigrationReport()
    legacy = legacy_root(prefix)
    async for raw in redis.scan_iter(match=legacy + "*", count=1000):
        old = raw.decode() if isinstance(raw, bytes) else str(raw)
        new = key_root(prefix) + ":" + old[len(legacy) :]
        if await redis.renamenx(old, new):
            report.moved += 1
        else:
            report.conflicts.append(old)
    return report
