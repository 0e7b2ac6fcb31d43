"""The `geowire` command: the worker, the local broker, and tools to feed, watch and enrich articles."""

from __future__ import annotations

import argparse
import asyncio
import io
import sys
import time
from pathlib import Path
from typing import IO, Iterator

import orjson

from . import __version__
from .security import check as check_connection
from .settings import Settings, SettingsError, describe, from_env


class Progress:
    """A progress line on stderr, at most once a second, and a final summary."""

    def __init__(self, what: str, stream: IO[str] = sys.stderr) -> None:
        self.what = what
        self.stream = stream
        self.count = 0
        self.started = time.monotonic()
        self.last = self.started
        self.live = stream.isatty()

    def tick(self, n: int = 1, extra: str = "") -> None:
        self.count += n
        now = time.monotonic()
        if now - self.last >= 1.0:
            self.last = now
            self._print(extra, end="\r" if self.live else "\n")

    def done(self, extra: str = "") -> None:
        self._print(extra, end="\n")

    def _print(self, extra: str, end: str) -> None:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        line = f"geowire: {self.what} {self.count} in {elapsed:.1f} s ({self.count / elapsed:,.0f}/s){extra}"
        print(line, file=self.stream, end=end, flush=True)


def read_articles(path: str) -> Iterator[tuple[int, bytes]]:
    """(number, bytes) of each raw article in a file, or in stdin for '-'.

    JSON lines: one article per non-blank line, numbered by its line. Also one JSON document over
    several lines (a pretty-printed article, or an array of articles), when the first line is not
    JSON on its own: each article numbered by its place in the document. Anything else goes line
    by line, so that each bad line becomes a dead letter of its own.
    """
    if path == "-":
        yield from _articles(sys.stdin.buffer)
    else:
        with open(path, "rb") as handle:
            yield from _articles(handle)


