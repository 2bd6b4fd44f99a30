"""The shape of docker-compose.yml and the Dockerfile that ops rely on (`--scale indexer=N`)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from newsfeed_runtime.redis import broker_seeds
from newsfeed_runtime.settings import RedisSettings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "docker-compose.yml").read_text()))


def _seconds(duration: str) -> float:
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    return sum(float(n) * units[u] for n, u in re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", duration))


def test_services(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) >= {"redis", "publisher", "indexer", "api"}


def test_redis_persists_with_aof_fsync_always_on_a_named_volume(compose: dict[str, Any]) -> None:
    redis = compose["services"]["redis"]
    assert redis["image"].startswith("redis:7")
    command = " ".join(redis["command"])
    assert "--appendonly yes" in command and "--appendfsync always" in command
    assert redis["healthcheck"]["test"]
    volume = redis["volumes"][0].split(":")[0]
    assert volume in compose["volumes"]


def test_indexer_can_be_scaled(compose: dict[str, Any]) -> None:
    indexer = compose["services"]["indexer"]
    assert "container_name" not in indexer
    assert "ports" not in indexer  # a fixed host port would clash between replicas
    assert indexer["restart"] in ("unless-stopped", "always", "on-failure")
    shutdown = float(indexer["environment"]["NEWSFEED_SHUTDOWN_TIMEOUT_S"])
    uvicorn_grace = 10
    assert _seconds(indexer["stop_grace_period"]) > shutdown + uvicorn_grace


@pytest.mark.parametrize("service", ["publisher", "indexer", "api"])
def test_services_wait_for_a_healthy_redis(compose: dict[str, Any], service: str) -> None:
    spec = compose["services"][service]
    assert spec["depends_on"]["redis"]["condition"] == "service_healthy"
    assert spec["healthcheck"]["test"]
    assert spec["environment"]["REDIS_URL"].startswith("redis://redis:")
    assert spec["command"][:2] == ["newsfeed", service]


def test_dockerfile_installs_dependencies_before_the_source() -> None:
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    assert next(line for line in lines if line.startswith("FROM")) == "FROM python:3.11-slim"
    first_source_copy = next(i for i, line in enumerate(lines) if line.startswith("COPY src"))
    deps_install = next(i for i, line in enumerate(lines) if "pip install -r" in line)
    assert deps_install < first_source_copy


def test_the_image_copies_every_package_the_wheel_is_built_from() -> None:
    import tomllib

    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"]["targets"]["wheel"]
    copied = {line.split()[1] for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("COPY")}
    missing = [p for p in packages["packages"] if p.split("/")[0] not in copied]
    assert not missing, f"the Dockerfile does not copy {missing}"


def test_the_publisher_ships_with_a_token(compose: dict[str, Any]) -> None:
    token = compose["services"]["publisher"]["environment"]["NEWSFEED_PUBLISHER_TOKEN"]
    assert token.startswith("${NEWSFEED_PUBLISHER_TOKEN:-") and token.rstrip("}").split(":-")[1]


@pytest.fixture(scope="module")
def cluster_compose() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "compose.cluster.yml").read_text()))


def test_the_cluster_file_runs_six_persistent_cluster_nodes_formed_once(cluster_compose: dict[str, Any]) -> None:
    services = cluster_compose["services"]
    nodes = [name for name in services if name.startswith("redis-") and name[6:].isdigit()]
    assert len(nodes) == 6
    for name in nodes:
        command = " ".join(services[name]["command"])
        assert "--cluster-enabled yes" in command and "--appendfsync always" in command
        assert services[name]["volumes"][0].split(":")[0] in cluster_compose["volumes"]
    init = services["redis-cluster-init"]
    assert "--cluster-replicas 1" in " ".join(init["command"])
    assert set(init["depends_on"]) == set(nodes)


@pytest.mark.parametrize("service", ["publisher", "indexer", "api"])
def test_cluster_services_start_after_the_cluster_is_formed(cluster_compose: dict[str, Any], service: str) -> None:
    spec = cluster_compose["services"][service]
    assert spec["depends_on"]["redis-cluster-init"]["condition"] == "service_completed_successfully"
    assert spec["environment"]["NEWSFEED_REDIS_CLUSTER"] == "true"
    assert spec["command"][:2] == ["newsfeed", service]
    if service == "indexer":
        assert "container_name" not in spec and "ports" not in spec  # --scale indexer=N
    # its REDIS_URL is read as the docs say: every node a seed, the first with its scheme
    url = spec["environment"]["REDIS_URL"]
    first, others = broker_seeds(RedisSettings(redis_url=url).redis_url)
    assert first == "redis://redis-1:6379" and others == [("redis-2", 6379), ("redis-3", 6379)]
