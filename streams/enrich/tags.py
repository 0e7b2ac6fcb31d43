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

from .document import Document, Sentence, Tag
from .kb import KnowledgeBase
from .sentences import split_sentences
from .tag_cues import CueMatcher
from .taxonomy_file import Rule, TagDefinition, Taxonomy, load_taxonomy

__all__ = ["Judgement", "Tagger", "Taxonomy", "load_taxonomy"]

MAX_EVIDENCE = 5
_NAMED = frozenset({"name", "demonym"})


@dataclass(slots=True)
class _SentenceFacts:
    """What the tagger knows about one sentence: who it involves and which cues it holds."""

    sentence: Sentence
    position: float
    actors: set[str] = field(default_factory=set)
    states: set[str] = field(default_factory=set)
    named_states: set[str] = field(default_factory=set)  # by name or demonym: what lists are made of
    cues: dict[int, float] = field(default_factory=dict)  # group index -> strongest weight
    counts: dict[int, int] = field(default_factory=dict)  # group index -> hits


@dataclass(slots=True)
class _CompiledRule:
    rule: Rule
    cues: tuple[int, ...]
    unless: tuple[int, ...]


@dataclass(slots=True)
class _CompiledDampener:
    scope: str
    cues: tuple[int, ...]
    actors: tuple[str, ...]
    min_states: int
    factor: float
    min_count: int


@dataclass(slots=True)
class _CompiledTag:
    definition: TagDefinition
    rules: tuple[_CompiledRule, ...]
    dampeners: tuple[_CompiledDampener, ...]


@dataclass(slots=True)
class _Article:
    """One pass over the document, shared by every tag."""

    facts: list[_SentenceFacts]
    counts: dict[int, int]  # group index -> hits in the whole article
    sentences_with: dict[int, dict[int, None]]  # group index -> the sentences with a hit, in order
    with_actors: list[int]
    credits: Counter  # alpha-3 -> credits in the whole article
    actors: set[str]  # every state and KB id the article involves


