"""Counters the agents report to; exposed for Prometheus by the worker's web server (`/metrics`).

Agents call the `observe_*` functions; they must stay cheap (no I/O) because they run per message.
Messages in and out per topic come from a Faust sensor (`TopicSensor`), so every agent is counted
without calling anything. Consumer lag is computed when `/metrics` is scraped (`refresh_lag`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import PlatformCollector, ProcessCollector, disable_created_metrics

from faust.sensors import Sensor

from .ingest import Outcome

if TYPE_CHECKING:
    import faust
    from faust.types import TP, Message

# The text exposition format; aiohttp adds the charset itself (it refuses one inside content_type).
CONTENT_TYPE = "text/plain; version=0.0.4"

# `*_created` timestamps double the output and no dashboard reads them.
disable_created_metrics()

# Our own registry: tests and a second app in one process never see "duplicated timeseries".
REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)

MESSAGES_IN = Counter("geowire_messages_in", "Messages consumed, by topic.", ["topic"], registry=REGISTRY)
MESSAGES_OUT = Counter("geowire_messages_out", "Messages delivered to Kafka, by topic.", ["topic"], registry=REGISTRY)
PROCESSED = Counter("geowire_articles_processed", "Raw messages processed, by outcome (enriched or deadletter).", ["outcome"], registry=REGISTRY)
DEADLETTERS = Counter("geowire_deadletters", "Dead letters, by reason.", ["reason"], registry=REGISTRY)
DUPLICATES = Counter("geowire_duplicates", "Messages dropped as duplicates, by what was duplicated.", ["kind"], registry=REGISTRY)
TAGS = Counter("geowire_tags", "Tags given to enriched articles, by tag id.", ["tag"], registry=REGISTRY)
ALERTS = Counter("geowire_alerts", "Alerts published, by rule and whether new or an update.", ["rule", "update"], registry=REGISTRY)
ENRICH_SECONDS = Histogram(
    "geowire_enrich_seconds", "Time to process one raw message (decode, validate, enrich).", ["outcome"], registry=REGISTRY,
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
RELOADS = Counter("geowire_knowledge_reloads", "Knowledge reloads, by result (ok or failed).", ["result"], registry=REGISTRY)
LAG = Gauge("geowire_consumer_lag", "Messages behind the end of each assigned partition (at scrape time).", ["topic", "partition"], registry=REGISTRY)
ASSIGNED = Gauge("geowire_assigned_partitions", "Partitions assigned to this worker.", registry=REGISTRY)


def observe_outcome(outcome: Outcome, seconds: float) -> None:
    """One raw message processed: enriched or dead-lettered, and how long enrichment took."""
    PROCESSED.labels(outcome.kind).inc()
    ENRICH_SECONDS.labels(outcome.kind).observe(seconds)
    if outcome.kind == "deadletter":
        DEADLETTERS.labels(outcome.reason or "unknown").inc()
        return
    for tag in outcome.value.get("tags") or ():
        TAGS.labels(tag["id"]).inc()


def observe_alert(alert: dict, created: bool) -> None:
    """One alert published: newly created, or an update of an existing one."""
    ALERTS.labels(str(alert.get("rule", "unknown")), "false" if created else "true").inc()


def observe_sent(topic: str, count: int) -> None:
    """Messages delivered past Faust's sensors (exactly-once outputs go through the transaction's producer)."""
    if count:
        MESSAGES_OUT.labels(topic).inc(count)


def observe_duplicate(kind: str) -> None:
    """One record not counted again: `article`, an article a rule's open story holds already, from
    another record; `surge`, an article a surge key counted already in its windows."""
    DUPLICATES.labels(kind).inc()


def observe_reload(ok: bool) -> None:
    """One knowledge reload attempted: loaded and swapped in, or rejected (the old one stays)."""
    RELOADS.labels("ok" if ok else "failed").inc()


class TopicSensor(Sensor):
    """Counts messages in and out per topic for every agent of the app."""

    def on_message_in(self, tp: TP, offset: int, message: Message) -> None:
        MESSAGES_IN.labels(tp.topic).inc()

    def on_send_completed(self, producer: Any, state: Any, metadata: Any) -> None:
        MESSAGES_OUT.labels(metadata.topic).inc()


async def consumer_lag(app: faust.App) -> dict[tuple[str, int], int]:
    """Highwater minus committed offset (else the read position) for each assigned partition."""
    consumer = app.consumer
    assigned = sorted(consumer.assignment())
    if not assigned:
        return {}
    highwaters = await consumer.highwaters(*assigned)
    lag: dict[tuple[str, int], int] = {}
    for tp in assigned:
        end = highwaters.get(tp)
        done = consumer._committed_offset.get(tp)  # what Faust committed: the next offset to read
        if done is None:
            done = await consumer.position(tp)
        if end is not None and done is not None:
            lag[(tp.topic, tp.partition)] = max(0, end - done)
    return lag


async def refresh_lag(app: faust.App) -> None:
    """Set the lag gauges from the consumer now; partitions no longer assigned disappear."""
    lag = await consumer_lag(app)
    LAG.clear()
    for (topic, partition), behind in lag.items():
        LAG.labels(topic, str(partition)).set(behind)
    ASSIGNED.set(len(app.consumer.assignment()))


def exposition() -> bytes:
    """Every metric in the Prometheus text format."""
    return generate_latest(REGISTRY)
