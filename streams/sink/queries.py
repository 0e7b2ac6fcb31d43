"""An analyst's first questions, as SQL over the sink's tables (README.md, "Storage", shows the same SQL).

Periods are half-open [since, until) on `dated_at`: the publication time, else the enrichment time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg.rows import dict_row

from ..enrich import parse_published

LATEST_FOR_TAG = """
SELECT a.id, a.dated_at, t.score, a.source, a.title, a.url
FROM article_tags t JOIN articles a ON a.id = t.article_id
WHERE t.tag = %(tag)s AND t.dated_at >= %(since)s AND t.dated_at < %(until)s
ORDER BY t.dated_at DESC, a.id
LIMIT %(limit)s
"""

TOP_ENTITIES_FOR_TAG = """
SELECT e.id, e.name, e.type, e.country, count(*) AS articles, sum(ae.count) AS mentions
FROM article_tags t
JOIN article_entities ae ON ae.article_id = t.article_id
JOIN entities e ON e.id = ae.entity_id
WHERE t.tag = %(tag)s AND t.dated_at >= %(since)s AND t.dated_at < %(until)s
GROUP BY e.id
ORDER BY articles DESC, mentions DESC, e.name
LIMIT %(limit)s
"""

CO_MENTIONED_STATES = """
SELECT o.state_id, o.name, count(*) AS articles
FROM article_states s
JOIN article_states o ON o.article_id = s.article_id AND o.state_id <> s.state_id
JOIN articles a ON a.id = s.article_id
WHERE s.state_id = %(state)s AND a.dated_at >= %(since)s AND a.dated_at < %(until)s
GROUP BY o.state_id, o.name
ORDER BY articles DESC, o.name
LIMIT %(limit)s
"""

SEARCH = """
SELECT a.id, a.dated_at, ts_rank(a.search, q) AS rank, a.source, a.title, a.url
FROM articles a, websearch_to_tsquery('english', %(text)s) AS q
WHERE a.search @@ q AND a.dated_at >= %(since)s AND a.dated_at < %(until)s
ORDER BY rank DESC, a.dated_at DESC
LIMIT %(limit)s
"""

# A state named by kb id (country:CHN, org:nato), ISO alpha-3 code (CHN) or name (China).
RESOLVE_STATE = """
SELECT state_id FROM article_states
WHERE state_id = %(state)s OR (upper(%(state)s) = country AND state_id = 'country:' || country) OR lower(name) = lower(%(state)s)
GROUP BY state_id ORDER BY (state_id = %(state)s) DESC, count(*) DESC
LIMIT 1
"""

EVERYTHING = (datetime.fromisoformat("0001-01-01T00:00:00+00:00"), datetime.fromisoformat("9999-12-31T00:00:00+00:00"))


@dataclass(frozen=True)
class Period:
    since: datetime = EVERYTHING[0]
    until: datetime = EVERYTHING[1]


def period(since: str | None, until: str | None) -> Period:
    """A period from ISO 8601 dates or date-times (UTC unless they name a zone); None leaves it open."""
    return Period(parse_published(since) or EVERYTHING[0], parse_published(until) or EVERYTHING[1])


def _rows(conn: psycopg.Connection, sql: str, params: dict) -> list[dict]:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(sql, params).fetchall()


def latest_for_tag(conn: psycopg.Connection, tag: str, period: Period = Period(), limit: int = 20) -> list[dict]:
    """The most recent articles carrying `tag` within the period, newest first."""
    return _rows(conn, LATEST_FOR_TAG, {"tag": tag, "since": period.since, "until": period.until, "limit": limit})


def top_entities_for_tag(conn: psycopg.Connection, tag: str, period: Period = Period(), limit: int = 20) -> list[dict]:
    """The entities in most articles carrying `tag` within the period (ties: more mentions first)."""
    return _rows(conn, TOP_ENTITIES_FOR_TAG, {"tag": tag, "since": period.since, "until": period.until, "limit": limit})


def resolve_state(conn: psycopg.Connection, state: str) -> str | None:
    found = conn.execute(RESOLVE_STATE, {"state": state}).fetchone()
    return found[0] if found else None


def co_mentioned_states(conn: psycopg.Connection, state: str, period: Period = Period(), limit: int = 20) -> list[dict]:
    """The states most often involved in the same articles as `state` (kb id, ISO code or name)."""
    state_id = resolve_state(conn, state)
    if state_id is None:
        return []
    return _rows(conn, CO_MENTIONED_STATES, {"state": state_id, "since": period.since, "until": period.until, "limit": limit})


def search(conn: psycopg.Connection, text: str, period: Period = Period(), limit: int = 20) -> list[dict]:
    """Full-text search of titles and texts within the period (web-search syntax: words, "a phrase", -not, or)."""
    return _rows(conn, SEARCH, {"text": text, "since": period.since, "until": period.until, "limit": limit})
