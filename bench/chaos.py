"""Chaos run: nothing lost, nothing doubled while indexers are killed and Redis restarts.

On loopback: a real redis-server (AOF, fsync always), one `newsfeed publisher`, three
`newsfeed indexer` processes. It posts an event log (publish / edit / unpublish / delete /
re-publish; some events posted twice, some revisions posted out of order) while it kill -9s a
random indexer every few seconds and starts a fresh one (until the backlog has been read, at most
`chaos_after_post_s` after the last post), and kill -9s and restarts redis-server once (with
`--redis-cluster`: a local 3-master, 3-replica cluster, and the kill -9 of the site's master,
whose replica takes over). When
the group has drained it applies the accepted log, in stream order, with one in-process
replica wired like the indexer service into a second prefix, and compares the two read models.

    python -m bench.chaos --events 20000
    python -m bench.chaos --events 20000 --redis-cluster
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import redis
import redis.cluster
from redis.cluster import key_slot
from tests.factories import deleted, published, unpublished, updated
from tests.processes import NewsfeedProcess
from tests.readmodel_dump import canonical_dump_sync
from tests.redis_cluster import LocalCluster
from tests.redis_server import RedisServer

from newsfeed.embedded import free_port
from newsfeed_indexer.replica import Replica
from newsfeed_indexer.settings import IndexerSettings
from newsfeed_readmodel.entries import decode_entry
from newsfeed_readmodel.keys import Keys
from newsfeed_readmodel.related.maintainer import reindex_related
from newsfeed_readmodel.related.store import RelatedStore
from newsfeed_schemas.streams import INDEXER_GROUP, key_root

__all__ = ["ChaosReport", "build_log", "run_chaos"]

PREFIX = "chaos"
REFERENCE = "chaosref"
TAGS = [[{"slug": "world"}], [{"slug": "economy"}], [{"slug": "world"}, {"slug": "sport"}], [{"slug": "culture"}]]
AUTHORS = [[{"slug": "anna"}], [{"slug": "ben"}], [{"slug": "chen"}]]
TOKEN = "chaos-run-token"  # the publisher refuses to run open outside dev mode
INDEXER_ENV = {
    "NEWSFEED_CLAIM_IDLE_MS": "1000",
    "NEWSFEED_RECLAIM_INTERVAL_S": "0.5",
    "NEWSFEED_BATCH_SIZE": "100",
    "NEWSFEED_TRIM_INTERVAL_S": "5",  # trimming runs (and must never trim what is unprocessed)
}


@dataclass
class ChaosReport:
    events: int = 0
    posted: int = 0
    accepted: int = 0
    duplicates_answered: int = 0
    retries_503: int = 0
    kills: int = 0
    indexer_restarts: int = 0
    redis_restarts: int = 0
    post_seconds: float = 0.0
    drained: bool = True
    drain_after_last_kill_s: float = 0.0
    lost: int = 0
    doubled: int = 0
    identical: bool = False
    differences: list[str] = field(default_factory=list)  # feeds, articles, slugs, live set
    related_differences: list[str] = field(default_factory=list)  # related links

    def lines(self) -> list[str]:
        return [
            f"events: {self.events} (posted {self.posted}, accepted {self.accepted}, "
            f"duplicates answered 200: {self.duplicates_answered}, 503 retries: {self.retries_503})",
            f"kills: {self.kills}  indexer restarts: {self.indexer_restarts}  redis restarts: {self.redis_restarts}",
            f"posting took {self.post_seconds:.1f}s; "
            f"time to drain after last kill: {self.drain_after_last_kill_s:.1f}s"
            + ("" if self.drained else " (NOT drained: gave up waiting)"),
            f"lost: {self.lost}  doubled: {self.doubled}  identical: {'yes' if self.identical else 'no'} "
            f"(feeds/articles/slugs/live: {len(self.differences)} keys differ; "
            f"related links: {len(self.related_differences)} keys differ)",
        ]


def build_log(events: int, seed: int, reorder_rate: float = 0.05) -> list[dict[str, Any]]:
    """`events` envelopes over events/5 articles, in CMS order except for a few swapped revisions."""
    rng = random.Random(seed)
    articles = max(events // 5, 1)
    lives: list[list[dict[str, Any]]] = []
    total = 0
    for a in range(articles):
        aid = f"art-{a:06d}"
        size = events // articles + (1 if a < events % articles else 0)
        revision, life = 1, []
        for step in range(size):
            fields = {
                "revision": revision,
                "minutes": rng.randrange(100_000),
                "tags": rng.choice(TAGS),
                "authors": rng.choice(AUTHORS),
                "slug": f"{aid}-{rng.randrange(2)}",
            }
            roll = rng.random()
            if step == 0:
                life.append(published(aid, **fields))
            elif step == size - 1 and roll < 0.1:
                life.append(deleted(aid, revision=revision))
            elif roll < 0.15:
                life.append(unpublished(aid, revision=revision))
            elif roll < 0.3:
                life.append(published(aid, **fields))  # (re-)publish
            else:
                life.append(updated(aid, **fields))
            revision += rng.choice([1, 1, 1, 2])
        lives.append(life)
        total += len(life)
    cursors = [0] * len(lives)
    slots = [i for i, life in enumerate(lives) for _ in life]
    rng.shuffle(slots)
    log = []
    for i in slots:
        log.append(lives[i][cursors[i]])
        cursors[i] += 1
    for i in range(len(log) - 1):  # a CMS sends an older revision after a newer one now and then
        if rng.random() < reorder_rate:
            log[i], log[i + 1] = log[i + 1], log[i]
    assert len(log) == total == events
    return log


class SingleRedis:
    """One redis-server (AOF, fsync always); its outage: kill -9 and restart."""

    def __init__(self, folder: Path) -> None:
        self.server = RedisServer(folder, appendfsync="always")

    @property
    def url(self) -> str:
        return self.server.url

    def start(self) -> None:
        self.server.start()

    def outage(self) -> None:
        self.server.kill()
        time.sleep(0.5)
        self.server.start()

    def client(self) -> Any:
        return redis.Redis.from_url(self.url)

    def stop(self) -> None:
        if self.server.process is not None:
            self.server.stop()


class ClusterRedis:
    """A local Redis Cluster (3 masters, 3 replicas); its outage: kill -9 of the site's master,
    its replica takes over, the old master comes back as a replica."""

    def __init__(self, folder: Path) -> None:
        self.cluster = LocalCluster(folder)

    @property
    def url(self) -> str:
        return self.cluster.url

    def start(self) -> None:
        self.cluster.start()

    def outage(self) -> None:
        master = self.cluster.master_of_slot(key_slot(key_root(PREFIX).encode()))
        self.cluster.kill(master)
        self.cluster.wait_failover(master)
        self.cluster.restart(master)

    def client(self) -> Any:
        return redis.cluster.RedisCluster.from_url(self.url, socket_timeout=5.0)

    def stop(self) -> None:
        self.cluster.stop()


class Cluster:
    def __init__(self, workdir: Path, indexers: int, env: dict[str, str], *, redis_cluster: bool = False) -> None:
        self.workdir = workdir
        self.redis: SingleRedis | ClusterRedis = (
            ClusterRedis(workdir / "redis") if redis_cluster else SingleRedis(workdir / "redis")
        )
        # Told, not asked: a process started while the node it is pointed at is down must not
        # take the cluster for a single Redis.
        self.cluster_env = {"NEWSFEED_REDIS_CLUSTER": "true"} if redis_cluster else {}
        self.env = {**env, **self.cluster_env}
        self.indexer_count = indexers
        self.indexers: list[NewsfeedProcess] = []
        self.publisher: NewsfeedProcess | None = None
        self.publisher_port = free_port()
        self.spawned = 0

    def start(self) -> None:
        self.redis.start()
        self.publisher = NewsfeedProcess(
            ["publisher", "--port", str(self.publisher_port), "--redis-url", self.redis.url, "--prefix", PREFIX],
            self.workdir / "publisher.log",
            env={"NEWSFEED_PUBLISHER_TOKEN": TOKEN, **self.cluster_env},
        ).start()
        self.indexers = [self.spawn_indexer() for _ in range(self.indexer_count)]

    def spawn_indexer(self) -> NewsfeedProcess:
        self.spawned += 1
        return NewsfeedProcess(
            ["indexer", "--port", "0", "--redis-url", self.redis.url, "--prefix", PREFIX],
            self.workdir / f"indexer-{self.spawned}.log",
            env=self.env,
        ).start()

    def stop(self) -> None:
        for process in [*self.indexers, self.publisher]:
            if process is not None:
                process.stop(timeout=30)
        self.redis.stop()


async def _post_all(
    http: httpx.AsyncClient, log: list[dict[str, Any]], report: ChaosReport, concurrency: int, dup_rate: float
) -> dict[str, str]:
    """Post every envelope (a few twice), retrying 503s like a CMS; the stream id of each accepted id."""
    rng = random.Random(len(log))
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for envelope in log:
        queue.put_nowait(envelope)
        if rng.random() < dup_rate:
            queue.put_nowait(envelope)
    accepted: dict[str, str] = {}

    async def worker() -> None:
        while not queue.empty():
            envelope = queue.get_nowait()
            while True:
                try:
                    response = await http.post("/v1/events", content=orjson.dumps(envelope))
                except httpx.TransportError:
                    response = None
                if response is not None and response.status_code in (200, 202):
                    break
                report.retries_503 += 1
                await asyncio.sleep(0.1)
            report.posted += 1
            body = response.json()
            if body.get("duplicate"):
                report.duplicates_answered += 1
            accepted.setdefault(body["id"], body["stream_id"])

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return accepted


async def _chaos(cluster: Cluster, report: ChaosReport, stop: asyncio.Event, kill_every_s: float) -> float:
    """Kill -9 a random indexer every `kill_every_s` and restart it; restart Redis once. Last kill time."""
    rng = random.Random(7)
    last_kill = time.monotonic()
    rounds = 0
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), kill_every_s)
            break
        except TimeoutError:
            pass
        rounds += 1
        if rounds == 2 and report.redis_restarts == 0:
            await asyncio.to_thread(cluster.redis.outage)
            report.redis_restarts += 1
            continue
        victim = rng.randrange(len(cluster.indexers))
        await asyncio.to_thread(cluster.indexers[victim].kill)
        report.kills += 1
        last_kill = time.monotonic()
        cluster.indexers[victim] = cluster.spawn_indexer()
        report.indexer_restarts += 1
    return last_kill


def _read_all(client: redis.Redis) -> bool:
    """Every entry delivered once (lag 0); pending ones may still wait for a claim."""
    try:
        groups = client.xinfo_groups(Keys(PREFIX).streams.articles)
    except redis.RedisError:
        return False
    return any(g["name"] == INDEXER_GROUP.encode() and g["lag"] == 0 for g in groups)


def _drained(client: redis.Redis) -> bool:
    try:
        groups = client.xinfo_groups(Keys(PREFIX).streams.articles)
        (group,) = [g for g in groups if g["name"] == INDEXER_GROUP.encode()]
    except (redis.RedisError, ValueError):
        return False
    if not (group["lag"] == 0 and group["pending"] == 0):
        return False
    return int(client.xlen(Keys(PREFIX).related_work)) == 0  # the related maintainer took everything in


async def _reference(url: str, stream: str, related: bool) -> None:
    """One replica, in stream order, in-process: the read model the chaos run must equal."""
    settings = IndexerSettings(redis_url=url, prefix=REFERENCE, related_enabled=related)
    service = Replica(settings)  # wired as in production
    client, store = service.redis, service.writer
    await store.ensure_group()
    last = "-"
    while rows := await client.xrange(stream, min=last, count=500):
        if last != "-":
            rows = [r for r in rows if r[0].decode() != last]
            if not rows:
                break
        await store.apply([decode_entry(i, f) for i, f in rows])
        last = rows[-1][0].decode()
    if related:  # the lists of the final set of live articles, computed from scratch
        related_store = RelatedStore(client, Keys(REFERENCE), settings.related_settings())
        await reindex_related(related_store, lambda _: None)
    await client.aclose()


def _compare(client: redis.Redis, accepted: dict[str, str], report: ChaosReport) -> None:
    stream = Keys(PREFIX).streams.articles
    in_stream = Counter(orjson.loads(f[b"data"])["id"] for _, f in client.xrange(stream))
    missing = [event_id for event_id in accepted if in_stream[event_id] == 0]
    report.doubled = sum(n - 1 for n in in_stream.values() if n > 1)
    actual, expected = canonical_dump_sync(client, PREFIX), canonical_dump_sync(client, REFERENCE)
    for key in sorted(set(actual) | set(expected)):
        if actual.get(key) != expected.get(key):
            (report.related_differences if _is_related(key) else report.differences).append(key)
    for key, members in actual.items():
        if key.startswith("feed:"):
            ids = Counter(member.split("|", 1)[1] for member, _ in members)
            report.doubled += sum(n - 1 for n in ids.values() if n > 1)
    stale = [k for k in report.differences if k.startswith("article:") and _older(actual.get(k), expected[k])]
    report.lost = len(missing) + len(stale)
    report.identical = not report.differences and not report.related_differences
    report.accepted = len(accepted)


def _is_related(key: str) -> bool:
    return key.startswith("related:")


def _older(actual: dict[str, Any] | None, expected: dict[str, Any] | None) -> bool:
    """An article record missing, or holding an older version than the reference: an event lost."""
    if expected is None:
        return False
    if actual is None:
        return True
    if "version" not in actual or "version" not in expected:
        return actual.get("state") != expected.get("state")
    return bool(orjson.loads(actual["version"]) < orjson.loads(expected["version"]))


async def run_chaos(
    events: int = 20_000,
    *,
    indexers: int = 3,
    kill_every_s: float = 3.0,
    concurrency: int = 12,
    dup_rate: float = 0.05,
    seed: int = 1,
    workdir: Path | None = None,
    drain_timeout_s: float = 300.0,
    batch_size: int = 100,
    chaos_after_post_s: float = 120.0,
    related: bool = True,
    redis_cluster: bool = False,
) -> ChaosReport:
    workdir = workdir or Path(tempfile.mkdtemp(prefix="newsfeed-chaos-"))
    report = ChaosReport(events=events)
    log = build_log(events, seed)
    env = {**INDEXER_ENV, "NEWSFEED_BATCH_SIZE": str(batch_size), "NEWSFEED_RELATED_ENABLED": str(related).lower()}
    cluster = Cluster(workdir, indexers, env, redis_cluster=redis_cluster)
    cluster.start()
    try:
        base = f"http://127.0.0.1:{cluster.publisher_port}"
        auth = {"authorization": f"Bearer {TOKEN}", "content-type": "application/json"}
        async with httpx.AsyncClient(base_url=base, timeout=10, headers=auth) as http:
            await _wait(lambda: _healthy(http), 30, "the publisher did not start")
            stop = asyncio.Event()
            chaos = asyncio.create_task(_chaos(cluster, report, stop, kill_every_s))
            started = time.monotonic()
            accepted = await _post_all(http, log, report, concurrency, dup_rate)
            report.post_seconds = time.monotonic() - started
            client = cluster.redis.client()
            with contextlib.suppress(TimeoutError):  # keep killing while the backlog is still being read
                await _wait(lambda: asyncio.to_thread(_read_all, client), chaos_after_post_s, "")
            stop.set()
            last_kill = await chaos
        try:
            await _wait(lambda: asyncio.to_thread(_drained, client), drain_timeout_s, "the group did not drain")
        except TimeoutError:
            report.drained = False  # compared anyway: what is not applied yet shows up as lost
        report.drain_after_last_kill_s = time.monotonic() - last_kill
        await _reference(cluster.redis.url, Keys(PREFIX).streams.articles, related)
        _compare(client, accepted, report)
        client.close()
    finally:
        cluster.stop()
    return report


async def _healthy(http: httpx.AsyncClient) -> bool:
    try:
        return (await http.get("/readyz")).status_code == 200
    except httpx.TransportError:
        return False


async def _wait(probe: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await probe():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        await asyncio.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--indexers", type=int, default=3)
    parser.add_argument("--kill-every", type=float, default=3.0, help="seconds between indexer kills")
    parser.add_argument("--concurrency", type=int, default=12, help="concurrent POSTs")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=100, help="indexer batch size (NEWSFEED_BATCH_SIZE)")
    parser.add_argument("--drain-timeout", type=float, default=300.0, help="seconds to wait for the group to drain")
    parser.add_argument("--workdir", type=Path, default=None, help="logs and Redis data (default: a temp dir)")
    parser.add_argument("--no-related", action="store_true", help="indexers without related links (feeds only)")
    parser.add_argument(
        "--redis-cluster", action="store_true", help="on a local 6-node Redis Cluster (kill -9 of a master)"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON too")
    args = parser.parse_args()
    report = asyncio.run(
        run_chaos(
            args.events,
            indexers=args.indexers,
            kill_every_s=args.kill_every,
            concurrency=args.concurrency,
            seed=args.seed,
            workdir=args.workdir,
            drain_timeout_s=args.drain_timeout,
            batch_size=args.batch_size,
            related=not args.no_related,
            redis_cluster=args.redis_cluster,
        )
    )
    print("\n".join(report.lines()))
    for name, keys in (("read model", report.differences), ("related links", report.related_differences)):
        if keys:
            print(f"differing {name} keys (first 10):", keys[:10])
    if args.json:
        print(orjson.dumps(asdict(report)).decode())
    raise SystemExit(0 if report.drained and report.identical and not report.lost and not report.doubled else 1)


if __name__ == "__main__":
    main()
