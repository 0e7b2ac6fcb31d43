"""From a message on Kafka to the rows the sink writes: pure functions, no database.

Rows are plain dicts keyed by column name; `store` hands each table's rows to PostgreSQL as one
JSON array. Entities without a knowledge-base id get a synthetic key from their type and folded
name, so that every mention of "John Smith" (PERSON, unlinked) lands on one `entities` row.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone

import orjson

from ..enrich import parse_published
from ..enrich.dates import url_date


@dataclass
class ArticleRows:
    """Everything one enriched article writes: its row and its child rows."""

    article: dict
    entities: list[dict] = field(default_factory=list)
    article_entities: list[dict] = field(default_factory=list)
    article_tags: list[dict] = field(default_factory=list)
    article_states: list[dict] = field(default_factory=list)


def entity_key(entity: dict) -> str:
    """The `entities.id` of an entity: its kb_id, or `unlinked:<TYPE>:<name case-folded, spaces collapsed>`."""
    if entity.get("kb_id"):
        return entity["kb_id"]
    name = " ".join(unicodedata.normalize("NFKC", entity["name"]).casefold().split())
    return f"unlinked:{entity['type']}:{name}"


def _timestamp(value: object) -> str | None:
    parsed = parse_published(value)
    return parsed.isoformat() if parsed else None


def article_rows(doc: dict) -> ArticleRows:
    """The rows of one enriched article (schemas/enriched-article.v1.json)."""
    published_at = _timestamp(doc.get("published_at"))
    enriched_at = _timestamp(doc["enriched_at"]) or datetime.now(timezone.utc).isoformat()
    dated = url_date(doc.get("url"))  # when the crawler gave no readable date
    dated_at = published_at or (dated.isoformat() if dated else None) or enriched_at
    article_id = doc["id"]
    rows = ArticleRows(article={
        "id": article_id,
        "url": doc["url"],
        "canonical_url": doc["canonical_url"],
        "source": doc.get("source"),
        "title": doc["title"],
        "published_at": published_at,
        "dated_at": dated_at,
        "reference_date": doc["reference_date"],
        "language": doc.get("language"),
        "text": doc["text"],
        "enriched_at": enriched_at,
        "geowire_version": doc.get("geowire_version"),
        "document": doc,
    })
    # One row per entity key: two unlinked spellings that fold alike become one, their counts added.
    by_key: dict[str, dict] = {}
    for entity in doc["entities"]:
        key = entity_key(entity)
        link = by_key.get(key)
        if link is None:
            rows.entities.append({
                "id": key, "kb_id": entity.get("kb_id"), "name": entity["name"], "type": entity["type"],
                "kind": entity.get("kind"), "country": entity.get("country"), "qid": entity.get("qid"),
            })
            by_key[key] = {
                "article_id": article_id, "entity_id": key, "count": entity["count"], "salience": entity["salience"],
                "roles": entity.get("roles", []), "mentions": list(entity.get("mentions", [])),
            }
        else:
            link["count"] += entity["count"]
            link["salience"] = max(link["salience"], entity["salience"])
            link["mentions"] += entity.get("mentions", [])
    rows.article_entities = list(by_key.values())
    tags: dict[str, dict] = {}
    for tag in doc["tags"]:
        tags[tag["id"]] = {
            "article_id": article_id, "tag": tag["id"], "score": tag["score"], "rule": tag["rule"],
            "evidence": tag["evidence"], "dated_at": dated_at,
        }
    rows.article_tags = list(tags.values())
    states: dict[str, dict] = {}
    for state in doc["states"]:
        states[state["kb_id"]] = {
            "article_id": article_id, "state_id": state["kb_id"], "name": state["name"],
            "country": state.get("country"), "count": state["count"], "salience": state.get("salience"),
        }
    rows.article_states = list(states.values())
    return rows


def alert_row(doc: dict) -> dict:
    """The row of one alert revision (schemas/alert.v1.json)."""
    return {
        "id": doc["id"],
        "revision": doc["revision"],
        "kind": doc["kind"],
        "rule": doc["rule"],
        "severity": doc["severity"],
        "summary": doc["summary"],
        "article_ids": [a["id"] for a in doc["articles"]],
        "created_at": _timestamp(doc["created_at"]),
        "updated_at": _timestamp(doc["updated_at"]),
        "document": doc,
    }


class Unstorable(ValueError):
    """A message the sink cannot store (not JSON, or not matching its schema); logged and skipped."""


def decode(contract: str, value: bytes | None) -> dict:
    """The message's JSON object, checked against its contract ('enriched-article' or 'alert')."""
    from ..contracts import ContractError, validate

    if value is None:
        raise Unstorable("message has no value (tombstone)")
    try:
        doc = orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        raise Unstorable(f"not JSON: {exc}") from None
    try:
        validate(contract, doc)
    except ContractError as exc:
        raise Unstorable(f"not a valid {contract}: {exc}") from None
    return doc
