"""The ingest agent: articles.raw -> (enrich) -> articles.enriched, or articles.deadletter with the reason."""

from __future__ import annotations

import asyncio
import logging
import time

import orjson

from ..app import app, deadletter_topic, enriched_topic, raw_topic, settings
from ..deadletter import Origin
from ..ingest import process
from ..metrics import observe_outcome

log = logging.getLogger(__name__)


@app.agent(raw_topic)
async def ingest(stream):  # type: ignore[no-untyped-def]
    """Enrich raw articles in batches; a batch is acknowledged only after all its outputs are delivered."""
    enricher = app.enricher  # loaded once per worker process, at start-up
    async for events in stream.take_events(settings.batch_size, within=settings.batch_within):
        deliveries = []
        for event in events:
            message = event.message
            origin = Origin(message.topic, message.partition, message.offset)
            started = time.perf_counter()
            outcome = process(message.value, message.key, origin, enricher, settings)
            observe_outcome(outcome, time.perf_counter() - started)
            if outcome.kind == "enriched":
                target = enriched_topic
            else:
                target = deadletter_topic
                log.warning(
                    "dead letter: %s (%s) from %s[%s]@%s",
                    outcome.reason, outcome.value["error"], origin.topic, origin.partition, origin.offset,
                )
            deliveries.append(await target.send(key=outcome.key, value=orjson.dumps(outcome.value)))
        await asyncio.gather(*deliveries)
