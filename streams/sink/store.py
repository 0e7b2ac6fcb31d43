"""Writing a batch of enriched articles and alerts to PostgreSQL in one transaction, idempotently.

An article is upserted by id and its entity, tag and state rows are replaced, so writing the same
article twice leaves the same rows as writing it once. An alert row changes only when a message
brings a higher `revision`. Each table gets one statement per batch: its rows travel as one JSON
array that `jsonb_to_recordset` turns back into rows on the server.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import orjson
import psycopg
from psycopg import errors

from .rows import ArticleRows, alert_row, article_rows

log = logging.getLogger(__name__)


def _upsert(table: str, columns: dict[str, str], update_if: str = "") -> str:
    """INSERT ... SELECT FROM jsonb_to_recordset(%s) ON CONFLICT (id) DO UPDATE every column."""
    names = ", ".join(columns)
    types = ", ".join(f"{name} {kind}" for name, kind in columns.items())
    sets = ", ".join(f"{name} = excluded.{name}" for name in columns if name != "id")
    stored = ", stored_at = now()" if table in ("articles", "alerts") else ""
    where = f" WHERE {update_if}" if update_if else ""
    return (
        f"INSERT INTO {table} ({names}) SELECT {names} FROM jsonb_to_recordset(%s::jsonb) AS r({types}) "
        f"ON CONFLICT (id) DO UPDATE SET {sets}{stored}{where}"
    )


def _insert(table: str, columns: dict[str, str]) -> str:
    names = ", ".join(columns)
    types = ", ".join(f"{name} {kind}" for name, kind in columns.items())
    return f"INSERT INTO {table} ({names}) SELECT {names} FROM jsonb_to_recordset(%s::jsonb) AS r({types})"


ENTITY_COLUMNS = {"id": "text", "kb_id": "text", "name": "text", "type": "text", "kind": "text", "country": "text", "qid": "text"}

UPSERT_ARTICLES = _upsert("articles", {
    "id": "text", "url": "text", "canonical_url": "text", "source": "text", "title": "text",
    "published_at": "timestamptz", "dated_at": "timestamptz", "reference_date": "date", "language": "text",
    "text": "text", "enriched_at": "timestamptz", "geowire_version": "text", "document": "jsonb",
})
# Rewriting an unchanged entity would only lock its row against other sinks; skip it.
UPSERT_ENTITIES = _upsert("entities", ENTITY_COLUMNS, update_if="(" + ", ".join(
    f"entities.{name}" for name in ENTITY_COLUMNS) + ") IS DISTINCT FROM (" + ", ".join(f"excluded.{name}" for name in ENTITY_COLUMNS) + ")")
UPSERT_ALERTS = _upsert("alerts", {
    "id": "text", "revision": "integer", "kind": "text", "rule": "text", "severity": "text", "summary": "text",
    "article_ids": "text[]", "created_at": "timestamptz", "updated_at": "timestamptz", "document": "jsonb",
}, update_if="alerts.revision < excluded.revision")
INSERT_ARTICLE_ENTITIES = _insert("article_entities", {
    "article_id": "text", "entity_id": "text", "count": "integer", "salience": "real", "roles": "jsonb", "mentions": "jsonb",
})
INSERT_ARTICLE_TAGS = _insert("article_tags", {
    "article_id": "text", "tag": "text", "score": "real", "rule": "text", "evidence": "jsonb", "dated_at": "timestamptz",
})
INSERT_ARTICLE_STATES = _insert("article_states", {
    "article_id": "text", "state_id": "text", "name": "text", "country": "text", "count": "integer", "salience": "real",
})
CHILD_TABLES = ("article_entities", "article_tags", "article_states")

# Errors that belong to the data of some record, not to the connection: retrying the same batch
# would fail forever, so the batch is written record by record and the bad ones are skipped.
RECORD_ERRORS = (errors.DataError, errors.IntegrityError)


@dataclass
class Written:
    """What one call of `write` stored and skipped."""

    articles: int = 0
    alerts: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (id, reason)


def _json(rows: list[dict]) -> str:
    payload = orjson.dumps(rows)
    if b"\\u0000" in payload:  # PostgreSQL text and jsonb cannot hold NUL characters
        payload = orjson.dumps(_without_nul(rows))
    return payload.decode("utf-8")


def _without_nul(value: object) -> object:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    if isinstance(value, dict):
        return {k: _without_nul(v) for k, v in value.items()}
    return value


def latest(articles: list[dict], alerts: list[dict]) -> tuple[list[dict], list[dict]]:
    """One message per id: the last article (Kafka order), the highest alert revision."""
    by_article = {doc["id"]: doc for doc in articles}
    by_alert: dict[str, dict] = {}
    for doc in alerts:
        seen = by_alert.get(doc["id"])
        if seen is None or doc["revision"] >= seen["revision"]:
            by_alert[doc["id"]] = doc
    return list(by_article.values()), list(by_alert.values())


def write_batch(conn: psycopg.Connection, articles: list[dict], alerts: list[dict]) -> Written:
    """Upsert the articles and alerts in one transaction; the caller commits offsets only after it returns."""
    articles, alerts = latest(articles, alerts)
    rows: list[ArticleRows] = [article_rows(doc) for doc in articles]
    entities: dict[str, dict] = {}
    for r in rows:
        for entity in r.entities:
            entities[entity["id"]] = entity
    with conn.transaction():
        if rows:
            ids = [r.article["id"] for r in rows]
            conn.execute(UPSERT_ARTICLES, (_json([r.article for r in rows]),))
            for table in CHILD_TABLES:
                conn.execute(f"DELETE FROM {table} WHERE article_id = ANY(%s)", (ids,))
            if entities:
                # Sorted: concurrent sinks lock shared entity rows in one order and cannot deadlock.
                conn.execute(UPSERT_ENTITIES, (_json([entities[k] for k in sorted(entities)]),))
            for statement, children in (
                (INSERT_ARTICLE_ENTITIES, [c for r in rows for c in r.article_entities]),
                (INSERT_ARTICLE_TAGS, [c for r in rows for c in r.article_tags]),
                (INSERT_ARTICLE_STATES, [c for r in rows for c in r.article_states]),
            ):
                if children:
                    conn.execute(statement, (_json(children),))
        if alerts:
            conn.execute(UPSERT_ALERTS, (_json(sorted((alert_row(doc) for doc in alerts), key=lambda a: a["id"])),))
    return Written(articles=len(rows), alerts=len(alerts))


def write(conn: psycopg.Connection, articles: list[dict], alerts: list[dict]) -> Written:
    """`write_batch`, and when some record's data is refused, record by record, skipping the refused ones.

    Connection errors (psycopg.OperationalError) propagate: the caller waits and retries the batch.
    """
    try:
        return write_batch(conn, articles, alerts)
    except RECORD_ERRORS as exc:
        log.warning("batch refused (%s: %s); writing it record by record", type(exc).__name__, str(exc).strip())
    written = Written()
    for kind, docs in (("article", articles), ("alert", alerts)):
        for doc in docs:
            try:
                one = write_batch(conn, [doc] if kind == "article" else [], [doc] if kind == "alert" else [])
            except RECORD_ERRORS as exc:
                reason = f"{type(exc).__name__}: {str(exc).strip()}"
                log.error("skipped %s %s: PostgreSQL refused it (%s)", kind, doc.get("id"), reason)
                written.skipped.append((str(doc.get("id")), reason))
                continue
            written.articles += one.articles
            written.alerts += one.alerts
    return written
