"""The tag taxonomy data file (streams/data/taxonomy.yaml): its model and its validating loader.

A tag is decided by data, not code: rules over the states and knowledge-base entities a sentence
involves and the cue words it contains, weights by position (title, lead, body), dampeners for
contexts that look like the tag without being about it, a document gate and a score threshold.
Every error names the file and line, so that a typo fails at start-up, not silently in production.
See the comments at the top of taxonomy.yaml for the meaning of each key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .datafile import DATA_DIR, DataFileError, LineDict, line_of, load_versioned_document

DEFAULT_PATH = DATA_DIR / "taxonomy.yaml"

_TAG_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_CUE_NAME = re.compile(r"^[a-z0-9_]+$")
_ALPHA3 = re.compile(r"^[A-Z]{3}$")
_KB_ID = re.compile(r"^(?:country|city|region|place|person|org):[A-Za-z0-9-]+$")
# RUS/person: credited by its people; CHN/company: a firm of that state, which credits no state itself
_CREDIT_VIA = re.compile(r"^[A-Z]{3}/(?:name|demonym|person|metonym|org|place|venue|company)$")


@dataclass(frozen=True, slots=True)
class CueGroup:
    """A named list of weighted terms; rules and dampeners refer to groups by name."""

    name: str
    terms: tuple[tuple[str, float], ...]


@dataclass(frozen=True, slots=True)
class Rule:
    """Fires in a sentence that involves the actors and contains a cue of every listed group."""

    id: str
    weight: float
    actors: tuple[str, ...] = ()  # every one must be involved: alpha-3 or a KB id
    any_actors: tuple[str, ...] = ()  # at least one must be involved
    min_states: int = 0  # distinct states the sentence must involve
    cues: tuple[str, ...] = ()  # qualified cue-group names, all required
    unless: tuple[str, ...] = ()  # qualified cue-group names that veto the rule in that sentence


@dataclass(frozen=True, slots=True)
class Dampener:
    """Multiplies evidence by `factor` where its cues occur, it involves one of `actors` and at
    least `min_states` states (each condition only if given): per sentence, or for the article."""

    id: str
    cues: tuple[str, ...]
    scope: str  # "sentence" | "document"
    factor: float
    min_count: int = 1
    actors: tuple[str, ...] = ()
    min_states: int = 0


@dataclass(frozen=True, slots=True)
class Gate:
    """What an article must show before a tag is considered at all."""

    states: tuple[str, ...] = ()  # each credited at least `min_credits` times
    min_credits: int = 1
    min_share: float = 0.0  # each of `states` holds at least this share of all state credits
    min_sentences: int = 1  # distinct sentences where a rule fired
    min_coverage: float = 0.0  # share of sentences giving evidence, when the title gives none
    max_share: tuple[tuple[str, float], ...] = ()  # (state, share): a state holding more makes it its story
    min_strongest: float = 0.0  # evidence of the strongest sentence: one sentence states the subject itself


@dataclass(frozen=True, slots=True)
class Positions:
    title: float = 2.0
    lead: float = 1.5
    body: float = 1.0
    lead_sentences: int = 3


@dataclass(frozen=True, slots=True)
class ListContext:
    """A sentence involving this many states is a list or a ranking, not a relation between two."""

    min_states: int = 4
    factor: float = 0.2


@dataclass(frozen=True, slots=True)
class TagDefinition:
    id: str
    label: str
    definition: str
    threshold: float
    scale: float
    rules: tuple[Rule, ...]
    dampeners: tuple[Dampener, ...] = ()
    gate: Gate = Gate()
    list_context: ListContext = ListContext()
    line: int | None = None


@dataclass
class Taxonomy:
    version: str = "empty"
    tags: list[TagDefinition] = field(default_factory=list)
    cue_groups: dict[str, CueGroup] = field(default_factory=dict)  # qualified name -> group
    positions: Positions = Positions()
    path: str | None = None

    def tag(self, tag_id: str) -> TagDefinition:
        return next(t for t in self.tags if t.id == tag_id)


class _Checker:
    """Validation helpers that know the file, so every message carries file and line."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: Any, message: str, fallback: int | None = None) -> DataFileError:
        return DataFileError(self.path, line_of(where) or fallback, message)

    def keys(self, mapping: LineDict, allowed: set[str], required: set[str], what: str) -> None:
        unknown = sorted(set(mapping) - allowed)
        if unknown:
            raise self.fail(mapping, f"{what}: unknown key(s) {unknown}; allowed: {sorted(allowed)}")
        missing = sorted(required - set(mapping))
        if missing:
            raise self.fail(mapping, f"{what}: missing {missing}")

    def mapping(self, value: Any, where: Any, what: str) -> LineDict:
        if not isinstance(value, dict):
            raise self.fail(where, f"{what} must be a mapping, got {value!r}")
        return value

    def text(self, mapping: LineDict, key: str, what: str, pattern: re.Pattern | None = None) -> str:
        value = mapping.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(mapping, f"{what}: '{key}' must be a non-empty string")
        if pattern and not pattern.match(value):
            raise self.fail(mapping, f"{what}: '{key}' {value!r} must match {pattern.pattern}")
        return value.strip()

    def number(self, mapping: LineDict, key: str, what: str, low: float, high: float, default: float | None = None) -> float:
        value = mapping.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise self.fail(mapping, f"{what}: '{key}' must be a number in [{low}, {high}], got {value!r}")
        return float(value)

    def names(self, mapping: LineDict, key: str, what: str) -> tuple[str, ...]:
        value = mapping.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(mapping, f"{what}: '{key}' must be a list of names")
        return tuple(v.strip() for v in value)

    def actors(self, mapping: LineDict, key: str, what: str) -> tuple[str, ...]:
        result = []
        for actor in self.names(mapping, key, what):
            if actor.startswith("country:"):
                actor = actor.split(":", 1)[1]
            if not (_ALPHA3.match(actor) or _CREDIT_VIA.match(actor) or _KB_ID.match(actor)):
                raise self.fail(mapping, f"{what}: {actor!r} is not an ISO alpha-3 code, XXX/<via> or a knowledge-base id")
            result.append(actor)
        return tuple(result)


