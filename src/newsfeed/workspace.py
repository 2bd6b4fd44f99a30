"""The data folder of `newsfeed up` (default `./.newsfeed`): one `up` at a time, and where its Redis is.

`newsfeed up` holds an exclusive lock on `up.lock` for as long as it runs, so a second
`up` on the same folder stops at once with a clear message instead of sharing the data
file. It writes `up.json` (its pid, Redis URL and key prefix) so that operator commands
run in the same folder (`newsfeed dead`, `reindex`, `import`, `stats`) find its Redis
without being told; an explicit `REDIS_URL` always wins.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

__all__ = ["DEFAULT_DATA_DIR", "FolderInUse", "RunningUp", "Workspace", "find_running_up"]

DEFAULT_DATA_DIR = Path(".newsfeed")
_LOCK = "up.lock"
_RECORD = "up.json"


class FolderInUse(RuntimeError):
    def __init__(self, folder: Path, pid: str) -> None:
        super().__init__(
            f"another `newsfeed up` (pid {pid or 'unknown'}) is using {folder}; "
            "stop it first, or give this one its own --data-dir"
        )


@dataclass(frozen=True, slots=True)
class RunningUp:
    """What a running `newsfeed up` recorded about itself."""

    pid: int
    redis_url: str
    prefix: str
    http_url: str | None = None


class Workspace:
    """The locked data folder of one running `newsfeed up`."""

    def __init__(self, folder: Path = DEFAULT_DATA_DIR) -> None:
        self.folder = folder
        self._lock: IO[str] | None = None

    def acquire(self) -> None:
        """Take the folder, or raise `FolderInUse`."""
        self.folder.mkdir(parents=True, exist_ok=True)
        lock = (self.folder / _LOCK).open("a+")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip()
            lock.close()
            raise FolderInUse(self.folder, holder) from None
        lock.seek(0)
        lock.truncate()
        lock.write(str(os.getpid()))
        lock.flush()
        self._lock = lock

    def record(self, redis_url: str, prefix: str, http_url: str) -> None:
        """Tell operator commands where this `up` keeps its read model and where it listens."""
        record = {"pid": os.getpid(), "redis_url": redis_url, "prefix": prefix, "http_url": http_url}
        path = self.folder / _RECORD
        path.write_text(json.dumps(record))
        path.chmod(0o600)  # the URL may hold a password

    def release(self) -> None:
        (self.folder / _RECORD).unlink(missing_ok=True)
        if self._lock is not None:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None


def find_running_up(folder: Path = DEFAULT_DATA_DIR) -> RunningUp | None:
    """The `newsfeed up` running on `folder`, if one is (its record and a live lock holder)."""
    try:
        record: Any = json.loads((folder / _RECORD).read_text())
        http_url = record.get("http_url")
        running = RunningUp(int(record["pid"]), str(record["redis_url"]), str(record["prefix"]), http_url)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return running if _alive(running.pid) else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
