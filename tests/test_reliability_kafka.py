"""Nothing lost on the real broker: SIGKILLed workers, a second worker joining and leaving, SIGTERM,
and a broker that is not there. Every raw article ends enriched, dead-lettered, or counted as a
duplicate that carries the same id (at-least-once); under exactly_once a read_committed reader
sees no duplicate at all."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import pytest

from streams.settings import Settings

from .conftest import REPO, WEB_PORTS, Worker, free_port_run, isolated_env

pytestmark = pytest.mark.kafka

# Fast settings for tests that restart workers: short sessions, small batches, small articles.
FAST = {"broker_session_timeout": "6", "log_level": "warn", "batch_size": "200"}


def articles(n: int, prefix: str, bad_every: int = 97) -> list[tuple[bytes, bytes]]:
    """(key, value) of `n` small raw articles; every `bad_every`-th one is not JSON (a dead letter)."""
    out = []
    for i in range(n):
        ident = f"{prefix}-{i:05d}"
        if i % bad_every == bad_every - 1:
            out.append((ident.encode(), b"{not json " + ident.encode()))
        else:
            raw = {"id": ident, "url": f"https://example.org/{ident}", "text": f"Ukraine and Poland met in Warsaw ({i})."}
            out.append((ident.encode(), orjson.dumps(raw)))
    return out


def produce_all(settings: Settings, items: list[tuple[bytes, bytes]]) -> None:
    from aiokafka import AIOKafkaProducer

    from streams.security import client_kwargs
    from streams.topics import ensure_topics, send_all

    async def run() -> None:
        await ensure_topics(settings)
        producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap_servers, linger_ms=20, enable_idempotence=True,
                                    **client_kwargs(settings))
        await producer.start()
        try:
            await send_all(producer, settings.topic_raw, items, window=2000)
        finally:
            await producer.stop()

    asyncio.run(run())


@dataclass
class Outputs:
    """What a downstream reader saw on the enriched and dead-letter topics."""

    enriched: Counter = field(default_factory=Counter)  # article id -> records
    dead: Counter = field(default_factory=Counter)  # article id or raw key -> records
    records: int = 0
    mismatched_keys: int = 0  # records whose key is not their article's id

    @property
    def duplicates(self) -> int:
        return sum(c - 1 for c in self.enriched.values()) + sum(c - 1 for c in self.dead.values())

    def seen(self) -> set[str]:
        return set(self.enriched) | set(self.dead)


def read_outputs(settings: Settings, expected: set[str], timeout: float, isolation: str = "read_uncommitted",
                 idle: float = 4.0) -> Outputs:
    """Read both output topics from the start until every expected id arrived (then `idle` more seconds) or `timeout`."""
    from aiokafka import AIOKafkaConsumer

    from streams.security import client_kwargs

    async def run() -> Outputs:
        consumer = AIOKafkaConsumer(
            settings.topic_enriched, settings.topic_deadletter, bootstrap_servers=settings.bootstrap_servers,
            auto_offset_reset="earliest", group_id=None, enable_auto_commit=False, isolation_level=isolation,
            max_partition_fetch_bytes=8 * 1024 * 1024, **client_kwargs(settings),
        )
        await consumer.start()
        out = Outputs()
        deadline = time.monotonic() + timeout
        complete_at = None
        try:
            while time.monotonic() < deadline:
                batch = await consumer.getmany(timeout_ms=500, max_records=5000)
                for tp, records in batch.items():
                    for r in records:
                        out.records += 1
                        key = r.key.decode()
                        if tp.topic == settings.topic_enriched:
                            ident = orjson.loads(r.value)["id"]
                            out.enriched[ident] += 1
                        else:
                            ident = orjson.loads(r.value)["article_id"] or key
                            out.dead[ident] += 1
                        out.mismatched_keys += key != ident
                if complete_at is None and expected <= out.seen():
                    complete_at = time.monotonic()
                if complete_at is not None and time.monotonic() - complete_at >= idle:
                    break
        finally:
            await consumer.stop()
        return out

    return asyncio.run(run())


def output_count(settings: Settings) -> int:
    """Records on the output topics now (end offsets; includes transaction markers under exactly_once)."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    async def run() -> int:
        consumer = AIOKafkaConsumer(bootstrap_servers=settings.bootstrap_servers, enable_auto_commit=False)
        await consumer.start()
        try:
            tps = [TopicPartition(t, p) for t in (settings.topic_enriched, settings.topic_deadletter)
                   for p in (consumer.partitions_for_topic(t) or range(settings.partitions))]
            return sum((await consumer.end_offsets(tps)).values())
        finally:
            await consumer.stop()

    return asyncio.run(run())


