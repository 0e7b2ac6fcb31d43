"""One story, one alert: per-article rule hits grouped into stories, per rule. Pure.

`hit_record` turns one rule firing on one enriched article into the record the story agent
receives (keyed by rule id); `observe_hit` takes that rule's story state and the record and returns
the new state and the alerts to publish. A hit joins an open story of its rule (opened less than
`period` seconds before) when it is

- the same article again (same id): nothing changes, nothing is published; unless it is the very
  same enriched record read again after a restart (same partition and offset), in which case the
  story's alert is published again as it stands (same id, same revision, same bytes), so that an
  alert whose state was saved but whose message was lost in a crash reaches the topic;
- a near-duplicate text (a syndicated copy under another URL) of one of the story's articles, or
- about the same subject (`rules.match_article`),

and then the story's alert is updated: its article list grows and its `revision` goes up. A story
raises its alert (revision 1) once its articles come from the rule's `min_sources` outlets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .alert import alert_id, article_ref, article_summary, iso, new_alert, revised, with_article
from .rules import Hit, Rule
from .similarity import near_duplicate, simhash


@dataclass(frozen=True, slots=True)
class StoryConfig:
    period: float  # seconds a story stays open after its first article
    near_duplicate_bits: int
    max_articles: int
    stories_kept: int

    @property
    def members_kept(self) -> int:
        # Ids and fingerprints of a story's articles, for recognising copies; bounded like the rest.
        return self.max_articles * 10


def position(partition: int | None, offset: int | None) -> str:
    """Where an enriched record was read: the same string when the same record is read again."""
    return f"{partition}:{offset}"


def fingerprint(article: dict) -> str:
    """The SimHash of an article's text (of its title when it has no text)."""
    return simhash(article.get("text") or article.get("title") or "")


def hit_record(hit: Hit, article: dict, where: str, now: float, simhash_of_text: str | None = None) -> dict:
    """What the story agent receives for one rule firing on one article (JSON-ready); the article's
    `fingerprint` may be given, computed once for all the rules it fires."""
    evidence = []
    for tag in hit.tags:
        evidence += [{"article_id": article["id"], "tag": tag["id"], "text": span["text"]} for span in tag.get("evidence", ())[:2]]
    for entity in hit.entities if hit.rule.entities else ():
        evidence.append({"article_id": article["id"], "kb_id": entity["kb_id"], "text": entity["name"]})
    return {
        "rule": hit.rule.id,
        "subject": hit.subject,
        "article": article_ref(article),
        "position": where,
        "time": now,
        "simhash": fingerprint(article) if simhash_of_text is None else simhash_of_text,
        "entities": [dict(e) for e in hit.entities],
        "tags": [{"id": t["id"], "label": t.get("label", t["id"]), "score": t["score"]} for t in hit.tags],
        "evidence": evidence,
    }


Publication = tuple[dict, bool]  # (alert, created)


# How an article id meets the state that already counted articles: first seen; the very record
# read again after a restart; the same article from another record (shared with surge.py).
Admission = Literal["new", "replay", "duplicate"]


def _open_stories(state: dict | None, now: float, config: StoryConfig) -> list[dict]:
    return [s for s in (state or {}).get("stories", ()) if now - s["opened"] <= config.period]


def _holding(stories: list[dict], record: dict) -> tuple[dict, str] | None:
    """The open story that already holds the record's article, and where that copy was read."""
    article_id = record["article"]["id"]
    for story in stories:
        for member_id, member_position, _ in story["members"]:
            if member_id == article_id:
                return story, member_position
    return None


def hit_admission(state: dict | None, record: dict, config: StoryConfig) -> Admission:
    """"new" for an article no open story of the rule holds; "replay" for the very record a story
    took in, read again after a restart; "duplicate" for the same article from another record."""
    held = _holding(_open_stories(state, record["time"], config), record)
    if held is None:
        return "new"
    return "replay" if held[1] == record["position"] else "duplicate"


def observe_hit(state: dict | None, record: dict, rule: Rule, config: StoryConfig) -> tuple[dict, list[Publication]]:
    """The rule's new story state and the alerts to publish for one hit (see the module's doc)."""
    now = record["time"]
    stories = _open_stories(state, now, config)
    held = _holding(stories, record)
    if held is not None:
        story, member_position = held
        replay = member_position == record["position"] and story["published"]
        return {"stories": stories}, [(story["alert"], False)] if replay else []

    index = _find(stories, record, config)
    if index is None:
        story = _open(record, rule, config)
        stories.append(story)
    else:
        story = _join(stories[index], record, rule, config)
        stories[index] = story
    # The alert of a story is published from its first article on; before min_sources outlets, never.
    publications: list[Publication] = []
    if story["published"] is False and len(story["alert"]["sources"]) >= rule.min_sources:
        raised = {**story["alert"], "created_at": iso(now), "updated_at": iso(now)}
        story = {**story, "published": True, "alert": raised}
        publications.append((raised, True))
    elif story["published"] and index is not None:
        publications.append((story["alert"], False))
    stories[index if index is not None else -1] = story
    return {"stories": stories[-config.stories_kept:]}, publications


def _find(stories: list[dict], record: dict, config: StoryConfig) -> int | None:
    for i, story in enumerate(stories):
        if any(near_duplicate(fingerprint, record["simhash"], config.near_duplicate_bits) for _, _, fingerprint in story["members"]):
            return i
    for i, story in enumerate(stories):
        if story["subject"] == record["subject"]:
            return i
    return None


def _open(record: dict, rule: Rule, config: StoryConfig) -> dict:
    ref = record["article"]
    alert = new_alert(
        ident=alert_id("article", rule.id, ref["id"]), kind="article", rule=rule.id, severity=rule.severity,
        subject=record["subject"], now=record["time"], articles=[ref], entities=record["entities"],
        tags=record["tags"], evidence=record["evidence"],
    )
    alert["summary"] = article_summary(rule.label, alert, 1)
    return {
        "subject": record["subject"],
        "opened": record["time"],
        "published": False,
        "seen": 1,
        "members": [[ref["id"], record["position"], record["simhash"]]],
        "alert": alert,
    }


def _join(story: dict, record: dict, rule: Rule, config: StoryConfig) -> dict:
    ref = record["article"]
    alert = with_article(story["alert"], ref, record["entities"], record["tags"], record["evidence"], config.max_articles)
    if story["published"]:
        alert = revised(alert, record["time"])
    seen = story["seen"] + 1
    alert["summary"] = article_summary(rule.label, alert, seen)
    members = (story["members"] + [[ref["id"], record["position"], record["simhash"]]])[-config.members_kept:]
    return {**story, "seen": seen, "members": members, "alert": alert}

