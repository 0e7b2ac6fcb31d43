"""Creating geowire's topics before the worker subscribes, with a clear error when the broker is unreachable."""

from __future__ import annotations

import asyncio
import logging

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from .settings import Settings

log = logging.getLogger(__name__)


class BrokerUnavailable(RuntimeError):
    """No broker answered at GEOWIRE_BROKER within GEOWIRE_STARTUP_TIMEOUT."""


def topic_names(settings: Settings) -> list[str]:
    return [settings.topic_raw, settings.topic_enriched, settings.topic_deadletter, settings.topic_alerts]


async def ensure_topics(settings: Settings, admin_config: dict | None = None) -> list[str]:
    """Create any of geowire's topics that does not exist yet; return the names created."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.bootstrap_servers,
        request_timeout_ms=int(min(settings.startup_timeout, settings.broker_request_timeout) * 1000),
        **(admin_config or {}),
    )
    try:
        await asyncio.wait_for(admin.start(), timeout=settings.startup_timeout)
    except (asyncio.TimeoutError, KafkaError, OSError) as exc:
        await admin.close()
        raise BrokerUnavailable(
            f"no Kafka broker answered at {settings.broker} within {settings.startup_timeout:.0f} s "
            f"({type(exc).__name__}: {exc}). Check GEOWIRE_BROKER, or start the local one: geowire kafka start"
        ) from None
    try:
        existing = set(await admin.list_topics())
        wanted = [name for name in topic_names(settings) if name not in existing]
        if not wanted:
            return []
        new = [NewTopic(name, settings.partitions, settings.replication_factor) for name in wanted]
        try:
            await admin.create_topics(new)
        except TopicAlreadyExistsError:  # another worker of the group created them first
            pass
        log.info("created topics %s with %d partitions", ", ".join(wanted), settings.partitions)
        return wanted
    finally:
        await admin.close()
