"""Alert rules (streams/data/alert_rules.yaml): their model, their validating loader, and matching
one enriched article against them. Pure: no Kafka, no I/O beyond reading the file once.

A rule fires on an article when every watched tag reaches its score and every watched entity is
credited; `min_sources` is judged later, over the whole story (streams/alerts/stories.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..enrich.datafile import DATA_DIR, DataFileError, LineDict, line_of, load_versioned, load_yaml

DEFAULT_PATH = DATA_DIR / "alert_rules.yaml"
SEVERITIES = ("info", "low", "medium", "high", "critical")

_RULE_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_TAG_ID = _RULE_ID
_KB_ID = re.compile(r"^(?:country|city|region|place|person|org):[A-Za-z0-9-]+$")
_TOP_KEYS = {"version", "rules", "surges"}
_RULE_KEYS = {"id", "label", "severity", "tags", "entities", "min_sources"}
_SURGE_KEYS = {"tags", "entities", "severity"}


@dataclass(frozen=True, slots=True)
class Rule:
    """A per-article rule: every tag at or above its score, every entity credited, enough sources."""

    id: str
    label: str
    severity: str
    tags: tuple[tuple[str, float], ...] = ()
    entities: tuple[str, ...] = ()
    min_sources: int = 1
    line: int | None = None


@dataclass(frozen=True, slots=True)
class SurgeWatch:
    """What surges are counted for: tags (`all_tags`, or the listed ones) and watched entities."""

    all_tags: bool = True
    tags: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    severity: str = "medium"


@dataclass
class RuleSet:
    version: str = "empty"
    rules: list[Rule] = field(default_factory=list)
    surges: SurgeWatch = SurgeWatch()
    path: str | None = None

    def get(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)


@dataclass(frozen=True, slots=True)
class Hit:
    """One rule firing on one article: the watched things that matched, for the alert and the story."""

    rule: Rule
    tags: tuple[dict, ...]  # the article's tag records for the watched tags
    entities: tuple[dict, ...]  # {kb_id, name, country} of the watched entities
    subject: str  # what the story is about, for grouping later articles (see match_article)


def _fail(path: Path, where: Any, message: str) -> DataFileError:
    return DataFileError(path, line_of(where), message)


def _severity(path: Path, spec: LineDict, what: str, default: str | None = None) -> str:
    value = spec.get("severity", default)
    if value not in SEVERITIES:
        raise _fail(path, spec, f"{what}: 'severity' must be one of {list(SEVERITIES)}, got {value!r}")
    return value


def _names(path: Path, spec: LineDict, key: str, what: str, pattern: re.Pattern) -> tuple[str, ...]:
    value = spec.get(key, [])
    if not isinstance(value, list):
        raise _fail(path, spec, f"{what}: '{key}' must be a list")
    for name in value:
        if not isinstance(name, str) or not pattern.match(name):
            raise _fail(path, spec, f"{what}: {key} entry {name!r} must match {pattern.pattern}")
    return tuple(value)


def _rule(path: Path, spec: LineDict) -> Rule:
    unknown = sorted(set(spec) - _RULE_KEYS)
    if unknown:
        raise _fail(path, spec, f"rule: unknown key(s) {unknown}; allowed: {sorted(_RULE_KEYS)}")
    rule_id = spec.get("id")
    if not isinstance(rule_id, str) or not _RULE_ID.match(rule_id):
        raise _fail(path, spec, f"rule: 'id' {rule_id!r} must match {_RULE_ID.pattern}")
    what = f"rule {rule_id!r}"
    label = spec.get("label", rule_id)
    if not isinstance(label, str) or not label.strip():
        raise _fail(path, spec, f"{what}: 'label' must be a non-empty string")
    tags_spec = spec.get("tags", {})
    if not isinstance(tags_spec, dict):
        raise _fail(path, spec, f"{what}: 'tags' must be a mapping of tag id to its lowest score")
    tags = []
    for tag_id, score in tags_spec.items():
        if not isinstance(tag_id, str) or not _TAG_ID.match(tag_id):
            raise _fail(path, tags_spec, f"{what}: tag id {tag_id!r} must match {_TAG_ID.pattern}")
        if isinstance(score, bool) or not isinstance(score, (int, float)) or not 0 <= score <= 1:
            raise _fail(path, tags_spec, f"{what}: score of tag {tag_id!r} must be a number in [0, 1], got {score!r}")
        tags.append((tag_id, float(score)))
    entities = _names(path, spec, "entities", what, _KB_ID)
    if not tags and not entities:
        raise _fail(path, spec, f"{what}: needs at least one watched tag or entity")
    min_sources = spec.get("min_sources", 1)
    if isinstance(min_sources, bool) or not isinstance(min_sources, int) or min_sources < 1:
        raise _fail(path, spec, f"{what}: 'min_sources' must be a whole number of at least 1, got {min_sources!r}")
    return Rule(rule_id, label.strip(), _severity(path, spec, what), tuple(tags), entities, min_sources, line_of(spec))


def _surges(path: Path, spec: Any, top: Any) -> SurgeWatch:
    if spec is None:
        return SurgeWatch()
    if not isinstance(spec, dict):
        raise _fail(path, top, "'surges' must be a mapping with 'tags' and 'entities'")
    unknown = sorted(set(spec) - _SURGE_KEYS)
    if unknown:
        raise _fail(path, spec, f"surges: unknown key(s) {unknown}; allowed: {sorted(_SURGE_KEYS)}")
    all_tags = spec.get("tags", "all") == "all"
    tags = () if all_tags else _names(path, spec, "tags", "surges", _TAG_ID)
    entities = _names(path, spec, "entities", "surges", _KB_ID)
    return SurgeWatch(all_tags, tags, entities, _severity(path, spec, "surges", "medium"))


def load_rules(path: str | Path | None = None) -> RuleSet:
    """Load and validate an alert rules file (the packaged one by default); DataFileError names file and line."""
    path = Path(path) if path is not None else DEFAULT_PATH
    version, raw_rules = load_versioned(path, "rules")
    top = load_yaml(path)
    unknown = sorted(set(top) - _TOP_KEYS)
    if unknown:
        raise _fail(path, top, f"unknown top-level key(s) {unknown}; allowed: {sorted(_TOP_KEYS)}")
    rules, seen = [], set()
    for spec in raw_rules:
        rule = _rule(path, spec)
        if rule.id in seen:
            raise _fail(path, spec, f"rule id {rule.id!r} is used twice")
        seen.add(rule.id)
        rules.append(rule)
    return RuleSet(version, rules, _surges(path, top.get("surges"), top), str(path))


# ------------------------------------------------------------------ matching


def credited(article: dict) -> dict[str, dict]:
    """Knowledge-base id -> {kb_id, name, country} of everything the article credits.

    States come from `states` (credited however named: persons, metonyms, demonyms); other
    entities from `entities` with a kb_id.
    """
    found: dict[str, dict] = {}
    for entity in article.get("entities", ()):
        if entity.get("kb_id"):
            found.setdefault(entity["kb_id"], {"kb_id": entity["kb_id"], "name": entity["name"], "country": entity.get("country")})
    for state in article.get("states", ()):
        found[state["kb_id"]] = {"kb_id": state["kb_id"], "name": state["name"], "country": state.get("country")}
    return found


def principal_states(article: dict, how_many: int = 2) -> list[dict]:
    """The article's most credited states, {kb_id, name, country}, most credited first."""
    states = sorted(article.get("states", ()), key=lambda s: (-s.get("count", 0), s["kb_id"]))
    return [{"kb_id": s["kb_id"], "name": s["name"], "country": s.get("country")} for s in states[:how_many]]


