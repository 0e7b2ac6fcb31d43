"""Shared fixtures: the real local Kafka broker (started once per session), workers as subprocesses.

Tests that talk to Kafka use topics and a consumer group of their own (a random suffix), so they
never see each other's messages and can run against a broker that already holds data.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import pytest

from streams import localkafka
from streams.settings import Settings, env_name, from_env

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO.parent / "shared" / "samples"
EXAMPLES = REPO / "examples"


@pytest.fixture(scope="session")
def kafka() -> Settings:
    """The local broker's settings; starts the broker unless one is listening already."""
    settings = from_env()
    localkafka.start(settings)
    return settings


def isolated_env(base: Settings, **overrides: str) -> dict[str, str]:
    """Environment for a worker with its own app id and topics."""
    suffix = uuid.uuid4().hex[:8]
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEOWIRE_")}
    env.update({
        env_name("broker"): base.broker,
        env_name("app_id"): f"geowire-test-{suffix}",
        env_name("topic_raw"): f"test-{suffix}.articles.raw",
        env_name("topic_enriched"): f"test-{suffix}.articles.enriched",
        env_name("topic_deadletter"): f"test-{suffix}.articles.deadletter",
        env_name("topic_alerts"): f"test-{suffix}.alerts.geopolitical",
        env_name("partitions"): "2",
        env_name("web_port"): str(free_port_run(2, WEB_PORTS)),  # and the next one, for a second worker
        env_name("log_level"): "info",
    })
    env.update({env_name(k): v for k, v in overrides.items()})
    return env


@dataclass
class Worker:
    """A `geowire worker` subprocess with its log in a file."""

    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen | None = None
    settings: Settings = field(init=False)

    def __post_init__(self) -> None:
        self.settings = from_env(self.env)

    def start(self) -> "Worker":
        self._log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streams.cli", "worker"], env=self.env, cwd=REPO,
            stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
        return self

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60.0) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=timeout)
        finally:
            self._log.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def worker(kafka: Settings, tmp_path: Path):
    """A running worker on fresh topics; stopped (SIGTERM) after the test."""
    w = Worker(isolated_env(kafka), tmp_path / "worker.log").start()
    yield w
    if w.process and w.process.poll() is None:
        w.stop()


# ------------------------------------------------------------------ Kafka I/O for tests


def produce(settings: Settings, values: list[bytes], keys: list[bytes | None] | None = None) -> None:
    from aiokafka import AIOKafkaProducer

    async def run() -> None:
        from streams.topics import ensure_topics

        await ensure_topics(settings)
        producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap_servers, max_request_size=30_000_000)
        await producer.start()
        try:
            for i, value in enumerate(values):
                await producer.send_and_wait(settings.topic_raw, value=value, key=keys[i] if keys else None)
        finally:
            await producer.stop()

    asyncio.run(run())


@dataclass
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes

    def json(self) -> dict:
        return orjson.loads(self.value)


def consume(settings: Settings, topics: list[str], count: int, timeout: float = 90.0) -> list[Record]:
    """Read from the beginning of `topics` until `count` records arrived or `timeout` passed."""
    from aiokafka import AIOKafkaConsumer

    async def run() -> list[Record]:
        consumer = AIOKafkaConsumer(
            *topics, bootstrap_servers=settings.bootstrap_servers, auto_offset_reset="earliest",
            group_id=f"reader-{uuid.uuid4().hex[:8]}", enable_auto_commit=False,
            isolation_level="read_committed", metadata_max_age_ms=1000,
        )
        await consumer.start()
        found: list[Record] = []
        deadline = time.monotonic() + timeout
        try:
            while len(found) < count and time.monotonic() < deadline:
                batch = await consumer.getmany(timeout_ms=500)
                for tp, records in batch.items():
                    found += [Record(tp.topic, tp.partition, r.offset, r.key, r.value) for r in records]
        finally:
            await consumer.stop()
        return found

    return asyncio.run(run())


def sample_raw_article() -> dict:
    """The reference sample as the example file ships it."""
    line = (EXAMPLES / "greekreporter-xi-russia.jsonl").read_bytes().splitlines()[0]
    return orjson.loads(line)


# ------------------------------------------------------------------ a broker of the test's own


# Test ports lie below Linux's ephemeral range (32768-60999), where any client's source port may
# take them: brokers' listeners in one range, workers' web servers in another.
BROKER_PORTS = (21000, 32000)
WEB_PORTS = (20000, 20990)


def free_port_run(count: int, ports: tuple[int, int] = BROKER_PORTS) -> int:
    """The first of `count` consecutive free TCP ports on 127.0.0.1, in the range `ports`.

    Below the ephemeral range: a client retrying a stopped broker's port there can be handed that
    very port as its own source port (a TCP self-connection) and keep the broker from binding it
    again on restart; a worker's web server can find its port taken by some client's connection.
    """
    import random
    import socket

    for _ in range(200):
        first = random.randint(*ports)
        sockets = []
        try:
            for port in range(first, first + count):
                s = socket.socket()
                sockets.append(s)
                s.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError("no free ports")


@pytest.fixture
def own_broker(kafka: Settings, tmp_path_factory):
    """Start a broker of this test's own (other ports, another GEOWIRE_KAFKA_HOME, the shared jars):
    `own_broker(**settings)` returns its Settings (security settings configure its client listener;
    `extra=` broker properties, `scram_users=` name: password). Stopped after the test. Tests that
    stop or restart a broker use this, never the shared one."""
    started: list[Settings] = []

    def start(extra: dict[str, str] | None = None, scram_users: dict[str, str] | None = None, **overrides: str) -> Settings:
        first = free_port_run(3)  # clients, controller, inter-broker
        home = tmp_path_factory.mktemp("kafka-home")
        environ = {env_name(k): v for k, v in {
            "broker": f"kafka://127.0.0.1:{first}", "kafka_controller_port": str(first + 1),
            "kafka_home": str(home), "kafka_heap": "-Xms128m -Xmx384m", **overrides,
        }.items()}
        settings = from_env(environ)
        started.append(settings)
        localkafka.start(settings, extra=extra, scram_users=scram_users, jars_from=localkafka.fetch_jars(kafka))
        return settings

    yield start
    for settings in started:
        localkafka.stop(settings)