@dataclass(slots=True)
class Judgement:
    """A tag's evidence and score on one document, and why it was refused (None: emitted)."""

    definition: TagDefinition
    evidence: list[tuple[float, Sentence, str]] = field(default_factory=list)  # (weight, sentence, rule id)
    weight: float = 0.0
    score: float = 0.0
    coverage: float = 0.0
    refused: str | None = None


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
            _CompiledDampener(d.scope, tuple(index[c] for c in d.cues), d.actors, d.min_states, d.factor, d.min_count)
            for d in tag.dampeners
        )
        return _CompiledTag(tag, rules, dampeners)

    def __call__(self, doc: Document) -> None:
        article = self._read(doc)
        judgements = [self._judge(tag, article) for tag in self._tags]
        tags = [self._tag(j, doc) for j in judgements if j.refused is None]
        doc.tags = sorted(tags, key=lambda t: -t.score)

    # --- facts per sentence -----------------------------------------------------------------

    def _read(self, doc: Document) -> _Article:
        sentences = doc.sentences or [Sentence(s, e, "title") for s, e in split_sentences(doc.title)] + [
            Sentence(s, e, "text") for s, e in split_sentences(doc.text)
        ]
        positions = self.taxonomy.positions
        facts: list[_SentenceFacts] = []
        body_seen = 0
        for sentence in sentences:
            if sentence.field == "title":
                weight = positions.title
            else:
                weight = positions.lead if body_seen < positions.lead_sentences else positions.body
                body_seen += 1
            facts.append(_SentenceFacts(sentence, weight))

        # Sentences of one field in text order: a bisect over their starts finds the sentence
        # holding an offset, without a per-character table.
        bounds: dict[str, tuple[list[int], list[int], list[int]]] = {"title": ([], [], []), "text": ([], [], [])}
        for i, fact in sorted(enumerate(facts), key=lambda item: item[1].sentence.start):
            starts, ends, indices = bounds[fact.sentence.field]
            starts.append(fact.sentence.start)
            ends.append(fact.sentence.end)
            indices.append(i)

        def locate(name: str, offset: int) -> int:
            starts, ends, indices = bounds[name]
            k = bisect_right(starts, offset) - 1
            return indices[k] if k >= 0 and offset < ends[k] else -1

        for credit in doc.credits:
            span = credit.span
            i = locate(span.field, span.start)
            if i < 0:
                continue
            fact = facts[i]
            if _is_venue(doc.field_text(span.field), span.start, span.end, credit.via):
                fact.actors.add(f"{credit.country}/venue")
                continue
            fact.actors.add(credit.country)
            fact.actors.add(f"{credit.country}/{credit.via}")  # "RUS/person": Putin, not "Russia"
            fact.states.add(credit.country)
            if credit.via in _NAMED:
                fact.named_states.add(credit.country)
        for entity in doc.entities:
            if not entity.kb_id:
                continue
            for mention in entity.mentions:
                i = locate(mention.field, mention.start)
                if i >= 0:
                    facts[i].actors.add(entity.kb_id)

        counts: dict[int, int] = {}
        sentences_with: dict[int, dict[int, None]] = {}
        for name in ("title", "text"):
            starts, ends, indices = bounds[name]
            for start, group, weight in self._matcher.find(doc.field_text(name)):
                counts[group] = counts.get(group, 0) + 1
                k = bisect_right(starts, start) - 1
                if k < 0 or start >= ends[k]:
                    continue
                i = indices[k]
                found = facts[i]
                found.counts[group] = found.counts.get(group, 0) + 1
                if weight > found.cues.get(group, 0.0):
                    found.cues[group] = weight
                with_group = sentences_with.get(group)
                if with_group is None:
                    sentences_with[group] = {i: None}
                else:
                    with_group[i] = None
        with_actors = [i for i, fact in enumerate(facts) if fact.actors]
        actors = set().union(*(fact.actors for fact in facts))
        return _Article(facts, counts, sentences_with, with_actors, Counter(c.country for c in doc.credits), actors)

    # --- scoring ------------------------------------------------------------------------------

    def explain(self, doc: Document) -> list[Judgement]:
        """How every tag of the taxonomy was judged on this document, emitted or not (for tuning)."""
        article = self._read(doc)
        return [self._judge(tag, article) for tag in self._tags]

    def _judge(self, tag: _CompiledTag, article: _Article) -> Judgement:
        definition = tag.definition
        gate = definition.gate
        judgement = Judgement(definition)
        credits = article.credits
        if any(credits[state] < gate.min_credits for state in gate.states):
            judgement.refused = "states not credited enough"
            return judgement
        if gate.min_share and gate.states:
            # A state named twice in a story about two others is not what the story is about.
            total = sum(credits.values())
            if any(credits[state] < gate.min_share * total for state in gate.states):
                judgement.refused = "states hold too small a share of the credits"
                return judgement
        if gate.max_share:
            total = sum(credits.values())
            if any(credits[state] > share * total for state, share in gate.max_share):
                judgement.refused = "another state holds too large a share of the credits: its story"
                return judgement

        # Each rule is tried only where all its cue groups have hits (or, without cues, where some
        # actor is involved): most sentences of an article never reach a rule.
        facts = article.facts
        best: dict[int, tuple[float, str]] = {}
        for compiled in tag.rules:
            if compiled.cues:
                candidates = _sentences_with_all(article.sentences_with, compiled.cues)
            else:
                candidates = article.with_actors
            weight, rule_id = compiled.rule.weight, compiled.rule.id
            for i in candidates:
                strength = _fires(compiled, facts[i]) * weight
                if strength > 0.0 and strength > best.get(i, _NOTHING)[0]:
                    best[i] = (strength, rule_id)
        list_context = definition.list_context
        sentence_dampeners = [d for d in tag.dampeners if d.scope == "sentence"]
        for i in sorted(best):
            fact = facts[i]
            weight, rule_id = best[i]
            weight *= fact.position
            if len(fact.named_states) >= list_context.min_states:
                weight *= list_context.factor
            for damp in sentence_dampeners:
                if _applies(damp, fact.counts, fact.actors, len(fact.states)):
                    weight *= damp.factor
            judgement.evidence.append((weight, fact.sentence, rule_id))

        total = sum(weight for weight, _, _ in judgement.evidence)
        for damp in tag.dampeners:
            if damp.scope == "document" and _applies(damp, article.counts, article.actors, len(article.credits)):
                total *= damp.factor
        judgement.weight = total
        judgement.score = 1.0 - math.exp(-total / definition.scale)
        judgement.coverage = len(judgement.evidence) / max(1, len(article.facts))
        # The headline states what a story is about: title evidence counts for two sentences.
        in_title = any(s.field == "title" for _, s, _ in judgement.evidence)
        if len(judgement.evidence) + in_title < gate.min_sentences:
            judgement.refused = "too few sentences of evidence"
        elif judgement.coverage < gate.min_coverage and not in_title:
            judgement.refused = "evidence covers too little of the article"
        elif judgement.score <= 0.0 or judgement.score < definition.threshold:
            judgement.refused = "score below threshold"
        return judgement

    def _tag(self, judgement: Judgement, doc: Document) -> Tag:
        definition = judgement.definition
        by_rule: Counter = Counter()
        for weight, _, rule_id in judgement.evidence:
            by_rule[rule_id] += weight
        strongest = sorted(judgement.evidence, key=lambda item: -item[0])[:MAX_EVIDENCE]
        spans = [doc.span(s.start, s.end, s.field) for _, s, _ in strongest]
        rule = f"{definition.id}/{by_rule.most_common(1)[0][0]}@{self.taxonomy.version}"
        return Tag(definition.id, definition.label, judgement.score, rule, spans)


