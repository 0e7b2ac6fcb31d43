"""Entity linking: who and what an article names, linked to the knowledge base, and which states it involves.

`EntityLinker(kb)` builds the surface-form automaton once; calling it on a document fills
`doc.entities` (PERSON, ORG, GPE with mentions, roles on the article's date and salience),
`doc.credits` (every place the text involves a state) and `doc.states` (credits per state).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right, insort
from datetime import date
from operator import itemgetter
import unicodedata

from .document import Credit, Document, Entity, Span
from .entity_cues import NICKNAME, CueFinder
from .kb import KnowledgeBase, Record
from .kb_index import AMBIGUOUS, SHORT, Form, build_index, is_word_character

# The state-like actors `doc.states` may hold besides countries (FORMAT.md: the EU as an actor).
STATE_ACTORS = ("org:eu",)
# Kinds of record whose mention does not involve their state.
NO_CREDIT_KINDS = frozenset({"media", "company"})
# An all-capital dateline opening a paragraph: "JERUSALEM —", "KYIV, March 3 (Reuters) -".
# One place or several joined by slashes ("LONDON/SINGAPORE, Oct 23 -").
_DATELINE_PLACE = r"[A-Z][A-Z'’.\-]+(?: [A-Z][A-Z'’.\-]+){0,2}"
_DATELINE = re.compile(rf"({_DATELINE_PLACE}(?:/{_DATELINE_PLACE})*)(?=,| \(| —| –| -|:)")
# A US state after a dateline's city, by its AP abbreviation or name: "RICHMOND, Va. —", "AUSTIN, Texas (AP) —".
_DATELINE_STATE = re.compile(r", ((?:[A-Z][a-z]{0,4}\.){1,2}|[A-Z][a-z]+(?: [A-Z][a-z]+)?)(?= —| –| -| \(|:)")
_LOWER_WORD = re.compile(r"[a-z]+")
_DATELINE_REACH = 600  # datelines open the story (after a breadcrumb line or two)
_hit_start, _hit_end = itemgetter(0), itemgetter(1)

TITLE_WEIGHT = 3  # a mention in the headline says most about what the article is about
LEAD_WEIGHT = 2  # the first sentences say more than the rest
LEAD_CHARS = 300
LEAD_SENTENCES = 2

# Words that may follow a national body's lower-case name used as a noun ("the U.S. military has",
# "the Israeli military said"); any other lower-case word after it is the noun it qualifies ("U.S.
# military base", "Russian military instructors"): an attribute, no mention of the body.
_AFTER_BODY = frozenset(
    "and or but nor has have had is was were are be been will would could can may might must should shall did "
    "does do in on at of for from with to into over under against across near by as than that which who whose "
    "also still now then itself not never again later first alone too".split()
)

# Scores of the readings of a form: a short form whose bearer is named in full in the article
# beats a famous short form, which beats any name that only context supports.
_NAMED_IN_FULL = 3.0
_FAMOUS = 2.0
_ROLE_FITS = 2.0


# What a whole-word hit of a form sets going (the first of its facts, worked out at load time).
_LINK = 0  # names one record and nothing else
_RESOLVE = 1  # may name a record: which one, if any, depends on the article
_DEMONYM = 2  # credits a state and is no entity
_CUE = 3  # a capitalised office or cue word: read by the cue rules only
_PHRASE = 4  # a lower-case office or cue: it counts only beside a capitalised word
_PLACE = 5  # a dateline's city before its state that no record holds ("UVALDE, Texas —"): a place, kb_id null
_UNLINKED_PLACE = (_PLACE, None, False, None, Form("?", ()), (), ())


class _Mentions:
    """Per-article working state: the mentions found so far, by record id or unlinked name."""

    __slots__ = ("linked", "scores", "lead_end", "spans", "persons", "places", "context")

    def __init__(self, lead_end: int) -> None:
        self.linked: dict[str, list[Span]] = {}
        self.scores: dict[str, int] = {}  # the weight of each linked record's mentions (see `_weight`)
        self.lead_end = lead_end
        # spans linked so far, by field, in reading order: (start, end, may sit inside an
        # organisation's name); False for persons and bodies, which no cued organisation name may
        # contain ("Gazprom and China National Petroleum Corp.")
        self.spans: dict[str, list[tuple[int, int, bool]]] = {"title": [], "text": []}
        self.persons: list[tuple[int, int, str]] = []  # unlinked names found while linking
        self.places: list[tuple[int, int, str]] = []  # unlinked places found while linking
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
        demonyms = frozenset(form for form, meaning in self.index.forms.items() if meaning.demonym)
        self.cues = CueFinder(
            kb.cues, self.index.phrases, self.index.phrase_words, known.__contains__, role_words, demonyms,
        )
        # Lower-case names of armed forces, ministries and parliaments ("the Pakistani military", "the
        # Chinese foreign ministry"), which are attributes before a noun ("foreign ministry official").
        self.attributive = frozenset(
            form for text, form in self.index.forms.items()
            if form.name and text.rpartition(" ")[2][:1].islower()
            and (self.kb[form.name].kind == "armed-forces" or self.kb[form.name].portfolio)
        )
        self._after_body = _AFTER_BODY | kb.cues.reporting_verbs | kb.cues.action_verbs | kb.cues.verbs
        # Forms of seas and world regions (places of no one state): before a noun, a one-word short form
        # of a longer name is an adjective ("Pacific island nation"; "a Sahel analyst" keeps the Sahel),
        # and a compound of them the name of a thing ("Central Asia-China gas pipeline"); neither names
        # the place. Per form: whether it is such a short form, of its own record's name or of another
        # one's ("Arctic" of "Arctic Ocean": "an Arctic penal colony").
        open_places = {
            text: form for text, form in self.index.forms.items()
            if form.name and self.kb[form.name].type == "GPE" and self.kb[form.name].kind in ("sea", "region")
            and not self.kb[form.name].country
        }
        first_words = {r.name.partition(" ")[0] for r in map(self.kb.__getitem__, {f.name for f in open_places.values()})
                       if " " in r.name}
        self.modifiers = {
            form: " " not in text and (" " in self.kb[form.name].name or text in first_words)
            for text, form in open_places.items()
        }
        # Places other than states, which a document's name may hold ("Rome Statute", "Minsk agreements").
        self.document_places = frozenset(r.id for r in kb if r.type == "GPE" and r.kind != "country")
        # Only states are states: countries, and the EU as an actor.
        self.state_like = frozenset(i for i in STATE_ACTORS if i in kb)
        # What a mention of each record involves, worked out once (see `_Targets`); None for a
        # metonym with several targets, which the article picks between.
        self.credit_targets: dict[str, _Targets | None] = {r.id: self._credit_targets(r) for r in kb}
        # Persons some of whose roles involve other than their country (an office of an
        # international body): what a mention of them involves depends on the article's date,
        # so that their targets are worked out per article: (their country's targets, (from, to,
        # state id or None) per role).
        self._role_states: dict[str, tuple[_Targets, tuple[tuple, ...]]] = {}
        for record in kb:
            if record.type == "PERSON" and record.roles:
                states = tuple((role.start, role.end, self._role_state(role.of, record)) for role in record.roles)
                if any(state != f"country:{record.country}" for _, _, state in states):
                    self._role_states[record.id] = (self.credit_targets[record.id], states)  # type: ignore[assignment]
                    self.credit_targets[record.id] = None
        # Per form, by the index the matcher reports: (what it sets going, record id, may sit inside
        # an organisation's name, targets or None when resolved per article, the form, cue kinds
        # of its hits in the body, persons whose short form it is when a given name before it may
        # make it someone else's).
        self._facts = [self._facts_of(form) for form in self.index.find.forms]
        self._facts_by_form = {facts[4]: facts for facts in self._facts}
        # Every form of a first-level division, ambiguous ones too ("Va.", "Mass.", "Texas"): after a
        # dateline's city it names the division; the facts of a link to it.
        self._dateline_states = {
            text: (_LINK, record.id, True, self.credit_targets[record.id], form, (), ())
            for record in kb if record.kind == "region" and record.country
            for text in (record.name, *record.aliases, *record.ambiguous)
            if (form := self.index.forms.get(text)) is not None
        }
        # The first three letters of every given name of each person, folded (see `_given_name_of`).
        self._given_stems = {r.id: _given_stems(r) for r in kb if r.type == "PERSON"}
        # Roles by record, their dates and output dicts worked out once: [(from, to, dict)].
        self._roles = {r.id: tuple((role.start, role.end, role.as_dict()) for role in r.roles) for r in kb if r.roles}
        # What an entity of each record says before its roles, mentions and salience.
        self._heads = {r.id: (r.name, r.type, r.id, r.country, r.kind, r.qid) for r in kb}
        self._state_names: dict[str, tuple[str, str | None]] = {}
        # A possessive form names its possessor too: "Oman's foreign ministry" names Oman, "Ukraine's
        # air force" Ukraine, and "the foreign ministry in Jakarta" Jakarta. Per such form: (the
        # place's record id, where its name starts in the form, where it ends).
        self._possessors: dict[Form, tuple[str, int, int]] = {}
        for text, form in self.index.forms.items():
            if not form.name:
                continue
            owner, apostrophe, _ = text.replace("’s ", "'s ").partition("'s ")
            at = 0
            if not apostrophe:
                _, apostrophe, owner = text.rpartition(" in ")
                at = len(text) - len(owner)
            owner_form = self.index.forms.get(owner) if apostrophe else None
            if owner_form is None:
                continue
            if owner_form.name and self.kb[owner_form.name].type == "GPE":
                self._possessors[form] = (owner_form.name, at, at + len(owner))
            elif (own := f"country:{self.kb[form.name].country}") in (m[1] for m in owner_form.meanings):
                # an ambiguous state's name is that state before its own body: "Georgia's parliament"
                self._possessors[form] = (own, at, at + len(owner))

    def _facts_of(self, form: Form) -> tuple:
        record = self.kb.get(form.name) if form.name else None
        cue_kinds = form.cues + (("role",) if form.role else ())
        if form.phrase:  # the cue finder reads its cue kinds (`CueFinder.phrase_hits`)
            return (_PHRASE, None, False, None, form, (), ())
        if record is not None:
            return (_LINK, record.id, record.type == "GPE", self.credit_targets[record.id], form, cue_kinds, ())
        if form.linkable:
            checked_shorts = form.shorts if not form.name else ()
            return (_RESOLVE, None, False, None, form, cue_kinds, checked_shorts)
        if form.demonym:
            targets = _targets(((f"country:{form.demonym}", "demonym"),), self.state_like)
            return (_DEMONYM, None, True, targets, form, cue_kinds, ())
        return (_CUE, None, False, None, form, cue_kinds, ())

    def __call__(self, doc: Document) -> None:
        title, text, day = doc.title, doc.text, doc.reference_date
        # Hits of lower-case phrases stay in the body's list, for the cue finder, and count for nothing else.
        hits = {"title": self._scan(title, False), "text": self._scan(text, True)}
        named = {facts[1] for field_hits in hits.values() for _, _, facts in field_hits if facts[0] == _LINK}

        found = _Mentions(_lead_end(doc))
        linked = found.linked
        credits: list[Credit] = []
        demonyms = []  # (span, states) of demonyms, which are no entity
        givens: dict[tuple[str, int], str | None] = {}  # given names before short forms, by field and start
        claimed = self._claimed_short_forms(doc, hits, givens)
        targets_here: dict[str, _Targets] = {}  # of records whose targets the article resolves
        document_places, document_name_at = self.document_places, self.cues.document_name_at
        for field_name, field_hits in hits.items():
            field_text = title if field_name == "title" else text
            kept = found.spans[field_name]
            name_end = 0  # the end of a person's name that opens with a place's ("Mayor London Breed")
            for start, end, facts in field_hits:
                if start < name_end:
                    continue
                code, kb_id, may_contain, targets, form, _, _ = facts
                if code == _LINK:
                    if form in self.attributive and self._qualifies_noun(field_text, end):
                        possessor = self._possessors.get(form)
                        if possessor is not None:  # "China's foreign ministry spokesperson" names China
                            self._add_possessor_at(possessor, start, field_text, field_name, linked, credits)
                            continue
                        span = Span(start, end, field_text[start:end], field_name)
                        country = self.kb[kb_id].country
                        credits.append(Credit(country, span, "demonym"))  # the state, as its demonym would
                        demonyms.append((span, (f"country:{country}",)))
                        continue
                    if form in self.modifiers and self._modifies_noun(field_text, end, self.modifiers[form]):
                        continue
                    if targets is None:
                        targets = self._targets_here(self.kb[kb_id], named, targets_here, day)
                elif code == _RESOLVE:
                    record = self._resolve(form, doc, field_name, start, end, named, field_hits, claimed, givens, found)
                    if record is None:
                        continue
                    kb_id, may_contain = record.id, record.type == "GPE"
                    targets = self._targets_here(record, named, targets_here, day)
                elif code == _PLACE:
                    found.places.append((start, end, field_name))
                    continue
                elif code == _DEMONYM:
                    span = Span(start, end, field_text[start:end], field_name)
                    kept.append((start, end, True))
                    for iso3, via in targets[0]:
                        credits.append(Credit(iso3, span, via))
                    demonyms.append((span, targets[1]))
                    continue
                else:
                    continue
                if may_contain and field_text[end : end + 1] == " ":
                    if kb_id in document_places and document_name_at(field_text, end + 1):
                        continue  # a document signed there: "Rome Statute", "Minsk agreements"
                    if field_text[end + 1 : end + 2].isupper():
                        name_end = self._titled_name_from(field_text, field_hits, start, end)
                        if name_end:  # a person: "Defence Minister Wellington Koo", "coach Paris Jackson"
                            found.persons.append((start, name_end, field_name))
                            continue
                span = Span(start, end, field_text[start:end], field_name)
                mentions = linked.get(kb_id)
                if mentions is None:
                    linked[kb_id] = [span]
                else:
                    mentions.append(span)
                kept.append((start, end, may_contain))
                for iso3, via in targets[0]:
                    credits.append(Credit(iso3, span, via))
                possessor = self._possessors.get(form)
                if possessor is not None:
                    self._add_possessor_at(possessor, start, field_text, field_name, linked, credits)

        doc.credits = credits
        doc.states = self._states(found, demonyms, targets_here)
        unlinked = self._unlinked(doc, hits, found)
        doc.entities = self._entities(doc, found, unlinked)

    def _qualifies_noun(self, text: str, end: int) -> bool:
        """Whether a body's lower-case name ending at `end` qualifies the word after it ("Pakistani
        military facilities", "Russia's military-industrial base") rather than naming the body."""
        if text[end : end + 1] == "-":
            return True
        word = _lower_word_after(text, end)
        return word is not None and word not in self._after_body and not word.endswith("ed")

    def _modifies_noun(self, text: str, end: int, one_word: bool) -> bool:
        """Whether a sea's or world region's form ending at `end` qualifies a noun rather than names
        the place: a one-word short form before a noun that is no place's head ("Pacific island nation", not
        "the Pacific region"), or any form opening a compound of places before a noun that makes them
        no parties ("Central Asia-China gas pipeline", not "EU-Central Asia summit")."""
        after = text[end : end + 1]
        if after == "-" and text[end + 1 : end + 2].isupper():
            end = text.find(" ", end)
            if end < 0:
                return False
            heads = self.kb.cues.party_heads
        elif after == " " and one_word:
            heads = self.kb.cues.place_heads
        else:
            return False
        word = _lower_word_after(text, end)
        return word is not None and word not in self._after_body and not word.endswith("ed") and word not in heads

    def _add_possessor_at(
        self, possessor: tuple[str, int, int], start: int, text: str, field_name: str, linked: dict, credits: list[Credit]
    ) -> None:
        """The place a possessive form opening at `start` names: a mention and its credits."""
        at, to = start + possessor[1], start + possessor[2]
        self._add_possessor(possessor, Span(at, to, text[at:to], field_name), linked, credits)

    def _add_possessor(self, possessor: tuple[str, int, int], span: Span, linked: dict, credits: list[Credit]) -> None:
        """The place a possessive form names ("Oman" of "Oman's foreign ministry"): a mention and its credits."""
        linked.setdefault(possessor[0], []).append(span)
        targets = self.credit_targets[possessor[0]]
        for iso3, via in targets[0] if targets is not None else ():
            credits.append(Credit(iso3, span, via))

    # --- matching ------------------------------------------------------------------------------

    def _scan(self, text: str, datelines: bool) -> list[tuple[int, int, tuple]]:
        """Longest non-overlapping forms that stand as whole words ("China's" holds "China"), with their facts."""
        out = self.index.find(text, self._facts)
        if datelines and text[:1].isupper():
            out = self._datelines(text, out)
        return out

    def _datelines(self, text: str, hits: list) -> list:
        """All-capital places opening a paragraph before a dash or a date: "KYIV, March 3 (Reuters) -".

        After a US city, its state ("RICHMOND, Va. —", "AUSTIN, Texas (AP) —") is linked, and names
        the city: the record of that name in that state, or a place no record holds (kb_id null).
        """
        out = hits
        head = text[:_DATELINE_REACH]
        line = 0
        while line >= 0:  # a dateline lies within its line: try the pattern where each line starts
            match = _DATELINE.match(head, line)
            line = head.find("\n", line) + 1 or -1
            if match is None:
                continue
            state = _DATELINE_STATE.match(head, match.end(1))
            region = self._dateline_states.get(state.group(1)) if state is not None else None
            if region is not None:
                out = _put(out, hits, (state.start(1), state.end(1), region), replace=True)
            start = match.start(1)
            places = match.group(1).split("/")
            for k, place in enumerate(places):
                end = start + len(place)
                form = self.index.forms.get(place.title()) or self.index.forms.get(place)
                if form is not None and form.name:
                    out = _put(out, hits, (start, end, self._facts_by_form[form]))
                elif region is not None and k == len(places) - 1 and (city := self._city_in(form, region[1])):
                    out = _put(out, hits, (start, end, city))
                start = end + 1
        return out

    def _city_in(self, form: Form | None, region_id: str) -> tuple | None:
        """The facts of a dateline's city before its state: the record of that name the state's
        context supports, or else an unlinked place in the US; None for nothing."""
        region = self.kb[region_id]
        for meaning in form.meanings if form is not None else ():
            record = self.kb.get(meaning[1]) if meaning[0] == AMBIGUOUS else None
            if record is not None and record.kind == "city" and record.country == region.country and (
                region_id in record.context or region.name in record.context
            ):
                return (_LINK, record.id, True, self.credit_targets[record.id], form, (), ())
        # a US city no record holds, as AP writes them ("UVALDE, Texas —"); elsewhere the name before
        # a region may be a base or a district ("PITUFFIK, Greenland —")
        return _UNLINKED_PLACE if region.country == "USA" else None

    def _titled_name_from(self, text: str, hits: list[tuple[int, int, tuple]], start: int, end: int) -> int:
        """Where a person's name ends when a place's form at [start, end) opens it, else 0.

        So it does after a title or office and before a capitalised word of a name that is no
        place nor anything else the knowledge base names ("Senator Lincoln Chafee", "coach Paris
        Jackson"); `hits` are the field's, in text order, and a capitalised word follows the form.
        """
        if start < 2 or text[start - 1] != " ":
            return 0
        k = bisect_left(hits, start - 1, key=_hit_end)  # hits do not overlap: their ends are in order too
        if k == len(hits) or hits[k][1] != start - 1:
            return 0
        title = hits[k][2][4]
        if not title.role and "person-title" not in title.cues:
            return 0
        k = bisect_left(hits, end + 1, key=_hit_start)
        after = hits[k][2][0] if k < len(hits) and hits[k][0] == end + 1 else None
        if after == _RESOLVE:  # a short form, another person's or this one's ("Wellington Koo")
            return self.cues.name_end(text, start)
        if after is None or after == _CUE or after == _PHRASE:
            if self.cues.name_follows(text, end) and not self.cues.event_word_at(text, end + 1):
                return self.cues.name_end(text, start)
            return 0  # "Minister Paris Summit"
        return 0  # another place, a body or a demonym follows: "Mayor London Borough", "Prime Minister Israel Katz"

    def _claimed_short_forms(self, doc: Document, hits: dict, givens: dict) -> set[str]:
        """Short forms a different person holds here: "Daniil Medvedev" is not Dmitry Medvedev.

        Keeps the given name before each short form in `givens`, for `_resolve`.
        """
        claimed: set[str] = set()
        for field_name, field_hits in hits.items():
            text = doc.field_text(field_name)
            for start, end, facts in [hit for hit in field_hits if hit[2][6]]:
                given = givens[field_name, start] = self.cues.given_name_before(text, start)
                if given is not None and not self._given_name_of(given, facts[6]):
                    claimed.add(text[start:end])
        return claimed

    def _given_name_of(self, given: str, persons: tuple[str, ...]) -> bool:
        """Whether a given name written before a short form is (a spelling of) one of its persons'.

        Spellings of one given name share their first three letters (Dmitry, Dmitri; Sergei, Sergey);
        different names mostly do not (Daniil and Dmitry Medvedev).
        """
        stem = _folded(given)[:3]
        stems = self._given_stems
        return any(stem in stems[p] for p in persons if p in stems)

    def _resolve(
        self,
        form: Form,
        doc: Document,
        field_name: str,
        start: int,
        end: int,
        named: set[str],
        field_hits: list[tuple[int, int, tuple]],
        claimed: set[str],
        givens: dict[tuple[str, int], str | None],
        found: _Mentions,
    ) -> Record | None:
        """The record a matched form names here, or None when it names none for sure."""
        get = self.kb.entities.get
        text = doc.field_text(field_name)  # type: ignore[arg-type]
        meanings = form.meanings
        if form.names:
            return max((get(n) for n in form.names if get(n)), key=lambda r: self._support(r, named, doc, found), default=None)
        surface = text[start:end]
        given = givens[field_name, start] if (field_name, start) in givens else self.cues.given_name_before(text, start)
        if given is not None:
            if not form.shorts:
                return None  # "Social Democrats" is not the Democrats
            if not self._given_name_of(given, form.shorts):
                if text[end : end + 1] != "-" and any(m[0] == SHORT and m[2] for m in meanings):  # a stated surname
                    # "Daniil Medvedev"; "Ahmed Sharif Chaudhry" runs on past the short form
                    stop = self.cues.name_end(text, end + 1) if self.cues.name_follows(text, end) else end
                    found.persons.append((start - len(given) - 1, stop, field_name))
                return None  # "Ko Wen-je" is not Wang Wen
        elif field_name == "text" and self.cues.name_follows(text, end):
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
                        role = _role_ending(field_hits, _before_spacing(text, start)) or self.cues.role_before(text, start) or ""
                    score = _ROLE_FITS if role and any(r.role == role for r in record.roles_on(doc.reference_date)) else 0.0
            elif meaning[0] == AMBIGUOUS:
                record = get(meaning[1])
                if record is None:
                    continue
                if surface in self.kb.cues.name_stopwords and record.id not in named:
                    continue  # a common word ("May") names a person only once named in full
                # a one-letter form ("X") is named by the words around it alone, not by the article
                score = self._support(record, named, doc, found) if end - start > 1 else 0.0
                if record.context_before or record.context_after:
                    score += _local_support(record, text, start, end)
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

    def _credit_targets(self, record: Record) -> _Targets | None:
        """The states a mention of `record` involves, and how (see `Credit.via`).

        Media and companies do not involve their country: the BBC being cited is not the UK acting.
        A metonym stands for its target; with several, for those the article names (Brussels for
        the EU or NATO), so that these are worked out per article (None here).
        """
        if record.kind == "country" or record.id in self.state_like:
            return _targets(((record.id, "name"),), self.state_like)
        if record.stands_for:
            return self._metonym_targets(record, frozenset()) if len(record.stands_for) == 1 else None
        if record.part_of in self.state_like:  # an institution of the EU: the EU acting
            return _targets(((record.part_of, "org"),), self.state_like)
        if record.country and record.kind not in NO_CREDIT_KINDS:
            via = {"PERSON": "person", "ORG": "org"}.get(record.type, "place")
            return _targets(((f"country:{record.country}", via),), self.state_like)
        return _NO_TARGETS

    def _targets_here(self, record: Record, named: set[str], targets_here: dict[str, _Targets], day: date) -> _Targets:
        """What a mention of `record` involves in this article; kept in `targets_here` when the
        article decides it, for the states."""
        targets = self.credit_targets[record.id] or targets_here.get(record.id)
        if targets is None:
            roles = self._role_states.get(record.id)
            if roles is not None:
                targets = self._office_targets(roles, day)
            else:
                targets = self._metonym_targets(record, named)
            targets_here[record.id] = targets
        return targets

    def _role_state(self, of: str, person: Record) -> str | None:
        """The state an office of the body `of` acts for: a state, the EU for the EU and its
        institutions, the country of a national body; None for an international body."""
        body = self.kb.get(of)
        if body is None:  # a body not in the knowledge base yet: the holder's country, as without roles
            return f"country:{person.country}" if person.country else None
        if body.kind == "country" or of in self.state_like:
            return of
        if body.part_of in self.state_like:
            return body.part_of
        return f"country:{body.country}" if body.country else None

    def _office_targets(self, roles: tuple[_Targets, tuple[tuple, ...]], day: date) -> _Targets:
        """A person acts for the states of the offices they hold on `day` (none for an office of
        an international body); holding none, for their country."""
        country, dated = roles
        held = [state for start, end, state in dated if start <= day and (end is None or day < end)]
        if not held:
            return country
        return _targets(tuple((state, "person") for state in dict.fromkeys(held) if state), self.state_like)

    def _metonym_targets(self, record: Record, named: set[str] | frozenset[str]) -> _Targets:
        """A metonym stands for the targets the article names, or else for its first one."""
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
        return _targets(out, self.state_like)

    # --- names no list holds ---------------------------------------------------------------------

    def _unlinked(self, doc: Document, hits: dict, found: _Mentions) -> list[tuple[str, str, list[Span]]]:
        """(name, type, mentions) of the entities found from news-writing cues, kb_id null."""
        text = doc.text
        linked = found.spans["text"]  # in text order, so sorted
        cue_hits = [(start, end, kind, text[start:end]) for start, end, facts in hits["text"] if facts[5] for kind in facts[5]]
        phrases = [(start, end, facts[4]) for start, end, facts in hits["text"] if facts[0] == _PHRASE]
        if phrases:
            cue_hits += self.cues.phrase_hits(text, phrases, linked)
        cue_hits.sort()
        spans = self.cues.find(text, cue_hits, linked)
        if found.persons or found.places:
            spans = sorted(
                set(spans) | {(s, e, "PERSON") for s, e, f in found.persons if f == "text"} | {(s, e, "GPE") for s, e, f in found.places}
            )
        for k, (s, e, t) in enumerate(spans):
            if text[e : e + 4] == " of " and t == "PERSON":  # "Saint Francis of Assisi"
                spans[k] = self.cues.with_place_of(text, s, e, linked)
        spans = self._given_names_of_linked(text, spans, found)
        if not spans:
            return []
        groups: list[tuple[str, str, list[Span]]] = []
        by_key: dict[str, int] = {}
        for start, end, type_ in spans:
            name = surface = text[start:end]
            if type_ == "PERSON" and ('"' in name or "“" in name or "‘" in name):
                name = NICKNAME.sub("", name)  # Jorge "Tuto" Quiroga is Jorge Quiroga (the mention keeps the nickname)
            elif type_ == "GPE":  # a dateline's city: "UVALDE" is Uvalde
                by_key[name] = len(groups)
                groups.append((name.title(), type_, [Span(start, end, surface, "text")]))
                continue
            key = name.split(" ")[-1] if type_ == "PERSON" else name
            if type_ == "ORG" and start >= 2 and text[start - 2 : start] == " (" and groups:
                # "the Institute for Energy Research (IER)": the acronym names the body before it
                last_name, last_type, last_spans = groups[-1]
                if last_type == "ORG" and last_spans[-1].end == start - 2:
                    last_spans.append(Span(start, end, surface, "text"))
                    by_key[name] = len(groups) - 1
                    continue
            if key in by_key and groups[by_key[key]][1] == type_:
                group = groups[by_key[key]]
                group[2].append(Span(start, end, surface, "text"))
                if len(name) > len(group[0]):
                    groups[by_key[key]] = (name, type_, group[2])
                continue
            by_key[key] = len(groups)
            groups.append((name, type_, [Span(start, end, surface, "text")]))
        # "Bank of England" names the bank, not England: linked text spans inside a cued organisation go
        inside = set()
        for start, end, type_ in spans:
            if type_ == "ORG":
                for k in range(bisect_left(linked, (start,)), len(linked)):
                    if linked[k][0] >= end:
                        break
                    if linked[k][1] <= end:
                        inside.add(linked[k][:2])
        if inside:
            for kb_id, mentions in list(found.linked.items()):
                kept = [m for m in mentions if m.field != "text" or (m.start, m.end) not in inside]
                if not kept:
                    del found.linked[kb_id], found.scores[kb_id]
                elif len(kept) < len(mentions):
                    found.linked[kb_id] = kept
                    found.scores[kb_id] = _weight(kept, found.lead_end)
        taken = {
            "title": [span[:2] for span in found.spans["title"]],
            "text": sorted([span[:2] for span in linked] + [span[:2] for span in spans]),
        }
        self._more_mentions(doc, groups, taken)
        return groups

    def _given_names_of_linked(self, text: str, spans: list, found: _Mentions) -> list:
        """One-word cued persons that are the given name of a person linked here ("Sheikh Mohammed
        told" after "Sheikh Mohammed bin Abdulrahman Al Thani"): a mention of that person when only
        one linked person has that first name, no one else's name when several have."""
        if not any(type_ == "PERSON" and " " not in text[s:e] for s, e, type_ in spans):
            return spans
        firsts: dict[str, list[str]] = {}
        for kb_id in found.linked:
            record = self.kb.entities.get(kb_id)
            if record is not None and record.type == "PERSON":
                firsts.setdefault(record.name.split(" ")[0], []).append(kb_id)
        out = []
        for s, e, type_ in spans:
            owners = firsts.get(text[s:e]) if type_ == "PERSON" else None
            if not owners:
                out.append((s, e, type_))
            elif len(owners) == 1:
                mentions = found.linked[owners[0]]
                mentions.append(Span(s, e, text[s:e], "text"))
                found.scores[owners[0]] = _weight(mentions, found.lead_end)
        return out

    def _more_mentions(self, doc: Document, groups: list, taken: dict[str, list[tuple[int, int]]]) -> None:
        """Later mentions of cued names: the full name again, a person's surname, an acronym.

        `taken` are the spans named so far by field, sorted; the new mentions join them.
        """
        for name, type_, mentions in groups:
            forms = {m.text for m in mentions}
            if type_ == "GPE":
                forms.add(name)  # a dateline's city, named again in the story
            elif type_ == "PERSON":
                surname = name.split(" ")[-1]
                if len(surname) >= 3 and surname not in self.cues.not_name:
                    forms.add(surname)
            for field_name, text in (("title", doc.title), ("text", doc.text)):
                field_taken = taken[field_name]
                for form in forms:
                    i = text.find(form)
                    while i >= 0:
                        j = i + len(form)
                        if _whole_word(text, i, j) and not _overlaps(field_taken, i, j):
                            mentions.append(Span(i, j, form, field_name))
                            insort(field_taken, (i, j))
                        i = text.find(form, j)

    # --- output ----------------------------------------------------------------------------------

    def _entities(self, doc: Document, found: _Mentions, unlinked: list) -> list[Entity]:
        """The entities, most salient first."""
        day = doc.reference_date
        heads = self._heads
        role_dates = self._roles
        scores = found.scores
        unlinked_scores = []
        for _, _, mentions in unlinked:
            mentions.sort(key=_reading_order)
            unlinked_scores.append(_weight(mentions, found.lead_end))
        top = max(max(scores.values(), default=1), max(unlinked_scores, default=1))
        # by salience, then the first mention in reading order; the position in the list settles
        # ties as a stable sort would, without comparing entities
        order = []
        for kb_id, mentions in found.linked.items():  # mentions come in reading order
            roles = role_dates.get(kb_id)
            if roles:
                roles = [dict(r) for start, end, r in roles if start <= day and (end is None or day < end)]
            salience = scores[kb_id] / top
            first = mentions[0]
            entity = Entity(*heads[kb_id], roles or [], mentions, salience)
            order.append((-salience, first.field != "title", first.start, len(order), entity))
        for (name, type_, mentions), score in zip(unlinked, unlinked_scores):
            salience = score / top
            first = mentions[0]
            entity = Entity(name, type_, None, None, None, None, [], mentions, salience)
            order.append((-salience, first.field != "title", first.start, len(order), entity))
        order.sort()
        return [entity for _, _, _, _, entity in order]

    def _states(self, found: _Mentions, demonyms: list, targets_here: dict[str, _Targets]) -> list[dict]:
        """The states the article involves, by credits and then salience: every mention of a linked
        record (before any turns out to lie inside a cued organisation's name) and every demonym.
        Sets the scores of the linked records on the way."""
        lead_end = found.lead_end
        scores = found.scores
        credit_targets = self.credit_targets
        totals: dict[str, list[int]] = {}  # state id -> [credits, weight]
        for kb_id, mentions in found.linked.items():
            score = 0
            for span in mentions:  # `_weight`, inline: this runs for every linked record
                score += TITLE_WEIGHT if span.field == "title" else LEAD_WEIGHT if span.start < lead_end else 1
            scores[kb_id] = score
            for state in (targets_here.get(kb_id) or credit_targets[kb_id])[1]:
                total = totals.get(state)
                if total is None:
                    totals[state] = [len(mentions), score]
                else:
                    total[0] += len(mentions)
                    total[1] += score
        for span, states in demonyms:
            weight = TITLE_WEIGHT if span.field == "title" else LEAD_WEIGHT if span.start < lead_end else 1
            for state in states:
                total = totals.get(state)
                if total is None:
                    totals[state] = [1, weight]
                else:
                    total[0] += 1
                    total[1] += weight
        top = max([weight for _, weight in totals.values()], default=1)
        order = []
        for state, (count, weight) in totals.items():
            name, country = self._state_names.get(state) or self._state_name(state)
            salience = round(weight / top, 4)
            order.append((-count, -salience, state, {"kb_id": state, "name": name, "country": country, "count": count, "salience": salience}))
        order.sort()
        return [state for _, _, _, state in order]

    def _state_name(self, state: str) -> tuple[str, str | None]:
        record = self.kb.get(state)
        if record is not None:
            names = (record.name, record.iso3)
        else:
            names = (state.partition(":")[2], state[8:] if state.startswith("country:") else None)
        self._state_names[state] = names
        return names


