"""`geowire sink`: articles.enriched and alerts.geopolitical into PostgreSQL, at least once, idempotently.

The sink reads both topics in its own consumer group (`<app id>-sink`), collects a batch (up to
GEOWIRE_SINK_BATCH_SIZE records, or what arrived GEOWIRE_SINK_BATCH_WITHIN seconds after the first
one), writes it in one transaction, and only then commits the batch's offsets. A crash between
the two replays the batch; the upserts make the replay harmless. When PostgreSQL is unreachable
the sink keeps its batch, pauses its partitions (staying in the group) and retries with backoff,
so nothing is lost and enrichment upstream is never held back: the sink's lag grows, then shrinks.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from dataclasses import dataclass, field
from typing import Awaitable, Callable

import psycopg
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalGenerationError, RebalanceInProgressError

from ..security import client_kwargs
from ..settings import Settings
from ..topics import ensure_topics
from . import migrations, store
from .database import connect, database_url, redacted
from .rows import Unstorable, decode

log = logging.getLogger("geowire.sink")

# What to do while waiting for PostgreSQL, for so many seconds (the sink keeps its consumer polling).
Waiter = Callable[[float], Awaitable[None]]


def group_id(settings: Settings) -> str:
    """The sink's consumer group: apart from the worker's, so each reads every record."""
    return f"{settings.app_id}-sink"


@dataclass
class Totals:
    articles: int = 0
    alerts: int = 0
    skipped: int = 0
    batches: int = 0
    started: float = field(default_factory=time.monotonic)


class Database:
    """One connection, reopened with backoff whenever PostgreSQL goes away."""

    def __init__(self, settings: Settings, stopping: asyncio.Event) -> None:
        self.url = database_url(settings)
        self.retry_max = settings.sink_retry_max
        self.stopping = stopping
        self.conn: psycopg.Connection | None = None

    async def connection(self, on_wait: Waiter | None = None) -> psycopg.Connection | None:
        """An open connection with the schema migrated; None if asked to stop while waiting."""
        delay = 0.2
        while self.conn is None or self.conn.closed:
            try:
                self.conn = await asyncio.to_thread(self._open)
            except psycopg.OperationalError as exc:
                log.warning("PostgreSQL at %s unreachable (%s); retrying in %.1f s", redacted(self.url), _first_line(exc), delay)
                if await self.wait(delay, on_wait):
                    return None
                delay = min(delay * 2, self.retry_max)
        return self.conn

    def _open(self) -> psycopg.Connection:
        conn = connect(self.url)
        try:
            applied = migrations.apply(conn)
        except BaseException:
            conn.close()
            raise
        if applied:
            log.info("applied schema migrations %s", applied)
        return conn

    def discard(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            except psycopg.Error:
                pass
        self.conn = None

    async def wait(self, seconds: float, on_wait: Waiter | None = None) -> bool:
        """Sleep (doing `on_wait` meanwhile); True if asked to stop."""
        if on_wait is not None:
            await on_wait(seconds)
        else:
            try:
                await asyncio.wait_for(self.stopping.wait(), timeout=seconds)
            except asyncio.TimeoutError:
                pass
        return self.stopping.is_set()


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


class Sink:
    """The consume-write-commit loop."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.stopping = asyncio.Event()
        self.totals = Totals()
        self.db = Database(settings, self.stopping)
        self.consumer = AIOKafkaConsumer(
            settings.topic_enriched, settings.topic_alerts,
            bootstrap_servers=settings.bootstrap_servers, group_id=group_id(settings),
            enable_auto_commit=False, auto_offset_reset="earliest", isolation_level="read_committed",
            max_poll_records=settings.sink_batch_size, session_timeout_ms=int(settings.broker_session_timeout * 1000),
            request_timeout_ms=int(settings.broker_request_timeout * 1000), fetch_max_bytes=64 * 1024 * 1024,
            max_partition_fetch_bytes=16 * 1024 * 1024, **client_kwargs(settings),
        )
        self.last_report = time.monotonic()

    def stop(self) -> None:
        self.stopping.set()

    async def run(self) -> None:
        await ensure_topics(self.settings)
        if await self.db.connection() is None:
            return
        await self.consumer.start()
        log.warning(
            "sink started: %s and %s -> PostgreSQL at %s (group %s)",
            self.settings.topic_enriched, self.settings.topic_alerts, redacted(self.db.url), group_id(self.settings),
        )
        try:
            while not self.stopping.is_set():
                batch = await self.collect()
                if batch and await self.write(batch):
                    await self.commit(batch)
                await self.report()
        finally:
            await self.consumer.stop()
            self.db.discard()
            await self.report(final=True)

    async def collect(self) -> list[ConsumerRecord]:
        """Up to a batch of records: as many as arrive within GEOWIRE_SINK_BATCH_WITHIN of the first."""
        size, within = self.settings.sink_batch_size, self.settings.sink_batch_within
        batch: list[ConsumerRecord] = []
        deadline: float | None = None
        while len(batch) < size and not self.stopping.is_set():
            remaining = 1.0 if deadline is None else deadline - time.monotonic()
            if remaining <= 0:
                break
            got = await self.consumer.getmany(timeout_ms=int(remaining * 1000), max_records=size - len(batch))
            for records in got.values():
                batch += records
            if batch and deadline is None:
                deadline = time.monotonic() + within
            if not batch:
                break  # nothing for a second: let the caller check for a stop, then come back
        return batch

    async def write(self, batch: list[ConsumerRecord]) -> bool:
        """Write the batch, waiting out database outages. False if asked to stop before it was written."""
        articles, alerts = self.decode(batch)
        paused = False
        try:
            while True:
                conn = await self.db.connection(on_wait=self.keep_alive)
                if conn is None:
                    return False
                try:
                    written = await asyncio.to_thread(store.write, conn, articles, alerts)
                    break
                except psycopg.OperationalError as exc:
                    # Connection lost, server shutting down, deadlock: nothing was committed; retry it all.
                    log.warning("writing a batch of %d failed (%s); will retry", len(batch), _first_line(exc))
                    self.db.discard()
                    if not paused:
                        self.consumer.pause(*self.consumer.assignment())
                        paused = True
        finally:
            if paused:
                self.consumer.resume(*self.consumer.assignment())
        self.totals.articles += written.articles
        self.totals.alerts += written.alerts
        self.totals.skipped += len(written.skipped)
        self.totals.batches += 1
        return True

    async def keep_alive(self, seconds: float) -> None:
        """While waiting for PostgreSQL: keep polling with every partition paused, so the group keeps us."""
        self.consumer.pause(*self.consumer.assignment())
        deadline = time.monotonic() + seconds
        while not self.stopping.is_set() and time.monotonic() < deadline:
            got = await self.consumer.getmany(timeout_ms=int(min(0.5, max(deadline - time.monotonic(), 0.01)) * 1000))
            if got:  # fetched just before the pause took effect: seek back, they come again later
                for tp, records in got.items():
                    self.consumer.seek(tp, records[0].offset)

    def decode(self, batch: list[ConsumerRecord]) -> tuple[list[dict], list[dict]]:
        articles: list[dict] = []
        alerts: list[dict] = []
        for record in batch:
            is_alert = record.topic == self.settings.topic_alerts
            try:
                doc = decode("alert" if is_alert else "enriched-article", record.value)
            except Unstorable as exc:
                self.totals.skipped += 1
                log.error("skipped %s[%d]@%d: %s", record.topic, record.partition, record.offset, exc)
                continue
            (alerts if is_alert else articles).append(doc)
        return articles, alerts

    async def commit(self, batch: list[ConsumerRecord]) -> None:
        """Commit the next offset of every partition in the batch that this sink still owns."""
        offsets: dict[TopicPartition, int] = {}
        for record in batch:
            tp = TopicPartition(record.topic, record.partition)
            offsets[tp] = max(offsets.get(tp, 0), record.offset + 1)
        owned = self.consumer.assignment()
        offsets = {tp: offset for tp, offset in offsets.items() if tp in owned}
        if not offsets:
            return
        try:
            await self.consumer.commit(offsets)
        except (CommitFailedError, IllegalGenerationError, RebalanceInProgressError) as exc:
            # The partitions moved to another sink, which replays from the last commit: harmless.
            log.warning("offsets not committed (%s); the next owner rewrites these records", _first_line(exc))

    async def report(self, final: bool = False) -> None:
        """A progress line every 10 s (and at the end): totals, and how far behind the topics' ends it is."""
        now = time.monotonic()
        if not final and now - self.last_report < 10:
            return
        self.last_report = now
        t = self.totals
        behind = 0
        if not final:
            for tp in self.consumer.assignment():
                highwater = self.consumer.highwater(tp)
                if highwater is not None:
                    behind += max(highwater - await self.consumer.position(tp), 0)
        elapsed = max(now - t.started, 1e-9)
        log.warning(
            "sink%s: %d articles and %d alerts written in %d batches (%.0f records/s since start), %d skipped, %d records behind",
            " stopped" if final else "", t.articles, t.alerts, t.batches, (t.articles + t.alerts) / elapsed, t.skipped, behind,
        )


