"""The worker on the real broker: articles in, enriched articles and dead letters out."""

from __future__ import annotations

import base64
import shutil
import signal
import subprocess

import orjson
import pytest

from streams.contracts import validate
from streams.ids import article_id

from .conftest import Worker, consume, isolated_env, produce, sample_raw_article

pytestmark = pytest.mark.kafka


def test_reference_sample_comes_out_enriched_keyed_by_its_id(worker: Worker) -> None:
    raw = sample_raw_article()
    produce(worker.settings, [orjson.dumps(raw)])

    records = consume(worker.settings, [worker.settings.topic_enriched, worker.settings.topic_deadletter], 1)

    assert len(records) == 1, worker.log()
    record = records[0]
    assert record.topic == worker.settings.topic_enriched, record.value[:500]
    enriched = record.json()
    validate("enriched-article", enriched)
    assert record.key == raw["id"].encode()
    assert enriched["id"] == raw["id"]
    assert enriched["url"] == raw["url"]
    assert "Xi Jinping will visit Russia next week" in enriched["text"]
    assert enriched["reference_date"] == "2023-03-17"


BAD_INPUTS: list[tuple[str, bytes | None, str]] = [
    ("truncated JSON", b'{"url": "https://example.org/a", "text": ', "not_json"),
    ("not UTF-8", b'{"url": "https://example.org/a", "text": "caf\xe9"}', "not_utf8"),
    ("JSON array", b'[{"url": "https://example.org/a", "text": "x"}]', "not_object"),
    ("JSON string", b'"just a string"', "not_object"),
    ("missing url", b'{"text": "An article without its address."}', "invalid"),
    ("empty url", b'{"url": "", "text": "Some text."}', "invalid"),
    ("text of the wrong type", b'{"url": "https://example.org/a", "text": 42}', "invalid"),
    ("neither text nor html", b'{"url": "https://example.org/a", "title": "Only a title"}', "invalid"),
    ("blank text", b'{"url": "https://example.org/a", "text": "  \\n\\t "}', "invalid"),
    ("title of the wrong type", b'{"url": "https://example.org/a", "text": "x", "title": ["a"]}', "invalid"),
    ("text too long", orjson.dumps({"url": "https://example.org/long", "text": "word " * 2000}), "too_large"),
    ("tombstone", None, "not_json"),
]


def test_bad_inputs_are_dead_lettered_with_reasons_and_the_worker_keeps_going(kafka, tmp_path) -> None:
    w = Worker(isolated_env(kafka, max_text_chars="5000"), tmp_path / "worker.log").start()
    try:
        good = {"id": "after-the-bad-ones", "url": "https://example.org/good", "text": "Ukraine and Poland signed a deal."}
        values = [value for _, value, _ in BAD_INPUTS] + [orjson.dumps(good)]
        # One partition's order is kept: key every message alike so the good one comes last.
        produce(w.settings, values, keys=[b"same-key"] * len(values))

        records = consume(w.settings, [w.settings.topic_enriched, w.settings.topic_deadletter], len(values))

        dead = [r for r in records if r.topic == w.settings.topic_deadletter]
        enriched = [r for r in records if r.topic == w.settings.topic_enriched]
        assert len(dead) == len(BAD_INPUTS), w.log()
        assert [e.json()["id"] for e in enriched] == ["after-the-bad-ones"]
        by_offset = sorted((r.json() for r in dead), key=lambda d: d["source"]["offset"])
        for (what, value, reason), letter in zip(BAD_INPUTS, by_offset):
            validate("deadletter", letter)
            assert letter["reason"] == reason, (what, letter["error"])
            assert letter["error"], what
            assert base64.b64decode(letter["original"]) == (value or b""), what
            assert letter["source"]["topic"] == w.settings.topic_raw
            assert letter["source"]["partition"] is not None
        assert w.process.poll() is None, "the worker must still be running"
        assert "dead letter: not_utf8" in w.log()
    finally:
        assert w.stop() == 0


def test_article_without_id_is_keyed_by_its_canonical_url(worker: Worker) -> None:
    raw = {"url": "https://www.example.org/news/story/?utm_source=x", "text": "Talks in Geneva continued."}
    produce(worker.settings, [orjson.dumps(raw)])

    records = consume(worker.settings, [worker.settings.topic_enriched], 1)

    assert len(records) == 1, worker.log()
    record = records[0]

    assert record.key == article_id(raw).encode()
    assert record.json()["canonical_url"] == "https://example.org/news/story"


