"""docker-compose.yml: the services users expect, pinned images, scalable workers, real setting names."""

from __future__ import annotations

import re

import yaml

from streams.settings import describe

from .conftest import REPO


def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def test_compose_runs_kafka_in_kraft_mode_the_worker_postgres_and_the_sink() -> None:
    services = compose()["services"]

    assert {"kafka", "worker", "postgres", "sink"} <= set(services)
    kafka = services["kafka"]["environment"]
    assert kafka["KAFKA_PROCESS_ROLES"] == "broker,controller" and "KAFKA_ZOOKEEPER_CONNECT" not in kafka
    assert services["worker"]["command"] == ["worker"]
    assert services["sink"]["command"] == ["sink"]
    assert services["sink"]["environment"]["GEOWIRE_DATABASE_URL"].startswith("postgresql://")
    assert "postgres" in services["sink"]["depends_on"]


def test_every_image_is_pinned_to_an_explicit_version() -> None:
    for name, service in compose()["services"].items():
        image = service["image"]
        repository, _, tag = image.rpartition(":")
        assert repository and "/" not in tag, f"{name}: {image} has no tag"
        assert tag != "latest" and re.search(r"\d+\.\d+", tag), f"{name}: {image} is not pinned to a version"


def test_workers_scale_without_a_fixed_name_or_host_port() -> None:
    worker = compose()["services"]["worker"]

    assert "container_name" not in worker
    assert all(":" not in str(port) for port in worker.get("ports", [])), worker["ports"]


def test_every_geowire_environment_name_is_a_setting() -> None:
    known = {name for name, _, _ in describe()}
    used = {
        key
        for service in compose()["services"].values()
        for key in (service.get("environment") or {})
        if key.startswith("GEOWIRE_")
    }

    assert used and used <= known, sorted(used - known)