async def run_sink(settings: Settings) -> None:
    """Run the sink until SIGTERM or SIGINT; the batch in hand is written and committed before exiting."""
    sink = Sink(settings)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, sink.stop)
    await sink.run()


async def group_lag(settings: Settings) -> int:
    """Records on the sink's topics not yet committed by its group (end offsets minus committed)."""
    from aiokafka.admin import AIOKafkaAdminClient

    topics = (settings.topic_enriched, settings.topic_alerts)
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.bootstrap_servers, **client_kwargs(settings))
    # Subscribed without a group: it fetches the topics' metadata and joins nothing.
    consumer = AIOKafkaConsumer(
        *topics, bootstrap_servers=settings.bootstrap_servers, group_id=None, isolation_level="read_committed", **client_kwargs(settings),
    )
    await admin.start()
    await consumer.start()
    try:
        committed = await admin.list_consumer_group_offsets(group_id(settings))
        partitions = [TopicPartition(topic, p) for topic in topics for p in (consumer.partitions_for_topic(topic) or ())]
        if len({tp.topic for tp in partitions}) < len(topics):
            raise RuntimeError(f"no partitions known for {', '.join(topics)}: do the topics exist?")
        ends = await consumer.end_offsets(partitions)
        return sum(max(end - (committed[tp].offset if tp in committed and committed[tp].offset >= 0 else 0), 0) for tp, end in ends.items())
    finally:
        await consumer.stop()
        await admin.close()
