"""End-to-end throughput and latency of the geowire worker against the alternatives, on the local broker.

    python -m benchmarks.pipeline [--articles 20000] [--latency-seconds 20] [--latency-rate N] [--repeat 3]
                                  [--guarantees at_least_once,exactly_once] [--only geowire,faust,aiokafka,quix]
                                  [--profile]

`--only 'geowire;geowire[enrich_processes=0]'` compares geowire with other GEOWIRE_* settings in one run.

Needs the local Apache Kafka broker (`geowire kafka start`) and the `bench` extra (Quix Streams, py-spy).
Every contender runs as its own process on fresh topics (4 partitions) with `--articles` raw articles
preloaded, and is measured from its first output to its last as seen by a consumer of its output topics:

    a  the enrichment core alone (`streams.ingest.process`), articles/s on one core, in this process
    b  geowire: a real `geowire worker` (then, at half its measured maximum or at `--latency-rate`,
       latency p50/p99 from the produce timestamp carried in the article id to the arrival of the enriched article)
    c  a passthrough Faust agent (benchmarks/pipeline_faust.py)
    d  a plain aiokafka consume -> produce loop (benchmarks/pipeline_aiokafka.py)
    e  the enrichment core behind a Quix Streams pipeline (benchmarks/pipeline_quix.py)

Prints the figures, the ratios b/c, b/d, b/e, the CPU each process spent per article, the worker's peak
RSS (VmHWM), and writes everything as JSON to benchmarks/results/. `--profile` runs the geowire worker
under py-spy and prints where its samples fall. Articles: the reference example and the fixture raw
articles of tests/fixtures, each body repeated to about 4 KB of JSON (`--body-chars`), each with a unique id.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import orjson

from streams.deadletter import Origin
from streams.ingest import build_enricher, process
from streams.settings import Settings, env_name, from_env

from .pipeline_wiring import Wiring

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results"
PARTITIONS = 4
CONTENDERS = ("geowire", "faust", "aiokafka", "quix")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# Before the latency phase the worker must be idle: below this share of a core over a second, waited for at most this long.
SETTLE_IDLE_SHARE = 0.15
SETTLE_TIMEOUT = 180.0


# ---------------------------------------------------------------- articles


def corpus(body_chars: int) -> list[dict]:
    """The reference example and every fixture's raw article, each body repeated to `body_chars` or more."""
    raws = [orjson.loads(line) for line in (REPO / "examples" / "greekreporter-xi-russia.jsonl").read_bytes().splitlines() if line.strip()]
    for path in sorted((REPO / "tests" / "fixtures").glob("*/*.json")):
        raw = orjson.loads(path.read_bytes()).get("raw")
        if isinstance(raw, dict) and raw.get("url"):
            raws.append(raw)
    for raw in raws:
        field = "text" if isinstance(raw.get("text"), str) and raw["text"].strip() else "html"
        body = raw[field]
        while len(raw[field]) < body_chars:
            raw[field] += "\n\n" + body
    return raws


def article(raws: list[dict], number: int, prefix: str = "bench") -> tuple[bytes, bytes]:
    """(key, value) of the `number`th benchmark article; its id ends with the time it is made, in ns."""
    raw = dict(raws[number % len(raws)])
    raw["id"] = f"{prefix}{number}-{time.time_ns()}"
    key = raw["id"].encode()
    return key, orjson.dumps(raw)


def sent_ns(key: bytes) -> int:
    return int(key.rpartition(b"-")[2])


# ---------------------------------------------------------------- a: the core alone


def measure_core(settings: Settings, raws: list[dict], count: int, runs: int) -> dict:
    """Articles/s of decode + validate + enrich + encode on one core (median of `runs`)."""
    enricher = build_enricher(settings)
    values = [article(raws, i)[1] for i in range(count)]
    origin = Origin("bench", 0, 0)
    for value in values[: len(raws)]:  # warm caches once over the whole corpus
        process(value, None, origin, enricher, settings)
    rates = []
    for _ in range(runs):
        started = time.process_time()
        for value in values:
            orjson.dumps(process(value, None, origin, enricher, settings).value)
        rates.append(count / (time.process_time() - started))
    return {
        "articles_per_s": statistics.median(rates), "runs": rates,
        "cpu_ms_per_article": 1000 / statistics.median(rates),
        "mean_article_bytes": statistics.mean(len(v) for v in values),
    }


