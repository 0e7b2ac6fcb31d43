"""Alert records (schemas/alert.v1.json): deterministic ids, creation, updates and the summary line.

Times are stream times (the Kafka timestamp of the enriched article that caused the change), so
that the same input always yields the same alert, byte for byte, on a replay after a restart.
"""

from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from hashlib import sha256
from urllib.parse import urlsplit

from .. import __version__

ALERT_SCHEMA = "alert/v1"
MAX_EVIDENCE = 20


@lru_cache(maxsize=4096)  # the same window bounds and stream times come back for every article of a surge
def iso(seconds: float) -> str:
    """Seconds since the epoch as ISO 8601 UTC with milliseconds and a Z."""
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def alert_id(kind: str, *cause: str) -> str:
    """The id of the alert for one cause: the same rule and story (or surge key and window) give the same id."""
    digest = sha256("\n".join((kind, *cause)).encode("utf-8")).hexdigest()
    return f"{kind[0]}{digest[:31]}"


def article_ref(article: dict) -> dict:
    """What an alert lists of one article."""
    return {
        "id": article["id"],
        "url": article["url"],
        "title": article.get("title") or None,
        "source": article.get("source"),
        "published_at": article.get("published_at"),
    }


def source_of(ref: dict) -> str:
    """The outlet an article came from: its `source`, else its URL's host."""
    if ref.get("source"):
        return str(ref["source"]).strip()
    host = urlsplit(ref["url"]).hostname or ref["url"]
    return host.removeprefix("www.")


def new_alert(
    *, ident: str, kind: str, rule: str, severity: str, subject: str, now: float,
    articles: list[dict], entities: list[dict], tags: list[dict], evidence: list[dict], window: dict | None = None,
) -> dict:
    return {
        "schema": ALERT_SCHEMA,
        "id": ident,
        "kind": kind,
        "rule": rule,
        "severity": severity,
        "summary": "",
        "subject": subject,
        "articles": articles,
        "sources": sorted({source_of(a) for a in articles}),
        "entities": entities,
        "tags": tags,
        "evidence": evidence[:MAX_EVIDENCE],
        "window": window,
        "created_at": iso(now),
        "updated_at": iso(now),
        "revision": 1,
        "geowire_version": __version__,
    }


def merge_by(items: list[dict], more: list[dict], key: str, keep_max: str | None = None) -> list[dict]:
    """`items` then the ones of `more` with a new `key`; with `keep_max`, a repeated item keeps the larger value."""
    merged = {item[key]: item for item in items}
    for item in more:
        old = merged.get(item[key])
        if old is None or (keep_max and item.get(keep_max, 0) > old.get(keep_max, 0)):
            merged[item[key]] = item
    return list(merged.values())


def with_article(alert: dict, ref: dict, entities: list[dict], tags: list[dict], evidence: list[dict], max_articles: int) -> dict:
    """The alert with one more article; the article list stops growing at `max_articles`, the sources do not."""
    updated = dict(alert)
    if len(alert["articles"]) < max_articles:
        updated["articles"] = alert["articles"] + [ref]
    updated["sources"] = sorted(set(alert["sources"]) | {source_of(ref)})
    updated["entities"] = merge_by(alert["entities"], entities, "kb_id")
    updated["tags"] = merge_by(alert["tags"], tags, "id", keep_max="score")
    updated["evidence"] = (alert["evidence"] + evidence)[:MAX_EVIDENCE]
    return updated


def revised(alert: dict, now: float) -> dict:
    """The next revision of a published alert."""
    return {**alert, "revision": alert["revision"] + 1, "updated_at": iso(max(now, _seconds(alert["created_at"])))}


@lru_cache(maxsize=4096)
def _seconds(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _quoted(title: str | None, limit: int = 90) -> str:
    title = (title or "").strip() or "(untitled)"
    return f"“{title[:limit - 1]}…”" if len(title) > limit else f"“{title}”"


def article_summary(label: str, alert: dict, seen: int) -> str:
    """One line: the rule, the first article, and how many more from how many outlets."""
    first = alert["articles"][0]
    line = f"{label}: {_quoted(first.get('title'))} ({source_of(first)})"
    if seen > 1:
        line += f" and {seen - 1} more article{'s' if seen > 2 else ''} from {len(alert['sources'])} source{'s' if len(alert['sources']) > 1 else ''}"
    return line


def surge_summary(label: str, kind: str, count: int, baseline: float, window_seconds: float, start: float) -> str:
    """One line: what surged, by how much, in which window."""
    ratio = f"{count / baseline:.1f}x the baseline of {baseline:.1f}" if baseline else "none in the windows before"
    return (
        f"Surge in {kind} {label}: {count} articles in the {_duration(window_seconds)} from "
        f"{iso(start)[:19].replace('T', ' ')} UTC, {ratio}"
    )


def _duration(seconds: float) -> str:
    if seconds % 3600 == 0:
        return f"{int(seconds // 3600)} h window"
    if seconds % 60 == 0:
        return f"{int(seconds // 60)} min window"
    return f"{seconds:g} s window"