_VENUE_WORDS = frozenset("in at to from near outside around via through into inside".split())
# "the Russian city of Kazan", "the Chinese capital": a state's adjective on a place names a location.
_PLACE_NOUNS = frozenset("city cities capital town towns port resort village region province enclave exclave island oblast".split())


def _is_venue(text: str, start: int, end: int, via: str) -> bool:
    """'talks in Moscow', 'flew to Beijing', 'the summit in the Russian city of Kazan': a place where
    something happens, not the state acting. A host city is not a party to the talks held there."""
    if via == "demonym":
        after = text[end : end + 16].split()
        return bool(after) and after[0].lower().strip(",.;:") in _PLACE_NOUNS
    if via not in ("metonym", "place"):
        return False
    before = text[max(0, start - 24) : start].split()
    if len(before) >= 2 and before[-1].lower() == "of" and before[-2].lower() in _PLACE_NOUNS:
        return True  # "the city of Kazan", "the port of Odesa"
    if before and before[-1].lower() == "the":
        before = before[:-1]
    return bool(before) and before[-1].lower() in _VENUE_WORDS


def _applies(damp: _CompiledDampener, counts: dict[int, int], actors: set[str], states: int) -> bool:
    if damp.actors and not any(a in actors for a in damp.actors):
        return False
    if states < damp.min_states:
        return False
    return not damp.cues or sum(counts.get(g, 0) for g in damp.cues) >= damp.min_count


_NOTHING = (0.0, "")


def _sentences_with_all(sentences_with: dict[int, dict[int, None]], groups: tuple[int, ...]) -> list[int] | dict[int, None]:
    """The sentences holding a hit of every group, in text order."""
    first = sentences_with.get(groups[0])
    if not first:
        return ()  # type: ignore[return-value]
    if len(groups) == 1:
        return first
    others = [sentences_with.get(g) for g in groups[1:]]
    if not all(others):
        return ()  # type: ignore[return-value]
    return [i for i in first if all(i in other for other in others)]


def _fires(compiled: _CompiledRule, fact: _SentenceFacts) -> float:
    """The rule's cue strength in this sentence (weakest required group), or 0 when it does not fire."""
    strengths = [fact.cues.get(group) for group in compiled.cues]  # cues first: most sentences fail here
    if None in strengths:
        return 0.0
    rule = compiled.rule
    if rule.min_states and len(fact.states) < rule.min_states:
        return 0.0
    actors = fact.actors
    if any(a not in actors for a in rule.actors):
        return 0.0
    if rule.any_actors and not any(a in actors for a in rule.any_actors):
        return 0.0
    if any(g in fact.cues for g in compiled.unless):
        return 0.0
    return min(strengths, default=1.0)


