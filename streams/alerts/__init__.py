"""Alerts from enriched articles: pure decisions, no Kafka (the agents live in streams/agents/alerts.py).

Three steps, each a function of its input and the state it is given, returning the new state and
what to publish:

1. `scan_article`: one enriched article -> the per-article rule hits (keyed by rule id) and the
   surge counters it adds to (keyed by `tag:<id>` or `entity:<kb_id>`); `scan_batch` does it for
   a batch of articles and groups the records by what they update, so that the agent forwards one
   message per rule and one per surge key and window, not one per article;
2. `stories.observe_hit`: a rule's open stories + one hit -> one alert per story, created or updated;
3. `surge.observe_mention`: a counter's window counts + one article -> a surge alert, created or updated.
"""

from __future__ import annotations

from .alert import article_ref
from .rules import RuleSet, load_rules, match_article, surge_keys
from .stories import StoryConfig, fingerprint, hit_admission, hit_record, observe_hit, position
from .surge import SurgeConfig, mention_record, observe_mention
from ..settings import Settings


def scan_article(article: dict, where: str, now: float, rules: RuleSet) -> tuple[list[dict], list[dict]]:
    """(hit records, mention records) for one enriched article read at `where` at stream time `now`."""
    hits = [hit_record(hit, article, where, now) for hit in match_article(article, rules)]
    ref = article_ref(article)
    mentions = [mention_record(key, label, ref, where, now) for key, label in surge_keys(article, rules.surges)]
    return hits, mentions


Scanned = tuple[dict, str, float]  # (enriched article, where it was read, its stream time)


def scan_batch(articles: list[Scanned], rules: RuleSet, window: float) -> tuple[dict[str, list[dict]], dict[tuple[str, float], list[dict]]]:
    """The hit records of a batch grouped by rule id, and its mention records by (surge key, start of
    the tumbling window of `window` seconds holding the record's stream time), in the batch's order.

    All the mentions of one group fall in one window, so the message carrying them can bear the
    stream time of the first and update the right window. An article that fires no rule and adds
    to no counter costs nothing more.
    """
    hits: dict[str, list[dict]] = {}
    mentions: dict[tuple[str, float], list[dict]] = {}
    for article, where, now in articles:
        keys = surge_keys(article, rules.surges)
        found = match_article(article, rules)
        if found:
            text_print = fingerprint(article)
            for hit in found:
                hits.setdefault(hit.rule.id, []).append(hit_record(hit, article, where, now, text_print))
        if keys:
            ref = article_ref(article)
            start = now - now % window
            for key, label in keys:
                mentions.setdefault((key, start), []).append(mention_record(key, label, ref, where, now))
    return hits, mentions


def story_config(settings: Settings) -> StoryConfig:
    return StoryConfig(
        period=settings.alert_story_seconds,
        near_duplicate_bits=settings.alert_near_duplicate_bits,
        max_articles=settings.alert_max_articles,
        stories_kept=settings.alert_stories_kept,
    )


def surge_config(settings: Settings, rules: RuleSet) -> SurgeConfig:
    return SurgeConfig(
        window=settings.alert_surge_window,
        baseline_windows=settings.alert_surge_baseline_windows,
        factor=settings.alert_surge_factor,
        min_count=settings.alert_surge_min_count,
        max_articles=settings.alert_max_articles,
        severity=rules.surges.severity,
    )


__all__ = [
    "RuleSet", "StoryConfig", "SurgeConfig", "load_rules", "hit_admission", "observe_hit", "observe_mention", "position",
    "scan_article", "scan_batch", "story_config", "surge_config",
]