# ---------------------------------------------------------------- processes


def proc_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def proc_peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def proc_pss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return 0.0


def proc_children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(p) for p in (task / "children").read_text().split()]
    return found


def proc_tree(pid: int) -> list[int]:
    """`pid` and all its descendants that are alive now."""
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        try:
            todo += proc_children(current)
        except OSError:
            continue
        tree.append(current)
    return tree


@dataclass
class Running:
    """A contender process; `pid` is the Python process measured (py-spy's child when profiling)."""

    name: str
    process: subprocess.Popen
    log_path: Path
    pid: int = 0

    def find_pid(self, profiled: bool) -> None:
        self.pid = self.process.pid
        if profiled:
            for _ in range(100):
                kids = proc_children(self.process.pid)
                if kids:
                    self.pid = kids[0]
                    return
                time.sleep(0.05)

    def cpu_seconds(self) -> tuple[float, float]:
        """CPU of the measured process, and of it with its child processes (an enrichment pool, if any)."""
        total = main = 0.0
        for pid in proc_tree(self.pid):
            try:
                used = proc_cpu_seconds(pid)
            except OSError:
                continue
            total += used
            main = used if pid == self.pid else main
        return main, total

    def peak_rss(self) -> dict:
        """Peak RSS of the process and of each child; PSS of them all now (shared pages counted once)."""
        tree = proc_tree(self.pid)
        return {"main_mb": proc_peak_rss_mb(self.pid), "children_mb": [proc_peak_rss_mb(p) for p in tree[1:]], "pss_mb": sum(map(proc_pss_mb, tree))}

    def alive(self) -> bool:
        return self.process.poll() is None

    async def settle(self, idle_share: float = SETTLE_IDLE_SHARE, timeout: float = SETTLE_TIMEOUT) -> float:
        """Wait until the process tree uses less than `idle_share` of a core over a second (work
        left from the last phase done: with the alert agents in the worker, the alerts of the
        preloaded articles are still being worked out when the last enriched one arrives);
        return the seconds waited."""
        started = time.monotonic()
        before = self.cpu_seconds()[1]
        while time.monotonic() - started < timeout:
            await asyncio.sleep(1.0)
            now = self.cpu_seconds()[1]
            if now - before < idle_share:
                break
            before = now
        return time.monotonic() - started

    def stop(self) -> None:
        if self.alive():
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                for pid in proc_tree(self.process.pid):
                    os.kill(pid, signal.SIGKILL)
                self.process.wait()

    def log_tail(self, lines: int = 15) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def start_contender(
    name: str, wiring: Wiring, settings: Settings, log_dir: Path, profile_to: Path | None, extra_env: dict[str, str], tree: Path
) -> Running:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEOWIRE_")}
    env.update(wiring.env())
    env[env_name("broker")] = settings.broker
    env["PYTHONPATH"] = os.pathsep.join([str(tree), str(REPO)])
    if name == "geowire":
        env.update({
            env_name("app_id"): wiring.group, env_name("topic_raw"): wiring.source, env_name("topic_enriched"): wiring.sink,
            env_name("topic_deadletter"): wiring.deadletter, env_name("topic_alerts"): wiring.group + ".alerts",
            env_name("partitions"): str(PARTITIONS), env_name("processing_guarantee"): wiring.guarantee,
            env_name("log_level"): "warn",
        })
        env.update({k: v for k, v in os.environ.items() if k.startswith("GEOWIRE_") and k not in env})
        env.update(extra_env)
        argv = [sys.executable, "-m", "streams.cli", "worker", "--without-web"]
    elif name == "faust":
        argv = [sys.executable, "-m", "benchmarks.pipeline_faust", "worker", "-l", "warn", "--without-web"]
    elif name == "aiokafka":
        argv = [sys.executable, "-m", "benchmarks.pipeline_aiokafka"]
    elif name == "quix":
        argv = [sys.executable, "-m", "benchmarks.pipeline_quix"]
    else:
        raise ValueError(name)
    if profile_to is not None:
        argv = ["py-spy", "record", "--format", "raw", "--rate", "100", "-o", str(profile_to), "--", *argv]
    log_path = log_dir / f"{wiring.group}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(argv, env=env, cwd=tree, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    running = Running(name, process, log_path)
    running.find_pid(profile_to is not None)
    return running


