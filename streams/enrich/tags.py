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
import sys
from bisect import bisect_right
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import reduce
from itertools import compress
from operator import le, or_

from .document import Document, Sentence, Tag
from .kb import KnowledgeBase
from .sentences import split_sentences
from .tag_cues import CueMatcher
from .taxonomy_file import Gate, TagDefinition, Taxonomy, load_taxonomy

__all__ = ["Judgement", "Tagger", "Taxonomy", "load_taxonomy"]

MAX_EVIDENCE = 5
_NAMED = frozenset({"name", "demonym"})


# A rule compiled to what one loop unpacks: (actors, any_actors, cue groups, unless groups,
# min_states, weight, rule id). A dampener likewise: (actors, min_states, cue groups, min_count,
# factor). Plain tuples: the taxonomy is read for every article, by then out of the CPU caches.
_CompiledRule = tuple[tuple[str, ...], tuple[str, ...], tuple[int, ...], tuple[int, ...], int, float, str]
_CompiledDampener = tuple[tuple[str, ...], int, tuple[int, ...], int, float]
_CompiledCondition = tuple[tuple[str, ...], int, tuple[int, ...], int]  # a document dampener's, without its factor


@dataclass(slots=True)
class _CompiledTag:
    definition: TagDefinition
    rules: tuple[_CompiledRule, ...]
    sentence_dampeners: tuple[_CompiledDampener, ...]
    document_dampeners: tuple[tuple[_CompiledCondition, float], ...]


