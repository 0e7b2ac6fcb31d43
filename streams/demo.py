"""`geowire demo`: the whole pipeline on the local broker, with the example articles, in one command.

Starts (or reuses) the local broker, starts a worker as a subprocess, feeds every line of
examples/*.jsonl to articles.raw, waits until each one came out enriched or dead-lettered, prints
what geowire made of it, and then stops the worker (or keeps it running until Ctrl-C).
"""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson

from . import localkafka
from .security import client_kwargs
from .settings import Settings
from .topics import ensure_topics


def describe_enriched(article: dict) -> str:
    """A few lines an analyst can read: title, entities by type, states, tags with their evidence."""
    lines = [f"● {article['title'] or article['url']}  [{article['id']}]"]
    by_type: dict[str, list[str]] = {}
    for entity in sorted(article["entities"], key=lambda e: -e["salience"]):
        label = entity["name"]
        if entity.get("roles"):
            label += f" ({entity['roles'][0]['title']})"
        by_type.setdefault(entity["type"], []).append(label)
    for kind in ("PERSON", "ORG", "GPE"):
        if kind in by_type:
            lines.append(f"    {kind:6} {', '.join(by_type[kind][:8])}")
    if article["states"]:
        lines.append("    states " + ", ".join(f"{s['name']} ×{s['count']}" for s in article["states"][:6]))
    for tag in article["tags"]:
        evidence = tag["evidence"][0]["text"] if tag["evidence"] else ""
        lines.append(f"    tag    {tag['id']} {tag['score']:.2f}  “{evidence[:90]}”")
    if not article["tags"]:
        lines.append("    tag    (none)")
    return "\n".join(lines)


def example_lines(folder: Path) -> list[bytes]:
    lines: list[bytes] = []
    for path in sorted(folder.glob("*.jsonl")):
        lines += [line for line in path.read_bytes().splitlines() if line.strip()]
    return lines


async def _end_offsets(settings: Settings, topics: list[str]) -> dict:
    """The current end offset of every partition of `topics`: where this demo's results will start."""
    from aiokafka import AIOKafkaConsumer, TopicPartition
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=settings.bootstrap_servers, **client_kwargs(settings))
    await admin.start()
    try:
        described = await admin.describe_topics(topics)
    finally:
        await admin.close()
    partitions = [TopicPartition(t["topic"], p["partition"]) for t in described for p in t["partitions"]]
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.bootstrap_servers, enable_auto_commit=False, **client_kwargs(settings))
    await consumer.start()
    try:
        return await consumer.end_offsets(partitions)
    finally:
        await consumer.stop()


def is_from(lines: list[bytes]):  # type: ignore[no-untyped-def]
    """A test for results of these lines: enriched ones by article id, dead letters by their original bytes.

    Other producers may share the topics (a crawler, an earlier run): their results are not counted.
    """
    from .ids import article_id

    ids = set()
    for line in lines:
        try:
            raw = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if isinstance(raw, dict) and isinstance(raw.get("url"), str):
            ids.add(article_id(raw))
    originals = {base64.b64encode(line).decode("ascii") for line in lines}

    def test(topic_kind: str, value: dict) -> bool:
        return value.get("id") in ids if topic_kind == "enriched" else value.get("original") in originals

    return test


async def _collect(settings: Settings, start: dict, lines: list[bytes], timeout: float) -> list[tuple[str, dict]]:
    """Read enriched and dead-letter records written after `start` until each of `lines` has its result."""
    from aiokafka import AIOKafkaConsumer

    ours = is_from(lines)
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.bootstrap_servers, enable_auto_commit=False, **client_kwargs(settings))
    await consumer.start()
    results: list[tuple[str, dict]] = []
    try:
        consumer.assign(list(start))
        for tp, offset in start.items():
            consumer.seek(tp, offset)
        deadline = time.monotonic() + timeout
        while len(results) < len(lines) and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for tp, records in batch.items():
                kind = "enriched" if tp.topic == settings.topic_enriched else "deadletter"
                for record in records:
                    value = orjson.loads(record.value)
                    if ours(kind, value):
                        results.append((tp.topic, value))
    finally:
        await consumer.stop()
    return results


def run_demo(settings: Settings, examples: Path, keep_running: bool = False) -> int:
    lines = example_lines(examples)
    if not lines:
        print(f"geowire demo: no *.jsonl in {examples}", file=sys.stderr)
        return 2
    localkafka.start(settings)
    asyncio.run(ensure_topics(settings))
    outputs = [settings.topic_enriched, settings.topic_deadletter]
    start = asyncio.run(_end_offsets(settings, outputs))

    print(f"geowire demo: starting a worker (group {settings.app_id}) ...", file=sys.stderr, flush=True)
    worker = subprocess.Popen([sys.executable, "-m", "streams.cli", "worker"], env=os.environ.copy())
    try:
        produce = subprocess.run(
            [sys.executable, "-m", "streams.cli", "produce", "-"], input=b"\n".join(lines) + b"\n", env=os.environ.copy()
        )
        if produce.returncode != 0:
            return produce.returncode
        print(f"geowire demo: waiting for {len(lines)} results ...", file=sys.stderr, flush=True)
        results = asyncio.run(_collect(settings, start, lines, timeout=120.0))
        for topic, value in results:
            if topic == settings.topic_enriched:
                print(describe_enriched(value))
            else:
                print(f"✗ dead letter: {value['reason']}: {value['error']}")
        enriched = sum(topic == settings.topic_enriched for topic, _ in results)
        print(f"\ngeowire demo: {len(lines)} in, {enriched} enriched, {len(results) - enriched} dead-lettered", flush=True)
        if len(results) < len(lines):
            print("geowire demo: some results did not arrive within 120 s; see the worker's log above", file=sys.stderr)
            return 1
        if keep_running:
            print("geowire demo: the worker keeps running; Ctrl-C stops it", file=sys.stderr, flush=True)
            worker.wait()
        return 0
    except KeyboardInterrupt:
        return 130
    finally:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=60)
            except subprocess.TimeoutExpired:
                worker.kill()
        print("geowire demo: worker stopped; the broker keeps running (geowire kafka stop)", file=sys.stderr)
