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
import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field

from .document import Document, Sentence, Tag
from .kb import KnowledgeBase
from .sentences import split_sentences
from .tag_cues import CueMatcher
from .taxonomy_file import Gate, Rule, TagDefinition, Taxonomy, load_taxonomy

__all__ = ["Judgement", "Tagger", "Taxonomy", "load_taxonomy"]

MAX_EVIDENCE = 5
_NAMED = frozenset({"name", "demonym"})


@dataclass(slots=True)
class _SentenceFacts:
    """What the tagger knows about one sentence: who it involves and which cues it holds."""

    sentence: Sentence
    position: float
    index: int
    actors: set[str] = field(default_factory=set)
    states: set[str] = field(default_factory=set)
    named_states: set[str] = field(default_factory=set)  # by name or demonym: what lists are made of
    cues: dict[int, float] = field(default_factory=dict)  # group index -> strongest weight
    counts: dict[int, int] = field(default_factory=dict)  # group index -> hits, for dampeners that count them


@dataclass(slots=True)
class _CompiledRule:
    rule: Rule
    cues: tuple[int, ...]
    unless: tuple[int, ...]
    actors: frozenset[str]
    any_actors: frozenset[str]


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
    groups: frozenset[int]  # every cue group its rules and dampeners look at


@dataclass(slots=True)
class _Article:
    """One pass over the document, shared by every tag."""

    facts: list[_SentenceFacts | None]  # None: the sentence involves no one and holds no cue
    counts: dict[int, int]  # group index -> hits in the whole article
    sentences_with: dict[int, dict[int, None]]  # group index -> the sentences with a hit, in order
    with_actors: list[int]
    credits: Counter  # alpha-3 -> credits in the whole article
    actors: set[str]  # every state and KB id the article involves
    refusals: list[str | None]  # per compiled tag: why its gate refuses the article from credits alone


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
        self._counted_per_sentence = frozenset(
            g for t in self._tags for d in t.dampeners if d.scope == "sentence" and d.min_count > 1 for g in d.cues
        )
        # Knowledge-base entities the taxonomy names (org:nato...): only their mentions are placed.
        named = {a for t in taxonomy.tags for r in t.rules for a in r.actors + r.any_actors}
        named |= {a for t in taxonomy.tags for d in t.dampeners for a in d.actors}
        self._kb_actors = frozenset(a for a in named if ":" in a)
        # "CHN/company": a state's firm (Huawei) is not the state, but a rule may ask for one.
        self._company_states = frozenset(a.split("/")[0] for a in named if a.endswith("/company"))

    @staticmethod
    def _compile(tag: TagDefinition, index: dict[str, int]) -> _CompiledTag:
        rules = tuple(
            _CompiledRule(
                r, tuple(index[c] for c in r.cues), tuple(index[c] for c in r.unless), frozenset(r.actors), frozenset(r.any_actors)
            )
            for r in tag.rules
        )
        dampeners = tuple(
            _CompiledDampener(d.scope, tuple(index[c] for c in d.cues), d.actors, d.min_states, d.factor, d.min_count)
            for d in tag.dampeners
        )
        groups = frozenset(g for r in rules for g in r.cues + r.unless) | frozenset(g for d in dampeners for g in d.cues)
        return _CompiledTag(tag, rules, dampeners, groups)

    def __call__(self, doc: Document) -> None:
        article = self._read(doc)
        judgements = [self._judge(tag, article, refusal) for tag, refusal in zip(self._tags, article.refusals)]
        tags = [self._tag(j, doc) for j in judgements if j.refused is None]
        doc.tags = sorted(tags, key=lambda t: -t.score)

    # --- facts per sentence -----------------------------------------------------------------

    def _read(self, doc: Document) -> _Article:
        sentences = doc.sentences or [Sentence(s, e, "title") for s, e in split_sentences(doc.title)] + [
            Sentence(s, e, "text") for s, e in split_sentences(doc.text)
        ]
        positions = self.taxonomy.positions
        # Sentences of one field in text order: a bisect over their starts finds the sentence
        # holding an offset, without a per-character table.
        bounds: dict[str, tuple[list[int], list[int], list[int]]] = {"title": ([], [], []), "text": ([], [], [])}
        weights: list[float] = []
        body_seen = 0
        for i, sentence in enumerate(sentences):
            if sentence.field == "title":
                weights.append(positions.title)
            else:
                weights.append(positions.lead if body_seen < positions.lead_sentences else positions.body)
                body_seen += 1
            starts, ends, indices = bounds[sentence.field]
            starts.append(sentence.start)
            ends.append(sentence.end)
            indices.append(i)
        for name, (starts, ends, indices) in bounds.items():
            if any(a > b for a, b in zip(starts, starts[1:])):  # the pipeline splits in order; others may not
                ordered = sorted(zip(starts, ends, indices))
                bounds[name] = ([s for s, _, _ in ordered], [e for _, e, _ in ordered], [i for _, _, i in ordered])
        # Facts are made for the sentences that involve someone or hold a cue; the rest stay None.
        facts: list[_SentenceFacts | None] = [None] * len(sentences)

        def locate(name: str, offset: int) -> _SentenceFacts | None:
            starts, ends, indices = bounds[name]
            k = bisect_right(starts, offset) - 1
            if k < 0 or offset >= ends[k]:
                return None
            i = indices[k]
            fact = facts[i]
            if fact is None:
                fact = facts[i] = _SentenceFacts(sentences[i], weights[i], i)
            return fact

        actor_names = _ACTOR_NAMES
        for credit in doc.credits:
            span = credit.span
            starts, ends, indices = bounds[span.field]
            k = bisect_right(starts, span.start) - 1
            if k < 0 or span.start >= ends[k]:
                continue
            i = indices[k]
            fact = facts[i]
            if fact is None:
                fact = facts[i] = _SentenceFacts(sentences[i], weights[i], i)
            country, via = credit.country, credit.via
            if via in _MAYBE_VENUE and _is_venue(doc.field_text(span.field), span.start, span.end, via):
                fact.actors.add(_actor_name(country, "venue"))
                continue
            actors = fact.actors
            actors.add(country)
            actors.add(actor_names.get((country, via)) or _actor_name(country, via))  # "RUS/person": Putin, not "Russia"
            fact.states.add(country)
            if via in _NAMED:
                fact.named_states.add(country)
        for entity in doc.entities:
            if entity.kb_id in self._kb_actors:
                actor = entity.kb_id
            elif entity.kind == "company" and entity.country in self._company_states:
                actor = _actor_name(entity.country, "company")
            else:
                continue
            for mention in entity.mentions:
                fact = locate(mention.field, mention.start)
                if fact is not None:
                    fact.actors.add(actor)

        credits = Counter(c.country for c in doc.credits)
        total = sum(credits.values())
        refusals = [_gate_refusal(tag.definition.gate, credits, total) for tag in self._tags]
        # Cue hits matter only to the tags the credits leave in play: a story naming no Taiwan
        # need not record where "strait" occurs.
        live = frozenset().union(*(tag.groups for tag, refusal in zip(self._tags, refusals) if refusal is None))
        counts: dict[int, int] = {}
        counted = self._counted_per_sentence
        sentences_with: dict[int, dict[int, None]] = {}
        for name in ("title", "text"):
            starts, ends, indices = bounds[name]
            for start, values in self._matcher.find(doc.field_text(name)):
                k = bisect_right(starts, start) - 1
                found = None
                if k >= 0 and start < ends[k]:
                    i = indices[k]
                    found = facts[i]
                    if found is None:
                        found = facts[i] = _SentenceFacts(sentences[i], weights[i], i)
                for group, weight in values:
                    if group not in live:
                        continue
                    counts[group] = counts.get(group, 0) + 1
                    if found is None:
                        continue
                    if group in counted:
                        found.counts[group] = found.counts.get(group, 0) + 1
                    if weight > found.cues.get(group, 0.0):
                        found.cues[group] = weight
                    with_group = sentences_with.get(group)
                    if with_group is None:
                        sentences_with[group] = {found.index: None}
                    else:
                        with_group[found.index] = None
        with_actors = [fact.index for fact in facts if fact is not None and fact.actors]
        actors = set().union(*(fact.actors for fact in facts if fact is not None))
        return _Article(facts, counts, sentences_with, with_actors, credits, actors, refusals)

    # --- scoring ------------------------------------------------------------------------------

    def explain(self, doc: Document) -> list[Judgement]:
        """How every tag of the taxonomy was judged on this document, emitted or not (for tuning)."""
        article = self._read(doc)
        return [self._judge(tag, article, refusal) for tag, refusal in zip(self._tags, article.refusals)]

    def _judge(self, tag: _CompiledTag, article: _Article, refusal: str | None) -> Judgement:
        definition = tag.definition
        gate = definition.gate
        judgement = Judgement(definition)
        if refusal is not None:
            judgement.refused = refusal
            return judgement

        # Each rule is tried only where all its cue groups have hits (or, without cues, where some
        # actor is involved): most sentences of an article never reach a rule.
        facts = article.facts
        best: dict[int, tuple[float, str]] = {}
        present = article.actors
        for compiled in tag.rules:
            if not compiled.actors <= present or (compiled.any_actors and present.isdisjoint(compiled.any_actors)):
                continue
            if compiled.cues:
                candidates = _sentences_with_all(article.sentences_with, compiled.cues)
            else:
                candidates = article.with_actors
            rule = compiled.rule
            for i in candidates:
                strength = _fires(compiled, facts[i])  # type: ignore[arg-type]
                if strength > 0.0:
                    strength *= rule.weight
                    if strength > best.get(i, _NOTHING)[0]:
                        best[i] = (strength, rule.id)
        list_context = definition.list_context
        sentence_dampeners = [d for d in tag.dampeners if d.scope == "sentence"]
        for i in sorted(best):
            fact = facts[i]
            assert fact is not None
            weight, rule_id = best[i]
            weight *= fact.position
            if len(fact.named_states) >= list_context.min_states:
                weight *= list_context.factor
            for damp in sentence_dampeners:
                # Presence is enough for most dampeners; hits are counted per sentence only for the others.
                if _applies(damp, fact.cues if damp.min_count == 1 else fact.counts, fact.actors, len(fact.states)):
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