def _cue_groups(check: _Checker, raw: Any, where: Any, scope: str) -> dict[str, CueGroup]:
    """Parse `cues:` — name: [term, {term: weight}, ...] or name: {weight: w, terms: [...]}."""
    if raw is None:
        return {}
    raw = check.mapping(raw, where, f"{scope} 'cues'")
    groups = {}
    for name, spec in raw.items():
        what = f"{scope} cue group {name!r}"
        if not isinstance(name, str) or not _CUE_NAME.match(name):
            raise check.fail(raw, f"{what}: names are lower-case letters, digits and '_'")
        weight = 1.0
        if isinstance(spec, dict):
            check.keys(spec, {"weight", "terms"}, {"terms"}, what)
            weight = check.number(spec, "weight", what, 0.0, 10.0)
            line, spec = line_of(spec), spec["terms"]
        else:
            line = line_of(raw)
        if not isinstance(spec, list) or not spec:
            raise check.fail(None, f"{what}: needs a non-empty list of terms", line)
        terms = []
        for item in spec:
            if isinstance(item, str) and item.strip().strip("=*").strip():
                terms.append((item, weight))
            elif isinstance(item, dict) and len(item) == 1:
                (term, term_weight), = item.items()
                if not isinstance(term, str) or isinstance(term_weight, bool) or not isinstance(term_weight, (int, float)) or term_weight <= 0:
                    raise check.fail(item, f"{what}: a weighted term is written `term: weight` with weight > 0")
                terms.append((term, float(term_weight)))
            else:
                raise check.fail(item, f"{what}: a term must be a string or `term: weight`, got {item!r}", line)
        groups[name] = CueGroup(name, tuple(terms))
    return groups


def _resolve(check: _Checker, names: tuple[str, ...], where: Any, tag_id: str, groups: dict[str, CueGroup]) -> tuple[str, ...]:
    """Tag-local cue groups shadow shared ones of the same name."""
    resolved = []
    for name in names:
        for qualified in (f"{tag_id}.{name}", name):
            if qualified in groups:
                resolved.append(qualified)
                break
        else:
            raise check.fail(where, f"tag {tag_id!r}: unknown cue group {name!r}")
    return tuple(resolved)