def wait_for_progress(settings: Settings, beyond: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        count = output_count(settings)
        if count > beyond:
            return count
        time.sleep(0.2)
    raise AssertionError(f"no output beyond {beyond} within {timeout:.0f} s")


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "State:\tZ" not in status.read_text()


def kill9(w: Worker) -> list[int]:
    """SIGKILL the worker (as a crash would); return its children that outlived it for more than 10 s."""
    assert w.process is not None
    kids = children(w.process.pid)
    w.stop(signal.SIGKILL, timeout=30)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(alive(k) for k in kids):
        time.sleep(0.2)
    orphans = [k for k in kids if alive(k)]
    for k in orphans:  # leave nothing behind on the test machine
        os.kill(k, signal.SIGKILL)
    return orphans


@pytest.mark.slow
@pytest.mark.parametrize("guarantee", ["at_least_once", "exactly_once"])
def test_twenty_thousand_articles_through_three_sigkills(kafka: Settings, tmp_path: Path, guarantee: str) -> None:
    n = 20_000
    env = isolated_env(kafka, processing_guarantee=guarantee, partitions="4", **FAST)
    prefix = "acct-" + uuid.uuid4().hex[:6]
    items = articles(n, prefix)
    expected = {k.decode() for k, _ in items}
    bad = sum(1 for _, v in items if v.startswith(b"{not"))
    rng = random.Random(int(os.environ.get("GEOWIRE_TEST_SEED", "0")) or None)
    log = tmp_path / "worker.log"

    w = Worker(env, log).start()
    chunks = [items[i::4] for i in range(4)]
    produce_all(w.settings, chunks[0])
    orphans: list[int] = []
    kills = []
    try:
        progress = 0
        for round_ in range(3):
            progress = wait_for_progress(w.settings, progress, timeout=120)
            time.sleep(rng.uniform(0.1, 2.0))
            kills.append(output_count(w.settings))
            orphans += kill9(w)
            progress = output_count(w.settings)  # the next kill waits for the restarted worker's own output
            produce_all(w.settings, chunks[round_ + 1])  # more arrives while no worker runs
            w = Worker(env, log).start()
        outputs = read_outputs(w.settings, expected, timeout=300, isolation="read_committed" if guarantee == "exactly_once" else "read_uncommitted")
        assert w.process.poll() is None, w.log()[-3000:]
    finally:
        orphans += kill9(w)

    missing = expected - outputs.seen()
    print(f"{guarantee}: outputs at the kills {kills}; {outputs.records} records read for {n} articles "
          f"({len(outputs.enriched)} enriched, {len(outputs.dead)} dead letters), {outputs.duplicates} duplicates")
    assert not missing, f"{len(missing)} articles lost, e.g. {sorted(missing)[:5]}\n" + log.read_text()[-3000:]
    assert len(outputs.dead) == bad and len(outputs.enriched) == n - bad
    assert outputs.records == n + outputs.duplicates
    assert outputs.mismatched_keys == 0  # a duplicate carries the same id, as its key and in its value
    if guarantee == "exactly_once":
        assert outputs.duplicates == 0, f"{outputs.duplicates} duplicates visible to a read_committed reader"
    assert not orphans, f"child processes outlived the killed worker: {orphans}"


def run_to_completion(env: dict, log: Path, expected: set[str], timeout: float = 180) -> Outputs:
    """Start a worker, read until every expected id came out, stop it (SIGTERM, must exit 0)."""
    w = Worker(env, log).start()
    try:
        return read_outputs(w.settings, expected, timeout=timeout)
    finally:
        assert w.stop(signal.SIGTERM, timeout=60) == 0, log.read_text()[-3000:]


@pytest.mark.slow
def test_sigterm_mid_stream_drains_commits_and_exits_zero(kafka: Settings, tmp_path: Path) -> None:
    env = isolated_env(kafka, partitions="4", **FAST)
    items = articles(6000, "term-" + uuid.uuid4().hex[:6])
    expected = {k.decode() for k, _ in items}
    log = tmp_path / "worker.log"
    w = Worker(env, log).start()
    produce_all(w.settings, items)
    wait_for_progress(w.settings, 500, timeout=120)

    started = time.monotonic()
    code = w.stop(signal.SIGTERM, timeout=60)
    took = time.monotonic() - started
    at_stop = output_count(w.settings)
    print(f"SIGTERM after {at_stop} outputs: exit {code} in {took:.1f} s")
    assert code == 0, log.read_text()[-3000:]
    assert took < 30

    outputs = run_to_completion(env, log, expected)
    assert expected == outputs.seen()
    # What the first worker published before it stopped was committed: the second one redoes none of it.
    assert outputs.duplicates == 0, f"{outputs.duplicates} duplicates after a clean stop"


def test_unreachable_broker_fails_fast_naming_the_setting(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEOWIRE_")}
    # 192.0.2.0/24 is TEST-NET-1: nothing answers there.
    env.update(GEOWIRE_BROKER="kafka://192.0.2.1:9092", GEOWIRE_STARTUP_TIMEOUT="10", GEOWIRE_WEB_PORT=str(free_port_run(1, WEB_PORTS)),
               GEOWIRE_APP_ID=f"unreachable-{uuid.uuid4().hex[:6]}")
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "streams.cli", "worker"], env=env, cwd=REPO, capture_output=True,
                            text=True, timeout=90)
    took = time.monotonic() - started
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-2000:]
    assert took < 60
    assert "GEOWIRE_BROKER" in output and "192.0.2.1:9092" in output, output[-2000:]