@dataclass(slots=True)
class _Article:
    """What one document shows, read once and shared by every tag.

    A set of sentences is an int, sentence i its bit 1 << i: the sentences that hold a cue group,
    that involve Russia, that name three states are ints, and the sentences where a rule may fire
    are their AND, worked out in C whatever the length of the article.
    """

    sentences: list[Sentence]
    every: int  # all sentences
    title: int  # the sentences of the title
    lead: int  # the first `lead_sentences` sentences of the body
    found: list[int]  # per cue slot (a group at one weight): the sentences holding a hit of it
    holding: list[int]  # per group: the sentences holding a hit of it (of any weight but 0)
    matches: dict[str, list[tuple[int, int, int]]]  # per field, every cue hit in or out of a sentence: (key, start, end)
    counts: dict[int, int] | None  # group -> hits in the article, for the groups document dampeners count (when first asked)
    conditions: dict[_CompiledCondition, bool]  # whether each document dampener's condition holds (when first asked)
    sentence_counts: dict[tuple[int, int], int]  # (group, sentence) -> hits, for the groups counted per sentence
    involved: dict[str, int]  # actor the taxonomy names -> the sentences involving it
    states: dict[str, int]  # state -> the sentences involving it (a venue involves none)
    named: dict[str, int]  # state -> the sentences naming it by name or demonym: what lists are made of
    at_least: dict[int, int]  # n -> the sentences involving n states or more, filled when first asked
    naming_at_least: dict[int, int]  # n -> the sentences naming n states or more (lists), filled when first asked
    credits: Counter  # alpha-3 -> credits in the whole article
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
        # Per tag, its gate's conditions on the credits, or None: a gate asking nothing of them.
        self._gates = [t.gate if t.gate.states or t.gate.max_share else None for t in taxonomy.tags]
        # A cue slot is a group at one weight: a hit sets its sentence's bit in the slot, once per
        # distinct (term, sentence). A group's strongest weight in a sentence is that of its first
        # slot, strongest first, holding the sentence. Hits of weight 0 (a group weighted 0) give
        # no evidence and hold no slot; dampeners that count hits still count them.
        slots: dict[tuple[int, float], int] = {}
        self._slots = [
            tuple(slots.setdefault((group, weight), len(slots)) for group, weight in values if weight > 0.0)
            for values in self._matcher.values
        ]
        self._slot_count = len(slots)
        self._group_of = [group for group, _ in slots]  # slots in the order they were numbered
        self._slots_in_play: dict[tuple[bool, ...], list[tuple[int, ...]]] = {}
        self._levels: list[tuple[tuple[int, float], ...]] = [
            tuple(sorted(((slot, weight) for (g, weight), slot in slots.items() if g == group), key=_minus_second))
            for group in range(len(names))
        ]
        # Hits are counted only for the groups dampeners count: in the article (document dampeners)
        # or per sentence (sentence dampeners asking for more than one hit).
        in_document = {g for t in self._tags for d, _ in t.document_dampeners for g in d[2]}
        per_sentence = {g for t in self._tags for d in t.sentence_dampeners if d[3] > 1 for g in d[2]}
        self._document_tallies = {
            key: groups for key, values in enumerate(self._matcher.values) if (groups := tuple(g for g, _ in values if g in in_document))
        }
        self._sentence_tallies = {
            key: groups for key, values in enumerate(self._matcher.values) if (groups := tuple(g for g, _ in values if g in per_sentence))
        }
        # The actors the taxonomy names are the only ones placed: "RUS" (a state however named),
        # "RUS/person" (a state through one of its people), "RUS/venue" (a place where something
        # happens), "CHN/company" (a firm of that state, which credits no state) and knowledge-base
        # entities ("org:nato"). Others would change no rule.
        named = {a for t in taxonomy.tags for r in t.rules for a in r.actors + r.any_actors}
        named |= {a for t in taxonomy.tags for d in t.dampeners for a in d.actors}
        self._kb_actors = frozenset(a for a in named if ":" in a)
        self._state_actors = frozenset(a for a in named if ":" not in a and "/" not in a)
        by_via = [tuple(a.split("/")) for a in named if "/" in a]
        self._company_states = frozenset(country for country, via in by_via if via == "company")
        self._venue_actors = {country: f"{country}/venue" for country, via in by_via if via == "venue"}
        self._via_actors = {(country, via): f"{country}/{via}" for country, via in by_via if via not in ("company", "venue")}
        self._actor_vias = frozenset(via for _, via in self._via_actors)
        positions = taxonomy.positions
        self._position_weights = (positions.title, positions.lead, positions.body, positions.lead_sentences)

    @staticmethod
    def _compile(tag: TagDefinition, index: dict[str, int]) -> _CompiledTag:
        rules = tuple(
            (r.actors, r.any_actors, tuple(index[c] for c in r.cues), tuple(index[c] for c in r.unless), r.min_states, r.weight, r.id)
            for r in tag.rules
        )
        sentence = tuple(
            (d.actors, d.min_states, tuple(index[c] for c in d.cues), d.min_count, d.factor) for d in tag.dampeners if d.scope == "sentence"
        )
        document = tuple(
            ((d.actors, d.min_states, tuple(index[c] for c in d.cues), d.min_count), d.factor) for d in tag.dampeners if d.scope == "document"
        )
        return _CompiledTag(tag, rules, sentence, document)

    def __call__(self, doc: Document) -> None:
        article = self._read(doc)
        tags = []
        for tag, refusal in zip(self._tags, article.refusals):
            if refusal is not None:
                continue
            # Only the tags with evidence in enough sentences are weighed: explain() says what
            # the others' weight and score would be, but they are refused whatever their score.
            best = self._evidence(tag, article)
            if _enough_sentences(tag.definition.gate, article, best):
                judgement = self._weigh(tag, article, best)
                if judgement.refused is None:
                    tags.append(self._tag(judgement, doc))
        doc.tags = sorted(tags, key=lambda t: -t.score)

    # --- what the document shows --------------------------------------------------------------

    def _read(self, doc: Document) -> _Article:
        sentences = doc.sentences or [Sentence(s, e, "title") for s, e in split_sentences(doc.title)] + [
            Sentence(s, e, "text") for s, e in split_sentences(doc.text)
        ]
        locators, title_bits, text_bits = _locators(sentences)

        # Credits: the states each sentence involves, and how. They come in text order, many in a
        # row from one sentence: a bisect runs only when a credit leaves the last one's stretch.
        # A capital after "in" is a venue, not the state acting: it involves "RUS/venue", no state.
        involved: dict[str, int] = {}  # actor the taxonomy names -> the sentences involving it
        states: dict[str, int] = {}  # state -> the sentences involving it
        named: dict[str, int] = {}  # state -> the sentences naming it by name or demonym
        countries = []
        venue_actors, via_actors, actor_vias = self._venue_actors, self._via_actors, self._actor_vias
        field_name = None
        lo = hi = 0
        bit = 0
        for credit in doc.credits:
            country = credit.country
            countries.append(country)
            span = credit.span
            start = span.start
            if span.field != field_name:
                field_name = span.field
                bounds, located = locators[field_name]
                field_text = doc.field_text(field_name)
                lo = hi = 0
            if not lo <= start < hi:
                k = bisect_right(bounds, start)
                bit, lo, hi = located[k], bounds[k - 1], bounds[k]
            if not bit:
                continue
            via = credit.via
            if via in _MAYBE_VENUE and _is_venue(field_text, start, span.end, via):
                actor = venue_actors.get(country)
                if actor is not None:
                    involved[actor] = involved.get(actor, 0) | bit
                continue
            states[country] = states.get(country, 0) | bit
            if via in _NAMED:
                named[country] = named.get(country, 0) | bit
            if via in actor_vias:
                actor = via_actors.get((country, via))
                if actor is not None:
                    involved[actor] = involved.get(actor, 0) | bit
        for country in self._state_actors & states.keys():
            involved[country] = states[country]
        for entity in doc.entities:
            if entity.kb_id in self._kb_actors:
                actor = entity.kb_id
            elif entity.kind == "company" and entity.country in self._company_states:
                actor = f"{entity.country}/company"
            else:
                continue
            for mention in entity.mentions:
                bounds, located = locators[mention.field]
                bit = located[bisect_right(bounds, mention.start)]
                if bit:
                    involved[actor] = involved.get(actor, 0) | bit
        credits = Counter(countries)
        total = len(countries)  # the sum of the counts
        refusals = [_gate_refusal(gate, credits, total) if gate else None for gate in self._gates]

        # Cue hits, in order of their end: each sets its sentence's bit in its term's slots, those
        # of the groups the tags left in play use (a story naming no Taiwan need not place "strait").
        slots = self._live_slots(refusals)
        found = [0] * self._slot_count
        matches = {name: self._matcher.find(doc.field_text(name)) for name in ("title", "text")}
        for field_name, field_matches in matches.items():
            bounds, located = locators[field_name]
            lo = hi = 0
            bit = 0
            for key, start, _ in field_matches:
                if not lo <= start < hi:
                    k = bisect_right(bounds, start)
                    bit, lo, hi = located[k], bounds[k - 1], bounds[k]
                for slot in slots[key]:
                    found[slot] |= bit
        holding = [0] * len(self._levels)  # per group: the sentences holding a hit of it, any weight
        group_of = self._group_of
        for slot in compress(range(len(found)), found):
            holding[group_of[slot]] |= found[slot]
        sentence_counts: dict[tuple[int, int], int] = {}
        if self._sentence_tallies:
            tallies = self._sentence_tallies
            hits_at = Counter(
                (key, locators[name][1][bisect_right(locators[name][0], start)])
                for name, field_matches in matches.items()
                for key, start, _ in field_matches
            )
            for (key, bit), hits in hits_at.items():
                if bit:
                    for group in tallies.get(key, ()):
                        sentence_counts[group, bit] = sentence_counts.get((group, bit), 0) + hits

        lead_sentences = self._position_weights[3]
        return _Article(
            sentences,
            (1 << len(sentences)) - 1,
            sum(title_bits),
            sum(text_bits[:lead_sentences]),
            found,
            holding,
            matches,
            None,
            {},
            sentence_counts,
            involved,
            states,
            named,
            {},
            {},
            credits,
            refusals,
        )

    def _live_slots(self, refusals: list[str | None]) -> list[tuple[int, ...]]:
        """Per key, the slots of the groups that the rules and sentence dampeners of the tags in
        play look at; made once for each set of tags in play."""
        in_play = tuple(refusal is None for refusal in refusals)
        slots = self._slots_in_play.get(in_play)
        if slots is None:
            groups = set()
            for tag, playing in zip(self._tags, in_play):
                if playing:
                    groups.update(g for rule in tag.rules for g in rule[2] + rule[3])
                    groups.update(g for damp in tag.sentence_dampeners for g in damp[2])
            group_of = self._group_of
            slots = self._slots_in_play[in_play] = [tuple(s for s in key_slots if group_of[s] in groups) for key_slots in self._slots]
        return slots

    # --- scoring ------------------------------------------------------------------------------

    def explain(self, doc: Document) -> list[Judgement]:
        """How every tag of the taxonomy was judged on this document, emitted or not (for tuning)."""
        article = self._read(doc)
        return [self._judge(tag, article, refusal) for tag, refusal in zip(self._tags, article.refusals)]

    def _judge(self, tag: _CompiledTag, article: _Article, refusal: str | None) -> Judgement:
        if refusal is not None:
            judgement = Judgement(tag.definition)
            judgement.refused = refusal
            return judgement
        return self._weigh(tag, article, self._evidence(tag, article))

    def _evidence(self, tag: _CompiledTag, article: _Article) -> dict[int, tuple[float, str]]:
        """The sentences where a rule of the tag fires -> (strength, rule id) of the strongest.

        A rule fires in a sentence holding its actors, enough states, all its cue groups and no
        vetoing cue: the AND of those sets of sentences. Its strength there is the weakest group's
        best term (1.0 for a rule without cue groups), times its weight; a sentence counts once,
        by its strongest rule (the first of equals).
        """
        involved, found, holding, levels = article.involved, article.found, article.holding, self._levels
        best: dict[int, tuple[float, str]] = {}
        for actors, any_actors, cues, unless, min_states, rule_weight, rule_id in tag.rules:
            mask = article.every
            for actor in actors:
                mask &= involved.get(actor, 0)
            if any_actors:
                mask &= _any_of(involved, any_actors)
            for group in cues:
                mask &= holding[group]
            if not mask:
                continue
            if min_states:
                mask &= _at_least(article, min_states)
            for group in unless:
                mask &= ~holding[group]
            if len(cues) == 1:
                # The group's weights strongest first: the sentences holding each, at once.
                for slot, weight in levels[cues[0]]:
                    share = mask & found[slot]
                    if share:
                        mask ^= share
                        strength = weight * rule_weight
                        while share:
                            bit = share & -share  # the first sentence left
                            share ^= bit
                            if strength > best.get(bit, _NOTHING)[0]:
                                best[bit] = (strength, rule_id)
            else:
                while mask:
                    bit = mask & -mask
                    mask ^= bit
                    strength = (min([_strongest(levels[g], found, bit) for g in cues]) if cues else 1.0) * rule_weight
                    if strength > best.get(bit, _NOTHING)[0]:
                        best[bit] = (strength, rule_id)
        return best

    def _weigh(self, tag: _CompiledTag, article: _Article, best: dict[int, tuple[float, str]]) -> Judgement:
        """The tag's judgement from the sentences where its rules fire."""
        definition = tag.definition
        judgement = Judgement(definition)
        if not best:
            judgement.refused = "too few sentences of evidence"
            return judgement
        involved, found, levels = article.involved, article.found, self._levels

        # Per sentence dampener, the sentences where it applies: those involving one of its actors
        # and enough states, whose cues have a hit of weight min_count or more (as the strongest
        # weight of a group in a sentence is what is compared with min_count 1), or are hit
        # min_count times or more.
        dampeners = []
        for actors, min_states, cues, min_count, factor in tag.sentence_dampeners:
            mask = article.every
            if actors:
                mask &= _any_of(involved, actors)
            if min_states:
                mask &= _at_least(article, min_states)
            if len(cues) == 1 and min_count == 1:
                mask &= reduce(or_, [found[slot] for slot, weight in levels[cues[0]] if weight >= 1.0], 0)
                cues = ()
            dampeners.append((mask, cues, min_count, factor))
        title_weight, lead_weight, body_weight, _ = self._position_weights
        list_context = definition.list_context
        many_named, list_factor = _naming_at_least(article, list_context.min_states), list_context.factor
        sentences = article.sentences
        evidence = judgement.evidence
        in_title = False
        for bit in sorted(best):  # in text order
            weight, rule_id = best[bit]
            if bit & article.title:
                weight *= title_weight
                in_title = True
            else:
                weight *= lead_weight if bit & article.lead else body_weight
            if bit & many_named:
                weight *= list_factor
            for mask, cues, min_count, factor in dampeners:
                if not bit & mask:
                    continue
                if cues:
                    if min_count == 1:
                        held = sum([_strongest(levels[g], found, bit) for g in cues])
                    else:
                        held = sum([article.sentence_counts.get((g, bit), 0) for g in cues])
                    if held < min_count:
                        continue
                weight *= factor
            evidence.append((weight, sentences[bit.bit_length() - 1], rule_id))

        total = sum([weight for weight, _, _ in evidence])
        conditions = article.conditions  # tags share them: sport, culture...
        for condition, factor in tag.document_dampeners:
            holds = conditions.get(condition)
            if holds is None:
                holds = conditions[condition] = self._document_condition(article, condition)
            if holds:
                total *= factor
        judgement.weight = total
        judgement.score = 1.0 - math.exp(-total / definition.scale)
        judgement.coverage = len(evidence) / max(1, len(sentences))
        # The headline states what a story is about: title evidence counts for two sentences.
        gate = definition.gate
        if len(evidence) + in_title < gate.min_sentences:
            judgement.refused = "too few sentences of evidence"
        elif judgement.coverage < gate.min_coverage and not in_title:
            judgement.refused = "evidence covers too little of the article"
        elif max([weight for weight, _, _ in evidence]) < gate.min_strongest:
            # Passing mentions only (a background clause, a modifier, a dampened sentence) add up
            # to a score without any sentence stating the subject itself.
            judgement.refused = "no sentence states the subject itself"
        elif judgement.score <= 0.0 or judgement.score < definition.threshold:
            judgement.refused = "score below threshold"
        return judgement

    def _document_condition(self, article: _Article, condition: _CompiledCondition) -> bool:
        """Whether a document dampener applies: one of its actors involved, enough states
        credited, and its cues hit min_count times or more in the article (each if given)."""
        actors, min_states, cues, min_count = condition
        if actors and not _any_of(article.involved, actors):
            return False
        if len(article.credits) < min_states:
            return False
        if not cues:
            return True
        if article.counts is None:
            # Hits of the groups document dampeners count, from the few counted terms present.
            keys = [key for field_matches in article.matches.values() for key, _, _ in field_matches]
            tallies = self._document_tallies
            article.counts = counts = {}
            for key in tallies.keys() & keys:
                hits = keys.count(key)
                for group in tallies[key]:
                    counts[group] = counts.get(group, 0) + hits
        return sum([article.counts.get(g, 0) for g in cues]) >= min_count

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


