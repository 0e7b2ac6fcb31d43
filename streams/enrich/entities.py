"""Entity linking: who and what an article names, linked to the knowledge base, and which states it involves.

`EntityLinker(kb)` builds the surface-form automaton once; calling it on a document fills
`doc.entities` (PERSON, ORG, GPE with mentions, roles on the article's date and salience),
`doc.credits` (every place the text involves a state) and `doc.states` (credits per state).
"""

from __future__ import annotations

from datetime import date

from .document import Credit, Document, Entity, Span
from .entity_cues import CueFinder
from .kb import KnowledgeBase, Record
from .kb_index import AMBIGUOUS, NAME, OTHER_SCRIPT, SHORT, Form, build_index

TITLE_WEIGHT = 3.0  # a mention in the headline says most about what the article is about
LEAD_WEIGHT = 2.0  # the first sentences say more than the rest
LEAD_CHARS = 300
LEAD_SENTENCES = 2

# Scores of the readings of a form: a short form whose bearer is named in full in the article
# beats a famous short form, which beats any name that only context supports.
_NAMED_IN_FULL = 3.0
_FAMOUS = 2.0
_ROLE_FITS = 2.0


class _Mentions:
    """Per-article working state: the mentions found so far, by record id or unlinked name."""

    __slots__ = ("linked", "taken", "taken_kinds", "credits")

    def __init__(self) -> None:
        self.linked: dict[str, list[Span]] = {}
        self.taken: dict[str, list[tuple[int, int]]] = {"title": [], "text": []}
        # spans of the body text linked so far; "hard" for persons and bodies, which no cued
        # organisation name may contain ("Gazprom and China National Petroleum Corp.")
        self.taken_kinds: list[tuple[int, int, str]] = []
        self.credits: list[tuple[str, Span, str]] = []  # (state id, span, via)


