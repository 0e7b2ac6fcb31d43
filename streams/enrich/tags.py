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
from operator import attrgetter

from .document import Document, Sentence, Tag
from .kb import KnowledgeBase
from .sentences import split_sentences
from .tag_cues import CueMatcher
from .taxonomy_file import Gate, Rule, TagDefinition, Taxonomy, load_taxonomy

__all__ = ["Judgement", "Tagger", "Taxonomy", "load_taxonomy"]

MAX_EVIDENCE = 5
_NAMED = frozenset({"name", "demonym"})


_NO_COUNTS: dict[int, int] = {}  # shared by the sentences with nothing counted: never written to


class _SentenceFacts:
    """What the tagger knows about one sentence: who it involves and which cues it holds.

    A plain class with a hand-written __init__: one is made for nearly every sentence of every
    article, and a dataclass's default factories cost a call per field."""

    __slots__ = ("sentence", "position", "index", "actors", "states", "named_states", "cues", "counts")

    def __init__(self, sentence: Sentence, position: float, index: int) -> None:
        self.sentence = sentence
        self.position = position
        self.index = index
        self.actors: set[str] = set()
        self.states: set[str] = set()
        self.named_states: set[str] = set()  # by name or demonym: what lists are made of
        self.cues: dict[int, float] = {}  # group index -> strongest weight
        self.counts: dict[int, int] = _NO_COUNTS  # group index -> hits, for dampeners that count them (made on the first)


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
    actors: frozenset[str]
    min_states: int
    factor: float
    min_count: int