# What a mention involves: (alpha-3, via) of each country it credits (`doc.credits`), and the id of
# each state it counts for (`doc.states`: countries, and the state-like actors).
_Targets = tuple[tuple[tuple[str, str], ...], tuple[str, ...]]
_NO_TARGETS: _Targets = ((), ())


def _targets(pairs, state_like: frozenset[str]) -> _Targets:
    """`_Targets` from (state id, via) pairs: only countries are credited (`Credit.country` is the alpha-3)."""
    return (
        tuple((state[8:], via) for state, via in pairs if state[:8] == "country:"),
        tuple(state for state, _ in pairs if state[:8] == "country:" or state in state_like),
    )


def _weight(spans, lead_end: int) -> int:
    """What mentions say about what an article is about: a mention weighs `TITLE_WEIGHT` in the
    title, `LEAD_WEIGHT` in the lead (the text before `lead_end`) and 1 elsewhere."""
    total = 0
    for span in spans:
        total += TITLE_WEIGHT if span.field == "title" else LEAD_WEIGHT if span.start < lead_end else 1
    return total


def _lead_end(doc: Document) -> int:
    """Where the lead ends: after the second sentence of the text, within bounds."""
    seen = 0
    for sentence in doc.sentences:
        if sentence.field == "text":
            seen += 1
            if seen == LEAD_SENTENCES:
                return min(max(sentence.end, 1), 2 * LEAD_CHARS)
    return LEAD_CHARS


