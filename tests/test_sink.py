"""The PostgreSQL store: migrations, idempotent batch upserts, alert revisions, the analysts' queries.

Each test gets a database of its own on a real PostgreSQL server (the local instance, started once
per session by `geowire postgres start`, or the server of GEOWIRE_DATABASE_URL / DATABASE_URL).
Articles are real enriched articles: the labelled fixtures run through the enrichment core.
"""

from __future__ import annotations

import copy
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from dataclasses import replace
from pathlib import Path
from typing import Iterator

import orjson
import psycopg
import pytest

from streams import localpg
from streams.contracts import validate
from streams.settings import Settings, from_env
from streams.sink import migrations, queries, store
from streams.sink.database import connect, scratch_database

from .conftest import EXAMPLES, REPO

pytestmark = pytest.mark.postgres

CHILD_TABLES = ("article_entities", "article_tags", "article_states")


# ------------------------------------------------------------------ fixtures (also used by test_sink_kafka.py)


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """A URL of a real PostgreSQL server on which tests may create databases."""
    settings = from_env()
    url = settings.database_url or os.environ.get("DATABASE_URL")
    if url:
        return url
    localpg.start(settings)
    return localpg.url(settings, "postgres")


@pytest.fixture
def database(postgres_server: str) -> Iterator[str]:
    """The URL of a new, empty database, dropped after the test."""
    with scratch_database(postgres_server, "geowire_test") as url:
        yield url


@pytest.fixture
def conn(database: str) -> Iterator[psycopg.Connection]:
    """A connection to a migrated test database."""
    with connect(database) as connection:
        migrations.apply(connection)
        yield connection


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def private_postgres() -> Iterator[Settings]:
    """A PostgreSQL instance of this test's own (a folder under /tmp, a free port), stopped and removed afterwards."""
    home = tempfile.mkdtemp(prefix="geowire-pg-", dir="/tmp")  # not under /root: the server may run as `postgres`
    settings = replace(from_env(), postgres_home=home, postgres_port=free_port())
    localpg.start(settings)
    yield settings
    localpg.stop(settings)
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def enriched_fixtures() -> list[dict]:
    """The tag fixtures and the examples, enriched by the enrichment core and checked against the schema."""
    from streams.enrich import Enricher

    raws = [orjson.loads(p.read_bytes())["raw"] for p in sorted((REPO / "tests" / "fixtures" / "tags").glob("*.json"))]
    raws += [orjson.loads(line) for line in (EXAMPLES / "news.jsonl").read_bytes().splitlines() if line.strip()]
    enricher = Enricher()
    docs = [enricher.enrich(raw) for raw in raws]
    for doc in docs:
        validate("enriched-article", doc)
    return docs


def make_articles(fixtures: list[dict], n: int, prefix: str = "a") -> list[dict]:
    """`n` enriched articles with distinct ids, cycling through the enriched fixtures."""
    articles = []
    for i in range(n):
        doc = copy.deepcopy(fixtures[i % len(fixtures)])
        doc["id"] = f"{prefix}{i:05d}-{doc['id']}"
        doc["url"] = doc["canonical_url"] = f"https://news.example/{prefix}/{i}"
        articles.append(doc)
    return articles


def expected_child_rows(articles: list[dict]) -> dict[str, int]:
    """How many entity, tag and state rows the articles should leave (one per distinct key per article)."""
    from streams.sink.rows import article_rows

    rows = [article_rows(doc) for doc in articles]
    return {
        "article_entities": sum(len(r.article_entities) for r in rows),
        "article_tags": sum(len(r.article_tags) for r in rows),
        "article_states": sum(len(r.article_states) for r in rows),
    }