@dataclass(slots=True)
class _CompiledTag:
    definition: TagDefinition
    rules: tuple[_CompiledRule, ...]
    dampeners: tuple[_CompiledDampener, ...]
    groups: frozenset[int]  # every cue group its rules and dampeners look at
    sentence_dampeners: tuple[_CompiledDampener, ...]
    document_dampeners: tuple[_CompiledDampener, ...]


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
        # Article-wide hit counts serve only the document dampeners.
        self._counted_per_document = frozenset(
            g for t in self._tags for d in t.dampeners if d.scope == "document" for g in d.cues
        )
        self._tallied = self._counted_per_sentence | self._counted_per_document
        positions = taxonomy.positions
        self._position_weights = (positions.title, positions.lead, positions.body, positions.lead_sentences)

    @staticmethod
    def _compile(tag: TagDefinition, index: dict[str, int]) -> _CompiledTag:
        rules = tuple(
            _CompiledRule(
                r, tuple(index[c] for c in r.cues), tuple(index[c] for c in r.unless), frozenset(r.actors), frozenset(r.any_actors)
            )
            for r in tag.rules
        )
        dampeners = tuple(
            _CompiledDampener(d.scope, tuple(index[c] for c in d.cues), frozenset(d.actors), d.min_states, d.factor, d.min_count)
            for d in tag.dampeners
        )
        groups = frozenset(g for r in rules for g in r.cues + r.unless) | frozenset(g for d in dampeners for g in d.cues)
        return _CompiledTag(
            tag,
            rules,
            dampeners,
            groups,
            tuple(d for d in dampeners if d.scope == "sentence"),
            tuple(d for d in dampeners if d.scope == "document"),
        )

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
        title_weight, lead_weight, body_weight, lead_sentences = self._position_weights
        # Sentences of one field in text order: a bisect over their starts finds the sentence
        # holding an offset, without a per-character table.
        fields = [sentence.field for sentence in sentences]
        in_title = [i for i, name in enumerate(fields) if name == "title"]
        in_text = [i for i, name in enumerate(fields) if name == "text"]
        if len(in_title) + len(in_text) != len(fields):
            raise KeyError(next(name for name in fields if name not in ("title", "text")))
        # Position weights: the title, the first `lead_sentences` of the body, the rest.
        weights: list[float] = [body_weight] * len(sentences)
        for i in in_title:
            weights[i] = title_weight
        for i in in_text[:lead_sentences]:
            weights[i] = lead_weight
        bounds: dict[str, tuple[list[int], list[int], list[int]]] = {
            name: ([sentences[i].start for i in indices], [sentences[i].end for i in indices], indices)
            for name, indices in (("title", in_title), ("text", in_text))
        }
        for name, (starts, ends, indices) in bounds.items():
            if starts != sorted(starts):  # the pipeline splits in order; others may not
                ordered = sorted(zip(starts, ends, indices))
                bounds[name] = ([s for s, _, _ in ordered], [e for _, e, _ in ordered], [i for _, _, i in ordered])
        # Facts are made for the sentences that involve someone or hold a cue; the rest stay None.
        facts: list[_SentenceFacts | None] = [None] * len(sentences)

        # Credits and cue hits come in text order, many in a row from one sentence: the sentence
        # found last is tried first, and a bisect runs only when an offset leaves it.
        actor_names = _ACTOR_NAMES
        maybe_venue = _MAYBE_VENUE
        named = _NAMED
        field_name = None
        starts = ends = indices = ()  # type: ignore[assignment]
        lo = hi = -1
        fact = None
        actors = states = None
        text = ""
        for credit in doc.credits:
            span = credit.span
            start = span.start
            if span.field != field_name:
                field_name = span.field
                starts, ends, indices = bounds[field_name]
                last_k = len(starts) - 1
                text = doc.field_text(field_name)
                lo = hi = -1
            if not lo <= start < hi:
                k = bisect_right(starts, start) - 1
                if k < 0 or start >= ends[k]:
                    lo = hi = -1
                    continue
                lo, hi = starts[k], ends[k]
                if k < last_k and starts[k + 1] < hi:  # sentences that overlap: where a bisect would still say k
                    hi = starts[k + 1]
                i = indices[k]
                fact = facts[i]
                if fact is None:
                    fact = facts[i] = _SentenceFacts(sentences[i], weights[i], i)
                actors, states = fact.actors, fact.states
            country, via = credit.country, credit.via
            if via in maybe_venue and _is_venue(text, start, span.end, via):
                actors.add(_actor_name(country, "venue"))  # type: ignore[union-attr]
                continue
            actors.add(country)  # type: ignore[union-attr]
            actors.add(actor_names.get((country, via)) or _actor_name(country, via))  # type: ignore[union-attr]  # "RUS/person": Putin, not "Russia"
            states.add(country)  # type: ignore[union-attr]
            if via in named:
                fact.named_states.add(country)  # type: ignore[union-attr]
        for entity in doc.entities:
            if entity.kb_id in self._kb_actors:
                actor = entity.kb_id
            elif entity.kind == "company" and entity.country in self._company_states:
                actor = _actor_name(entity.country, "company")
            else:
                continue
            for mention in entity.mentions:
                starts, ends, indices = bounds[mention.field]
                k = bisect_right(starts, mention.start) - 1
                if k < 0 or mention.start >= ends[k]:
                    continue
                i = indices[k]
                fact = facts[i]
                if fact is None:
                    fact = facts[i] = _SentenceFacts(sentences[i], weights[i], i)
                fact.actors.add(actor)

        credits = Counter(map(_country, doc.credits))
        total = len(doc.credits)  # the sum of the counts
        refusals = [_gate_refusal(tag.definition.gate, credits, total) for tag in self._tags]
        # Cue hits matter only to the tags the credits leave in play: a story naming no Taiwan
        # need not record where "strait" occurs.
        live = frozenset().union(*(tag.groups for tag, refusal in zip(self._tags, refusals) if refusal is None))
        counts: dict[int, int] = {}
        counted = self._counted_per_sentence
        tallied = self._tallied
        counted_in_article = self._counted_per_document
        sentences_with: dict[int, dict[int, None]] = {}
        if live:
            for name in ("title", "text"):
                starts, ends, indices = bounds[name]
                last_k = len(starts) - 1
                lo = hi = -1
                found = None
                cues: dict[int, float] = {}
                for last, (length, values) in self._matcher.hits(doc.field_text(name)):
                    start = last - length
                    if not lo <= start < hi:
                        k = bisect_right(starts, start) - 1
                        if k >= 0 and start < ends[k]:
                            # Up to the next sentence's start, should the two overlap: where a bisect would still say k.
                            lo, hi = starts[k], ends[k]
                            if k < last_k and starts[k + 1] < hi:
                                hi = starts[k + 1]
                            i = indices[k]
                            found = facts[i]
                            if found is None:
                                found = facts[i] = _SentenceFacts(sentences[i], weights[i], i)
                            cues = found.cues
                        else:
                            lo = hi = -1
                            found = None
                    for group, weight in values:
                        if group not in live:
                            continue
                        if group in tallied:  # a few groups only: their hits are counted
                            if group in counted_in_article:
                                counts[group] = counts.get(group, 0) + 1
                            if found is not None and group in counted:
                                if found.counts is _NO_COUNTS:
                                    found.counts = {}
                                found.counts[group] = found.counts.get(group, 0) + 1
                        if found is None:
                            continue
                        strongest = cues.get(group)
                        if strongest is None:  # the group's first hit in this sentence
                            if weight > 0.0:
                                cues[group] = weight
                            with_group = sentences_with.get(group)
                            if with_group is None:
                                sentences_with[group] = {found.index: None}
                            else:
                                with_group[found.index] = None
                        elif weight > strongest:
                            cues[group] = weight
        with_actors = []
        actors = set()
        for fact in facts:
            if fact is None:
                continue
            if fact.actors:
                with_actors.append(fact.index)
                actors |= fact.actors
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
            if len(compiled.cues) == 1:
                candidates = article.sentences_with.get(compiled.cues[0]) or ()
            elif compiled.cues:
                candidates = _sentences_with_all(article.sentences_with, compiled.cues)
            else:
                candidates = article.with_actors
            # Inline, since this runs for every candidate sentence of every rule: a rule fires in a sentence
            # holding its actors, enough states, all its cue groups and no vetoing cue; its strength is the
            # weakest group's best term (1.0 for a rule without cue groups).
            rule = compiled.rule
            min_states, rule_weight, rule_id = rule.min_states, rule.weight, rule.id
            needed, any_of, unless, groups = compiled.actors, compiled.any_actors, compiled.unless, compiled.cues
            single = groups[0] if len(groups) == 1 else None
            for i in candidates:
                fact = facts[i]
                assert fact is not None
                if min_states and len(fact.states) < min_states:
                    continue
                actors = fact.actors
                if not needed <= actors or (any_of and actors.isdisjoint(any_of)):
                    continue
                cues = fact.cues
                if unless and not cues.keys().isdisjoint(unless):
                    continue
                if single is not None:
                    strength = cues[single]
                elif groups:
                    strength = min([cues[g] for g in groups])
                else:
                    strength = 1.0
                if strength > 0.0:
                    strength *= rule_weight
                    if strength > best.get(i, _NOTHING)[0]:
                        best[i] = (strength, rule_id)
        list_context = definition.list_context
        min_states, list_factor = list_context.min_states, list_context.factor
        sentence_dampeners = tag.sentence_dampeners
        evidence = judgement.evidence
        in_title = False
        for i in sorted(best):
            fact = facts[i]
            assert fact is not None
            weight, rule_id = best[i]
            weight *= fact.position
            if len(fact.named_states) >= min_states:
                weight *= list_factor
            # What _applies does, inline. Presence is enough for most dampeners; hits are counted per
            # sentence only for the others.
            for damp in sentence_dampeners:
                if damp.actors and damp.actors.isdisjoint(fact.actors):
                    continue
                if len(fact.states) < damp.min_states:
                    continue
                damp_cues = damp.cues
                if damp_cues:
                    counts = fact.cues if damp.min_count == 1 else fact.counts
                    if len(damp_cues) == 1:
                        found = counts.get(damp_cues[0], 0)
                    else:
                        found = sum([counts.get(g, 0) for g in damp_cues])
                    if found < damp.min_count:
                        continue
                weight *= damp.factor
            sentence = fact.sentence
            if sentence.field == "title":
                in_title = True
            evidence.append((weight, sentence, rule_id))

        total = sum([weight for weight, _, _ in evidence])
        if tag.document_dampeners:
            states = len(article.credits)
            for damp in tag.document_dampeners:
                if _applies(damp, article.counts, article.actors, states):
                    total *= damp.factor
        judgement.weight = total
        judgement.score = 1.0 - math.exp(-total / definition.scale)
        judgement.coverage = len(evidence) / max(1, len(article.facts))
        # The headline states what a story is about: title evidence counts for two sentences.
        if len(evidence) + in_title < gate.min_sentences:
            judgement.refused = "too few sentences of evidence"
        elif judgement.coverage < gate.min_coverage and not in_title:
            judgement.refused = "evidence covers too little of the article"
        elif judgement.score <= 0.0 or judgement.score < definition.threshold:
            judgement.refused = "score below threshold"
        return judgement

    def _tag(self, judgement: Judgement, doc: Document) -> Tag:
        definition = judgement.definition
        by_rule: dict[str, float] = {}
        for weight, _, rule_id in judgement.evidence:
            by_rule[rule_id] = by_rule.get(rule_id, 0) + weight
        strongest = sorted(judgement.evidence, key=_minus_weight)[:MAX_EVIDENCE]
        spans = [doc.span(s.start, s.end, s.field) for _, s, _ in strongest]
        top = max(by_rule, key=by_rule.__getitem__)  # the first of equals, as Counter.most_common(1)
        rule = f"{definition.id}/{top}@{self.taxonomy.version}"
        return Tag(definition.id, definition.label, judgement.score, rule, spans)