# ---------------------------------------------------------------- Kafka


async def create_topics(bootstrap: str, names: list[str]) -> None:
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(n, PARTITIONS, 1) for n in names])
    finally:
        await admin.close()


async def delete_topics(bootstrap: str, prefix: str) -> None:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        mine = [t for t in await admin.list_topics() if t.startswith(prefix)]
        if mine:
            await admin.delete_topics(mine)
    finally:
        await admin.close()


async def preload(bootstrap: str, topic: str, raws: list[dict], count: int) -> None:
    from aiokafka import AIOKafkaProducer

    from streams.topics import send_all

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=20, max_batch_size=1 << 20, max_request_size=1 << 22)
    await producer.start()
    try:
        await send_all(producer, topic, (article(raws, i) for i in range(count)), window=2000)
    finally:
        await producer.stop()


def collector(bootstrap: str, topics: list[str]):  # type: ignore[no-untyped-def]
    from aiokafka import AIOKafkaConsumer

    return AIOKafkaConsumer(
        *topics, bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False, auto_offset_reset="earliest",
        isolation_level="read_committed", fetch_max_bytes=1 << 25, max_partition_fetch_bytes=1 << 23,
    )


async def drain(bootstrap: str, topics: list[str], count: int, running: Running, timeout: float) -> dict:
    """Wait until `count` outputs arrived; articles/s and CPU per article between the first output and the last.

    Times are the outputs' own timestamps (set when the contender sent them), not their arrival:
    under exactly_once outputs become visible in bursts, at each transaction's commit. CPU is read
    every 0.2 s and interpolated to the same two moments.
    """
    consumer = collector(bootstrap, topics)
    await consumer.start()
    stamps: list[int] = []
    cpu_samples: list[tuple[float, float, float]] = []  # (wall time, process CPU, with children)
    deadline = time.monotonic() + timeout
    try:
        while len(stamps) < count:
            if time.monotonic() > deadline or not running.alive():
                raise RuntimeError(f"{running.name}: {len(stamps)} of {count} outputs after {timeout:.0f} s\n{running.log_tail()}")
            cpu_samples.append((time.time(), *running.cpu_seconds()))
            batch = await consumer.getmany(timeout_ms=200)
            stamps += [r.timestamp for records in batch.values() for r in records]
        cpu_samples.append((time.time(), *running.cpu_seconds()))
    finally:
        await consumer.stop()
    stamps.sort()
    first, last = stamps[0] / 1000, stamps[-1] / 1000
    measured = max(len(stamps) - 1, 1)
    span = max(last - first, 1e-9)

    def cpu_at(moment: float, column: int) -> float:
        times = [sample[0] for sample in cpu_samples]
        values = [sample[column] for sample in cpu_samples]
        return interpolate(moment, times, values)

    cpu_main = cpu_at(last, 1) - cpu_at(first, 1)
    cpu_all = cpu_at(last, 2) - cpu_at(first, 2)
    return {
        "articles_per_s": measured / span, "seconds": span, "outputs": len(stamps),
        "cpu_ms_per_article": 1000 * cpu_all / measured, "main_cpu_ms_per_article": 1000 * cpu_main / measured,
    }


def interpolate(x: float, xs: list[float], ys: list[float]) -> float:
    """Linear interpolation of ys over ascending xs at x (clamped to the ends)."""
    if x <= xs[0]:
        return ys[0]
    for i in range(1, len(xs)):
        if x <= xs[i]:
            x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]
            return y0 if x1 == x0 else y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return ys[-1]


