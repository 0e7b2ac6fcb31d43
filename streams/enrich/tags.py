"""Geopolitical tags: score each taxonomy tag from the sentences that give evidence for it.

A sentence gives evidence when a rule of the tag fires in it: the states and knowledge-base
entities it involves (from the entity layer's credits and mentions) and the cue words it holds
match the rule. Its weight is the rule's weight times the strength of its cues, times the
position factor (title, lead, body) and the dampeners that apply (list context, background
clauses, sport...). The article's evidence x gives the score 1 - exp(-x / scale); a tag is
emitted when the document gate passes and the score reaches the tag's threshold.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field

from .document import Document, Sentence, Span, Tag
from .kb import KnowledgeBase
from .sentences import split_sentences
from .tag_cues import CueMatcher
from .taxonomy_file import Rule, TagDefinition, Taxonomy, load_taxonomy

__all__ = ["Tagger", "Taxonomy", "load_taxonomy"]

MAX_EVIDENCE = 5


@dataclass(slots=True)
class _SentenceFacts:
    """What the tagger knows about one sentence: who it involves and which cues it holds."""

    sentence: Sentence
    position: float
    actors: set[str] = field(default_factory=set)
    states: set[str] = field(default_factory=set)
    cues: dict[int, float] = field(default_factory=dict)  # group index -> strongest weight
    counts: Counter = field(default_factory=Counter)  # group index -> hits


@dataclass(slots=True)
class _CompiledRule:
    rule: Rule
    cues: tuple[int, ...]
    unless: tuple[int, ...]


@dataclass(slots=True)
class _CompiledDampener:
    scope: str
    cues: tuple[int, ...]
    factor: float
    min_count: int


@dataclass(slots=True)
class _CompiledTag:
    definition: TagDefinition
    rules: tuple[_CompiledRule, ...]
    dampeners: tuple[_CompiledDampener, ...]


class Tagger:
    """Holds the compiled taxonomy (one cue automaton for all tags); call once per document."""

    def __init__(self, taxonomy: Taxonomy, kb: KnowledgeBase | None = None) -> None:
        self.taxonomy = taxonomy
        self.kb = kb
        names = sorted(taxonomy.cue_groups)
        index = {name: i for i, name in enumerate(names)}
        self._matcher = CueMatcher(
            (term, index[name], weight) for name in names for term, weight in taxonomy.cue_groups[name].terms
        )
        self._tags = [self._compile(tag, index) for tag in taxonomy.tags]

    @staticmethod
    def _compile(tag: TagDefinition, index: dict[str, int]) -> _CompiledTag:
        rules = tuple(
            _CompiledRule(r, tuple(index[c] for c in r.cues), tuple(index[c] for c in r.unless)) for r in tag.rules
        )
        dampeners = tuple(
            _CompiledDampener(d.scope, tuple(index[c] for c in d.cues), d.factor, d.min_count) for d in tag.dampeners
        )
        return _CompiledTag(tag, rules, dampeners)

    def __call__(self, doc: Document) -> None:
        facts, doc_counts = self._facts(doc)
        credits = Counter(c.country for c in doc.credits)
        tags = [tag for tag in (self._score(t, facts, doc_counts, credits, doc) for t in self._tags) if tag]
        doc.tags = sorted(tags, key=lambda t: -t.score)

    # --- facts per sentence -----------------------------------------------------------------

    def _facts(self, doc: Document) -> tuple[list[_SentenceFacts], Counter]:
        sentences = doc.sentences or [Sentence(s, e, "title") for s, e in split_sentences(doc.title)] + [
            Sentence(s, e, "text") for s, e in split_sentences(doc.text)
        ]
        positions = self.taxonomy.positions
        facts: list[_SentenceFacts] = []
        by_field: dict[str, tuple[list[int], list[int]]] = {"title": ([], []), "text": ([], [])}
        body_seen = 0
        for sentence in sentences:
            if sentence.field == "title":
                weight = positions.title
            else:
                weight = positions.lead if body_seen < positions.lead_sentences else positions.body
                body_seen += 1
            starts, indices = by_field[sentence.field]
            starts.append(sentence.start)
            indices.append(len(facts))
            facts.append(_SentenceFacts(sentence, weight))

        def locate(name: str, offset: int) -> _SentenceFacts | None:
            starts, indices = by_field.get(name, ((), ()))
            i = bisect_right(starts, offset) - 1
            if i < 0:
                return None
            found = facts[indices[i]]
            return found if offset < found.sentence.end else None

        for credit in doc.credits:
            found = locate(credit.span.field, credit.span.start)
            if found:
                found.actors.add(credit.country)
                found.states.add(credit.country)
        for entity in doc.entities:
            if not entity.kb_id:
                continue
            for mention in entity.mentions:
                found = locate(mention.field, mention.start)
                if found:
                    found.actors.add(entity.kb_id)

        doc_counts: Counter = Counter()
        for name in ("title", "text"):
            for hit in self._matcher.find(doc.field_text(name)):
                doc_counts[hit.group] += 1
                found = locate(name, hit.start)
                if found:
                    found.counts[hit.group] += 1
                    if hit.weight > found.cues.get(hit.group, 0.0):
                        found.cues[hit.group] = hit.weight
        return facts, doc_counts

    # --- scoring ------------------------------------------------------------------------------

    def _score(
        self, tag: _CompiledTag, facts: list[_SentenceFacts], doc_counts: Counter, credits: Counter, doc: Document
    ) -> Tag | None:
        definition = tag.definition
        gate = definition.gate
        if any(credits[state] < gate.min_credits for state in gate.states):
            return None
        if gate.min_share and gate.states:
            # A state named twice in a story about two others is not what the story is about.
            total = sum(credits.values())
            if any(credits[state] < gate.min_share * total for state in gate.states):
                return None

        evidence: list[tuple[float, _SentenceFacts, str]] = []
        for fact in facts:
            best, best_rule = 0.0, ""
            for compiled in tag.rules:
                strength = _fires(compiled, fact)
                if strength * compiled.rule.weight > best:
                    best, best_rule = strength * compiled.rule.weight, compiled.rule.id
            if best <= 0.0:
                continue
            best *= fact.position
            if len(fact.states) >= definition.list_context.min_states:
                best *= definition.list_context.factor
            for damp in tag.dampeners:
                if damp.scope == "sentence" and sum(fact.counts[g] for g in damp.cues) >= damp.min_count:
                    best *= damp.factor
            evidence.append((best, fact, best_rule))
        if len(evidence) < gate.min_sentences:
            return None

        total = sum(weight for weight, _, _ in evidence)
        for damp in tag.dampeners:
            if damp.scope == "document" and sum(doc_counts[g] for g in damp.cues) >= damp.min_count:
                total *= damp.factor
        score = 1.0 - math.exp(-total / definition.scale)
        if score < definition.threshold or score <= 0.0:
            return None

        by_rule: Counter = Counter()
        for weight, _, rule_id in evidence:
            by_rule[rule_id] += weight
        evidence.sort(key=lambda item: -item[0])
        spans = [_span(doc, fact.sentence) for _, fact, _ in evidence[:MAX_EVIDENCE]]
        rule = f"{definition.id}/{by_rule.most_common(1)[0][0]}@{self.taxonomy.version}"
        return Tag(definition.id, definition.label, score, rule, spans)


def _fires(compiled: _CompiledRule, fact: _SentenceFacts) -> float:
    """The rule's cue strength in this sentence (weakest required group), or 0 when it does not fire."""
    rule = compiled.rule
    if rule.min_states and len(fact.states) < rule.min_states:
        return 0.0
    actors = fact.actors
    if any(a not in actors for a in rule.actors):
        return 0.0
    if rule.any_actors and not any(a in actors for a in rule.any_actors):
        return 0.0
    cues = fact.cues
    if any(g in cues for g in compiled.unless):
        return 0.0
    if not compiled.cues:
        return 1.0
    return min(cues.get(group, 0.0) for group in compiled.cues)


def _span(doc: Document, sentence: Sentence) -> Span:
    return doc.span(sentence.start, sentence.end, sentence.field)
