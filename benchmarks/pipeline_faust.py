"""The baseline Faust agent for `benchmarks.pipeline`: each raw message copied to the sink, per event.

    python -m benchmarks.pipeline_faust worker -l warn --without-web   (wired by environment variables)

Faust as its documentation shows it (one `send` per event, default producer settings), on topics
of the same kind as geowire's, so that the ratio geowire/passthrough tells what geowire's own
work and its Faust layer cost.
"""

from __future__ import annotations

import faust

from .pipeline_wiring import Wiring

wiring = Wiring.from_env()

app = faust.App(
    wiring.group,
    broker=f"kafka://{wiring.bootstrap}",
    processing_guarantee=wiring.guarantee,
    broker_session_timeout=10.0,
    consumer_auto_offset_reset="earliest",
    key_serializer="raw",
    value_serializer="raw",
    store="memory://",
    web_enabled=False,
)
source = app.topic(wiring.source, key_type=bytes, value_type=bytes)
sink = app.topic(wiring.sink, key_type=bytes, value_type=bytes)


@app.agent(source)
async def passthrough(stream):  # type: ignore[no-untyped-def]
    async for key, value in stream.items():
        await sink.send(key=key, value=value)


if __name__ == "__main__":
    app.main()
