"""Entity linking: who and what an article names, linked to the knowledge base, and which states it involves.

`EntityLinker(kb)` builds the surface-form automaton once; calling it on a document fills
`doc.entities` (PERSON, ORG, GPE with mentions, roles on the article's date and salience),
`doc.credits` (every place the text involves a state) and `doc.states` (credits per state).
"""

from __future__ import annotations

import re
from bisect import bisect_left, insort
import unicodedata

from .document import Credit, Document, Entity, Span
from .entity_cues import CueFinder
from .kb import KnowledgeBase, Record
from .kb_index import AMBIGUOUS, NAME, SHORT, Form, build_index

# The state-like actors `doc.states` may hold besides countries (FORMAT.md: the EU as an actor).
STATE_ACTORS = ("org:eu",)
# Kinds of record whose mention does not involve their state.
NO_CREDIT_KINDS = frozenset({"media", "company"})
# An all-capital dateline opening a paragraph: "JERUSALEM —", "KYIV, March 3 (Reuters) -".
_DATELINE = re.compile(r"^([A-Z][A-Z'’.\-]+(?: [A-Z][A-Z'’.\-]+){0,2})(?=,| \(| —| –| -|:)", re.M)
_DATELINE_REACH = 600  # datelines open the story (after a breadcrumb line or two)

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

    __slots__ = ("linked", "taken", "hard", "credits", "persons", "context")

    def __init__(self) -> None:
        self.linked: dict[str, list[Span]] = {}
        self.taken: dict[str, list[tuple[int, int]]] = {"title": [], "text": []}
        # spans of the body text linked so far; "hard" (False) for persons and bodies, which no
        # cued organisation name may contain ("Gazprom and China National Petroleum Corp.")
        self.hard: list[tuple[int, int, bool]] = []
        self.credits: list[tuple[str, Span, str]] = []  # (state id, span, via)
        self.persons: list[tuple[int, int, str]] = []  # unlinked names found while linking
        self.context: dict[str, bool] = {}  # context word -> found in the article


