"""`geowire sink` on the real broker and a real PostgreSQL: exactly one row per article through replays,
a SIGKILL mid-batch, and a database outage while the worker keeps enriching.

Enriched articles are produced straight to an isolated enriched topic (built by the enrichment
core from the labelled fixtures, checked against the schema); the outage test runs the real worker.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import orjson
import psycopg
import pytest

from streams import localpg
from streams.settings import Settings, from_env
from streams.sink.consumer import group_lag
from streams.topics import ensure_topics

from .conftest import REPO, Worker, consume, isolated_env, produce
from .test_sink import (  # noqa: F401 - fixtures
    alert,
    count,
    database,
    enriched_fixtures,
    expected_child_rows,
    make_articles,
    postgres_server,
    private_postgres,
)

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]


class Sink(Worker):
    """A `geowire sink` subprocess with its log in a file."""

    def start(self) -> "Sink":
        self._log = open(self.log_path, "ab")
        command = [sys.executable, "-m", "streams.cli", "sink"]
        self.process = subprocess.Popen(command, env=self.env, cwd=REPO, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        return self


def produce_json(settings: Settings, topic: str, docs: list[dict]) -> None:
    """Send each document keyed by its id, as the worker and the alert agent do."""
    from aiokafka import AIOKafkaProducer

    async def run() -> None:
        await ensure_topics(settings)
        producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap_servers, linger_ms=5, max_request_size=30_000_000)
        await producer.start()
        try:
            sent = [await producer.send(topic, key=doc["id"].encode(), value=orjson.dumps(doc)) for doc in docs]
            await asyncio.gather(*sent)
        finally:
            await producer.stop()

    asyncio.run(run())


def lag(settings: Settings) -> int:
    return asyncio.run(group_lag(settings))


def rows(url: str, table: str = "articles") -> int:
    try:
        return count(url, table)
    except psycopg.errors.UndefinedTable:  # the sink has not migrated the database yet
        return -1
    except psycopg.OperationalError:  # the database is down
        return -1


def wait_until(condition: Callable[[], bool], timeout: float, what: str, logs: tuple[Worker, ...] = ()) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    tails = "\n".join(f"--- {w.log_path.name}\n" + "\n".join(w.log().splitlines()[-25:]) for w in logs)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{tails}")


def child_rows(url: str) -> dict[str, int]:
    return {table: count(url, table) for table in ("article_entities", "article_tags", "article_states")}


def test_sink_stores_each_article_once_and_a_replay_changes_nothing(
    kafka: Settings, database: str, enriched_fixtures: list[dict], tmp_path: Path
) -> None:
    env = isolated_env(kafka, database_url=database)
    settings = from_env(env)
    articles = make_articles(enriched_fixtures, 40)
    produce_json(settings, settings.topic_enriched, articles)
    produce_json(settings, settings.topic_alerts, [alert("alert-1", 1), alert("alert-1", 3, "high"), alert("alert-1", 2)])
    sink = Sink(env, tmp_path / "sink.log").start()
    try:
        wait_until(lambda: rows(database) == 40 and lag(settings) == 0, 60, "40 rows and no lag", (sink,))
        first = child_rows(database)

        produce_json(settings, settings.topic_enriched, articles)  # the same articles again, as a replay would
        wait_until(lambda: lag(settings) == 0, 60, "the replay to be consumed", (sink,))

        assert rows(database) == 40
        assert child_rows(database) == first == expected_child_rows(articles)
        with psycopg.connect(database) as c:
            assert c.execute("SELECT id, revision, severity FROM alerts").fetchall() == [("alert-1", 3, "high")]
    finally:
        status = sink.stop()
    assert status == 0, sink.log()


@pytest.mark.slow
def test_sink_killed_mid_batch_resumes_with_every_article_once(
    kafka: Settings, database: str, enriched_fixtures: list[dict], tmp_path: Path
) -> None:
    # Batches of 100 that wait a minute to fill: 250 articles make two full batches written at once,
    # and a third of 50 consumed but held, unwritten, when the sink is killed.
    env = isolated_env(kafka, database_url=database, sink_batch_size="100", sink_batch_within="60", broker_session_timeout="6")
    settings = from_env(env)
    articles = make_articles(enriched_fixtures, 250)
    produce_json(settings, settings.topic_enriched, articles)
    sink = Sink(env, tmp_path / "sink.log").start()
    wait_until(lambda: rows(database) == 200, 60, "the two full batches", (sink,))
    time.sleep(1.0)
    assert rows(database) == 200
    sink.stop(signal.SIGKILL)
    with psycopg.connect(database) as c:
        [last_written] = c.execute("SELECT max(stored_at) FROM articles").fetchone()

    assert lag(settings) == 50  # offsets are committed only for what PostgreSQL committed

    restarted = Sink({**env, "GEOWIRE_SINK_BATCH_WITHIN": "0.5"}, tmp_path / "sink-restarted.log").start()
    try:
        wait_until(lambda: rows(database) == 250 and lag(settings) == 0, 60, "all 250 articles", (restarted,))
        assert child_rows(database) == expected_child_rows(articles)
        with psycopg.connect(database) as c:
            rewritten = c.execute("SELECT count(*) FROM articles WHERE stored_at > %s", (last_written,)).fetchone()[0]
        assert rewritten == 50  # only the batch that was lost with the process is written again
    finally:
        restarted.stop()


@pytest.mark.slow
def test_pipeline_keeps_enriching_through_a_database_outage_and_the_sink_catches_up(
    kafka: Settings, private_postgres: Settings, tmp_path: Path
) -> None:
    database = localpg.url(private_postgres)
    env = isolated_env(kafka, database_url=database, sink_retry_max="0.5", sink_batch_within="0.2")
    settings = from_env(env)
    raws = [orjson.loads(p.read_bytes())["raw"] for p in sorted((REPO / "tests" / "fixtures" / "tags").glob("*.json"))][:10]
    worker = Worker(env, tmp_path / "worker.log").start()
    sink = Sink(env, tmp_path / "sink.log").start()
    try:
        produce(settings, [orjson.dumps(raw) for raw in raws[:5]])
        wait_until(lambda: rows(database) == 5, 120, "the first 5 articles in PostgreSQL", (worker, sink))

        localpg.stop(private_postgres)
        produce(settings, [orjson.dumps(raw) for raw in raws[5:]])
        enriched = consume(settings, [settings.topic_enriched], 10, timeout=60)
        # At least the 5 new articles (and any alerts the worker raised for them) wait for the sink.
        wait_until(lambda: lag(settings) >= 5, 30, "the sink's lag to grow while the database is down", (sink,))
        time.sleep(2.0)
        lag_during_outage = lag(settings)

        localpg.start(private_postgres)
        wait_until(lambda: rows(database) == 10 and lag(settings) == 0, 60, "the sink to catch up", (sink,))

        assert len(enriched) == 10  # enrichment did not wait for the database
        assert lag_during_outage >= 5
        assert sink.process is not None and sink.process.poll() is None
        assert "unreachable" in sink.log() or "will retry" in sink.log()
        with psycopg.connect(database) as c:
            stored = {a for (a,) in c.execute("SELECT id FROM articles")}
        assert stored == {raw["id"] for raw in raws}
    finally:
        sink.stop()
        worker.stop()
