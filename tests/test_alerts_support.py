"""Helpers of the alert tests (no tests here): enriched articles made to order, producing them with chosen record
timestamps, reading alerts back, and a local webhook receiver that fails on purpose."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from dataclasses import dataclass, field

import orjson
from aiohttp import web

from streams.settings import Settings

from .conftest import Record

COUNTRIES = {"CHN": "China", "RUS": "Russia", "UKR": "Ukraine", "FRA": "France", "DEU": "Germany", "USA": "United States", "TWN": "Taiwan"}


def enriched_article(
    ident: str, *, text: str = "", title: str | None = None, source: str = "Test Wire", tags: dict[str, float] | None = None,
    states: dict[str, int] | None = None, persons: list[tuple[str, str]] = (), url: str | None = None,
) -> dict:
    """A schema-valid enriched article with the given tags (id -> score), states (alpha-3 -> credits) and persons."""
    text = text or f"Article {ident} reports on events."
    title = title if title is not None else f"Headline of {ident}"
    return {
        "schema": "enriched-article/v1",
        "id": ident,
        "url": url or f"https://news.example.org/{ident}",
        "canonical_url": url or f"https://news.example.org/{ident}",
        "source": source,
        "title": title,
        "text": text,
        "language": "en",
        "published_at": "2026-01-15T10:00:00Z",
        "reference_date": "2026-01-15",
        "entities": [
            {"name": name, "type": "PERSON", "kb_id": kb_id, "country": None, "roles": [], "mentions": [], "count": 1, "salience": 0.5}
            for kb_id, name in persons
        ],
        "states": [
            {"kb_id": f"country:{code}", "name": COUNTRIES.get(code, code), "country": code, "count": count}
            for code, count in (states or {}).items()
        ],
        "tags": [
            {"id": tag, "label": tag.replace("-", " ").capitalize(), "score": score, "rule": f"{tag}/test@1",
             "evidence": [{"start": 0, "end": min(len(text), 40), "text": text[:40], "field": "text"}]}
            for tag, score in (tags or {}).items()
        ],
        "enriched_at": "2026-01-15T10:00:01Z",
        "geowire_version": "0.1.0",
    }


def produce_enriched(settings: Settings, articles: list[tuple[dict, float]], partition: int = 0) -> None:
    """Send (article, stream time in seconds) pairs to the enriched topic, in order, to one partition."""
    from aiokafka import AIOKafkaProducer

    async def run() -> None:
        from streams.topics import ensure_topics

        await ensure_topics(settings)
        producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap_servers)
        await producer.start()
        try:
            for article, at in articles:
                await producer.send_and_wait(
                    settings.topic_enriched, value=orjson.dumps(article), key=article["id"].encode(),
                    partition=partition, timestamp_ms=int(at * 1000),
                )
        finally:
            await producer.stop()

    asyncio.run(run())


def read_topic(settings: Settings, topic: str, until, timeout: float = 60.0, settle: float = 3.0) -> list[Record]:
    """Records of `topic` from the beginning: until `until(records)` holds, then `settle` seconds more
    (to see anything that should not be there), or until `timeout`."""
    from aiokafka import AIOKafkaConsumer

    async def run() -> list[Record]:
        consumer = AIOKafkaConsumer(
            topic, bootstrap_servers=settings.bootstrap_servers, auto_offset_reset="earliest",
            group_id=f"reader-{uuid.uuid4().hex[:8]}", enable_auto_commit=False, metadata_max_age_ms=1000,
        )
        await consumer.start()
        found: list[Record] = []
        deadline = time.monotonic() + timeout
        settled_at = None
        try:
            while time.monotonic() < deadline:
                batch = await consumer.getmany(timeout_ms=300)
                for tp, records in batch.items():
                    found += [Record(tp.topic, tp.partition, r.offset, r.key, r.value) for r in records]
                if settled_at is None and until(found):
                    settled_at = time.monotonic() + settle
                if settled_at is not None and time.monotonic() >= settled_at:
                    break
        finally:
            await consumer.stop()
        return found

    return asyncio.run(run())


def alerts_of(records: list[Record], ids: set[str] | None = None) -> list[dict]:
    alerts = [r.json() for r in records]
    return [a for a in alerts if ids is None or a["id"] in ids]


@dataclass
class WebhookReceiver:
    """An HTTP server on 127.0.0.1 that answers 503 to the first `failures` POSTs of each alert id
    (always, for alerts of a rule in `always_fail`) and records every attempt."""

    failures: int = 2
    always_fail: set[str] = field(default_factory=set)
    attempts: list[tuple[float, dict, int]] = field(default_factory=list)
    port: int = 0

    def start(self) -> "WebhookReceiver":
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        async def handle(request: web.Request) -> web.Response:
            alert = orjson.loads(await request.read())
            earlier = sum(1 for _, a, _ in self.attempts if a["id"] == alert["id"])
            status = 500 if alert["rule"] in self.always_fail else (503 if earlier < self.failures else 200)
            self.attempts.append((time.monotonic(), alert, status))
            return web.Response(status=status, text="ok" if status == 200 else "try later")

        async def serve() -> None:
            app = web.Application()
            app.router.add_post("/hook", handle)
            self._runner = web.AppRunner(app)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            self.port = site._server.sockets[0].getsockname()[1]
            ready.set()

        def main() -> None:
            self._loop.run_until_complete(serve())
            self._loop.run_forever()

        self._thread = threading.Thread(target=main, daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def attempts_for(self, alert_id: str) -> list[tuple[float, int]]:
        return [(t, status) for t, a, status in list(self.attempts) if a["id"] == alert_id]

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