def dead_letter_partitions(log_text: str) -> set[int]:
    """Raw partitions a worker dead-lettered messages from, read from its log lines."""
    import re

    return {int(p) for p in re.findall(r"articles\.raw\[(\d+)\]@\d+", log_text)}


@pytest.mark.slow
def test_two_workers_share_six_partitions_and_one_takes_over_when_the_other_dies(kafka: Settings, tmp_path: Path) -> None:
    # Ingest workers scaled out as README's "Scaling out" deploys them: alert agents in a group of their own.
    env = isolated_env(kafka, partitions="6", agents="ingest", **FAST)
    prefix = "scale-" + uuid.uuid4().hex[:6]
    first, second = articles(3000, prefix + "a", bad_every=7), articles(3000, prefix + "b", bad_every=7)
    expected = {k.decode() for k, _ in first + second}
    a = Worker(env, tmp_path / "a.log").start()
    b = Worker({**env, "GEOWIRE_WEB_PORT": str(int(env["GEOWIRE_WEB_PORT"]) + 1)}, tmp_path / "b.log").start()
    try:
        # Wait until both are in the group: each has dead-lettered something from a warm-up trickle.
        deadline = time.monotonic() + 120
        sent = 0
        while not (dead_letter_partitions(a.log()) and dead_letter_partitions(b.log())):
            assert time.monotonic() < deadline, "the two workers never both processed messages"
            produce_all(a.settings, first[sent : sent + 300])
            sent += 300
            time.sleep(1.0)
        produce_all(a.settings, first[sent:])
        read_outputs(a.settings, {k.decode() for k, _ in first}, timeout=120, idle=0)
        a_parts, b_parts = dead_letter_partitions(a.log()), dead_letter_partitions(b.log())
        print(f"before the kill: worker A dead-lettered from partitions {sorted(a_parts)}, worker B from {sorted(b_parts)}")
        assert a_parts and b_parts  # both processed some (a rebalance may move partitions between them)

        kill9(a)
        b_log_at_kill = len(b.log())
        produce_all(b.settings, second)
        outputs = read_outputs(b.settings, expected, timeout=180)
        taken = dead_letter_partitions(b.log()[b_log_at_kill:])
        print(f"after the kill: worker B dead-lettered from partitions {sorted(taken)}; "
              f"{outputs.records} records for {len(expected)} articles, {outputs.duplicates} duplicates")
        assert expected == outputs.seen(), f"{len(expected - outputs.seen())} lost"
        assert a_parts <= taken, "worker B did not take over worker A's partitions"
        assert outputs.mismatched_keys == 0
        assert b.process.poll() is None
    finally:
        kill9(a) if a.process.poll() is None else None
        if b.process.poll() is None:
            b.stop()


@pytest.mark.slow
def test_broker_restart_mid_stream_the_worker_reconnects_and_loses_nothing(own_broker, tmp_path: Path) -> None:
    from streams import localkafka

    broker = own_broker()
    env = isolated_env(broker, partitions="4", **FAST)
    env["GEOWIRE_KAFKA_HOME"], env["GEOWIRE_KAFKA_CONTROLLER_PORT"] = broker.kafka_home, str(broker.kafka_controller_port)
    prefix = "restart-" + uuid.uuid4().hex[:6]
    before, after = articles(4000, prefix + "a"), articles(4000, prefix + "b")
    expected = {k.decode() for k, _ in before + after}
    w = Worker(env, tmp_path / "worker.log").start()
    try:
        produce_all(w.settings, before)
        at_stop = wait_for_progress(w.settings, 300, timeout=120)
        assert localkafka.stop(broker, timeout=60)
        time.sleep(5)  # the worker runs without a broker for a while
        assert w.process.poll() is None, "the worker must survive the broker's absence\n" + w.log()[-3000:]
        localkafka.start(broker)
        produce_all(w.settings, after)
        outputs = read_outputs(w.settings, expected, timeout=240)
        print(f"broker restarted after {at_stop} outputs: {outputs.records} records for {len(expected)} articles, "
              f"{outputs.duplicates} duplicates")
        assert expected == outputs.seen(), f"{len(expected - outputs.seen())} lost\n" + w.log()[-3000:]
        assert outputs.mismatched_keys == 0
        assert w.process.poll() is None
    finally:
        if w.process.poll() is None:
            w.stop(signal.SIGKILL)