def _articles(handle: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    lines = _numbered(handle)
    first = next(lines, None)
    if first is None:
        return
    if _is_json(first[1]):
        yield first
        yield from lines
        return
    data = first[1] + b"\n" + handle.read()  # not JSON alone: perhaps the start of one document
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError:
        document = None
    if isinstance(document, dict):
        yield 1, orjson.dumps(document)
    elif isinstance(document, list):
        for number, article in enumerate(document, start=1):
            yield number, orjson.dumps(article)
    else:
        yield from _numbered(io.BytesIO(data), start=first[0])


def _is_json(line: bytes) -> bool:
    try:
        orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    return True


def _numbered(handle: IO[bytes], start: int = 1) -> Iterator[tuple[int, bytes]]:
    for number, line in enumerate(handle, start=start):
        line = line.rstrip(b"\r\n")
        if line.strip():
            yield number, line


def message_key(line: bytes) -> bytes | None:
    """The key a crawler would use: the article id when the line is a JSON object with id or url."""
    from .ids import article_id

    try:
        raw = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    if isinstance(raw, dict) and isinstance(raw.get("url"), str):
        return article_id(raw).encode("utf-8")
    return None


# ---------------------------------------------------------------- commands


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    from .app import app

    argv = ["geowire", "worker", "-l", args.loglevel or settings.log_level,
            "--web-host", settings.web_host, "--web-port", str(settings.web_port), "--web-bind", settings.web_host]
    if args.without_web:
        argv.append("--without-web")
    sys.argv = argv
    watchdog = ShutdownWatchdog(settings.shutdown_timeout)
    on_stop = app.on_stop

    async def stopping() -> None:  # SIGTERM, SIGINT or a crash: the worker has this long to finish
        watchdog.start()
        await on_stop()

    app.on_stop = stopping  # type: ignore[method-assign]
    code: object = 0
    try:
        app.main()
    except SystemExit as exc:
        code = exc.code
    finally:
        watchdog.cancel()
    if app.crash_reason is not None:
        print(f"geowire: worker stopped because it crashed: {app.crash_reason!r}", file=sys.stderr, flush=True)
        return 1
    return code if isinstance(code, int) else (0 if code is None else 1)


class ShutdownWatchdog:
    """Ends the process with status 1 when a stopping worker is not done within GEOWIRE_SHUTDOWN_TIMEOUT
    (what it did not commit is read again by the next worker of the group)."""

    def __init__(self, timeout: float) -> None:
        import threading

        self.timeout = timeout
        self._timer = threading.Timer(timeout, self._expire)
        self._timer.daemon = True

    def start(self) -> None:
        if not self._timer.is_alive() and not self._timer.finished.is_set():
            self._timer.start()

    def cancel(self) -> None:
        self._timer.cancel()

    def _expire(self) -> None:
        import os

        print(f"geowire: the worker did not stop within GEOWIRE_SHUTDOWN_TIMEOUT={self.timeout:g} s; exiting with status 1",
              file=sys.stderr, flush=True)
        os._exit(1)


async def _produce(settings: Settings, path: str, topic: str) -> int:
    from aiokafka import AIOKafkaProducer

    from .security import client_kwargs
    from .topics import BrokerUnavailable, ensure_topics, existing_topics, send_all, topic_names

    try:
        # geowire's own topics are created as the worker would create them; another one must exist,
        # or the producer would wait out its metadata timeout for nothing.
        if topic in topic_names(settings):
            await ensure_topics(settings)
        elif topic not in await existing_topics(settings):
            print(f"geowire produce: topic {topic!r} does not exist on {settings.broker}", file=sys.stderr)
            return 2
    except BrokerUnavailable as exc:
        print(f"geowire produce: {exc}", file=sys.stderr)
        return 1
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.bootstrap_servers, linger_ms=10, max_request_size=settings.max_message_bytes + 65536,
        enable_idempotence=True, **client_kwargs(settings),
    )
    await producer.start()
    progress = Progress(f"produced to {topic}:")

    def records():  # type: ignore[no-untyped-def]
        for _, line in read_articles(path):
            progress.tick()
            yield message_key(line), line

    try:
        await send_all(producer, topic, records())
    finally:
        await producer.stop()
    progress.done()
    return 0


def cmd_produce(settings: Settings, args: argparse.Namespace) -> int:
    return asyncio.run(_produce(settings, args.file, args.topic or settings.topic_raw))


async def _tail(settings: Settings, topic: str, from_beginning: bool, limit: int | None, idle: float | None, keys: bool) -> int:
    from aiokafka import AIOKafkaConsumer

    from .security import client_kwargs

    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=settings.bootstrap_servers, auto_offset_reset="earliest" if from_beginning else "latest",
        enable_auto_commit=False, group_id=None, isolation_level="read_committed", **client_kwargs(settings),
    )
    await consumer.start()
    seen = 0
    out = sys.stdout.buffer
    try:
        while limit is None or seen < limit:
            batch = await consumer.getmany(timeout_ms=int((idle or 3600) * 1000))
            if not batch:
                if idle is not None:
                    break
                continue
            for records in batch.values():
                for record in records:
                    value = record.value if record.value is not None else b"null"
                    if keys:
                        key = orjson.dumps(record.key.decode("utf-8", "replace") if record.key is not None else None)
                        out.write(b'{"partition":%d,"offset":%d,"key":%s,"value":%s}\n' % (record.partition, record.offset, key, value))
                    else:
                        out.write(value + b"\n")
                    seen += 1
                    if limit is not None and seen >= limit:
                        break
            out.flush()
    finally:
        await consumer.stop()
    return 0


def cmd_tail(settings: Settings, args: argparse.Namespace) -> int:
    return asyncio.run(_tail(settings, args.topic, args.from_beginning, args.max, args.idle, args.keys))