_RULE_KEYS = {"id", "weight", "actors", "any_actors", "min_states", "cues", "unless"}
_DAMPEN_KEYS = {"id", "cues", "actors", "min_states", "scope", "factor", "min_count"}
_TAG_KEYS = {"id", "label", "definition", "threshold", "scale", "cues", "rules", "dampen", "requires", "list_context"}
_TOP_KEYS = {"version", "tags", "cues", "positions", "list_context"}


def _rules(check: _Checker, tag: LineDict, tag_id: str, groups: dict[str, CueGroup]) -> tuple[Rule, ...]:
    raw = tag.get("rules")
    if not isinstance(raw, list) or not raw:
        raise check.fail(tag, f"tag {tag_id!r}: 'rules' must be a non-empty list")
    rules, seen = [], set()
    for spec in raw:
        spec = check.mapping(spec, tag, f"tag {tag_id!r}: a rule")
        what = f"tag {tag_id!r} rule"
        check.keys(spec, _RULE_KEYS, {"id", "weight"}, what)
        rule_id = check.text(spec, "id", what, _TAG_ID)
        if rule_id in seen:
            raise check.fail(spec, f"{what}: duplicate rule id {rule_id!r}")
        seen.add(rule_id)
        what = f"tag {tag_id!r} rule {rule_id!r}"
        rule = Rule(
            id=rule_id,
            weight=check.number(spec, "weight", what, 0.0, 100.0),
            actors=check.actors(spec, "actors", what),
            any_actors=check.actors(spec, "any_actors", what),
            min_states=int(check.number(spec, "min_states", what, 0, 50, default=0)),
            cues=_resolve(check, check.names(spec, "cues", what), spec, tag_id, groups),
            unless=_resolve(check, check.names(spec, "unless", what), spec, tag_id, groups),
        )
        if not (rule.actors or rule.any_actors or rule.min_states or rule.cues):
            raise check.fail(spec, f"{what}: a rule needs actors or cues, else it fires on every sentence")
        rules.append(rule)
    return tuple(rules)


def _dampeners(check: _Checker, tag: LineDict, tag_id: str, groups: dict[str, CueGroup]) -> tuple[Dampener, ...]:
    raw = tag.get("dampen", [])
    if not isinstance(raw, list):
        raise check.fail(tag, f"tag {tag_id!r}: 'dampen' must be a list")
    result = []
    for spec in raw:
        spec = check.mapping(spec, tag, f"tag {tag_id!r}: a dampener")
        what = f"tag {tag_id!r} dampener"
        check.keys(spec, _DAMPEN_KEYS, {"id", "scope", "factor"}, what)
        if not (spec.get("cues") or spec.get("actors") or spec.get("min_states")):
            raise check.fail(spec, f"{what}: needs cues, actors or min_states")
        scope = spec.get("scope")
        if scope not in ("sentence", "document"):
            raise check.fail(spec, f"{what}: 'scope' must be 'sentence' or 'document', got {scope!r}")
        result.append(
            Dampener(
                id=check.text(spec, "id", what, _TAG_ID),
                cues=_resolve(check, check.names(spec, "cues", what), spec, tag_id, groups),
                scope=scope,
                factor=check.number(spec, "factor", what, 0.0, 1.0),
                min_count=int(check.number(spec, "min_count", what, 1, 1000, default=1)),
                actors=check.actors(spec, "actors", what),
                min_states=int(check.number(spec, "min_states", what, 0, 1000, default=0)),
            )
        )
    return tuple(result)


