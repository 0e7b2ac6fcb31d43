"""The plain aiokafka consume -> produce loop for `benchmarks.pipeline`: the floor of Python-on-Kafka cost.

    python -m benchmarks.pipeline_aiokafka   (wired by environment variables)

At-least-once: a fetched batch is sent, its deliveries awaited, then its offsets committed.
Exactly-once: the same batch inside a transaction that also carries the consumed offsets.
"""

from __future__ import annotations

import asyncio
import signal

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import OffsetAndMetadata

from .pipeline_wiring import Wiring

BATCH = 500


async def run(wiring: Wiring) -> None:
    consumer = AIOKafkaConsumer(
        wiring.source, bootstrap_servers=wiring.bootstrap, group_id=wiring.group, enable_auto_commit=False,
        auto_offset_reset="earliest", isolation_level="read_committed",
    )
    producer = AIOKafkaProducer(
        bootstrap_servers=wiring.bootstrap, linger_ms=5, max_batch_size=1 << 20, enable_idempotence=True,
        transactional_id=f"{wiring.group}-tx" if wiring.exactly_once else None,
    )
    stopping = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopping.set)
    await producer.start()
    await consumer.start()
    try:
        while not stopping.is_set():
            batch = await consumer.getmany(timeout_ms=100, max_records=BATCH)
            if not batch:
                continue
            offsets = {tp: OffsetAndMetadata(records[-1].offset + 1, "") for tp, records in batch.items()}
            if wiring.exactly_once:
                async with producer.transaction():
                    for records in batch.values():
                        for r in records:
                            await producer.send(wiring.sink, key=r.key, value=r.value)
                    await producer.send_offsets_to_transaction(offsets, wiring.group)
            else:
                deliveries = [
                    await producer.send(wiring.sink, key=r.key, value=r.value) for records in batch.values() for r in records
                ]
                await asyncio.gather(*deliveries)
                await consumer.commit({TopicPartition(tp.topic, tp.partition): o.offset for tp, o in offsets.items()})
    finally:
        await consumer.stop()
        await producer.stop()


if __name__ == "__main__":
    asyncio.run(run(Wiring.from_env()))
