"""The ingest agent: articles.raw -> (enrich) -> articles.enriched, or articles.deadletter with the reason.

Enrichment costs several times what Faust spends on a message, so with GEOWIRE_ENRICH_PROCESSES
above 0 it runs in that many child processes, forked after the knowledge is loaded (they share its
memory), while the worker's own process keeps consuming and producing. A batch is acknowledged
only after all its outputs are delivered, in either mode.
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import logging
import multiprocessing
import os
import signal
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Awaitable, Sequence

import orjson

from ..app import app, deadletter_topic, enriched_topic, raw_topic, settings
from ..deadletter import Origin
from ..enrich import Enricher
from ..enrich.clean_language import load_model
from ..ingest import Outcome, process
from ..metrics import observe_outcome, observe_sent
from ..topics import send_output

log = logging.getLogger(__name__)

# (value, key, topic, partition, offset) of one raw message: what a child process needs.
Message = tuple[bytes | None, bytes | None, str, int, int]
# An outcome, its value as published, and the seconds enrichment took.
Result = tuple[Outcome, bytes, float]

# Batches read and not yet acknowledged: one being published while the next ones are enriched.
BATCHES_AHEAD = 2

# Most messages one task of a child process enriches: small enough that the worker sends the
# outputs of one task while the children enrich the next ones.
CHUNK = 32


def enrich_messages(enricher: Enricher, messages: Sequence[Message], slim: bool = False) -> list[Result]:
    """Process each message; `slim` keeps of an outcome's value only what metrics and logs read."""
    results = []
    for value, key, topic, partition, offset in messages:
        started = time.perf_counter()
        outcome = process(value, key, Origin(topic, partition, offset), enricher, settings)
        encoded = orjson.dumps(outcome.value)
        seconds = time.perf_counter() - started
        if slim:  # a whole enriched record would cost the worker more to unpickle than to send
            if outcome.kind == "enriched":
                kept = {"tags": [{"id": tag["id"]} for tag in outcome.value.get("tags") or ()]}
            else:
                kept = {"error": outcome.value["error"]}
            outcome = Outcome(outcome.kind, outcome.key, kept, outcome.reason)
        results.append((outcome, encoded, seconds))
    return results