class EntityLinker:
    """Finds and links the entities of one document per call; build once per process."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.index = build_index(kb)
        known = frozenset(
            form for form, meaning in self.index.forms.items()
            if " " not in form and (meaning.name or meaning.demonym)
        )
        role_words = frozenset(p for p in kb.role_phrases.phrases if " " not in p)
        self.cues = CueFinder(
            kb.cues, self.index.phrases, self.index.phrase_words, known.__contains__, role_words,
        )
        # Only states are states: countries, and the EU as an actor.
        self.state_like = frozenset(i for i in STATE_ACTORS if i in kb)
        # What a mention of each record credits: [(state id, via)], worked out once.
        self.credit_targets: dict[str, tuple[tuple[str, str], ...]] = {r.id: self._credit_targets(r) for r in kb}
        # A form that names one record and nothing else: (record id, may sit inside an
        # organisation's name, credit targets or None when resolved per article), by form.
        self._names: dict[Form, tuple[str, bool, tuple | None]] = {}
        for form in self.index.forms.values():
            record = kb.get(form.name) if form.name else None
            if record is not None:
                targets = None if record.stands_for else self.credit_targets[record.id]
                self._names[form] = (record.id, record.type == "GPE", targets)
        # Roles by record, their dates and output dicts worked out once: [(from, to, dict)].
        self._roles = {r.id: tuple((role.start, role.end, role.as_dict()) for role in r.roles) for r in kb if r.roles}

    def __call__(self, doc: Document) -> None:
        text_hits, phrases = [], []
        for hit in self._scan(doc.text, True):
            (phrases if hit[2].phrase else text_hits).append(hit)
        hits = {"title": [h for h in self._scan(doc.title, False) if not h[2].phrase], "text": text_hits}
        names = self._names
        named = {names[form][0] for field_hits in hits.values() for _, _, form in field_hits if form in names}

        found = _Mentions()
        linked = found.linked
        credits = found.credits
        claimed = self._claimed_short_forms(doc, hits)
        for field_name, field_hits in hits.items():
            text = doc.field_text(field_name)
            roles_by_end = {end: form.role for _, end, form in field_hits if form.role}
            taken = found.taken[field_name]
            hard = found.hard if field_name == "text" else []
            for start, end, form in field_hits:
                fast = names.get(form)
                if fast is not None:
                    kb_id, may_contain, targets = fast
                    if targets is None:
                        targets = self._targets(self.kb[kb_id], named)
                elif form.linkable:
                    record = self._resolve(form, doc, field_name, start, end, named, roles_by_end, claimed, found)
                    if record is None:
                        continue
                    kb_id, may_contain, targets = record.id, record.type == "GPE", self._targets(record, named)
                elif form.demonym:
                    kb_id, may_contain, targets = None, True, ((f"country:{form.demonym}", "demonym"),)
                else:
                    continue
                span = Span(start, end, text[start:end], field_name)
                if kb_id is not None:
                    mentions = linked.get(kb_id)
                    if mentions is None:
                        linked[kb_id] = [span]
                    else:
                        mentions.append(span)
                taken.append((start, end))
                hard.append((start, end, may_contain))
                for state, via in targets:
                    credits.append((state, span, via))

        unlinked = self._unlinked(doc, hits, phrases, found)
        weight = self._weights(doc)
        doc.entities = self._entities(doc, found, unlinked, weight)
        doc.credits = [Credit(state[8:], span, via) for state, span, via in credits if state[:8] == "country:"]
        doc.states = self._states(found, weight)

    # --- matching ------------------------------------------------------------------------------

    def _scan(self, text: str, datelines: bool) -> list[tuple[int, int, Form]]:
        """Longest non-overlapping forms that stand as whole words ("China's" holds "China")."""
        out = self.index.find(text)
        if datelines and text[:1].isupper():
            out = self._datelines(text, out)
        return out

    def _datelines(self, text: str, hits: list) -> list:
        """All-capital places opening a paragraph before a dash or a date: "KYIV, March 3 (Reuters) -"."""
        extra = []
        for match in _DATELINE.finditer(text[:_DATELINE_REACH]):
            start, end = match.span(1)
            place = match.group(1)
            form = self.index.forms.get(place.title()) or self.index.forms.get(place)
            if form is not None and form.name and not any(s < end and start < e for s, e, _ in hits):
                extra.append((start, end, form))
        return sorted(hits + extra, key=lambda h: h[0]) if extra else hits

    def _claimed_short_forms(self, doc: Document, hits: dict) -> set[str]:
        """Short forms a different person holds here: "Daniil Medvedev" is not Dmitry Medvedev."""
        claimed: set[str] = set()
        for field_name, field_hits in hits.items():
            text = doc.field_text(field_name)
            for start, end, form in field_hits:
                if form.name or not form.shorts:
                    continue
                given = self.cues.given_name_before(text, start)
                if given is not None and not any(
                    _same_name(given, self.kb[p]) for p in form.shorts if p in self.kb
                ):
                    claimed.add(text[start:end])
        return claimed

    def _resolve(
        self,
        form: Form,
        doc: Document,
        field_name: str,
        start: int,
        end: int,
        named: set[str],
        roles_by_end: dict[int, str],
        claimed: set[str],
        found: _Mentions,
    ) -> Record | None:
        """The record a matched form names here, or None when it names none for sure."""
        get = self.kb.entities.get
        text = doc.field_text(field_name)  # type: ignore[arg-type]
        meanings = form.meanings
        names = [m[1] for m in meanings if m[0] == NAME]
        if names:
            return max((get(n) for n in names if get(n)), key=lambda r: self._support(r, named, doc, found), default=None)
        surface = text[start:end]
        given = self.cues.given_name_before(text, start)
        if given is not None:
            if not form.shorts:
                return None  # "Social Democrats" is not the Democrats
            if not any(_same_name(given, self.kb[p]) for p in form.shorts if p in self.kb):
                if text[end : end + 1] != "-" and any(m[0] == SHORT and m[2] for m in meanings):  # a stated surname
                    found.persons.append((start - len(given) - 1, end, field_name))  # "Daniil Medvedev"
                return None  # "Ko Wen-je" is not Wang Wen
        elif field_name == "text" and self.cues.name_follows(text, end) and not any(p in named for p in form.shorts):
            return None  # "Lee Hsien Loong", "Mohammed Ghazi al-Jalali": a longer name no list holds
        best, best_score = None, 0.0
        role = None
        for meaning in meanings:
            if meaning[0] == SHORT:
                record = get(meaning[1])
                if record is None:
                    continue
                if record.id in named:
                    score = _NAMED_IN_FULL
                elif surface in claimed:
                    continue
                elif meaning[2] and self.index.famous_short.get(surface) == record.id and surface not in self.kb.cues.name_stopwords:
                    # a famous short form that is also a common word ("May") needs the full name
                    score = _FAMOUS
                else:
                    if role is None:
                        role = roles_by_end.get(_before_spacing(text, start)) or self.cues.role_before(text, start) or ""
                    score = _ROLE_FITS if role and any(r.role == role for r in record.roles_on(doc.reference_date)) else 0.0
            elif meaning[0] == AMBIGUOUS:
                record = get(meaning[1])
                if record is None:
                    continue
                if surface in self.kb.cues.name_stopwords and record.id not in named:
                    continue  # a common word ("May") names a person only once named in full
                score = self._support(record, named, doc, found)
            else:
                continue
            if score > best_score:
                best, best_score = record, score
        return best if best_score >= 1.0 else None

    @staticmethod
    def _support(record: Record, named: set[str], doc: Document, found: _Mentions) -> float:
        """How much the rest of the article supports reading a form as this record."""
        score = 2.0 if record.id in named else 0.0
        for word in record.context:
            if ":" in word:
                score += word in named
                continue
            seen = found.context.get(word)
            if seen is None:
                seen = found.context[word] = _has_word(doc.text, word) or _has_word(doc.title, word)
            score += seen
        return score

    def _credit_targets(self, record: Record) -> tuple[tuple[str, str], ...]:
        """The states a mention of `record` involves, and how (see `Credit.via`).

        Media and companies do not involve their country: the BBC being cited is not the UK acting.
        """
        if record.kind == "country":
            return ((record.id, "name"),)
        if record.id in self.state_like:
            return ((record.id, "name"),)
        if record.stands_for:
            return ()  # resolved per article: Brussels stands for the EU or NATO by context
        if record.country and record.kind not in NO_CREDIT_KINDS:
            return ((f"country:{record.country}", {"PERSON": "person", "ORG": "org"}.get(record.type, "place")),)
        return ()

    def _targets(self, record: Record, named: set[str]) -> tuple[tuple[str, str], ...]:
        if not record.stands_for:
            return self.credit_targets[record.id]
        targets = [t for t in record.stands_for if t in named] or list(record.stands_for[:1])
        out = []
        for target in targets:
            target_record = self.kb.get(target)
            if target_record is None:
                continue
            if target_record.kind == "country" or target in self.state_like:
                out.append((target, "metonym"))
            elif target_record.country:  # the Pentagon stands for a ministry, so for its state
                out.append((f"country:{target_record.country}", "metonym"))
        return tuple(out)

    # --- names no list holds ---------------------------------------------------------------------

    def _unlinked(self, doc: Document, hits: dict, phrases: list, found: _Mentions) -> list[tuple[str, str, list[Span]]]:
        """(name, type, mentions) of the entities found from news-writing cues, kb_id null."""
        text = doc.text
        cue_hits = []
        for start, end, form in hits["text"]:
            for kind in form.cues:
                cue_hits.append((start, end, kind, text[start:end]))
            if form.role:
                cue_hits.append((start, end, "role", text[start:end]))
        cue_hits += self.cues.phrase_hits(text, phrases, found.taken["text"])
        cue_hits.sort()
        blocked = sorted(found.hard)
        spans = self.cues.find(text, cue_hits, blocked)
        if found.persons:
            spans = sorted(set(spans) | {(s, e, "PERSON") for s, e, f in found.persons if f == "text"})
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
        found.taken["text"] += [(start, end) for start, end, _ in spans]
        # "Bank of England" names the bank, not England: linked text spans inside a cued organisation go
        inside = set()
        linked_spans = sorted((start, end) for start, end, _ in found.hard)
        for start, end, type_ in spans:
            if type_ == "ORG":
                k = bisect_left(linked_spans, (start, start))
                while k < len(linked_spans) and linked_spans[k][0] < end:
                    if linked_spans[k][1] <= end:
                        inside.add(linked_spans[k])
                    k += 1
        if inside:
            for kb_id, mentions in list(found.linked.items()):
                kept = [m for m in mentions if m.field != "text" or (m.start, m.end) not in inside]
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
                taken.sort()
                for form in forms:
                    i = text.find(form)
                    while i >= 0:
                        j = i + len(form)
                        if _whole_word(text, i, j) and not _overlaps(taken, i, j):
                            mentions.append(Span(i, j, form, field_name))
                            insort(taken, (i, j))
                        i = text.find(form, j)

    # --- output ----------------------------------------------------------------------------------

    def _weights(self, doc: Document):
        """The weight of a mention: the title's, the lead's or 1."""
        text_sentences = [s for s in doc.sentences if s.field == "text"]
        lead_end = LEAD_CHARS
        if len(text_sentences) >= LEAD_SENTENCES:
            lead_end = min(max(text_sentences[LEAD_SENTENCES - 1].end, 1), 2 * LEAD_CHARS)

        def weight(spans) -> float:
            total = 0.0
            for span in spans:
                if span.field == "title":
                    total += TITLE_WEIGHT
                else:
                    total += LEAD_WEIGHT if span.start < lead_end else 1.0
            return total

        return weight

    def _entities(self, doc: Document, found: _Mentions, unlinked: list, weight) -> list[Entity]:
        day = doc.reference_date
        entities = []
        for kb_id, mentions in found.linked.items():  # mentions come in reading order
            record = self.kb[kb_id]
            roles = self._roles.get(kb_id, ())
            entities.append(
                Entity(
                    name=record.name,
                    type=record.type,  # type: ignore[arg-type]
                    kb_id=kb_id,
                    country=record.country,
                    kind=record.kind,
                    qid=record.qid,
                    roles=[dict(r) for start, end, r in roles if start <= day and (end is None or day < end)] if roles else [],
                    mentions=mentions,
                )
            )
        for name, type_, mentions in unlinked:
            entities.append(Entity(name=name, type=type_, kb_id=None, mentions=sorted(mentions, key=_reading_order)))
        scores = [weight(e.mentions) for e in entities]
        top = max(scores, default=1.0)
        for entity, score in zip(entities, scores):
            entity.salience = score / top
        entities.sort(key=_salience_order)
        return entities

    def _states(self, found: _Mentions, weight) -> list[dict]:
        spans: dict[str, list[Span]] = {}
        state_like = self.state_like
        for state, span, _ in found.credits:
            if state in spans:
                spans[state].append(span)
            elif state[:8] == "country:" or state in state_like:
                spans[state] = [span]
        scores = {state: weight(state_spans) for state, state_spans in spans.items()}
        top = max(scores.values(), default=1.0)
        states = []
        get = self.kb.get
        for state, state_spans in spans.items():
            record = get(state)
            states.append(
                {
                    "kb_id": state,
                    "name": record.name if record else state.partition(":")[2],
                    "country": record.iso3 if record else (state[8:] if state.startswith("country:") else None),
                    "count": len(state_spans),
                    "salience": round(scores[state] / top, 4),
                }
            )
        states.sort(key=lambda s: (-s["count"], -s["salience"], s["kb_id"]))
        return states


def _before_spacing(text: str, start: int) -> int:
    """Where the spaces and comma before `start` begin ("the foreign minister, Qin Gang")."""
    i = start
    while i > 0 and start - i < 2 and text[i - 1] in " ,":
        i -= 1
    return i


def _folded(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c)).casefold()


def _same_name(given: str, record: Record) -> bool:
    """Whether a given name written before a person's short form is (a spelling of) theirs.

    Spellings of one given name share their first three letters (Dmitry, Dmitri; Sergei, Sergey);
    different names mostly do not (Daniil and Dmitry Medvedev).
    """
    stem = _folded(given)[:3]
    for name in (record.name, *record.aliases):
        for word in name.split()[:-1]:
            if _folded(word)[:3] == stem:
                return True
    return False


def _has_word(text: str, word: str) -> bool:
    i = text.find(word)
    while i >= 0:
        if _whole_word(text, i, i + len(word)):
            return True
        i = text.find(word, i + 1)
    return False


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) overlaps any of the sorted, non-overlapping `spans`."""
    k = bisect_left(spans, (start, start))
    return (k > 0 and spans[k - 1][1] > start) or (k < len(spans) and spans[k][0] < end)


def _whole_word(text: str, start: int, end: int) -> bool:
    return (start == 0 or not text[start - 1].isalnum()) and (end >= len(text) or not text[end].isalnum())


def _reading_order(span: Span) -> tuple[int, int]:
    return (0 if span.field == "title" else 1, span.start)


def _salience_order(entity: Entity) -> tuple[float, int, int]:
    first = entity.mentions[0]
    return (-entity.salience, 0 if first.field == "title" else 1, first.start)