def _put(out: list, hits: list, hit: tuple, replace: bool = False) -> list:
    """`out` (the sorted, non-overlapping `hits`, or a copy of them) with `hit` inserted unless it
    overlaps one; with `replace`, a hit of exactly the same span gives way to it. `hits` stay as they are."""
    start, end = hit[0], hit[1]
    k = bisect_right(out, start, key=_hit_start)  # hits do not overlap: only the ones on either side may
    if replace and k and out[k - 1][:2] == (start, end):
        out = list(out) if out is hits else out
        out[k - 1] = hit
    elif not (k and out[k - 1][1] > start) and not (k < len(out) and out[k][0] < end):
        out = list(out) if out is hits else out
        insort(out, hit, key=_hit_start)
    return out


def _role_ending(hits: list[tuple[int, int, tuple]], end: int) -> str | None:
    """The office named by the capitalised hit that ends at `end`, if any ("Foreign Minister Qin Gang")."""
    k = bisect_left(hits, end, key=_hit_end)  # hits do not overlap: their ends are in order too
    if k < len(hits) and hits[k][1] == end and hits[k][2][0] != _PHRASE:
        return hits[k][2][4].role
    return None


def _before_spacing(text: str, start: int) -> int:
    """Where the spaces and comma before `start` begin ("the foreign minister, Qin Gang")."""
    i = start
    while i > 0 and start - i < 2 and text[i - 1] in " ,":
        i -= 1
    return i


