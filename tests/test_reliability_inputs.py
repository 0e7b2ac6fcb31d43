"""Bad input of every kind: a dead letter with a precise reason, or an enriched article; never a crash.

The corpus lives in tests/fixtures/bad_inputs. The same cases run through `process` (no Kafka)
and through a real worker on the real broker, which must stay up with bounded memory.
"""

from __future__ import annotations

import asyncio
import base64
import time
from pathlib import Path

import orjson
import pytest

from streams.contracts import validate
from streams.deadletter import Origin
from streams.ids import article_id
from streams.ingest import build_enricher, nesting_depth, process
from streams.settings import Settings, from_env

from .conftest import Worker, consume, isolated_env
from .fixtures.bad_inputs import Case, corpus

SETTINGS = from_env({})
CASES = corpus(SETTINGS.max_text_chars)


def test_the_corpus_is_large_and_covers_every_reason() -> None:
    assert len(CASES) >= 40
    assert len({c.name for c in CASES}) == len(CASES)
    assert {c.expect for c in CASES} == {"enriched", "not_json", "not_utf8", "not_object", "invalid", "too_large"}
    assert max(len(c.value or b"") for c in CASES) >= 20_000_000


def check_outcome(case: Case, kind: str, value: dict) -> None:
    """The outcome one case must have; raises AssertionError naming the case otherwise."""
    got = "enriched" if kind == "enriched" else value["reason"]
    assert got == case.expect, (case.name, value.get("error"))
    if kind == "enriched":
        validate("enriched-article", value)
        if case.holds is not None:
            assert case.holds(value), case.name
    else:
        validate("deadletter", value)
        assert case.phrase in value["error"], (case.name, value["error"])
        original = base64.b64decode(value["original"])
        assert original == (case.value or b"")[: len(original)], case.name
        assert value["original_size"] == len(case.value or b""), case.name


@pytest.fixture(scope="module")
def enricher():
    return build_enricher(SETTINGS)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_bad_input_has_its_outcome_and_the_outcome_can_be_published(enricher, case: Case) -> None:
    outcome = process(case.value, case.key, Origin("articles.raw", 0, 7), enricher, SETTINGS)

    check_outcome(case, outcome.kind, outcome.value)
    orjson.dumps(outcome.value)  # what the agent publishes: must never raise


def test_nesting_depth_stops_counting_past_its_limit() -> None:
    assert nesting_depth("text") == 0
    assert nesting_depth({"a": [1, {"b": []}]}) == 4
    deep: list = []
    for _ in range(5000):
        deep = [deep]
    assert 10 < nesting_depth(deep, limit=10) <= 11


# ------------------------------------------------------------------ through the real worker


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


def produce_cases(settings: Settings, cases: list[Case]) -> list[tuple[int, int]]:
    """Send every case to the raw topic; (partition, offset) of each, in order."""
    from aiokafka import AIOKafkaProducer

    from streams.topics import ensure_topics

    async def run() -> list[tuple[int, int]]:
        await ensure_topics(settings)
        producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap_servers, max_request_size=25_000_000, linger_ms=5)
        await producer.start()
        try:
            futures = [await producer.send(settings.topic_raw, value=c.value, key=c.key) for c in cases]
            sent = await asyncio.gather(*futures)
        finally:
            await producer.stop()
        return [(m.partition, m.offset) for m in sent]

    return asyncio.run(run())


def expected_key(case: Case) -> bytes:
    return article_id(orjson.loads(case.value)).encode()


@pytest.mark.kafka
@pytest.mark.slow
def test_every_bad_input_through_the_worker_which_stays_up_with_bounded_memory(kafka: Settings, tmp_path) -> None:
    w = Worker(isolated_env(kafka, log_level="warn"), tmp_path / "worker.log").start()
    try:
        warm = Case("warm-up", orjson.dumps({"id": "warm-up", "url": "https://example.org/w", "text": "Kyiv and NATO."}), "enriched")
        produce_cases(w.settings, [warm])
        assert consume(w.settings, [w.settings.topic_enriched], 1), w.log()
        rss_before = rss_kib(w.process.pid)

        rounds, rss = [], [rss_before]
        for number in (1, 2):  # the second round shows whether memory keeps growing
            rounds.append(produce_cases(w.settings, CASES))
            wanted = 1 + number * len(CASES)
            records = consume(w.settings, [w.settings.topic_enriched, w.settings.topic_deadletter], wanted, timeout=180)
            assert len(records) == wanted, f"{len(records)} of {wanted} outcomes\n" + w.log()[-3000:]
            rss.append(rss_kib(w.process.pid))

        assert w.process.poll() is None, "the worker must still be running\n" + w.log()[-3000:]
        dead = {(r.json()["source"]["partition"], r.json()["source"]["offset"]): r for r in records if r.topic == w.settings.topic_deadletter}
        enriched: dict[bytes, list] = {}
        for r in records:
            if r.topic == w.settings.topic_enriched:
                enriched.setdefault(r.key, []).append(r)
        for sent in rounds:
            for case, position in zip(CASES, sent):
                if case.expect == "enriched":
                    assert expected_key(case) in enriched, case.name
                    check_outcome(case, "enriched", enriched[expected_key(case)][0].json())
                else:
                    assert position in dead, case.name
                    letter = dead[position].json()
                    check_outcome(case, "deadletter", letter)
                    assert letter["source"]["topic"] == w.settings.topic_raw
        mib = [round(k / 1024) for k in rss]
        print(f"worker RSS: {mib[0]} MiB before, {mib[1]} after one round of {len(CASES)} bad inputs, {mib[2]} after two")
        assert mib[1] - mib[0] < 400, f"RSS grew by {mib[1] - mib[0]} MiB in the first round"
        assert mib[2] - mib[1] < 100, f"RSS kept growing: {mib}"
    finally:
        assert w.stop() == 0, w.log()[-3000:]
