"""A lean HTTP/1.1 keep-alive load generator on asyncio streams.

httpx costs more CPU per request than the service under test on this 2-core
machine; this client writes prepared request bytes and reads just enough of
each response (status line, Content-Length, body) to time it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["LoadResult", "closed_loop", "open_loop", "percentile"]

RequestFactory = Callable[[int], bytes]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class LoadResult:
    requests: int = 0
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def summary(self) -> dict[str, float]:
        return {
            "requests": self.requests,
            "errors": self.errors,
            "rate_per_s": round(self.rate, 1),
            "p50_ms": round(percentile(self.latencies_ms, 0.50), 2),
            "p99_ms": round(percentile(self.latencies_ms, 0.99), 2),
        }


def request_bytes(method: str, path: str, body: bytes = b"", content_type: str = "application/json") -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: bench\r\n"
    if body or method == "POST":
        head += f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> _Connection:
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    async def send(self, raw: bytes) -> tuple[int, bytes]:
        self.writer.write(raw)
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        body = await self.reader.readexactly(length) if length else b""
        return status, body

    def close(self) -> None:
        self.writer.close()


async def closed_loop(port: int, make: RequestFactory, *, total: int, concurrency: int = 32) -> LoadResult:
    """`concurrency` clients each sending their next request as soon as the last is answered."""
    result = LoadResult()
    counter = iter(range(total))

    async def client() -> None:
        connection = await _Connection.open(port)
        try:
            for index in counter:
                started = time.perf_counter()
                status, _ = await connection.send(make(index))
                result.latencies_ms.append((time.perf_counter() - started) * 1000)
                result.statuses[status] = result.statuses.get(status, 0) + 1
                result.requests += 1
                result.errors += status >= 400
        finally:
            connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    result.seconds = time.perf_counter() - started
    return result


async def open_loop(
    port: int,
    make: RequestFactory,
    *,
    rate: float,
    seconds: float,
    connections: int = 32,
    on_response: Callable[[int, int, bytes, float], None] | None = None,
) -> LoadResult:
    """Requests started at a steady `rate` whatever the answers' speed (latency includes queueing)."""
    result = LoadResult()
    pool: asyncio.Queue[_Connection] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(await _Connection.open(port))
    total = int(rate * seconds)
    start = time.perf_counter()

    async def one(index: int, due: float) -> None:
        connection = await pool.get()
        try:
            status, body = await connection.send(make(index))
        finally:
            pool.put_nowait(connection)
        done = time.perf_counter()
        result.latencies_ms.append((done - due) * 1000)
        result.statuses[status] = result.statuses.get(status, 0) + 1
        result.requests += 1
        result.errors += status >= 400
        if on_response is not None:
            on_response(index, status, body, done)

    tasks = []
    for index in range(total):
        due = start + index / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(index, due)))
    await asyncio.gather(*tasks)
    result.seconds = time.perf_counter() - start
    while not pool.empty():
        pool.get_nowait().close()
    return result
