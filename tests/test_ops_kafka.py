"""Operations of a running worker: health and readiness, Prometheus metrics, JSON logs, knowledge reload on SIGHUP."""

from __future__ import annotations

import shutil
import signal
import time
import urllib.error
import urllib.request
from pathlib import Path

import orjson
import pytest

from streams.enrich.kb import KB_DIR
from streams.settings import Settings

from .conftest import Worker, consume, isolated_env, produce, sample_raw_article

pytestmark = pytest.mark.kafka

SECRET_SENTENCE = "The heron counts its pebbles beside the quiet ministry."


def get(worker: Worker, path: str) -> tuple[int, bytes]:
    url = f"http://{worker.settings.web_host}:{worker.settings.web_port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_until_ready(worker: Worker, timeout: float = 90.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert worker.process.poll() is None, worker.log()
        try:
            status, body = get(worker, "/ready")
        except OSError:  # the web server is not listening yet
            status, body = 0, b""
        if status == 200:
            return orjson.loads(body)
        time.sleep(0.5)
    raise AssertionError(f"worker not ready after {timeout} s:\n{worker.log()}")


def sample(metrics: str, name: str, **labels: str) -> float | None:
    """The value of one sample of the exposition text, or None when absent."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in metrics.splitlines():
        if line.startswith("#"):
            continue
        series, _, value = line.rpartition(" ")
        metric, _, label_text = series.partition("{")
        if metric == name and ",".join(sorted(label_text.rstrip("}").split(","))) == wanted:
            return float(value)
    return None


def test_running_worker_reports_health_readiness_and_metrics_and_logs_json_without_bodies(kafka: Settings, tmp_path: Path) -> None:
    w = Worker(isolated_env(kafka, log_format="json", log_level="info"), tmp_path / "worker.log").start()
    try:
        state = wait_until_ready(w)
        assert state["checks"] == {"broker_connected": True, "partitions_assigned": True, "knowledge_loaded": True}
        status, body = get(w, "/health")
        assert (status, orjson.loads(body)["status"]) == (200, "up")

        good = {"id": "ops-good", "url": "https://example.org/ops", "text": f"{SECRET_SENTENCE} Ukraine and Poland signed a deal."}
        bad = f'{{"url": "https://example.org/bad", "text": "{SECRET_SENTENCE}'.encode()
        produce(w.settings, [orjson.dumps(sample_raw_article()), orjson.dumps(good), bad])
        records = consume(w.settings, [w.settings.topic_enriched, w.settings.topic_deadletter], 3)
        assert len(records) == 3, w.log()

        raw, enriched, dead = w.settings.topic_raw, w.settings.topic_enriched, w.settings.topic_deadletter
        deadline = time.monotonic() + 30
        while True:  # lag reaches 0 once the worker committed (every few seconds)
            status, body = get(w, "/metrics")
            text = body.decode()
            lags = [sample(text, "geowire_consumer_lag", topic=raw, partition=str(p)) for p in range(w.settings.partitions)]
            if lags == [0.0] * w.settings.partitions or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert status == 200
        assert lags == [0.0] * w.settings.partitions, text
        assert sample(text, "geowire_messages_in_total", topic=raw) == 3
        assert sample(text, "geowire_messages_out_total", topic=enriched) == 2
        assert sample(text, "geowire_messages_out_total", topic=dead) == 1
        assert sample(text, "geowire_deadletters_total", reason="not_json") == 1
        assert sample(text, "geowire_tags_total", tag="russia-china-partnership") == 1
        assert sample(text, "geowire_enrich_seconds_count", outcome="enriched") == 2

        lines = [orjson.loads(line) for line in w.log().splitlines() if line.startswith("{")]
        letters = [line for line in lines if line["message"].startswith("dead letter:")]
        assert len(letters) == 1, w.log()
        assert letters[0]["reason"] == "not_json" and letters[0]["topic"] == raw
        assert isinstance(letters[0]["partition"], int) and isinstance(letters[0]["offset"], int)
        assert SECRET_SENTENCE not in w.log()
    finally:
        assert w.stop() == 0


PERSON = """\
  - id: person:zorwin-talbeck
    type: PERSON
    kind: person
    name: Zorwin Talbeck
    country: EST
    roles:
      - {title: Minister of Foreign Affairs of Estonia, role: foreign-minister, of: country:EST, from: 2020-01-01}
"""
BROKEN = """\
  - id: person:broken-entry
    type: PERSON
    kind: nonsense
    name: Broken Entry
