"""A private Redis Cluster for tests: free loopback ports, one data folder per node, kill and restart at will.

Modelled on `tests.redis_server.RedisServer`; never touches the machine's Redis on 127.0.0.1:6379.

The cluster is formed with redis-py alone (CLUSTER SET-CONFIG-EPOCH, ADDSLOTSRANGE, MEET, REPLICATE,
the same steps and the same slot split as `redis-cli --cluster create`), so it needs no redis-cli
(Debian ships that in redis-tools, which CI images may lack). ADDSLOTSRANGE needs Redis 7.0 or later.

Server settings, chosen for fast and reliable failover in tests:

- `--cluster-node-timeout 2000`: a killed master is flagged PFAIL after 2 s and FAIL once a majority
  of masters agree; its replica is elected about 0.5-1 s later. A kill -9 is healed in ~3-5 s.
- `--cluster-replica-validity-factor 0`: a replica always stands for election, however long it has
  been cut off from its master (the default refuses when the link was down "too long").
- `--cluster-allow-reads-when-down no` (the default, made explicit) and the default
  `cluster-require-full-coverage yes`: while a master is down the cluster says CLUSTERDOWN instead of
  serving stale or partial data, which is what a test of failover wants to see.
- `--repl-diskless-sync-delay 0`: the default waits 5 s for more replicas before every full sync,
  which would slow down both the start and every restart of a node.
- `--appendonly yes --appendfsync always --save ''`: as `RedisServer`, every acknowledged write is
  on disk, no RDB snapshots.

Client settings for `redis.asyncio.cluster.RedisCluster` (redis-py 8.1) that ride through a failover,
see `cluster_client()`: `socket_timeout=2` and `socket_connect_timeout=1` bound every call, so a node
that stops answering (rather than dying, which closes its sockets at once) never hangs the client;
`retry=Retry(ExponentialWithJitterBackoff(...), 10)` gives the number of cluster-level attempts (it
replaces the deprecated `cluster_error_retry_attempts`). On ConnectionError/TimeoutError the client
re-reads the topology from another node and tries again, but without sleeping between attempts, so its
retries are spent within milliseconds: while no node serves the dead master's slots (a few seconds)
commands fail. Wait for `LocalCluster.wait_failover()` (or retry in the test with a deadline); after
that, the first command through an existing client reconnects to the promoted replica.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Self

import pytest
import redis
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.crc import key_slot

from newsfeed.embedded import free_port
from tests.redis_server import redis_server_binary

__all__ = ["LocalCluster", "LocalClusterNode", "cluster_client", "cluster_client_settings", "local_cluster"]

HOST = "127.0.0.1"
SLOTS = 16384
BUS_PORT_OFFSET = 10000
NODE_TIMEOUT_MS = 2000
RESERVED_PORTS = frozenset({6379, 6379 + BUS_PORT_OFFSET})  # the machine's own Redis

Role = Literal["master", "replica"]


@dataclass
class LocalClusterNode:
    """One redis-server of the cluster. `role` and `slots` are as last seen from the cluster."""

    port: int
    folder: Path
    role: Role = "master"
    node_id: str = ""
    slots: list[tuple[int, int]] = field(default_factory=list)  # inclusive ranges, masters only
    master_id: str | None = None  # replicas only
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def address(self) -> str:
        return f"{HOST}:{self.port}"

    def serves(self, slot: int) -> bool:
        return any(first <= slot <= last for first, last in self.slots)

    def client(self, timeout_s: float = 2.0) -> redis.Redis:
        """A plain (non-cluster) client of this node alone; close it after use."""
        return redis.Redis(
            host=HOST, port=self.port, socket_connect_timeout=timeout_s, socket_timeout=timeout_s, decode_responses=True
        )


@dataclass(frozen=True)
class _NodeView:
    """A line of CLUSTER NODES."""

    node_id: str
    port: int
    flags: frozenset[str]
    master_id: str | None
    slots: tuple[tuple[int, int], ...]

    @property
    def is_master(self) -> bool:
        return "master" in self.flags

    @property
    def failing(self) -> bool:
        return bool(self.flags & {"fail", "fail?", "handshake", "noaddr"})


def _parse_cluster_nodes(text: str) -> list[_NodeView]:
    views = []
    for line in text.strip().splitlines():
        parts = line.split()
        address = parts[1].split("@")[0]  # ip:port@cport[,hostname]
        slots = []
        for item in parts[8:]:
            if item.startswith("["):  # a slot being migrated or imported
                continue
            first, _, last = item.partition("-")
            slots.append((int(first), int(last or first)))
        views.append(
            _NodeView(
                node_id=parts[0],
                port=int(address.rsplit(":", 1)[1]),
                flags=frozenset(parts[2].split(",")),
                master_id=None if parts[3] == "-" else parts[3],
                slots=tuple(slots),
            )
        )
    return views


def _slot_ranges(masters: int) -> list[tuple[int, int]]:
    """The split of `redis-cli --cluster create`: 3 masters get 0-5460, 5461-10922, 10923-16383."""
    per_master = SLOTS / masters
    ranges = []
    first, cursor = 0, 0.0
    for index in range(masters):
        last = SLOTS - 1 if index == masters - 1 else round(cursor + per_master - 1)
        ranges.append((first, last))
        first, cursor = last + 1, cursor + per_master
    return ranges


def _call(client: redis.Redis, *args: str | int) -> str:
    """A raw command, its reply as text (no response callback applies to a bare "CLUSTER")."""
    return str(client.execute_command(*args))  # type: ignore[no-untyped-call]


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def _wait_until(condition: Callable[[], bool], timeout_s: float, what: Callable[[], str]) -> None:
    deadline = time.monotonic() + timeout_s
    delay = 0.02
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"not within {timeout_s}s: {what()}")
        time.sleep(delay)
        delay = min(delay * 2, 0.2)


class LocalCluster:
    """`masters` masters with `replicas_per_master` replicas each, one redis-server per node.

    Failover needs at least 3 masters: a replica is elected by a majority of the masters still up.
    """

    def __init__(self, folder: Path, masters: int = 3, replicas_per_master: int = 1) -> None:
        if masters < 1 or replicas_per_master < 0:
            raise ValueError("at least one master, and no negative number of replicas")
        self.folder = folder
        self.masters = masters
        self.replicas_per_master = replicas_per_master
        self.nodes: list[LocalClusterNode] = []
        self._last_problem = ""

    # -- life cycle -------------------------------------------------------------------------------

    def start(self, timeout_s: float = 30.0) -> None:
        """Start every node, form the cluster, wait until it is ok everywhere and every replica is in sync."""
        deadline = time.monotonic() + timeout_s
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            for _ in range(self.masters * (1 + self.replicas_per_master)):
                self._start_new_node(deadline)
            self._form()
            self.wait_healthy(max(deadline - time.monotonic(), 1.0))
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """kill -9 every node; the folders stay (they are under `folder`, a pytest tmp dir)."""
        for node in self.nodes:
            self._kill_process(node)

    def kill(self, node: LocalClusterNode) -> None:
        """kill -9 one node: whatever it did not fsync or replicate is lost."""
        with contextlib.suppress(redis.RedisError):
            self.refresh()  # remember the slots it serves, for wait_failover
        self._kill_process(node)

    def restart(self, node: LocalClusterNode, timeout_s: float = 30.0) -> None:
        """Start a killed (or running: it is killed first) node again on its port, with its data and nodes.conf.

        Waits until the cluster is healthy again: a master that lost its slots to a failover meanwhile
        comes back as a replica of the new master, and its resync is done.
        """
        self._kill_process(node)
        deadline = time.monotonic() + timeout_s
        node.process = self._spawn(node.port, node.folder)
        self._wait_ping(node, deadline)
        self.wait_healthy(max(deadline - time.monotonic(), 1.0))

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- topology ---------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The first live master (else any live node): a startup node for `RedisCluster.from_url`.

        No db number: a cluster has only db 0.
        """
        live = [node for node in self.nodes if node.alive]
        masters = [node for node in live if node.role == "master"]
        node = (masters or live or self.nodes)[0]
        return f"redis://{node.address}"

    def node_by_port(self, port: int) -> LocalClusterNode:
        for node in self.nodes:
            if node.port == port:
                return node
        raise LookupError(f"no node on port {port}")

    def refresh(self) -> list[LocalClusterNode]:
        """Update every node's role, slots and master from CLUSTER NODES as a live node sees it."""
        views = self._views_from_any()
        by_port = {view.port: view for view in views}
        for node in self.nodes:
            view = by_port.get(node.port)
            if view is None:
                continue
            node.node_id = view.node_id
            node.role = "master" if view.is_master else "replica"
            node.slots = list(view.slots)
            node.master_id = view.master_id
        return self.nodes

    def masters_now(self) -> list[LocalClusterNode]:
        return [node for node in self.refresh() if node.role == "master" and node.slots]

    def replicas_of(self, master: LocalClusterNode) -> list[LocalClusterNode]:
        return [node for node in self.refresh() if node.role == "replica" and node.master_id == master.node_id]

    def master_of_slot(self, slot: int) -> LocalClusterNode:
        for node in self.masters_now():
            if node.serves(slot):
                return node
        raise LookupError(f"no master serves slot {slot}")

    def master_for_key(self, key: str) -> LocalClusterNode:
        return self.master_of_slot(key_slot(key.encode()))

    # -- waiting ----------------------------------------------------------------------------------

    def wait_failover(self, old_master: LocalClusterNode, timeout_s: float = 15.0) -> LocalClusterNode:
        """Wait until another node serves every slot `old_master` served, with cluster_state:ok on every
        live node, all of them agreeing. Returns the node that took over (a promoted replica)."""
        slots = list(old_master.slots)
        if not slots:
            raise ValueError(f"{old_master.address} served no slots when last seen")
        old_id = old_master.node_id

        def taken_over() -> bool:
            for node in self.nodes:
                if not node.alive or node is old_master:
                    continue
                try:
                    with contextlib.closing(node.client()) as client:
                        info = _call(client, "CLUSTER", "INFO")
                        views = _parse_cluster_nodes(_call(client, "CLUSTER", "NODES"))
                except redis.RedisError as exc:
                    self._last_problem = f"{node.address}: {exc!r}"
                    return False
                if "cluster_state:ok" not in info:
                    self._last_problem = f"{node.address}: not cluster_state:ok"
                    return False
                owners = [v for v in views if v.is_master and not v.failing and v.node_id != old_id]
                for first, last in slots:
                    if not any(a <= first and last <= b for view in owners for a, b in view.slots):
                        self._last_problem = f"{node.address}: nobody serves {first}-{last} yet"
                        return False
            return True

        _wait_until(taken_over, timeout_s, lambda: self._last_problem)
        return self.master_of_slot(slots[0][0])

    def wait_healthy(self, timeout_s: float = 30.0) -> None:
        """Every live node: cluster_state:ok, knows every node, and all agree on who is master of which
        slots and who replicates whom; every live replica: its master link is up and its sync done;
        every master: sees all its live replicas online."""
        _wait_until(self._healthy, timeout_s, lambda: self._last_problem)
        self.refresh()

    def _healthy(self) -> bool:
        layouts = set()
        try:
            for node in self.nodes:
                if not node.alive:
                    continue
                with contextlib.closing(node.client()) as client:
                    problem = self._node_problem(client)
                    if problem is None:
                        views = _parse_cluster_nodes(_call(client, "CLUSTER", "NODES"))
                        layouts.add(frozenset((v.node_id, v.is_master, v.master_id, v.slots) for v in views))
                if problem is not None:
                    self._last_problem = f"{node.address}: {problem}"
                    return False
        except redis.RedisError as exc:
            self._last_problem = repr(exc)
            return False
        if len(layouts) != 1:
            self._last_problem = f"the nodes see {len(layouts)} different layouts"
            return False
        return True

    def _node_problem(self, client: redis.Redis) -> str | None:
        if "cluster_state:ok" not in _call(client, "CLUSTER", "INFO"):
            return "not cluster_state:ok"
        views = _parse_cluster_nodes(_call(client, "CLUSTER", "NODES"))
        if len(views) != len(self.nodes) or any("handshake" in view.flags for view in views):
            return f"knows {len(views)} of {len(self.nodes)} nodes"
        myself = next(view for view in views if "myself" in view.flags)
        replication: dict[str, Any] = client.info("replication")
        if not myself.is_master:
            if replication.get("master_link_status") != "up" or replication.get("master_sync_in_progress"):
                return "replica not in sync with its master"
            return None
        live_replicas = sum(1 for view in views if view.master_id == myself.node_id and not view.failing)
        online = sum(
            1
            for key, value in replication.items()
            if key.startswith("slave") and isinstance(value, dict) and value.get("state") == "online"
        )
        if online < live_replicas:
            return f"{online} of {live_replicas} replicas online"
        return None

    # -- internals --------------------------------------------------------------------------------

    def _views_from_any(self) -> list[_NodeView]:
        error: Exception = redis.ConnectionError("no live node")
        for node in self.nodes:
            if not node.alive:
                continue
            try:
                with contextlib.closing(node.client()) as client:
                    return _parse_cluster_nodes(_call(client, "CLUSTER", "NODES"))
            except redis.RedisError as exc:
                error = exc
        raise error

    def _form(self) -> None:
        masters = self.nodes[: self.masters]
        replicas = self.nodes[self.masters :]
        for index, (node, (first, last)) in enumerate(zip(masters, _slot_ranges(self.masters), strict=True)):
            with contextlib.closing(node.client()) as client:
                # Distinct config epochs up front, as redis-cli does: no epoch collisions to resolve.
                _call(client, "CLUSTER", "SET-CONFIG-EPOCH", index + 1)
                _call(client, "CLUSTER", "ADDSLOTSRANGE", first, last)
        for node in self.nodes:
            with contextlib.closing(node.client()) as client:
                node.node_id = _call(client, "CLUSTER", "MYID")
        with contextlib.closing(self.nodes[0].client()) as client:
            for node in self.nodes[1:]:
                _call(client, "CLUSTER", "MEET", HOST, node.port, node.port + BUS_PORT_OFFSET)

        def everyone_knows_everyone() -> bool:
            for node in self.nodes:
                with contextlib.closing(node.client()) as client:
                    views = _parse_cluster_nodes(_call(client, "CLUSTER", "NODES"))
                known = {view.node_id for view in views if not view.flags & {"handshake", "noaddr"}}
                if known != {n.node_id for n in self.nodes}:
                    self._last_problem = f"{node.address} knows {len(known)} of {len(self.nodes)} nodes"
                    return False
            return True

        _wait_until(everyone_knows_everyone, 15.0, lambda: self._last_problem)
        for index, node in enumerate(replicas):
            master = masters[index % self.masters]
            with contextlib.closing(node.client()) as client:
                _call(client, "CLUSTER", "REPLICATE", master.node_id)

    def _start_new_node(self, deadline: float) -> LocalClusterNode:
        """A node on a fresh port whose cluster bus port (port + 10000) is free too; retried on a clash.

        The node joins `nodes` before its process starts, so `stop()` kills it whatever happens next.
        """
        attempts = 5
        for attempt in range(attempts):
            port = self._pick_port()
            node = LocalClusterNode(port=port, folder=self.folder / f"node-{port}")
            node.folder.mkdir(parents=True, exist_ok=True)
            self.nodes.append(node)
            node.process = self._spawn(port, node.folder)
            try:
                self._wait_ping(node, deadline)
            except (redis.RedisError, TimeoutError):
                self._kill_process(node)  # most likely someone took the port meanwhile: another one
                self.nodes.remove(node)
                if attempt == attempts - 1 or time.monotonic() > deadline:
                    raise
                continue
            return node
        raise AssertionError("unreachable")

    def _pick_port(self) -> int:
        taken = {p for node in self.nodes for p in (node.port, node.port + BUS_PORT_OFFSET)}
        for _ in range(200):
            port = free_port()
            bus = port + BUS_PORT_OFFSET
            if bus > 65535 or {port, bus} & (taken | RESERVED_PORTS):
                continue
            if _port_is_free(bus):
                return port
        raise RuntimeError("no free port pair (port, port + 10000) on the loopback")

    def _spawn(self, port: int, folder: Path) -> subprocess.Popen[bytes]:
        command = [
            redis_server_binary(),
            "--port", str(port),
            "--bind", HOST,
            "--dir", str(folder.resolve()),
            "--logfile", str((folder / "redis.log").resolve()),
            "--cluster-enabled", "yes",
            "--cluster-config-file", f"nodes-{port}.conf",
            "--cluster-node-timeout", str(NODE_TIMEOUT_MS),
            "--cluster-replica-validity-factor", "0",
            "--cluster-allow-reads-when-down", "no",
            "--cluster-require-full-coverage", "yes",
            "--repl-diskless-sync-delay", "0",
            "--appendonly", "yes",
            "--appendfsync", "always",
            "--save", "",
        ]  # fmt: skip
        return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def _wait_ping(self, node: LocalClusterNode, deadline: float) -> None:
        with contextlib.closing(node.client(timeout_s=0.5)) as client:
            while True:
                try:
                    if client.ping():
                        break
                except redis.RedisError:
                    if node.process is None or node.process.poll() is not None:
                        raise
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
            # Tests run in parallel processes: the server answering must be this node's own.
            serving = int(client.info("server")["process_id"])
            if node.process is None or serving != node.process.pid:
                raise redis.ConnectionError(f"port {node.port} is served by another redis-server (pid {serving})")

    @staticmethod
    def _kill_process(node: LocalClusterNode) -> None:
        if node.process is None:
            return
        if node.process.poll() is None:
            node.process.send_signal(signal.SIGKILL)
        node.process.wait(15)
        node.process = None


def cluster_client_settings() -> dict[str, Any]:
    """Keyword arguments for `redis.asyncio.cluster.RedisCluster` that survive a failover (see the docstring)."""
    return {
        "socket_timeout": 2.0,
        "socket_connect_timeout": 1.0,
        "retry": Retry(ExponentialWithJitterBackoff(base=0.05, cap=1.0), retries=10),
    }


def cluster_client(cluster: LocalCluster, **kwargs: Any) -> RedisCluster:
    """An async cluster client of `cluster` with `cluster_client_settings()`; `await client.aclose()` it."""
    return RedisCluster.from_url(cluster.url, **{**cluster_client_settings(), **kwargs})


@pytest.fixture
def local_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    """A started 3-master, 3-replica cluster of its own per test (tests may kill nodes); killed afterwards."""
    cluster = LocalCluster(tmp_path_factory.mktemp("cluster"))
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