def count(conn_or_url: psycopg.Connection | str, table: str) -> int:
    if isinstance(conn_or_url, str):
        with psycopg.connect(conn_or_url, autocommit=True) as c:
            return count(c, table)
    return conn_or_url.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def alert(alert_id: str, revision: int, severity: str = "medium") -> dict:
    doc = {
        "schema": "alert/v1", "id": alert_id, "kind": "article", "rule": "watched-tag:ukraine-war", "severity": severity,
        "summary": f"revision {revision}", "articles": [{"id": "a1", "url": "https://news.example/a1"}],
        "created_at": "2024-05-16T10:00:00Z", "updated_at": f"2024-05-16T10:{revision:02d}:00Z", "revision": revision,
    }
    validate("alert", doc)
    return doc


# ------------------------------------------------------------------ migrations


def test_migrations_are_applied_once_and_recorded(database: str) -> None:
    with connect(database) as c:
        first = migrations.apply(c)
        second = migrations.apply(c)
        recorded = [v for (v,) in c.execute("SELECT version FROM schema_migrations ORDER BY version")]

    assert first == [m.version for m in migrations.available()]
    assert second == []
    assert recorded == first


def test_concurrent_starts_apply_each_migration_once(database: str) -> None:
    results: list[list[int]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def start() -> None:
        with connect(database) as c:
            barrier.wait()
            try:
                results.append(migrations.apply(c))
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert sorted(results, key=len) == [[], [], [m.version for m in migrations.available()]]
    assert count(database, "schema_migrations") == len(migrations.available())


def test_an_applied_migration_that_changed_is_refused(database: str, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    shutil.copytree(migrations.MIGRATIONS_DIR, folder)
    with connect(database) as c:
        migrations.apply(c, folder)
        first = sorted(folder.glob("*.sql"))[0]
        first.write_text(first.read_text() + "\n-- edited\n")

        with pytest.raises(migrations.MigrationError, match="changed after it was applied"):
            migrations.apply(c, folder)


# ------------------------------------------------------------------ articles


def test_n_articles_make_n_rows_and_writing_them_again_changes_nothing(conn: psycopg.Connection, enriched_fixtures: list[dict]) -> None:
    articles = make_articles(enriched_fixtures, 60)

    store.write_batch(conn, articles, [])
    after_first = {t: count(conn, t) for t in ("articles", "entities", *CHILD_TABLES)}
    store.write_batch(conn, articles[::-1], [])
    store.write_batch(conn, articles[:10] + articles[:10], [])
    after_replays = {t: count(conn, t) for t in ("articles", "entities", *CHILD_TABLES)}

    assert after_first["articles"] == 60
    assert {t: after_first[t] for t in CHILD_TABLES} == expected_child_rows(articles)
    assert after_replays == after_first


def test_an_article_written_again_replaces_its_entities_tags_and_states(conn: psycopg.Connection, enriched_fixtures: list[dict]) -> None:
    tagged = next(doc for doc in enriched_fixtures if doc["tags"] and len(doc["entities"]) > 2)
    [article] = make_articles([tagged], 1)
    store.write_batch(conn, [article], [])
    revised = copy.deepcopy(article)
    revised["title"] = "Corrected headline"
    revised["entities"] = revised["entities"][:1]
    revised["tags"] = []
    revised["states"] = revised["states"][:1]

    store.write_batch(conn, [revised], [])

    assert conn.execute("SELECT title, document->>'title' FROM articles").fetchall() == [("Corrected headline", "Corrected headline")]
    assert (count(conn, "article_entities"), count(conn, "article_tags"), count(conn, "article_states")) == (1, 0, 1)


def test_articles_without_a_readable_date_are_stored_with_null_published_at_dated_by_url_or_enrichment(conn: psycopg.Connection, enriched_fixtures: list[dict]) -> None:
    dated, undated = make_articles(enriched_fixtures, 2)
    for article, url in ((dated, "https://example.org/2023/03/17/story"), (undated, "https://example.org/world/story")):
        article["published_at"], article["url"] = "sometime last spring", url

    store.write_batch(conn, [dated, undated], [])

    rows = conn.execute("SELECT id, published_at, dated_at, enriched_at FROM articles").fetchall()
    by_id = {row[0]: row[1:] for row in rows}
    published_at, dated_at, enriched_at = by_id[undated["id"]]
    assert published_at is None
    assert dated_at == enriched_at
    published_at, dated_at, _ = by_id[dated["id"]]
    assert published_at is None
    assert dated_at.isoformat() == "2023-03-17T00:00:00+00:00"  # the date its URL gives


def test_nul_characters_are_dropped_rather_than_refusing_the_batch(conn: psycopg.Connection, enriched_fixtures: list[dict]) -> None:
    articles = make_articles(enriched_fixtures, 3)
    articles[1]["title"] = "Nul\x00 in the title"

    written = store.write(conn, articles, [])

    assert (written.articles, written.skipped) == (3, [])
    assert conn.execute("SELECT count(*) FROM articles WHERE title = 'Nul in the title'").fetchone()[0] == 1


def test_a_record_postgres_refuses_is_skipped_and_the_rest_of_the_batch_is_stored(conn: psycopg.Connection, enriched_fixtures: list[dict]) -> None:
    articles = make_articles(enriched_fixtures, 5)
    broken = alert("alert-broken", 1)
    broken["updated_at"] = "not a time"  # decoded messages never carry this; a refused row must not stall the sink

    written = store.write(conn, articles, [alert("alert-ok", 1), broken])

    assert (written.articles, written.alerts) == (5, 1)
    assert [skipped_id for skipped_id, _ in written.skipped] == ["alert-broken"]
    assert count(conn, "articles") == 5
    assert [a for (a,) in conn.execute("SELECT id FROM alerts")] == ["alert-ok"]


# ------------------------------------------------------------------ alerts


def test_an_alert_row_changes_only_for_a_newer_revision(conn: psycopg.Connection) -> None:
    store.write_batch(conn, [], [alert("alert-1", 2, "high")])
    store.write_batch(conn, [], [alert("alert-1", 1, "low")])  # a late, older revision
    after_older = conn.execute("SELECT revision, severity, summary FROM alerts").fetchall()
    store.write_batch(conn, [], [alert("alert-1", 4, "critical"), alert("alert-1", 3, "medium")])
    after_newer = conn.execute("SELECT revision, severity, document->>'summary' FROM alerts").fetchall()

    assert after_older == [(2, "high", "revision 2")]
    assert after_newer == [(4, "critical", "revision 4")]


# ------------------------------------------------------------------ analysts' questions


def by_id(enriched_fixtures: list[dict]) -> dict[str, dict]:
    return {doc["id"]: doc for doc in enriched_fixtures}


def test_latest_articles_for_a_tag_come_newest_first(conn: psycopg.Connection, enriched_fixtures: list[dict]) -> None:
    store.write_batch(conn, enriched_fixtures, [])
    tagged = [doc for doc in enriched_fixtures if any(t["id"] == "ukraine-war" for t in doc["tags"])]

    rows = queries.latest_for_tag(conn, "ukraine-war", limit=100)

    assert {r["id"] for r in rows} == {doc["id"] for doc in tagged}
    assert [r["dated_at"] for r in rows] == sorted((r["dated_at"] for r in rows), reverse=True)


def test_latest_articles_and_search_keep_to_the_period(conn: psycopg.Connection, enriched_fixtures: list[dict]) -> None:
    articles = make_articles(enriched_fixtures, len(enriched_fixtures))
    for i, doc in enumerate(articles):
        doc["published_at"] = "2024-03-10T12:00:00Z" if i % 2 == 0 else "2022-03-10T12:00:00Z"
    store.write_batch(conn, articles, [])
    period = queries.period("2024-01-01", "2025-01-01")
    tagged = {doc["id"] for i, doc in enumerate(articles) if i % 2 == 0 and any(t["id"] == "ukraine-war" for t in doc["tags"])}
    pipeline = {doc["id"] for i, doc in enumerate(articles) if i % 2 == 0 and "pipeline" in (doc["title"] + " " + doc["text"]).lower()}

    assert tagged and pipeline, "the fixtures should hold such articles in the period"
    assert {r["id"] for r in queries.latest_for_tag(conn, "ukraine-war", period, limit=500)} == tagged
    assert {r["id"] for r in queries.search(conn, "pipelines", period, limit=500)} == pipeline


def test_top_entities_for_a_tag_count_articles_within_the_period(conn: psycopg.Connection, enriched_fixtures: list[dict]) -> None:
    articles = make_articles(enriched_fixtures, len(enriched_fixtures))
    for i, doc in enumerate(articles):
        doc["published_at"] = "2024-03-10T12:00:00Z" if i % 2 == 0 else "2022-03-10T12:00:00Z"
    store.write_batch(conn, articles, [])
    in_period = [doc for i, doc in enumerate(articles) if i % 2 == 0 and any(t["id"] == "ukraine-war" for t in doc["tags"])]
    expected: dict[str, int] = {}
    for doc in in_period:
        for key in {e["kb_id"] for e in doc["entities"] if e["kb_id"]}:
            expected[key] = expected.get(key, 0) + 1

    rows = queries.top_entities_for_tag(conn, "ukraine-war", queries.period("2024-01-01", "2025-01-01"), limit=5)

    assert in_period, "the fixtures should hold ukraine-war articles"
    assert rows[0]["articles"] == max(expected.values())
    assert all(expected[r["id"]] == r["articles"] for r in rows if not r["id"].startswith("unlinked:"))


def test_co_mentioned_states_accept_a_kb_id_an_iso_code_or_a_name(conn: psycopg.Connection, enriched_fixtures: list[dict]) -> None:
    store.write_batch(conn, enriched_fixtures, [])
    with_china = [doc for doc in enriched_fixtures if any(s["kb_id"] == "country:CHN" for s in doc["states"])]
    russia_with_china = sum(any(s["kb_id"] == "country:RUS" for s in doc["states"]) for doc in with_china)

    answers = [queries.co_mentioned_states(conn, name, limit=50) for name in ("country:CHN", "CHN", "china")]

    assert answers[0] == answers[1] == answers[2]
    assert "country:CHN" not in {r["state_id"] for r in answers[0]}
    assert {r["state_id"]: r["articles"] for r in answers[0]}["country:RUS"] == russia_with_china


def test_full_text_search_finds_words_in_any_inflection(conn: psycopg.Connection, enriched_fixtures: list[dict]) -> None:
    store.write_batch(conn, enriched_fixtures, [])
    pipeline = [doc["id"] for doc in enriched_fixtures if "pipeline" in (doc["title"] + " " + doc["text"]).lower()]

    rows = queries.search(conn, "pipelines", limit=100)

    assert pipeline
    assert {r["id"] for r in rows} == set(pipeline)


def test_geowire_query_prints_the_answer_as_json_lines(database: str, conn: psycopg.Connection, enriched_fixtures: list[dict]) -> None:
    store.write_batch(conn, enriched_fixtures, [])
    env = {**os.environ, "GEOWIRE_DATABASE_URL": database}

    result = subprocess.run(
        [sys.executable, "-m", "streams.cli", "query", "latest", "ukraine-war", "--limit", "3", "--json"],
        env=env, cwd=REPO, capture_output=True, timeout=60,
    )

    assert result.returncode == 0, result.stderr.decode()
    answer = [orjson.loads(line) for line in result.stdout.splitlines()]
    assert [a["id"] for a in answer] == [r["id"] for r in queries.latest_for_tag(conn, "ukraine-war", limit=3)]


# ------------------------------------------------------------------ the local instance


def test_local_instance_is_reused_while_running_and_stopped_by_its_pid(private_postgres: Settings) -> None:
    pid = localpg.running_pid(private_postgres)

    reused = localpg.start(private_postgres)
    running = localpg.status(private_postgres)
    stopped = localpg.stop(private_postgres)

    assert reused is None and pid is not None
    assert running.startswith(f"running (pid {pid})")
    assert stopped and localpg.running_pid(private_postgres) is None
    assert localpg.status(private_postgres).startswith("not running")
    if os.geteuid() == 0:  # PostgreSQL refuses root: the server ran as the service user
        assert Path(private_postgres.postgres_home, "data").stat().st_uid != 0