_child_enricher: Enricher | None = None
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _adopt(enricher: Enricher, worker_pid: int) -> None:
    """Start of a child process: keep the enricher it was forked with; signals are the worker's business."""
    global _child_enricher
    _child_enricher = enricher
    signal.set_wakeup_fd(-1)  # the worker's event loop listens on the inherited fd, not this process
    for sig in (signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with(worker_pid)


def _die_with(worker_pid: int) -> None:
    """End this child when the worker ends, even by SIGKILL: it holds both ends of the pool's pipes, so it
    would never read an end of file and would wait for work forever."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # Linux
    except (OSError, AttributeError):
        pass
    if os.getppid() != worker_pid:  # the worker died before prctl took effect
        os._exit(1)


def _enrich_in_child(messages: Sequence[Message]) -> list[Result]:
    assert _child_enricher is not None
    return enrich_messages(_child_enricher, messages, slim=True)


class EnrichmentPool:
    """Child processes that enrich; forked again when the knowledge is reloaded (`app.enricher` replaced)."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self._enricher: Enricher | None = None
        self._executor: ProcessPoolExecutor | None = None

    def executor(self, enricher: Enricher) -> ProcessPoolExecutor:
        if enricher is not self._enricher or self._executor is None:
            self.close()
            load_model()  # loaded here, shared by the children; else each would load its own copy
            # The cyclic garbage collector writes into the header of every object it scans: run in
            # a child, it would copy the pages of the knowledge the children share with the worker,
            # and pause enrichment while it walks them. Frozen objects are never scanned; unfreezing
            # first lets a collection free what an earlier knowledge reload left unreachable.
            gc.unfreeze()
            gc.collect()
            gc.freeze()
            self._executor = ProcessPoolExecutor(
                self.processes, mp_context=multiprocessing.get_context("fork"), initializer=_adopt, initargs=(enricher, os.getpid())
            )
            self._enricher = enricher
        return self._executor

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


async def enrich_batch(enricher: Enricher, messages: list[Message], pool: EnrichmentPool | None) -> list[Awaitable[list[Result]]]:
    """The results of `messages` in chunks, in order, all chunks started; in this process when there is no pool."""
    if pool is None:
        return [_ready(enrich_messages(enricher, messages))]
    loop = asyncio.get_running_loop()
    executor = pool.executor(enricher)
    size = min(CHUNK, -(-len(messages) // pool.processes))
    chunks = [messages[i : i + size] for i in range(0, len(messages), size)]
    return [_from_child(loop.run_in_executor(executor, _enrich_in_child, chunk), enricher, chunk, pool) for chunk in chunks]


async def _ready(results: list[Result]) -> list[Result]:
    return results


async def _from_child(future: Awaitable[list[Result]], enricher: Enricher, chunk: list[Message], pool: EnrichmentPool) -> list[Result]:
    try:
        return await future
    except BrokenProcessPool:  # a child was killed (out of memory?): new ones are forked for the next batch
        log.error("an enrichment process died; enriching its %d messages in the worker", len(chunk))
        pool.close()
        return enrich_messages(enricher, chunk)


async def publish(stream, events: list, messages: list[Message], chunks: list[Awaitable[list[Result]]], previous: asyncio.Future | None) -> None:  # type: ignore[no-untyped-def]
    """Send one batch's outputs after the batch before it, wait for their delivery, then acknowledge the batch."""
    if previous is not None:
        await previous  # batches go out and are acknowledged in the order they were read
    if not settings.exactly_once:
        await _send_and_ack(stream, events, messages, chunks)
        return
    # Exactly-once: a transaction committed between these sends and their inputs' acknowledgement
    # would hold outputs without their offsets, published again after a crash. Faust lets one
    # commit run at a time and makes the others wait on `_commit_fut`: hold that slot meanwhile.
    consumer = app.consumer
    while await consumer.maybe_wait_for_commit_to_finish():
        pass
    consumer._commit_fut = slot = _CommitSlot(loop=asyncio.get_running_loop())  # noqa: SLF001
    try:
        await _send_and_ack(stream, events, messages, chunks)
    finally:
        if consumer._commit_fut is slot:  # noqa: SLF001
            consumer._commit_fut = None  # noqa: SLF001
        slot.set_result(None)
    # A commit that found the slot held waited for it and then gave up, as if it had committed:
    # with batches back to back Faust's periodic commit would seldom run, and outputs would wait
    # seconds for their transaction. Make the commit it gave up now.
    if slot.waited:
        await consumer.commit()


class _CommitSlot(asyncio.Future):
    """Faust's commit slot, held by the agent: knows whether a commit waited for it."""

    waited = False

    def __await__(self):  # type: ignore[no-untyped-def]
        self.waited = True
        return super().__await__()


async def _send_and_ack(stream, events: list, messages: list[Message], chunks: list[Awaitable[list[Result]]]) -> None:  # type: ignore[no-untyped-def]
    deliveries = []
    sent: dict[str, int] = {}  # exactly-once outputs per topic
    for chunk in chunks:
        for outcome, encoded, seconds in await chunk:
            observe_outcome(outcome, seconds)
            _, _, topic, partition, offset = messages[len(deliveries)]  # one delivery per message, in order
            if outcome.kind == "enriched":
                target = enriched_topic
            else:
                target = deadletter_topic
                log.warning(
                    "dead letter: %s (%s) from %s[%s]@%s",
                    outcome.reason, outcome.value["error"], topic, partition, offset,
                )
            # exactly_once: in the transaction of its input's partition
            deliveries.append(await send_output(app, target, outcome.key, encoded, topic, partition))
            if app.in_transaction:  # past Faust's sensors, which count the other outputs
                name = target.get_topic_name()
                sent[name] = sent.get(name, 0) + 1
    await asyncio.gather(*deliveries)
    for name, count in sent.items():
        observe_sent(name, count)
    for event in events:
        await stream.ack(event)


@app.agent(raw_topic)
async def ingest(stream):  # type: ignore[no-untyped-def]
    """Enrich raw articles in batches; a batch is acknowledged only after all its outputs are delivered.

    With child processes, they enrich the batches just read while this process publishes the ones
    before (at most BATCHES_AHEAD outstanding), so neither side waits for the other.
    """
    pool = EnrichmentPool(settings.enrich_processes) if settings.enrich_processes else None
    # Exactly-once: Faust commits a transaction with the offsets acknowledged so far and every output
    # sent so far. Outputs of a batch read ahead, not yet acknowledged, would be committed without
    # their inputs' offsets and published again after a crash: no batch is read ahead then.
    ahead = 0 if settings.exactly_once else BATCHES_AHEAD
    outstanding: deque[asyncio.Future] = deque()
    try:
        async for events in stream.noack_take(settings.batch_size, within=settings.batch_within):
            enricher = app.enricher  # read per batch: a knowledge reload replaces it
            messages = [(e.message.value, e.message.key, e.message.topic, e.message.partition, e.message.offset) for e in events]
            chunks = await enrich_batch(enricher, messages, pool)
            previous = outstanding[-1] if outstanding else None
            outstanding.append(asyncio.ensure_future(publish(stream, events, messages, chunks, previous)))
            while len(outstanding) > ahead or (outstanding and outstanding[0].done()):
                await outstanding.popleft()  # raises what publishing raised: the agent must not go on
    finally:
        # Stopping: deliver and acknowledge what was read, within a bound; the rest is read again.
        if outstanding:
            _, late = await asyncio.wait(outstanding, timeout=settings.broker_request_timeout)
            for task in late:
                task.cancel()
        if pool is not None:
            pool.close()