def cmd_enrich(settings: Settings, args: argparse.Namespace) -> int:
    from .deadletter import Origin
    from .ingest import build_enricher, process

    enricher = build_enricher(settings)
    out = sys.stdout.buffer
    dead: IO[bytes] = open(args.deadletter, "wb") if args.deadletter else sys.stderr.buffer
    source = "stdin" if args.file == "-" else f"file:{Path(args.file).name}"
    progress = Progress("read")
    counts = {"enriched": 0, "deadletter": 0}
    try:
        for number, line in read_articles(args.file):
            outcome = process(line, None, Origin(source, None, number), enricher, settings)
            counts[outcome.kind] += 1
            (out if outcome.kind == "enriched" else dead).write(orjson.dumps(outcome.value) + b"\n")
            progress.tick(extra=f": {counts['enriched']} enriched, {counts['deadletter']} dead letters")
    finally:
        out.flush()
        if args.deadletter:
            dead.close()
        else:
            dead.flush()
    progress.done(extra=f": {counts['enriched']} enriched, {counts['deadletter']} dead letters")
    return 0


def run_local_service(name: str, service, error: type[Exception], settings: Settings, action: str) -> int:  # type: ignore[no-untyped-def]
    """`geowire kafka|postgres start|stop|status|fetch`: act on a local service, then print its status."""
    try:
        if action == "start":
            service.start(settings)
        elif action == "stop":
            service.stop(settings)
        elif action == "fetch":
            service.fetch_jars(settings)
        print(service.status(settings))
    except error as exc:
        print(f"geowire {name}: error: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_kafka(settings: Settings, args: argparse.Namespace) -> int:
    from . import localkafka

    return run_local_service("kafka", localkafka, localkafka.LocalKafkaError, settings, args.action)


def cmd_sink(settings: Settings, args: argparse.Namespace) -> int:
    from .logs import configure
    from .sink import migrations
    from .sink.consumer import run_sink
    from .sink.database import DatabaseNotConfigured, connect, database_url
    from .topics import BrokerUnavailable

    configure(settings)
    try:
        if args.migrate:
            with connect(database_url(settings)) as conn:
                print(f"geowire sink: applied migrations {migrations.apply(conn) or 'none (up to date)'}")
            return 0
        asyncio.run(run_sink(settings))
    except (DatabaseNotConfigured, migrations.MigrationError, BrokerUnavailable) as exc:
        print(f"geowire sink: error: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_query(settings: Settings, args: argparse.Namespace) -> int:
    import psycopg

    from .sink import queries
    from .sink.database import DatabaseNotConfigured, connect, database_url

    period = queries.period(args.since, args.until)
    try:
        with connect(database_url(settings)) as conn:
            if args.question == "latest":
                rows = queries.latest_for_tag(conn, args.subject, period, args.limit)
            elif args.question == "top-entities":
                rows = queries.top_entities_for_tag(conn, args.subject, period, args.limit)
            elif args.question == "co-mentioned":
                rows = queries.co_mentioned_states(conn, args.subject, period, args.limit)
            else:
                rows = queries.search(conn, args.subject, period, args.limit)
    except (DatabaseNotConfigured, psycopg.OperationalError) as exc:
        print(f"geowire query: error: {exc}", file=sys.stderr)
        return 1
    except psycopg.errors.UndefinedTable:
        print("geowire query: error: the database has no geowire tables yet; run `geowire sink` (or `geowire sink --migrate`)", file=sys.stderr)
        return 1
    out = sys.stdout.buffer
    if not args.json and rows:
        out.write(("\t".join(rows[0]) + "\n").encode())
    for row in rows:
        line = orjson.dumps(row) if args.json else "\t".join("" if v is None else str(v) for v in row.values()).encode()
        out.write(line + b"\n")
    return 0


def cmd_postgres(settings: Settings, args: argparse.Namespace) -> int:
    from . import localpg

    return run_local_service("postgres", localpg, localpg.LocalPostgresError, settings, args.action)


def cmd_settings(settings: Settings, args: argparse.Namespace) -> int:
    for name, default, meaning in describe():
        print(f"{name}\t{default}\t{meaning}")
    return 0


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(settings, Path(args.examples), keep_running=args.keep_running)


ARTICLES_FILE_HELP = "raw articles: JSON lines, or one JSON document (an article or an array of them); - for stdin"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="geowire", description="Geopolitical news enrichment on Kafka.")
    parser.add_argument("--version", action="version", version=f"geowire {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("worker", help="run the stream worker (Faust)")
    p.add_argument("-l", "--loglevel", help="debug, info, warn, error or critical (default GEOWIRE_LOG_LEVEL)")
    p.add_argument("--without-web", action="store_true", help="do not start the web server")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("produce", help="send raw articles to articles.raw, as a crawler would")
    p.add_argument("file", help=ARTICLES_FILE_HELP)
    p.add_argument("--topic", help="topic (default GEOWIRE_TOPIC_RAW)")
    p.set_defaults(func=cmd_produce)

    p = sub.add_parser("tail", help="print a topic's messages as they arrive, one JSON per line")
    p.add_argument("topic")
    p.add_argument("--from-beginning", action="store_true", help="start at the earliest offset")
    p.add_argument("--max", type=int, help="stop after this many messages")
    p.add_argument("--idle", type=float, help="stop after this many seconds without a message")
    p.add_argument("--keys", action="store_true", help="wrap each value with its partition, offset and key")
    p.set_defaults(func=cmd_tail)

    p = sub.add_parser("enrich", help="offline: raw articles in, JSONL enriched articles out (no Kafka)")
    p.add_argument("file", help=ARTICLES_FILE_HELP)
    p.add_argument("--deadletter", help="write dead letters to this file instead of stderr")
    p.set_defaults(func=cmd_enrich)

    p = sub.add_parser("kafka", help="the local Apache Kafka broker (KRaft) for the demo and the tests")
    p.add_argument("action", choices=["start", "stop", "status", "fetch"])
    p.set_defaults(func=cmd_kafka)

    p = sub.add_parser("sink", help="store enriched articles and alerts in PostgreSQL (consumer group <app id>-sink)")
    p.add_argument("--migrate", action="store_true", help="apply the schema migrations and exit")
    p.set_defaults(func=cmd_sink)

    p = sub.add_parser("query", help="ask the PostgreSQL store an analyst's first questions")
    p.add_argument("question", choices=["latest", "top-entities", "co-mentioned", "search"],
                   help="latest TAG | top-entities TAG | co-mentioned STATE | search TEXT")
    p.add_argument("subject", help="a tag id, a state (country:CHN, CHN or China) or search words")
    p.add_argument("--since", help="start of the period, ISO 8601 (inclusive)")
    p.add_argument("--until", help="end of the period, ISO 8601 (exclusive)")
    p.add_argument("--limit", type=int, default=20, help="most rows (default 20)")
    p.add_argument("--json", action="store_true", help="one JSON object per row instead of tab-separated columns")
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("postgres", help="the local PostgreSQL instance for the sink and the tests")
    p.add_argument("action", choices=["start", "stop", "status"])
    p.set_defaults(func=cmd_postgres)

    p = sub.add_parser("settings", help="list every GEOWIRE_* setting with its default and meaning")
    p.set_defaults(func=cmd_settings)

    p = sub.add_parser("demo", help="end to end on the local broker: worker, example articles in, enriched out")
    p.add_argument("--examples", default="examples", help="folder of *.jsonl raw articles (default examples/)")
    p.add_argument("--keep-running", action="store_true", help="keep the worker running after the demo until Ctrl-C")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = from_env()
        check_connection(settings)  # a SASL user without a password, a CA file that is not there
    except SettingsError as exc:
        print(f"geowire: invalid setting: {exc}", file=sys.stderr)
        return 2
    try:
        return args.func(settings, args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