async def latency(bootstrap: str, source: str, topics: list[str], raws: list[dict], rate: float, seconds: float) -> dict:
    """Produce at a steady `rate` for `seconds`; produce-to-arrival latency of every output, ms."""
    from aiokafka import AIOKafkaProducer

    consumer = collector(bootstrap, topics)
    await consumer.start()
    while not consumer.assignment():
        await asyncio.sleep(0.05)
    await consumer.seek_to_end()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=0, max_request_size=1 << 22)
    await producer.start()
    latencies: list[float] = []
    sent = 0
    traced = time.monotonic()
    done = asyncio.Event()

    async def produce() -> None:
        nonlocal sent
        started = time.monotonic()
        while (elapsed := time.monotonic() - started) < seconds:
            while sent < int(rate * elapsed):
                key, value = article(raws, sent, prefix="live")
                await producer.send(source, key=key, value=value)
                sent += 1
            await asyncio.sleep(0.005)
        await producer.flush()
        done.set()

    async def collect() -> None:
        quiet_since = None
        while True:
            batch = await consumer.getmany(timeout_ms=100)
            now = time.time_ns()
            for records in batch.values():
                latencies.extend((now - sent_ns(r.key)) / 1e6 for r in records if r.key and r.key.startswith(b"live"))
            if os.environ.get("PIPELINE_BENCH_TRACE") and batch:
                print(f"{time.monotonic() - traced:.2f} s: {sum(map(len, batch.values()))} arrived, last {latencies[-1] if latencies else 0:.0f} ms", file=sys.stderr)
            if done.is_set() and len(latencies) >= sent:
                return
            if done.is_set():
                quiet_since = quiet_since or time.monotonic()
                if time.monotonic() - quiet_since > 30:
                    return

    try:
        await asyncio.gather(produce(), collect())
    finally:
        await producer.stop()
        await consumer.stop()
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else float("nan")

    return {"rate": rate, "seconds": seconds, "sent": sent, "received": len(ordered), "p50_ms": pct(0.50), "p99_ms": pct(0.99), "max_ms": pct(1.0)}


# ---------------------------------------------------------------- a run


def variant(label: str) -> tuple[str, dict[str, str], Path]:
    """'geowire[enrich_processes=0,tree=../old]' -> ('geowire', {'GEOWIRE_ENRICH_PROCESSES': '0'}, Path('../old')).

    `tree` runs the contender from another checkout of geowire (a before/after comparison in one run).
    """
    name, _, rest = label.partition("[")
    pairs = dict(p.split("=", 1) for p in rest.rstrip("]").split(",") if p)
    tree = Path(pairs.pop("tree", REPO)).resolve()
    return name, {env_name(k.strip()): v.strip() for k, v in pairs.items()}, tree


async def run_contender(label: str, guarantee: str, args: argparse.Namespace, settings: Settings, raws: list[dict], prefix: str) -> dict:
    name, extra_env, tree = variant(label)
    tag = f"{prefix}{uuid.uuid4().hex[:4]}-{name}-{guarantee[:2]}"
    wiring = Wiring(settings.bootstrap_servers, f"{tag}.raw", f"{tag}.out", f"{tag}.deadletter", tag, guarantee)
    bootstrap = settings.bootstrap_servers
    await create_topics(bootstrap, [wiring.source, wiring.sink, wiring.deadletter])
    await preload(bootstrap, wiring.source, raws, args.articles)
    profile_to = RESULTS / f"profile-{tag}.txt" if args.profile and name == "geowire" else None
    running = start_contender(name, wiring, settings, RESULTS, profile_to, extra_env, tree)
    outputs = [wiring.sink, wiring.deadletter]
    try:
        result = await drain(bootstrap, outputs, args.articles, running, timeout=90 + args.articles / 50)
        if (name == "geowire" or args.latency_all) and args.latency_seconds > 0:
            rate = args.latency_rate or result["articles_per_s"] / 2
            settled = await running.settle()
            result["latency"] = await latency(bootstrap, wiring.source, outputs, raws, rate, args.latency_seconds)
            result["latency"]["settle_s"] = settled
        result["peak_rss"] = running.peak_rss()
    finally:
        running.stop()
    if profile_to is not None:
        result["profile"] = str(profile_to)
    running.log_path.unlink(missing_ok=True)
    return result