def _gate_refusal(gate: Gate, credits: Counter, total: int) -> str | None:
    """Why the credits alone rule the tag out (None: they do not), before any sentence is read."""
    if any(credits[state] < gate.min_credits for state in gate.states):
        return "states not credited enough"
    # A state named twice in a story about two others is not what the story is about.
    if gate.min_share and any(credits[state] < gate.min_share * total for state in gate.states):
        return "states hold too small a share of the credits"
    if any(credits[state] > share * total for state, share in gate.max_share):
        return "another state holds too large a share of the credits: its story"
    return None


_MAYBE_VENUE = frozenset({"metonym", "place", "demonym"})
_ACTOR_NAMES: dict[tuple[str, str], str] = {}


def _actor_name(country: str, via: str) -> str:
    """'RUS/person', made once per pair rather than once per credit."""
    name = _ACTOR_NAMES.get((country, via))
    if name is None:
        name = _ACTOR_NAMES[(country, via)] = f"{country}/{via}"
    return name


# After a place opening a line: a dateline's colon or dash, maybe after a date and an agency.
_DATELINE = re.compile(r"(?:,[^\n.:;]{0,30}?)?(?:\s*\([^)\n]{1,30}\))?\s*(?::|—|–|-\s)")
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
    if (start == 0 or text[start - 1] == "\n") and _DATELINE.match(text, end):
        return True  # "KAZAN: ...", "BEIJING, March 3 (Reuters) -": where the reporter files from
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
    """The rule's cue strength in a sentence holding all its cue groups (the weakest group's best
    term), or 0 when the sentence lacks its actors or states, or holds a vetoing cue."""
    rule = compiled.rule
    if rule.min_states and len(fact.states) < rule.min_states:
        return 0.0
    actors = fact.actors
    if not compiled.actors <= actors or (compiled.any_actors and actors.isdisjoint(compiled.any_actors)):
        return 0.0
    cues = fact.cues
    if compiled.unless and any(g in cues for g in compiled.unless):
        return 0.0
    groups = compiled.cues
    if not groups:
        return 1.0
    if len(groups) == 1:
        return cues[groups[0]]
    return min(cues[g] for g in groups)