def _folded(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c)).casefold()


def _given_stems(record: Record) -> frozenset[str]:
    """The first three letters, folded, of every word but the last of a person's names."""
    return frozenset(_folded(word)[:3] for name in (record.name, *record.aliases) for word in name.split()[:-1])


def _local_support(record: Record, text: str, start: int, end: int) -> float:
    """1.0 when a word of the record's local context stands right before the form at [start, end)
    ("on X") or right after it ("X, formerly Twitter"); never for the first part of a compound ("X-ray")."""
    if text[end : end + 1] == "-":
        return 0.0
    for word in record.context_before:
        i = start - 1 - len(word)
        if i >= 0 and text[start - 1] == " " and text.startswith(word, i) and (i == 0 or not text[i - 1].isalnum()):
            return 1.0
    after = end + 1 if text[end : end + 1] == " " else end
    return 1.0 if any(text.startswith(word, after) for word in record.context_after) else 0.0


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
    return (start == 0 or not is_word_character(text[start - 1])) and (end >= len(text) or not is_word_character(text[end]))


def _lower_word_after(text: str, end: int) -> str | None:
    """The lower-case (ASCII) word after the space at `end`, if one follows there."""
    if text[end : end + 1] != " ":
        return None
    match = _LOWER_WORD.match(text, end + 1)
    return match.group() if match else None


def _reading_order(span: Span) -> tuple[int, int]:
    return (0 if span.field == "title" else 1, span.start)