def _locators(sentences: list[Sentence]) -> tuple[dict[str, tuple[list[int], list[int]]], list[int], list[int]]:
    """Where the sentences of each field lie, for a bisect; and the bits of the title's and the
    text's sentences, in the order of `sentences`.

    Per field, `bounds` alternates the start and the end of each sentence in text order, between
    -_FAR and _FAR, and `located` holds 0 before, between and after them: with
    k = bisect_right(bounds, offset), `located[k]` is the bit of the sentence holding the offset,
    or 0, for every offset from bounds[k - 1] up to bounds[k]. An offset belongs to the last
    sentence starting at or before it, if it ends after the offset.
    """
    title_bounds, text_bounds, title_bits, text_bits = [-_FAR], [-_FAR], [], []
    bit = 1
    for sentence in sentences:
        if sentence.field == "text":
            text_bounds += (sentence.start, sentence.end)
            text_bits.append(bit)
        elif sentence.field == "title":
            title_bounds += (sentence.start, sentence.end)
            title_bits.append(bit)
        else:
            raise KeyError(sentence.field)
        bit <<= 1
    return {"title": _locator(title_bounds, title_bits), "text": _locator(text_bounds, text_bits)}, title_bits, text_bits


def _locator(bounds: list[int], bits: list[int]) -> tuple[list[int], list[int]]:
    """`bounds` (-_FAR, then each sentence's start and end) and `bits` of one field's sentences
    made a locator (see _locators)."""
    if not all(map(le, bounds, bounds[1:])):
        # Out of text order, or overlapping: sorted, and each sentence ending where the next one
        # starts at the latest (the offsets between belong to the next).
        order = sorted(zip(bounds[1::2], bounds[2::2], bits))
        bounds = [-_FAR]
        for k, (start, end, _) in enumerate(order):
            following = order[k + 1][0] if k + 1 < len(order) else end
            bounds += (start, max(start, min(end, following)))
        bits = [bit for _, _, bit in order]
    bounds.append(_FAR)
    located = [0] * len(bounds)
    located[2::2] = bits
    return bounds, located


