"""Surges: a tag or watched entity counted in tumbling windows of stream time, and an alert when the
current window's count reaches `factor` times the mean of the `baseline_windows` before it and at
least `min_count`. Pure: the agent keeps the counts in a windowed Faust table and passes them in.

One surge, one alert: while consecutive windows keep surging, the first window's alert is updated
(its article list grows, `revision` goes up) instead of another being raised.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from .alert import alert_id, iso, new_alert, revised, surge_summary, with_article
from .stories import Admission, Publication


@dataclass(frozen=True, slots=True)
class SurgeConfig:
    window: float  # seconds
    baseline_windows: int
    factor: float
    min_count: int
    max_articles: int
    severity: str = "medium"


def mention_record(key: str, label: str, ref: dict, where: str, now: float) -> dict:
    """What the surge agent receives for one article adding one to one counter (JSON-ready)."""
    return {"key": key, "label": label, "article": ref, "position": where, "time": now}


def admit(earlier_positions: Sequence[str], where: str) -> Admission:
    """Whether an article is counted: `earlier_positions` are where this key already saw this article
    id in the current and baseline windows ('' for not seen). The same record read again after a
    restart is a replay (already counted); the same id from another record, a duplicate."""
    seen = [p for p in earlier_positions if p]
    if not seen:
        return "new"
    return "replay" if where in seen else "duplicate"


def baseline(previous: Sequence[int]) -> float:
    """The mean count of the windows before the current one (windows nobody counted in are 0)."""
    return sum(previous) / len(previous) if previous else 0.0


def surging(current: int, previous: Sequence[int], factor: float, min_count: int) -> bool:
    """Whether the current window's count is a surge against the windows before it."""
    return current >= min_count and current >= factor * baseline(previous)


def window_bounds(now: float, size: float) -> tuple[float, float]:
    """(start, end) of the tumbling window holding `now`, as Faust's tumbling windows cut them."""
    start = now - now % size
    return start, start + size


def observe_mention(
    state: dict | None, record: dict, admission: Admission, current: int, previous: Sequence[int], config: SurgeConfig,
) -> tuple[dict, list[Publication]]:
    """One counted (or refused) mention: the key's new state and the surge alerts to publish.

    `current` is the count of the record's window including this article, `previous` the counts
    of the `baseline_windows` before it, most recent first.
    """
    state = dict(state or {})
    episode = state.get("episode")
    ref = record["article"]
    if admission == "replay":
        listed = episode is not None and any(a["id"] == ref["id"] for a in episode["alert"]["articles"])
        return state, [(episode["alert"], False)] if listed else []
    if admission == "duplicate":
        return state, []

    start, end = window_bounds(record["time"], config.window)
    window_articles = state.get("window_articles") or {"start": start, "articles": []}
    if window_articles["start"] != start:
        window_articles = {"start": start, "articles": []}
    if len(window_articles["articles"]) < config.max_articles:
        window_articles = {"start": start, "articles": window_articles["articles"] + [ref]}
    state["window_articles"] = window_articles

    if not surging(current, previous, config.factor, config.min_count):
        return state, []
    window = {
        "key": record["key"], "start": iso(start), "end": iso(end), "count": current,
        "baseline": baseline(previous), "factor": config.factor,
    }
    evidence = [
        {"start": iso(start - (i + 1) * config.window), "end": iso(start - i * config.window), "count": count}
        for i, count in enumerate(previous)
    ]
    kind, _, subject_id = record["key"].partition(":")
    summary = surge_summary(record["label"], "tag" if kind == "tag" else "coverage of", current, baseline(previous), config.window, start)
    continuing = episode is not None and episode["start"] >= start - config.window
    if continuing:
        alert = episode["alert"]
        if not any(a["id"] == ref["id"] for a in alert["articles"]):
            alert = with_article(alert, ref, [], [], [], config.max_articles)
        alert = {**revised(alert, record["time"]), "window": window, "evidence": evidence, "summary": summary}
        state["episode"] = {"start": start, "alert": alert}
        return state, [(alert, False)]
    tags = [{"id": subject_id, "label": record["label"]}] if kind == "tag" else []
    entities = [{"kb_id": subject_id, "name": record["label"]}] if kind == "entity" else []
    alert = new_alert(
        ident=alert_id("surge", record["key"], iso(start)), kind="surge", rule="surge", severity=config.severity,
        subject=record["key"], now=record["time"], articles=list(window_articles["articles"]),
        entities=entities, tags=tags, evidence=evidence, window=window,
    )
    alert["summary"] = summary
    state["episode"] = {"start": start, "alert": alert}
    return state, [(alert, True)]