"""


def article(n: int) -> bytes:
    return orjson.dumps({
        "id": f"talbeck-{n}", "url": f"https://example.org/talbeck/{n}", "published_at": "2024-05-02",
        "text": "Zorwin Talbeck, Estonia's foreign minister, met Sergey Lavrov in Tallinn on Monday.",
    })


def linked_ids(worker: Worker, count: int) -> list[set[str]]:
    records = consume(worker.settings, [worker.settings.topic_enriched], count)
    assert len(records) == count, worker.log()
    by_id = {r.json()["id"]: r.json() for r in records}
    return [{e.get("kb_id") for e in by_id[f"talbeck-{n}"]["entities"]} for n in range(count)]


def wait_for_log(worker: Worker, text: str, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    while text not in worker.log():
        assert time.monotonic() < deadline, f"{text!r} not logged:\n{worker.log()[-3000:]}"
        time.sleep(0.3)
    return next(line for line in worker.log().splitlines() if text in line)


def test_sighup_reloads_the_knowledge_base_and_a_broken_file_keeps_the_last_good_one(kafka: Settings, tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    shutil.copytree(KB_DIR, kb)
    persons = kb / "persons-officials.yaml"
    w = Worker(isolated_env(kafka, kb_dir=str(kb)), tmp_path / "worker.log").start()
    try:
        wait_until_ready(w)
        produce(w.settings, [article(0)])
        assert "person:zorwin-talbeck" not in linked_ids(w, 1)[0]

        persons.write_text(persons.read_text() + PERSON)
        w.process.send_signal(signal.SIGHUP)
        wait_for_log(w, "knowledge reloaded")
        produce(w.settings, [article(1)])
        assert "person:zorwin-talbeck" in linked_ids(w, 2)[1]

        broken_line = len(persons.read_text().splitlines()) + 1
        persons.write_text(persons.read_text() + BROKEN)
        w.process.send_signal(signal.SIGHUP)
        failure = wait_for_log(w, "knowledge reload failed")
        assert f"persons-officials.yaml:{broken_line}" in failure
        produce(w.settings, [article(2)])
        assert "person:zorwin-talbeck" in linked_ids(w, 3)[2]
        assert w.process.poll() is None
    finally:
        assert w.stop() == 0


# --- geowire produce ---------------------------------------------------------------------------


def test_produce_creates_geowire_topics_and_refuses_a_missing_one(kafka: Settings, tmp_path: Path):
    import subprocess
    import sys

    from streams.settings import from_env

    env = isolated_env(kafka)
    settings = from_env(env)
    lines = [orjson.dumps({**sample_raw_article(), "id": f"produce-{i}", "url": f"https://example.org/p/{i}"}) for i in range(3)]
    source = tmp_path / "articles.jsonl"
    source.write_bytes(b"\n".join(lines) + b"\n")
    geowire = [sys.executable, "-m", "streams.cli", "produce"]

    # The raw topic does not exist yet: produce creates geowire's topics as the worker would.
    done = subprocess.run([*geowire, str(source)], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    records = consume(settings, [settings.topic_raw], 3, timeout=60)
    assert sorted(r.value for r in records) == sorted(lines)
    assert {r.key for r in records} == {f"produce-{i}".encode() for i in range(3)}

    # Any other topic must exist: a clear refusal, not a minute of metadata retries.
    missing = f"{settings.topic_raw}.missing"
    done = subprocess.run([*geowire, "--topic", missing, str(source)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert f"topic '{missing}' does not exist" in done.stderr


def test_exactly_once_outputs_are_counted_as_delivered(kafka: Settings, tmp_path: Path) -> None:
    """Exactly-once outputs go through the transaction's producer, past Faust's sensors: still counted."""
    w = Worker(isolated_env(kafka, processing_guarantee="exactly_once"), tmp_path / "worker.log").start()
    try:
        wait_until_ready(w)
        good = {"id": "eos-good", "url": "https://example.org/eos", "text": "Ukraine and Poland signed a deal."}
        produce(w.settings, [orjson.dumps(sample_raw_article()), orjson.dumps(good), b"not json"])
        records = consume(w.settings, [w.settings.topic_enriched, w.settings.topic_deadletter], 3)
        assert len(records) == 3, w.log()
        _, body = get(w, "/metrics")
        text = body.decode()
        assert sample(text, "geowire_messages_out_total", topic=w.settings.topic_enriched) == 2, text
        assert sample(text, "geowire_messages_out_total", topic=w.settings.topic_deadletter) == 1, text
    finally:
        w.stop()  # how an exactly-once worker stops is not what this test is about
