"""geowire's enrichment core behind a Quix Streams pipeline, for `benchmarks.pipeline`.

    python -m benchmarks.pipeline_quix [--passthrough]   (wired by environment variables)

The same `process` as geowire's ingest agent (decode, validate, enrich, or a dead letter), keyed by
the article id, on librdkafka through Quix Streams; `--passthrough` copies each message instead.
"""

from __future__ import annotations

import argparse
import logging
import time

import orjson
from quixstreams import Application
from quixstreams.models.serializers import Serializer

from streams.deadletter import Origin
from streams.ingest import Outcome, build_enricher, process
from streams.settings import from_env

from .pipeline_wiring import Wiring


class OutcomeSerializer(Serializer):
    """An `Outcome` to its JSON bytes."""

    def __call__(self, value: Outcome, ctx: object) -> bytes:
        return orjson.dumps(value.value)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--passthrough", action="store_true")
    args = parser.parse_args(argv)
    wiring = Wiring.from_env()
    app = Application(
        broker_address=wiring.bootstrap, consumer_group=wiring.group, auto_offset_reset="earliest",
        processing_guarantee="exactly-once" if wiring.exactly_once else "at-least-once",
        loglevel="WARNING", auto_create_topics=False, use_changelog_topics=False,
        producer_extra_config={"linger.ms": 5},
    )
    source = app.topic(wiring.source, key_deserializer="bytes", value_deserializer="bytes")
    # Outputs carry the time they are made, as geowire's do (Quix keeps the input's by default):
    # the benchmark times contenders by their outputs' timestamps.
    now_ms = lambda value, key, timestamp, headers: int(time.time() * 1000)  # noqa: E731
    if args.passthrough:
        sink = app.topic(wiring.sink, key_serializer="bytes", value_serializer="bytes")
        app.dataframe(source).set_timestamp(now_ms).to_topic(sink)
        app.run()
        return
    settings = from_env()
    logging.getLogger("streams").setLevel(logging.ERROR)
    enricher = build_enricher(settings)
    enriched = app.topic(wiring.sink, key_serializer="bytes", value_serializer=OutcomeSerializer())
    deadletter = app.topic(wiring.deadletter, key_serializer="bytes", value_serializer=OutcomeSerializer())

    def enrich(value: bytes, key: bytes | None, timestamp: int, headers: object) -> Outcome:
        return process(value, key, Origin(wiring.source, None, None), enricher, settings)

    def route(value: Outcome, key: object, timestamp: int, headers: object):  # type: ignore[no-untyped-def]
        return enriched if value.kind == "enriched" else deadletter

    sdf = app.dataframe(source).apply(enrich, metadata=True).set_timestamp(now_ms)
    sdf.to_topic(route, key=lambda outcome: outcome.key)
    app.run()


if __name__ == "__main__":
    main()
