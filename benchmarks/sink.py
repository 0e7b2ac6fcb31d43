"""How fast the sink stores enriched articles in PostgreSQL: batched upserts against one article at a time.

    python benchmarks/sink.py [--articles N] [--batch N] [--single N] [--runs N] [--kafka]

Articles are the labelled tag fixtures run through the enrichment core, copied under distinct ids
(real entities, tags, states and evidence; about 4 KB of text each). Each mode writes into a
scratch database of its own on the local instance (`geowire postgres start`; or the server of
GEOWIRE_DATABASE_URL / DATABASE_URL) with `store.write_batch`, the sink's own write path:

- one at a time: one article per transaction (what a naive consumer does);
- batched: `--batch` articles per transaction (the sink's default, GEOWIRE_SINK_BATCH_SIZE);
- replayed: the same articles again, batched (updates: child rows replaced);
- with `--kafka`: the whole sink (consume, decode, validate, write, commit) from a fresh topic on
  the local broker, timed from start until its group's lag is zero.

Prints articles per second and rows per second (articles plus entity, tag and state rows), from the
best of `--runs` runs of each mode (the machine's other work only ever makes a run slower).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Callable

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from streams import localpg  # noqa: E402
from streams.enrich import Enricher  # noqa: E402
from streams.settings import Settings, from_env  # noqa: E402
from streams.sink import migrations, store  # noqa: E402
from streams.sink.database import connect, scratch_database  # noqa: E402
from streams.sink.rows import article_rows  # noqa: E402
from tests.test_sink import make_articles  # noqa: E402  (the tests' articles: enriched fixtures under new ids)

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "tags"


def articles(n: int) -> list[dict]:
    enricher = Enricher()
    base = [enricher.enrich(orjson.loads(p.read_bytes())["raw"]) for p in sorted(FIXTURES.glob("*.json"))]
    return make_articles(base, n, prefix=f"bench-{uuid.uuid4().hex[:6]}-")


def rows_per_article(docs: list[dict]) -> float:
    total = 0
    for doc in docs:
        r = article_rows(doc)
        total += 1 + len(r.article_entities) + len(r.article_tags) + len(r.article_states)
    return total / len(docs)


def server_url(settings: Settings) -> str:
    url = settings.database_url or os.environ.get("DATABASE_URL")
    if url:
        return url
    localpg.start(settings)
    return localpg.url(settings, "postgres")


def timed_writes(url: str, docs: list[dict], batch: int, replay: bool = False) -> float:
    """Seconds to write `docs` in transactions of `batch` articles (and, with `replay`, the time of a second pass)."""
    with scratch_database(url, "geowire_bench") as db, connect(db) as conn:
        migrations.apply(conn)
        passes = 2 if replay else 1
        elapsed = 0.0
        for _ in range(passes):
            started = time.perf_counter()
            for i in range(0, len(docs), batch):
                store.write_batch(conn, docs[i:i + batch], [])
            elapsed = time.perf_counter() - started
        return elapsed


def timed_sink(settings: Settings, url: str, docs: list[dict], batch: int) -> float:
    """Seconds from the sink's start until it has committed every article produced beforehand."""
    from aiokafka import AIOKafkaProducer

    from streams.sink.consumer import Sink, group_lag
    from streams.topics import ensure_topics

    suffix = uuid.uuid4().hex[:8]
    with scratch_database(url, "geowire_bench") as db:
        s = replace(
            settings, app_id=f"bench-{suffix}", topic_raw=f"bench-{suffix}.raw", topic_enriched=f"bench-{suffix}.enriched",
            topic_deadletter=f"bench-{suffix}.deadletter", topic_alerts=f"bench-{suffix}.alerts", partitions=2,
            database_url=db, sink_batch_size=batch, sink_batch_within=0.2,
        )

        async def run() -> float:
            await ensure_topics(s)
            producer = AIOKafkaProducer(bootstrap_servers=s.bootstrap_servers, linger_ms=20, max_request_size=30_000_000)
            await producer.start()
            sent = [await producer.send(s.topic_enriched, key=d["id"].encode(), value=orjson.dumps(d)) for d in docs]
            await asyncio.gather(*sent)
            await producer.stop()
            sink = Sink(s)
            started = time.perf_counter()
            task = asyncio.create_task(sink.run())
            while await group_lag(s) > 0:
                await asyncio.sleep(0.1)
            elapsed = time.perf_counter() - started
            sink.stop()
            await task
            return elapsed

        return asyncio.run(run())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=5000, help="articles written batched (default 5000)")
    parser.add_argument("--batch", type=int, default=500, help="articles per transaction when batched (default 500)")
    parser.add_argument("--single", type=int, default=1000, help="articles written one at a time (default 1000)")
    parser.add_argument("--runs", type=int, default=1, help="runs of each mode; the fastest counts (default 1)")
    parser.add_argument("--kafka", action="store_true", help="also time the whole sink from a topic on the local broker")
    args = parser.parse_args()

    settings = from_env()
    url = server_url(settings)
    docs = articles(args.articles)
    per_article = rows_per_article(docs)
    print(f"{len(docs)} enriched articles, {per_article:.1f} rows each (article + entities + tags + states)")

    def line(name: str, n: int, timed: Callable[[], float]) -> None:
        seconds = min(timed() for _ in range(args.runs))
        print(f"{name:<28} {n:>6} articles in {seconds:6.2f} s: {n / seconds:8,.0f} articles/s, {n * per_article / seconds:9,.0f} rows/s")

    single = docs[:args.single]
    line("one at a time", len(single), lambda: timed_writes(url, single, 1))
    line(f"batched ({args.batch} per transaction)", len(docs), lambda: timed_writes(url, docs, args.batch))
    line("replayed, batched", len(docs), lambda: timed_writes(url, docs, args.batch, replay=True))
    if args.kafka:
        line("whole sink, from Kafka", len(docs), lambda: timed_sink(settings, url, docs, args.batch))
    return 0


if __name__ == "__main__":
    sys.exit(main())