def _gate(check: _Checker, tag: LineDict, tag_id: str) -> Gate:
    if "requires" not in tag:
        return Gate()
    spec = check.mapping(tag["requires"], tag, f"tag {tag_id!r}: 'requires'")
    what = f"tag {tag_id!r} requires"
    check.keys(spec, {"states", "min_credits", "min_share", "min_sentences", "min_coverage", "max_share", "min_strongest"}, set(), what)
    return Gate(
        states=check.actors(spec, "states", what),
        min_credits=int(check.number(spec, "min_credits", what, 1, 1000, default=1)),
        min_share=check.number(spec, "min_share", what, 0.0, 1.0, default=0.0),
        min_sentences=int(check.number(spec, "min_sentences", what, 1, 1000, default=1)),
        min_coverage=check.number(spec, "min_coverage", what, 0.0, 1.0, default=0.0),
        max_share=_max_share(check, spec, what),
        min_strongest=check.number(spec, "min_strongest", what, 0.0, 100.0, default=0.0),
    )


def _max_share(check: _Checker, spec: LineDict, what: str) -> tuple[tuple[str, float], ...]:
    shares = check.mapping(spec.get("max_share", {}), spec, f"{what}: 'max_share'")
    for state, share in shares.items():
        if not isinstance(state, str) or not _ALPHA3.match(state):
            raise check.fail(spec, f"{what}: max_share keys are ISO alpha-3 codes, got {state!r}")
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0.0 <= share <= 1.0:
            raise check.fail(spec, f"{what}: max_share of {state} must be a number in [0, 1], got {share!r}")
    return tuple((state, float(share)) for state, share in shares.items())


def _list_context(check: _Checker, spec: Any, where: Any, default: ListContext) -> ListContext:
    if spec is None:
        return default
    spec = check.mapping(spec, where, "'list_context'")
    check.keys(spec, {"min_states", "factor"}, set(), "list_context")
    return ListContext(
        min_states=int(check.number(spec, "min_states", "list_context", 2, 1000, default=default.min_states)),
        factor=check.number(spec, "factor", "list_context", 0.0, 1.0, default=default.factor),
    )


def _positions(check: _Checker, spec: Any, where: Any) -> Positions:
    if spec is None:
        return Positions()
    spec = check.mapping(spec, where, "'positions'")
    check.keys(spec, {"title", "lead", "body", "lead_sentences"}, set(), "positions")
    base = Positions()
    return Positions(
        title=check.number(spec, "title", "positions", 0.0, 10.0, default=base.title),
        lead=check.number(spec, "lead", "positions", 0.0, 10.0, default=base.lead),
        body=check.number(spec, "body", "positions", 0.0, 10.0, default=base.body),
        lead_sentences=int(check.number(spec, "lead_sentences", "positions", 0, 100, default=base.lead_sentences)),
    )


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Load and validate a taxonomy file (the packaged one by default); DataFileError names file and line."""
    path = Path(path) if path is not None else DEFAULT_PATH
    check = _Checker(path)
    version, raw_tags, top = load_versioned_document(path, "tags")
    check.keys(top, _TOP_KEYS, {"version", "tags"}, "taxonomy")
    groups = _cue_groups(check, top.get("cues"), top, "shared")
    default_list = _list_context(check, top.get("list_context"), top, ListContext())
    tags, seen = [], set()
    for spec in raw_tags:
        what = "tag"
        check.keys(spec, _TAG_KEYS, {"id", "label", "definition", "threshold", "rules"}, what)
        tag_id = check.text(spec, "id", what, _TAG_ID)
        if tag_id in seen:
            raise check.fail(spec, f"duplicate tag id {tag_id!r}")
        seen.add(tag_id)
        what = f"tag {tag_id!r}"
        local = _cue_groups(check, spec.get("cues"), spec, what)
        groups.update({f"{tag_id}.{name}": group for name, group in local.items()})
        tags.append(
            TagDefinition(
                id=tag_id,
                label=check.text(spec, "label", what),
                definition=" ".join(check.text(spec, "definition", what).split()),
                threshold=check.number(spec, "threshold", what, 0.0, 1.0),
                scale=check.number(spec, "scale", what, 0.01, 1000.0, default=3.0),
                rules=_rules(check, spec, tag_id, groups),
                dampeners=_dampeners(check, spec, tag_id, groups),
                gate=_gate(check, spec, tag_id),
                list_context=_list_context(check, spec.get("list_context"), spec, default_list),
                line=line_of(spec),
            )
        )
    return Taxonomy(version, tags, groups, _positions(check, top.get("positions"), top), str(path))