def median_of(repeats: list[dict]) -> dict:
    """One contender's repeats: medians of the rates, CPU and latencies, the largest peak RSS."""
    done = [r for r in repeats if "error" not in r]
    if not done:
        return {"error": repeats[-1]["error"], "repeats": repeats}
    summary = {
        "articles_per_s": statistics.median(r["articles_per_s"] for r in done),
        "cpu_ms_per_article": statistics.median(r["cpu_ms_per_article"] for r in done),
        "main_cpu_ms_per_article": statistics.median(r["main_cpu_ms_per_article"] for r in done),
        "peak_rss": max((r["peak_rss"] for r in done), key=lambda rss: rss["main_mb"] + sum(rss["children_mb"])),
        "repeats": repeats,
    }
    if all("latency" in r for r in done):
        summary["latency"] = {k: statistics.median(r["latency"][k] for r in done) for k in ("rate", "p50_ms", "p99_ms", "max_ms", "sent", "received", "settle_s")}
    summary.update({k: done[-1][k] for k in ("profile",) if k in done[-1]})
    return summary


# Where a py-spy sample belongs: the first rule whose text appears in its stack wins.
PROFILE_PARTS = (
    ("idle (waiting in epoll)", ("EpollSelector.select",)),
    ("start-up (knowledge, topics)", ("on_first_start (", "build_enricher (")),
    ("enrichment core", ("process (streams/ingest.py",)),
    ("log records", ("logging/__init__.py",)),
    ("metrics", ("prometheus_client/", "streams/metrics.py")),
    ("aiokafka producer", ("aiokafka/producer/",)),
    ("aiokafka consumer", ("aiokafka/consumer/",)),
    ("aiokafka connection, protocol, records", ("aiokafka/",)),
    ("faust streams, topics, agents", ("faust/",)),
    ("mode services", ("mode/",)),
    ("asyncio", ("asyncio/",)),
)


def summarise_profile(path: Path, top: int = 12) -> list[str]:
    """py-spy raw stacks to shares of samples by part of the worker, and the hottest functions (self time)."""
    parts: dict[str, int] = {}
    own: dict[str, int] = {}
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        total += count
        part = next((name for name, marks in PROFILE_PARTS if any(m in stack for m in marks)), "other")
        parts[part] = parts.get(part, 0) + count
        leaf = stack.rpartition(";")[2]
        leaf = leaf.rpartition(":")[0] + ")" if ":" in leaf else leaf
        own[leaf] = own.get(leaf, 0) + count
    total = max(total, 1)
    out = [f"  {total} samples, by part:"]
    out += [f"    {100 * n / total:5.1f}%  {name}" for name, n in sorted(parts.items(), key=lambda kv: -kv[1])]
    out.append("  hottest functions (self):")
    out += [f"    {100 * n / total:5.1f}%  {f}" for f, n in sorted(own.items(), key=lambda kv: -kv[1])[:top]]
    return out


def report(results: dict) -> list[str]:
    core = results["core"]
    lines = [
        f"articles: {results['articles']} per contender, mean {core['mean_article_bytes']:.0f} bytes; broker {results['broker']}",
        f"a  core alone: {core['articles_per_s']:,.0f} articles/s per core ({core['cpu_ms_per_article']:.2f} ms CPU each)",
    ]
    for guarantee, runs in results["guarantees"].items():
        lines.append(f"-- {guarantee}")
        for name, r in runs.items():
            letter = "bcde"[CONTENDERS.index(variant(name)[0])]
            if "error" in r:
                lines.append(f"{letter}  {name:22} failed: {r['error'].splitlines()[0]}")
                continue
            extra = ""
            if "latency" in r:
                lat = r["latency"]
                extra += f"; at {lat['rate']:.0f}/s: p50 {lat['p50_ms']:.0f} ms, p99 {lat['p99_ms']:.0f} ms ({lat['received']}/{lat['sent']}; idle after {lat['settle_s']:.0f} s)"
            rss = r["peak_rss"]
            cpu = f"{r['cpu_ms_per_article']:.2f} ms CPU each"
            rss_text = f"peak RSS {rss['main_mb']:.0f} MB"
            if rss["children_mb"]:
                cpu += f" ({r['main_cpu_ms_per_article']:.2f} in the main process)"
                rss_text += f" + children {'+'.join(f'{c:.0f}' for c in rss['children_mb'])}, PSS of all {rss['pss_mb']:.0f} MB"
            lines.append(f"{letter}  {name:22} {r['articles_per_s']:6,.0f} articles/s, {cpu}, {rss_text}{extra}")
        rate = {n: r["articles_per_s"] for n, r in runs.items() if "error" not in r}
        for b in (n for n in rate if variant(n)[0] == "geowire"):
            ratios = ", ".join(f"b/{letter} {rate[b] / rate[n]:.2f}" for letter, n in zip("cde", CONTENDERS[1:]) if n in rate)
            lines.append(f"   {b}: {ratios}")
        for name, r in runs.items():
            if "profile" in r:
                lines.append(f"   profile of {name} ({r['profile']}):")
                lines += summarise_profile(Path(r["profile"]))
    return lines