def match_article(article: dict, rules: RuleSet) -> list[Hit]:
    """The rules an enriched article satisfies (leaving `min_sources` to the story).

    A hit's subject is what its story is about: the rule's watched entities and tags; a rule that
    names no entity adds the article's two most credited states (and lists them as the entities
    involved), so that two unrelated stories tagged alike (Taiwan drills, a Sahel coup) stay two.
    """
    tags = {t["id"]: t for t in article.get("tags", ())}
    kb = credited(article) if any(r.entities for r in rules.rules) else {}
    hits = []
    for rule in rules.rules:
        if not all(tag in tags and tags[tag]["score"] >= score for tag, score in rule.tags):
            continue
        if not all(kb_id in kb for kb_id in rule.entities):
            continue
        entities = [kb[kb_id] for kb_id in rule.entities] or principal_states(article)
        subject = sorted(t for t, _ in rule.tags) + sorted(e["kb_id"] for e in entities)
        hits.append(Hit(
            rule=rule,
            tags=tuple(tags[tag] for tag, _ in rule.tags),
            entities=tuple(entities),
            subject="+".join(subject),
        ))
    return hits


def surge_keys(article: dict, watch: SurgeWatch) -> list[tuple[str, str]]:
    """(key, label) of every surge counter this article adds one to: `tag:<id>` and `entity:<kb_id>`."""
    keys = []
    for tag in article.get("tags", ()):
        if watch.all_tags or tag["id"] in watch.tags:
            keys.append((f"tag:{tag['id']}", tag.get("label") or tag["id"]))
    if watch.entities:
        kb = credited(article)
        keys += [(f"entity:{kb_id}", kb[kb_id]["name"]) for kb_id in watch.entities if kb_id in kb]
    return keys