def _gate_refusal(gate: Gate, credits: Counter, total: int) -> str | None:
    """Why the credits alone rule the tag out (None: they do not), before any sentence is read."""
    min_credits = gate.min_credits
    for state in gate.states:
        if credits[state] < min_credits:
            return "states not credited enough"
    # A state named twice in a story about two others is not what the story is about.
    min_share = gate.min_share
    if min_share:
        for state in gate.states:
            if credits[state] < min_share * total:
                return "states hold too small a share of the credits"
    for state, share in gate.max_share:
        if credits[state] > share * total:
            return "another state holds too large a share of the credits: its story"
    return None


_country = attrgetter("country")


def _minus_weight(item: tuple[float, Sentence, str]) -> float:
    return -item[0]


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
        after = text[end : end + 16].split(None, 1)  # the first word is all that is looked at
        return bool(after) and after[0].lower().strip(",.;:") in _PLACE_NOUNS
    if via not in ("metonym", "place"):
        return False
    if (start == 0 or text[start - 1] == "\n") and _DATELINE.match(text, end):
        return True  # "KAZAN: ...", "BEIJING, March 3 (Reuters) -": where the reporter files from
    # The last two words are all that is looked at, lower-cased in one go.
    before = text[max(0, start - 24) : start].lower().rsplit(None, 2)
    if len(before) >= 2 and before[-1] == "of" and before[-2] in _PLACE_NOUNS:
        return True  # "the city of Kazan", "the port of Odesa"
    if before and before[-1] == "the":
        before = before[:-1]
    return bool(before) and before[-1] in _VENUE_WORDS


def _applies(damp: _CompiledDampener, counts: dict[int, int], actors: set[str], states: int) -> bool:
    if damp.actors and damp.actors.isdisjoint(actors):
        return False
    if states < damp.min_states:
        return False
    cues = damp.cues
    if not cues:
        return True
    if len(cues) == 1:
        return counts.get(cues[0], 0) >= damp.min_count
    return sum([counts.get(g, 0) for g in cues]) >= damp.min_count


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