async def run_all(args: argparse.Namespace, settings: Settings, raws: list[dict], results: dict) -> None:
    prefix = f"pipebench-{uuid.uuid4().hex[:6]}-"
    try:
        for guarantee in args.guarantees:
            repeats: dict[str, list[dict]] = {label: [] for label in args.only}
            for number in range(args.repeat):  # interleaved, so that a busy minute hurts every contender alike
                for label in args.only:
                    print(f"... {label} ({guarantee}) {number + 1}/{args.repeat}", file=sys.stderr, flush=True)
                    try:
                        repeats[label].append(await run_contender(label, guarantee, args, settings, raws, prefix))
                    except RuntimeError as exc:
                        repeats[label].append({"error": str(exc)})
            results["guarantees"][guarantee] = {label: median_of(runs) for label, runs in repeats.items()}
    finally:
        await delete_topics(settings.bootstrap_servers, prefix)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=20_000, help="preloaded articles per contender (default 20000)")
    parser.add_argument("--body-chars", type=int, default=3500, help="each article's text repeated to at least this many characters")
    parser.add_argument("--core-articles", type=int, default=1000, help="articles per run of the core alone")
    parser.add_argument("--core-runs", type=int, default=3)
    parser.add_argument("--latency-seconds", type=float, default=20.0, help="seconds of steady load at half the maximum")
    parser.add_argument(
        "--latency-rate", type=float, default=0.0,
        help="articles/s of the steady load instead of half the measured maximum, e.g. a deployment's own load",
    )
    parser.add_argument("--latency-all", action="store_true", help="measure the latency of every contender, not only geowire's")
    parser.add_argument("--guarantees", default="at_least_once,exactly_once", type=lambda s: s.split(","))
    parser.add_argument(
        "--only", default=",".join(CONTENDERS), type=lambda s: s.split(";") if ";" in s else s.split(","),
        help="contenders to run, in order; 'geowire[enrich_processes=0,batch_size=100]' runs geowire with those settings "
        "(separate contenders with ';' when a variant has a comma)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs of every contender, interleaved; medians are reported")
    parser.add_argument("--profile", action="store_true", help="run the geowire worker under py-spy")
    args = parser.parse_args(argv)
    unknown = {variant(label)[0] for label in args.only} - set(CONTENDERS)
    if unknown:
        parser.error(f"unknown contenders {sorted(unknown)}; choose from {', '.join(CONTENDERS)}")
    logging.disable(logging.WARNING)  # the core's warnings about its knowledge files are not what is measured
    settings = from_env()
    raws = corpus(args.body_chars)
    RESULTS.mkdir(parents=True, exist_ok=True)
    results: dict = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "articles": args.articles, "broker": settings.broker,
        "cpus": os.cpu_count(), "env": {k: v for k, v in os.environ.items() if k.startswith("GEOWIRE_")},
        "core": measure_core(settings, raws, args.core_articles, args.core_runs), "guarantees": {},
    }
    asyncio.run(run_all(args, settings, raws, results))
    out = RESULTS / f"pipeline-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(results, indent=2))
    print("\n".join(report(results)))
    print(f"results: {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