class EntityLinker:
    """Finds and links the entities of one document per call; build once per process."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.index = build_index(kb)
        self.cues = CueFinder(kb.cues)
        # Bodies some place stands for although they are no country (Brussels for the EU):
        # they count among the states an article involves.
        self.state_like = {
            target
            for record in kb
            for target in record.stands_for
            if target in kb and not kb[target].iso3
        }

    def __call__(self, doc: Document) -> None:
        hits = {"title": self._scan(doc.title), "text": self._scan(doc.text)}
        context_words: set[str] = set()
        named: set[str] = set()
        for field_hits in hits.values():
            for _, _, form in field_hits:
                if form.context:
                    context_words.update(form.context)
                if form.name:
                    named.add(form.name)

        found = _Mentions()
        get = self.kb.entities.get
        for field_name, field_hits in hits.items():
            text = doc.field_text(field_name)
            roles_by_end = {end: form.role for _, end, form in field_hits if form.role}
            taken = found.taken[field_name]
            for start, end, form in field_hits:
                if form.name:
                    record = get(form.name)
                elif form.linkable:
                    record = self._resolve(form.meanings, text[start:end], named, context_words, text, start, roles_by_end, doc.reference_date)
                else:
                    record = None
                if record is not None:
                    span = Span(start, end, text[start:end], field_name)
                    found.linked.setdefault(record.id, []).append(span)
                    taken.append((start, end))
                    if field_name == "text":
                        found.taken_kinds.append((start, end, "soft" if record.type == "GPE" else "hard"))
                    self._credit(record, span, named, found)
                elif form.demonym:
                    span = Span(start, end, text[start:end], field_name)
                    found.credits.append((f"country:{form.demonym}", span, "demonym"))
                    taken.append((start, end))
                    if field_name == "text":
                        found.taken_kinds.append((start, end, "soft"))

        unlinked = self._unlinked(doc, hits, found)
        doc.entities = self._entities(doc, found, unlinked)
        doc.credits = [Credit(state[8:], span, via) for state, span, via in found.credits if state.startswith("country:")]
        doc.states = self._states(doc, found)

    # --- matching ------------------------------------------------------------------------------

    def _scan(self, text: str) -> list[tuple[int, int, Form]]:
        """Longest non-overlapping forms that stand as whole words ("China's" holds "China")."""
        out = self._whole_words(text, self.index.automaton)
        if OTHER_SCRIPT.search(text):
            out = sorted(out + self._whole_words(text, self.index.other_scripts))
        return out

    @staticmethod
    def _whole_words(text: str, automaton) -> list[tuple[int, int, Form]]:
        out = []
        n = len(text)
        for last, form in automaton.iter_long(text):
            start, end = last - form.length + 1, last + 1
            if start and text[start - 1].isalnum():
                continue
            if end < n:
                after = text[end]
                if after.isalnum() or (after == "." and end + 1 < n and text[end + 1].isalnum()):
                    continue  # inside a word, or a domain name such as Kremlin.ru
            out.append((start, end, form))
        return out

    def _resolve(
        self,
        meanings: tuple,
        form: str,
        named: set[str],
        context_words: set[str],
        text: str,
        start: int,
        roles_by_end: dict[int, str],
        day: date,
    ) -> Record | None:
        """The record a matched form names here, or None when it names none for sure."""
        get = self.kb.entities.get
        names = [m[1] for m in meanings if m[0] == NAME]
        if len(names) == 1:
            return get(names[0])
        if names:
            return max((get(n) for n in names if get(n)), key=lambda r: self._support(r, named, context_words), default=None)
        best, best_score = None, 0.0
        role = None
        for meaning in meanings:
            if meaning[0] == SHORT:
                record = get(meaning[1])
                if record is None:
                    continue
                if record.id in named:
                    score = _NAMED_IN_FULL
                elif meaning[2] and self.index.famous_short.get(form) == record.id and form not in self.kb.cues.name_stopwords:
                    # a famous short form that is also a common word ("May") needs the full name
                    score = _FAMOUS
                else:
                    if role is None:
                        role = _role_before(text, start, roles_by_end) or ""
                    score = _ROLE_FITS if role and any(r.role == role for r in record.roles_on(day)) else 0.0
            elif meaning[0] == AMBIGUOUS:
                record = get(meaning[1])
                if record is None:
                    continue
                score = self._support(record, named, context_words)
            else:
                continue
            if score > best_score:
                best, best_score = record, score
        return best if best_score >= 1.0 else None

    @staticmethod
    def _support(record: Record, named: set[str], context_words: set[str]) -> float:
        """How much the rest of the article supports reading a form as this record."""
        score = 2.0 if record.id in named else 0.0
        return score + sum(1.0 for word in record.context if word in context_words or word in named)

    def _credit(self, record: Record, span: Span, named: set[str], found: _Mentions) -> None:
        if record.kind == "country":
            found.credits.append((record.id, span, "name"))
            return
        if record.id in self.state_like:
            found.credits.append((record.id, span, "name"))
        if record.stands_for:
            targets = [t for t in record.stands_for if t in named] or list(record.stands_for[:1])
            for target in targets:
                found.credits.append((target, span, "metonym"))
            return
        if record.country:
            via = {"PERSON": "person", "ORG": "org"}.get(record.type, "place")
            found.credits.append((f"country:{record.country}", span, via))

    # --- names no list holds ---------------------------------------------------------------------

    def _unlinked(self, doc: Document, hits: dict, found: _Mentions) -> list[tuple[str, str, list[Span]]]:
        """(name, type, mentions) of the entities found from news-writing cues, kb_id null."""
        text = doc.text
        cue_hits = []
        for start, end, form in hits["text"]:
            for kind in form.cues:
                cue_hits.append((start, end, kind, text[start:end]))
            if form.role:
                cue_hits.append((start, end, "role", text[start:end]))
        blocked = sorted((s, e, kind != "hard") for s, e, kind in found.taken_kinds)
        spans = self.cues.find(text, cue_hits, blocked)
        groups: list[tuple[str, str, list[Span]]] = []
        by_key: dict[str, int] = {}
        for start, end, type_ in spans:
            name = text[start:end]
            key = name.split(" ")[-1] if type_ == "PERSON" else name
            if type_ == "ORG" and start >= 2 and text[start - 2 : start] == " (" and groups:
                # "the Institute for Energy Research (IER)": the acronym names the body before it
                last_name, last_type, last_spans = groups[-1]
                if last_type == "ORG" and last_spans[-1].end == start - 2:
                    last_spans.append(Span(start, end, name, "text"))
                    by_key[name] = len(groups) - 1
                    continue
            if key in by_key and groups[by_key[key]][1] == type_:
                group = groups[by_key[key]]
                group[2].append(Span(start, end, name, "text"))
                if len(name) > len(group[0]):
                    groups[by_key[key]] = (name, type_, group[2])
                continue
            by_key[key] = len(groups)
            groups.append((name, type_, [Span(start, end, name, "text")]))
        for start, end, type_ in spans:
            found.taken["text"].append((start, end))
            if type_ == "ORG":  # "Bank of England" names the bank, not England
                for kb_id, mentions in list(found.linked.items()):
                    kept = [m for m in mentions if m.field != "text" or not (start <= m.start and m.end <= end)]
                    if kept:
                        found.linked[kb_id] = kept
                    else:
                        del found.linked[kb_id]
        self._more_mentions(doc, groups, found)
        return groups

    def _more_mentions(self, doc: Document, groups: list, found: _Mentions) -> None:
        """Later mentions of cued names: the full name again, a person's surname, an acronym."""
        for name, type_, mentions in groups:
            forms = {m.text for m in mentions}
            if type_ == "PERSON":
                surname = name.split(" ")[-1]
                if len(surname) >= 3 and surname not in self.cues.not_name:
                    forms.add(surname)
            for field_name in ("title", "text"):
                text = doc.field_text(field_name)
                taken = found.taken[field_name]
                for form in forms:
                    i = text.find(form)
                    while i >= 0:
                        j = i + len(form)
                        if _whole_word(text, i, j) and not any(a < j and i < b for a, b in taken):
                            mentions.append(Span(i, j, form, field_name))
                            taken.append((i, j))
                        i = text.find(form, j)

    # --- output ----------------------------------------------------------------------------------

    def _weights(self, doc: Document):
        text_sentences = [s for s in doc.sentences if s.field == "text"]
        lead_end = LEAD_CHARS
        if len(text_sentences) >= LEAD_SENTENCES:
            lead_end = min(max(text_sentences[LEAD_SENTENCES - 1].end, 1), 2 * LEAD_CHARS)

        def weight(span: Span) -> float:
            if span.field == "title":
                return TITLE_WEIGHT
            return LEAD_WEIGHT if span.start < lead_end else 1.0

        return weight

    def _entities(self, doc: Document, found: _Mentions, unlinked: list) -> list[Entity]:
        weight = self._weights(doc)
        entities = []
        for kb_id, mentions in found.linked.items():
            record = self.kb[kb_id]
            entities.append(
                Entity(
                    name=record.name,
                    type=record.type,  # type: ignore[arg-type]
                    kb_id=kb_id,
                    country=record.country,
                    kind=record.kind,
                    qid=record.qid,
                    roles=[r.as_dict() for r in record.roles_on(doc.reference_date)],
                    mentions=sorted(mentions, key=_reading_order),
                )
            )
        for name, type_, mentions in unlinked:
            entities.append(Entity(name=name, type=type_, kb_id=None, mentions=sorted(mentions, key=_reading_order)))
        scores = [sum(weight(m) for m in e.mentions) for e in entities]
        top = max(scores, default=1.0)
        for entity, score in zip(entities, scores):
            entity.salience = score / top
        entities.sort(key=lambda e: (-e.salience, _reading_order(e.mentions[0])))
        return entities

    def _states(self, doc: Document, found: _Mentions) -> list[dict]:
        weight = self._weights(doc)
        counts: dict[str, int] = {}
        scores: dict[str, float] = {}
        for state, span, _ in found.credits:
            counts[state] = counts.get(state, 0) + 1
            scores[state] = scores.get(state, 0.0) + weight(span)
        top = max(scores.values(), default=1.0)
        states = []
        for state, count in counts.items():
            record = self.kb.get(state)
            states.append(
                {
                    "kb_id": state,
                    "name": record.name if record else state.partition(":")[2],
                    "country": record.iso3 if record else (state[8:] if state.startswith("country:") else None),
                    "count": count,
                    "salience": round(scores[state] / top, 4),
                }
            )
        states.sort(key=lambda s: (-s["count"], -s["salience"], s["kb_id"]))
        return states


def _role_before(text: str, start: int, roles_by_end: dict[int, str]) -> str | None:
    """The role phrase right before a name: "President Xi", "the foreign minister, Qin Gang"."""
    i = start
    while i > 0 and text[i - 1] in " ,":
        i -= 1
    return roles_by_end.get(i) if start - i <= 2 else None


def _whole_word(text: str, start: int, end: int) -> bool:
    return (start == 0 or not text[start - 1].isalnum()) and (end >= len(text) or not text[end].isalnum())


def _reading_order(span: Span) -> tuple[int, int]:
    return (0 if span.field == "title" else 1, span.start)