@pytest.mark.skipif(shutil.which("kcat") is None, reason="kcat is installed by .ci/run (Debian package kcat)")
def test_article_produced_by_kcat_is_processed(worker: Worker) -> None:
    raw = {"id": "from-kcat", "url": "https://example.org/kcat", "text": "NATO ministers met in Brussels."}
    host_port = worker.settings.bootstrap_servers
    # The worker creates its topics at start; wait for that through a first round trip.
    produce(worker.settings, [orjson.dumps({"id": "warm-up", "url": "https://example.org/w", "text": "x"})])
    consume(worker.settings, [worker.settings.topic_enriched], 1)

    subprocess.run(
        ["kcat", "-P", "-b", host_port, "-t", worker.settings.topic_raw, "-k", "from-kcat"],
        input=orjson.dumps(raw), check=True, timeout=30,
    )

    records = consume(worker.settings, [worker.settings.topic_enriched], 2)
    assert {r.json()["id"] for r in records} == {"warm-up", "from-kcat"}


def test_downstream_confluent_kafka_consumer_reads_enriched_articles(worker: Worker) -> None:
    from confluent_kafka import Consumer

    raw = {"id": "for-librdkafka", "url": "https://example.org/c", "text": "Beijing and Moscow held talks."}
    produce(worker.settings, [orjson.dumps(raw)])
    consumer = Consumer({
        "bootstrap.servers": worker.settings.bootstrap_servers, "group.id": "downstream-" + raw["id"],
        "auto.offset.reset": "earliest", "isolation.level": "read_committed",
    })
    consumer.subscribe([worker.settings.topic_enriched])
    try:
        message = None
        for _ in range(120):
            message = consumer.poll(1.0)
            if message is not None and message.error() is None:
                break
        assert message is not None and message.error() is None
        assert message.key() == b"for-librdkafka"
        validate("enriched-article", orjson.loads(message.value()))
    finally:
        consumer.close()


def test_sigterm_stops_the_worker_cleanly(worker: Worker) -> None:
    produce(worker.settings, [orjson.dumps({"id": "one", "url": "https://example.org/1", "text": "x"})])
    consume(worker.settings, [worker.settings.topic_enriched], 1)

    assert worker.stop(signal.SIGTERM, timeout=60) == 0


def test_ingest_and_alerts_run_as_groups_of_their_own(kafka, tmp_path) -> None:
    env = isolated_env(kafka)
    alerts_id = env["GEOWIRE_APP_ID"] + "-alerts"
    ingest = Worker({**env, "GEOWIRE_AGENTS": "ingest"}, tmp_path / "ingest.log").start()
    alerting = Worker(
        {**env, "GEOWIRE_AGENTS": "alerts", "GEOWIRE_APP_ID": alerts_id, "GEOWIRE_WEB_PORT": str(int(env["GEOWIRE_WEB_PORT"]) + 1)},
        tmp_path / "alerts.log",
    ).start()
    try:
        raw = sample_raw_article()
        produce(ingest.settings, [orjson.dumps(raw)])

        (enriched,) = consume(ingest.settings, [ingest.settings.topic_enriched], 1)
        alerts = consume(ingest.settings, [ingest.settings.topic_alerts], 1)

        assert enriched.json()["id"] == raw["id"]
        assert alerts, ingest.log()[-2000:] + alerting.log()[-2000:]
        validate("alert", alerts[0].json())
        assert raw["id"] in {a["id"] for a in alerts[0].json()["articles"]}
        topics = _topic_names(kafka)
        # The alert tables' changelogs belong to the alerts group; the ingest group has none.
        assert alerts_id + "-alert-stories-changelog" in topics
        assert env["GEOWIRE_APP_ID"] + "-alert-stories-changelog" not in topics
    finally:
        assert ingest.stop() == 0
        assert alerting.stop() == 0


def _topic_names(settings) -> set[str]:
    import asyncio

    from aiokafka.admin import AIOKafkaAdminClient

    async def run() -> set[str]:
        admin = AIOKafkaAdminClient(bootstrap_servers=settings.bootstrap_servers)
        await admin.start()
        try:
            return set(await admin.list_topics())
        finally:
            await admin.close()

    return asyncio.run(run())