def _at_least(article: _Article, n: int) -> int:
    """The sentences involving `n` states or more."""
    mask = article.at_least.get(n)
    if mask is None:
        mask = article.at_least[n] = _in_at_least(article.states.values(), n)
    return mask


def _naming_at_least(article: _Article, n: int) -> int:
    """The sentences naming `n` states or more by name or demonym."""
    mask = article.naming_at_least.get(n)
    if mask is None:
        mask = article.naming_at_least[n] = _in_at_least(article.named.values(), n)
    return mask


def _in_at_least(masks: Collection[int], n: int) -> int:
    """The sentences in `n` or more of `masks`: a count per sentence, kept for all at once in
    `reached` (reached[k]: the sentences in k masks or more so far; -1 is every sentence)."""
    if len(masks) < n:
        return 0
    reached = [-1] + [0] * n
    for mask in masks:
        for k in range(n, 0, -1):
            reached[k] |= reached[k - 1] & mask
    return reached[n]


def _enough_sentences(gate: Gate, article: _Article, best: dict[int, tuple[float, str]]) -> bool:
    """Whether evidence in these sentences passes the gate's sentence and coverage conditions,
    as _weigh tests them (one evidence row per sentence)."""
    in_title = bool(sum(best) & article.title)  # distinct bits: their sum is their union
    if len(best) + in_title < gate.min_sentences:
        return False
    return len(best) / max(1, len(article.sentences)) >= gate.min_coverage or in_title


def _any_of(involved: dict[str, int], actors: tuple[str, ...]) -> int:
    """The sentences involving one of `actors` at least."""
    mask = 0
    for actor in actors:
        mask |= involved.get(actor, 0)
    return mask


def _strongest(levels: tuple[tuple[int, float], ...], found: list[int], bit: int) -> float:
    """A group's strongest weight in the sentence `bit` (0.0 without a hit): its slots come strongest first."""
    for slot, weight in levels:
        if found[slot] & bit:
            return weight
    return 0.0


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


_FAR = sys.maxsize  # beyond any offset


def _minus_weight(item: tuple[float, Sentence, str]) -> float:
    return -item[0]


def _minus_second(item: tuple[int, float]) -> float:
    return -item[1]


_MAYBE_VENUE = frozenset({"metonym", "place", "demonym"})


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


_NOTHING = (0.0, "")

