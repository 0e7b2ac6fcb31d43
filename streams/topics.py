"""Creating geowire's topics before the worker subscribes, with a clear error when the broker is unreachable."""

from __future__ import annotations

import asyncio
import logging
from typing import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from .security import client_kwargs
from .settings import Settings

log = logging.getLogger(__name__)


class BrokerUnavailable(RuntimeError):
    """No broker answered at GEOWIRE_BROKER within GEOWIRE_STARTUP_TIMEOUT."""


def max_record_bytes(settings: Settings) -> int:
    """The largest record geowire may publish: an enriched article repeats its text in mentions and
    evidence (about twice the raw message at most), a dead letter keeps the original in base64."""
    return max(2 * settings.max_message_bytes, settings.deadletter_keep_bytes * 4 // 3) + 1_048_576


async def send_output(app, topic, key: bytes | None, value: bytes, source_topic: str, source_partition: int):  # type: ignore[no-untyped-def]
    """Send one output of a message from (source_topic, source_partition); return the delivery future.

    Under exactly_once the output must join the transaction that commits the source partition's
    offsets. Faust's own `Topic.send` picks the transactional producer of the *output's* partition
    instead, so an output and its input's offset could commit in different transactions and a crash
    between the two commits published the output twice (faust-streaming #517, #323)."""
    if not app.in_transaction:
        return await topic.send(key=key, value=value)
    transactions = app.consumer.transactions
    transactional_id = f"{app.conf.id}-{app.assignor.group_for_topic(source_topic)}-{source_partition}"
    return await transactions.producer.send(
        topic.get_topic_name(), key, value, None, None, None, transactional_id=transactional_id,
    )


async def send_all(producer, topic: str, records: Iterable[tuple[bytes | None, bytes]], window: int = 1000) -> int:  # type: ignore[no-untyped-def]
    """Send (key, value) records with an aiokafka producer, at most `window` awaiting delivery at a
    time (enough to fill its batches, not so many that a large file sits in memory); return how
    many were delivered. A failed delivery raises."""
    pending = []
    sent = 0
    for key, value in records:
        pending.append(await producer.send(topic, value=value, key=key))
        if len(pending) >= window:
            await asyncio.gather(*pending)
            sent += len(pending)
            pending.clear()
    await asyncio.gather(*pending)
    return sent + len(pending)


def topic_names(settings: Settings) -> list[str]:
    return [settings.topic_raw, settings.topic_enriched, settings.topic_deadletter, settings.topic_alerts]


async def _started_admin(settings: Settings, admin_config: dict | None = None) -> AIOKafkaAdminClient:
    """An admin client connected to GEOWIRE_BROKER, or BrokerUnavailable naming it."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.bootstrap_servers,
        request_timeout_ms=int(min(settings.startup_timeout, settings.broker_request_timeout) * 1000),
        **{**client_kwargs(settings), **(admin_config or {})},
    )
    try:
        await asyncio.wait_for(admin.start(), timeout=settings.startup_timeout)
    except (asyncio.TimeoutError, KafkaError, OSError) as exc:
        await admin.close()
        raise BrokerUnavailable(
            f"no Kafka broker answered at {settings.broker} within {settings.startup_timeout:.0f} s "
            f"({type(exc).__name__}: {exc}). Check GEOWIRE_BROKER, or start the local one: geowire kafka start"
        ) from None
    return admin


async def existing_topics(settings: Settings) -> set[str]:
    """The names of the topics the broker has."""
    admin = await _started_admin(settings)
    try:
        return set(await admin.list_topics())
    finally:
        await admin.close()


async def ensure_topics(settings: Settings, admin_config: dict | None = None) -> list[str]:
    """Create any of geowire's topics that does not exist yet; return the names created."""
    admin = await _started_admin(settings, admin_config)
    try:
        existing = set(await admin.list_topics())
        wanted = [name for name in topic_names(settings) if name not in existing]
        if not wanted:
            return []
        # Output topics take the largest record geowire publishes (brokers default to 1 MB; a dead letter
        # of a large message is more). The raw topic keeps the broker's limit: what it accepts, geowire
        # dead-letters when it is over GEOWIRE_MAX_MESSAGE_BYTES.
        outputs = {"max.message.bytes": str(max_record_bytes(settings))}
        new = [
            NewTopic(name, settings.partitions, settings.replication_factor, topic_configs={} if name == settings.topic_raw else outputs)
            for name in wanted
        ]
        try:
            await admin.create_topics(new)
        except TopicAlreadyExistsError:  # another worker of the group created them first
            pass
        log.info("created topics %s with %d partitions", ", ".join(wanted), settings.partitions)
        return wanted
    finally:
        await admin.close()
