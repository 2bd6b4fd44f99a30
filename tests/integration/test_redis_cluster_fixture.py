"""The local Redis Cluster of `tests.redis_cluster`: it forms, spreads hash tags over masters, and fails over."""

from __future__ import annotations

import asyncio
import time

from redis.crc import key_slot

from tests.redis_cluster import LocalCluster, cluster_client, local_cluster

__all__ = ["local_cluster"]  # the fixture, imported so that pytest finds it here

# Slot 3838 (first master: 0-5460) and slot 16029 (third master: 10923-16383).
KEY_A = "{site-a}:x"
KEY_B = "{site-b}:y"


async def test_the_cluster_forms_and_hash_tags_land_on_different_masters(local_cluster: LocalCluster) -> None:
    cluster = local_cluster
    assert len(cluster.masters_now()) == 3
    assert [node.role for node in cluster.nodes].count("replica") == 3
    assert all(len(cluster.replicas_of(master)) == 1 for master in cluster.masters_now())
    assert key_slot(KEY_A.encode()) == key_slot(b"site-a") == 3838
    assert key_slot(KEY_B.encode()) == key_slot(b"site-b") == 16029
    master_a, master_b = cluster.master_for_key(KEY_A), cluster.master_for_key(KEY_B)
    assert master_a.port != master_b.port

    client = cluster_client(cluster)
    try:
        assert await client.set(KEY_A, "a") and await client.set(KEY_B, "b")
        assert [await client.get(KEY_A), await client.get(KEY_B)] == [b"a", b"b"]
        # The client routes each key to the master the cluster says serves its slot.
        node_a, node_b = client.get_node_from_key(KEY_A), client.get_node_from_key(KEY_B)
        assert node_a is not None and node_b is not None
        assert (node_a.port, node_b.port) == (master_a.port, master_b.port)
    finally:
        await client.aclose()


async def test_a_killed_master_is_replaced_by_its_replica_without_losing_replicated_writes(
    local_cluster: LocalCluster,
) -> None:
    cluster = local_cluster
    master = cluster.master_for_key(KEY_A)
    [replica] = cluster.replicas_of(master)
    client = cluster_client(cluster)
    try:
        await client.set(KEY_A, "written before the kill")
        await client.set(KEY_B, "on another master")
        # Sequential commands share the node's one pooled connection: WAIT covers the SET above.
        assert await client.execute_command("WAIT", 1, 1000, target_nodes=client.get_node_from_key(KEY_A)) == 1

        started = time.monotonic()
        cluster.kill(master)
        promoted = await asyncio.to_thread(cluster.wait_failover, master, 10.0)
        took = time.monotonic() - started
        assert promoted.port == replica.port and promoted.role == "master", (promoted, took)
        assert cluster.master_for_key(KEY_A).port == replica.port

        # The same client (its connections to the dead master broken) finds the new master.
        assert await client.get(KEY_A) == b"written before the kill"
        assert await client.get(KEY_B) == b"on another master"
        assert await client.set(KEY_A, "written after the failover")
    finally:
        await client.aclose()

    fresh = cluster_client(cluster)  # `url` now names a live master
    try:
        assert await fresh.get(KEY_A) == b"written after the failover"
    finally:
        await fresh.aclose()
