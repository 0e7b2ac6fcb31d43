"""Every written form the knowledge base knows, in an Aho-Corasick automaton built at load time.

One pass over a text finds names, aliases, acronyms, short forms, demonyms, generated ministry
forms ("the Chinese foreign ministry") and the capitalised role phrases and cue words of news
writing ("President", "Gen.", "... Bank"). Each key carries what it may mean; the linker decides.

Lower-case role phrases and cues ("foreign minister", "said", "a spokesman for") are in the
automaton too, marked `Form.phrase`: they are common words, so the linker keeps their hits only
next to a capitalised word, and looks them up (`SurfaceIndex.phrases`) in the words before a
candidate name. Context words of ambiguous aliases are looked up only when such an alias occurs.

Matching uses the Rust automaton of `ahocorasick-rs` when it is installed (about three times
faster on news text) and pyahocorasick otherwise; both find the same longest, leftmost hits.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

import ahocorasick

try:
    import ahocorasick_rs
except ImportError:  # optional: the pyahocorasick automata below find the same hits
    ahocorasick_rs = None

from .kb import DERIVED, KnowledgeBase, Record

# What a written form may mean (the first element of each meaning tuple).
NAME = 0  # names the record on its own: (NAME, record id)
SHORT = 1  # a person's short form: (SHORT, person id, stated in the KB rather than derived)
AMBIGUOUS = 2  # names the record only with supporting context: (AMBIGUOUS, record id)
DEMONYM = 3  # credits a state, is no entity: (DEMONYM, alpha-3)
ROLE = 4  # an office: (ROLE, role kind)
CUE = 6  # a news-writing cue: (CUE, cue kind)

_APOSTROPHES = ("'", "’")


# With pyahocorasick, forms that start in another script (Путин, 习近平) live in a second
# automaton: thousands of distinct first characters make every step of the main one several
# times slower, and most articles hold no such character at all.
_LATIN_END = "\u024f"
OTHER_SCRIPT = re.compile("[^\x00-\u024f\u2000-\u206f\u20a0-\u20cf]")


class Form:
    """What one written form may mean, with the facts the linker asks of every match precomputed."""

    __slots__ = ("length", "meanings", "names", "name", "linkable", "demonym", "role", "cues", "shorts", "phrase")

    def __init__(self, text: str, meanings: tuple) -> None:
        self.length = len(text)
        self.meanings = meanings
        if len(meanings) == 1 and meanings[0][0] == NAME:  # most forms: one record's name and nothing else
            self.names = (self.name,) = (meanings[0][1],)
            self.linkable, self.phrase = True, False
            self.demonym = self.role = None
            self.cues = self.shorts = ()
            return
        self.names = tuple(m[1] for m in meanings if m[0] == NAME)  # the records it names
        self.name = self.names[0] if len(self.names) == 1 else None  # names one record and nothing else
        self.linkable = any(m[0] in (NAME, SHORT, AMBIGUOUS) for m in meanings)
        self.demonym = next((m[1] for m in meanings if m[0] == DEMONYM), None)
        self.role = next((m[1] for m in meanings if m[0] == ROLE), None)
        self.cues = tuple(m[1] for m in meanings if m[0] == CUE)
        self.shorts = tuple(m[1] for m in meanings if m[0] == SHORT)  # persons it is a short form of
        # a lower-case role phrase or cue: it counts only beside a capitalised word (see the cue finder)
        self.phrase = not text[0].isupper() and not text[0].isdigit() and all(m[0] in (ROLE, CUE) for m in meanings)


class FormMatcher:
    """Finds the longest, leftmost, non-overlapping forms that stand as whole words in a text."""

    def __init__(self, forms: dict[str, Form]) -> None:
        # A text is matched with its curly apostrophes made straight (the same length, so the same
        # offsets): the automata need only the straight spelling of a form ("China's", "d'Ivoire").
        forms = {key: value for key, value in forms.items() if "’" not in key}
        self.forms = list(forms.values())  # by the index the automata report
        self._rust = None
        if ahocorasick_rs is not None:
            self._rust = ahocorasick_rs.AhoCorasick(
                list(forms),
                matchkind=ahocorasick_rs.MatchKind.LeftmostLongest,
                implementation=ahocorasick_rs.Implementation.ContiguousNFA,
            )
            return
        self._latin, self._other = ahocorasick.Automaton(), ahocorasick.Automaton()
        for index, (key, value) in enumerate(forms.items()):
            (self._latin if key[0] <= _LATIN_END else self._other).add_word(key, (index, value.length))
        self._latin.make_automaton()
        self._other.make_automaton()

    def matches(self, text: str) -> list[tuple[int, int, int]]:
        """(form index, start, end) of every form in text order, whole words or not."""
        if "’" in text:
            text = text.replace("’", "'")
        if self._rust is not None:
            return self._rust.find_matches_as_indexes(text)
        hits = [(index, last - length + 1, last + 1) for last, (index, length) in self._latin.iter_long(text)]
        if OTHER_SCRIPT.search(text):
            hits += [(index, last - length + 1, last + 1) for last, (index, length) in self._other.iter_long(text)]
            hits.sort(key=_start)
        return hits

    def __call__(self, text: str, values: list | None = None) -> list[tuple[int, int, Form]]:
        """(start, end, form) in text order; "China's" holds "China", "Kremlin.ru" no "Kremlin".

        `values`, when given, stand in for the forms: what a caller worked out for each, by index.
        """
        edges = word_edges(text)
        values = self.forms if values is None else values
        # edges[start] is the character before the hit, edges[end + 1] the one after it;
        # a hit opening or closing on a Han, kana or Hangul character needs no edge on that side
        return [
            (start, end, values[i])
            for i, start, end in self.matches(text)
            if (edges[start] or edges[start + 1] == _CJK_EDGE)
            and ((after := edges[end + 1]) or edges[end] == _CJK_EDGE)
            and (after != _FULL_STOP or edges[end + 2])
        ]


def _start(hit: tuple) -> int:
    return hit[1]


# The whole-word test in bytes: one byte per character, 0 for a letter or digit, "." for a full
# stop, a space for anything else. ASCII text goes through the byte table in C; the characters
# of other text that are not ASCII come to `_edge_bytes` a run at a time, as "a" or " ".
# Chinese, Japanese and Korean are written without spaces between words (Korean with particles
# joined to the name): a Han, kana or Hangul character is an edge, so "俄罗斯" stands as a word in
# "对俄罗斯进行", and a hit that opens or closes on one needs no edge there ("北京3月17日").
# Every such character lies at or above U+1100, the only ones tested.
_FULL_STOP = ord(".")
_CJK_EDGE = 2  # a Han, kana or Hangul character: an edge, and a hit's own first or last character
_CJK_MARK = chr(_CJK_EDGE)  # that needs no edge beside it ("新华社北京3月17日电" holds 北京)
_EDGE_TABLE = (
    bytes(0 if chr(c).isalnum() else c if c in (_FULL_STOP, _CJK_EDGE) else 32 for c in range(128)) + b" " * 128
)
_EDGE_ERRORS = "geowire-word-edges"
_CJK_FROM = "\u1100"
_CJK = re.compile(
    "[\u1100-\u11ff\u2e80-\u2fdf\u3040-\u31ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7ff"
    "\uf900-\ufaff\uff66-\uffdc\U00020000-\U0003134f]"
)


def is_word_character(c: str) -> bool:
    """A letter or digit that joins a word: Han, kana and Hangul do not (see `word_edges`)."""
    return c.isalnum() and (c < _CJK_FROM or _CJK.match(c) is None)


def _edge_character(c: str) -> str:
    if not c.isalnum():
        return " "
    return "a" if c < _CJK_FROM or _CJK.match(c) is None else _CJK_MARK


def _edge_bytes(error: UnicodeEncodeError) -> tuple[str, int]:
    return "".join(map(_edge_character, error.object[error.start : error.end])), error.end


codecs.register_error(_EDGE_ERRORS, _edge_bytes)


def word_edges(text: str) -> bytes:
    """The text as word edges, one byte per character shifted one on: 0 for a letter or digit,
    2 for a Han, kana or Hangul character, "." for a full stop, a space for anything else, with
    a space before and after the text.

    A hit [start, end) stands as a whole word when `edges[start]` (the character before it) is
    not 0, nor `edges[end + 1]` (the one after it), nor is that a full stop before a letter or
    digit ("Kremlin.ru"); a side where the hit's own character is Han, kana or Hangul needs no edge.
    """
    return b" " + text.encode("ascii", _EDGE_ERRORS).translate(_EDGE_TABLE) + b" "


@dataclass
class SurfaceIndex:
    """The form matcher plus the facts about the KB that resolving a match needs."""

    find: FormMatcher  # whole-word hits of every form in a text
    forms: dict[str, Form]  # every written form the KB knows, with what it may mean
    famous_short: dict[str, str] = field(default_factory=dict)  # short form -> its one famous bearer
    keys: int = 0
    # lower-case role phrases and cues: an automaton of their own, whose hits the cue finder keeps
    # only next to a capitalised word, and a dict for looking them up before a name
    phrases: dict[str, Form] = field(default_factory=dict)
    phrase_words: int = 1  # the most words any of them has


def _spellings(form: str) -> set[str]:
    """A form with straight and curly apostrophes alike."""
    if "'" in form or "’" in form:
        return {form.replace("’", "'"), form.replace("'", "’")}
    return {form}


def _derived_shorts(name: str, particles: frozenset[str], family_name_first: bool) -> set[str]:
    """Words of a person's full name that can stand for them once they are named in full.

    The last word; and the first too when the KB states no short form, since the family name
    comes first in many languages ("Qin Gang" is later "Qin").
    """
    words = [w for w in name.split() if w not in particles]
    if len(words) < 2:
        return set()
    picks = {words[-1], words[0]} if family_name_first else {words[-1]}
    return {
        w for w in picks
        if len(w) >= 2 and w[0].isupper() and not w.isupper() and w.replace("-", "").isalpha()
    }


_LINKING_WORDS = frozenset({"of", "the", "for", "and"})


def _sentence_case(form: str) -> bool:
    """A form capitalised only as a sentence opens ("Defence ministry", not "Defence Ministry")."""
    first, *rest = form.split()
    return first[0].isupper() and any(w[0].islower() and w not in _LINKING_WORDS for w in rest)


# Branches of a state's armed forces: a record of the whole (`armed-forces`) takes the forms of each
# branch its state has no record of ("Oman's navy" names Oman's armed forces).
_ARMED_FORCES = "armed-forces"
_BRANCHES = ("army", "navy", "air-force")


def _ministry_forms(kb: KnowledgeBase, record: Record, held: set[tuple[str, str]]) -> set[str]:
    """'<demonym> <form>', "<Country>'s <form>", '<form> of <Country>' and '<form> in <capital>' for
    a national body's portfolio (a ministry's, a parliament's, an armed force's); `held` holds the
    (country, portfolio) pairs some record gives."""
    country = kb.country(record.country) if record.country else None
    # a sentence's opening case ("Defence ministry") opens no form that a country's name opens or ends
    portfolios = kb.role_phrases.derived if record.source.startswith(DERIVED) else {}
    portfolios = portfolios if record.portfolio in portfolios else kb.role_phrases.portfolios
    chosen = [record.portfolio or ""]
    if record.portfolio == _ARMED_FORCES:
        chosen += [b for b in _BRANCHES if (record.country, b) not in held]
    forms = [f for p in chosen for f in portfolios.get(p, ()) if not _sentence_case(f)]
    armed = record.kind == "armed-forces"
    if country is None or not forms:
        return set()
    names = [country.name, *country.short, *country.acronyms]
    capital = kb.get(country.capital) if country.capital else None
    # the capital's name and its plain English spellings ("Chisinau" of Chișinău)
    capitals = [capital.name, *(a for a in capital.aliases if a.isascii())] if capital is not None else []
    # a body is "the Moldovan foreign ministry", never "the Moldovans foreign ministry": plurals left out
    demonyms = [d for d in country.demonyms if not (d[-1:] == "s" and d[:-1] in country.demonyms)]
    out: set[str] = set()
    for form in forms:
        for demonym in demonyms:
            out.add(f"{demonym} {form}")
        if form[0].islower() and not armed:  # "the foreign ministry in Jakarta", not "the army in Khartoum"
            out.update(f"{form} in {city}" for city in capitals if city[:1].isupper())
        for name in names:
            out.add(f"{name}'s {form}")
            if not form[0].isupper():
                continue
            if " of " in form or " " not in form:  # "Ministry of Defence of Chad", not "Defence Ministry of Chad"
                out.add(f"{form} of {name}")
            if name in country.acronyms:
                out.add(f"{name} {form}")
    return out


def build_index(kb: KnowledgeBase) -> SurfaceIndex:
    """Collect every form with its meanings and build the automaton (tens of milliseconds)."""
    meanings: dict[str, list[tuple]] = {}

    def add(form: str, meaning: tuple) -> None:
        for spelling in _spellings(form.strip()):
            if spelling:
                bucket = meanings.setdefault(spelling, [])
                if meaning not in bucket:
                    bucket.append(meaning)

    particles = kb.cues.name_particles
    held = {(r.country, r.portfolio) for r in kb if r.type == "ORG" and r.portfolio and r.country}
    stated_shorts: dict[str, list[Record]] = {}
    for record in kb:
        names = {record.name, *record.aliases}
        if record.official:
            names.add(record.official)
        if record.type != "PERSON":
            names.update(record.short)
        for form in names:
            add(form, (NAME, record.id))
        for acronym in record.acronyms:
            add(acronym, (NAME, record.id))
            if sum(c.isalpha() for c in acronym) >= 4 and acronym.isalpha():
                add(acronym.capitalize(), (NAME, record.id))  # "Nato"
        for form in record.ambiguous:
            add(form, (AMBIGUOUS, record.id))
        if record.demonyms and record.country:
            for demonym in record.demonyms:
                add(demonym, (DEMONYM, record.country))
        if record.type == "PERSON":
            for short in record.short:
                add(short, (SHORT, record.id, True))
                stated_shorts.setdefault(short, []).append(record)
            derived = _derived_shorts(record.name, particles, not record.short) - set(record.short)
            for alias in record.aliases:
                derived |= _derived_shorts(alias, particles, False)
            for short in derived:
                add(short, (SHORT, record.id, False))
        if record.portfolio and record.type == "ORG":
            for form in _ministry_forms(kb, record, held):
                add(form, (NAME, record.id))

    for phrase, kind in kb.role_phrases.phrases.items():
        add(phrase, (ROLE, kind))
        for qualifier in kb.cues.role_qualifiers:
            add(f"{qualifier} {phrase}", (ROLE, "other"))
            add(f"{qualifier}-{phrase}", (ROLE, "other"))
    cues = kb.cues
    for kind, words in (
        ("person-title", cues.person_titles),
        ("reporting-verb", cues.reporting_verbs),
        ("action-verb", cues.action_verbs),
        ("given-name", cues.given_names),
        ("apposition", cues.appositions),
        ("org-apposition", cues.org_appositions),
        ("org-suffix", cues.org_suffixes),
        ("org-prefix", cues.org_prefixes),
    ):
        for word in words:
            add(word, (CUE, kind))

    # A form a record lists as ambiguous names it only with context, even if it is also its name.
    for record in kb:
        for form in record.ambiguous:
            for spelling in _spellings(form):
                bucket = meanings.get(spelling, [])
                if (NAME, record.id) in bucket:
                    bucket.remove((NAME, record.id))

    forms = {form: Form(form, tuple(bucket)) for form, bucket in meanings.items() if bucket}
    phrases = {form: value for form, value in forms.items() if value.phrase}

    famous_short = {
        short: holders[0].id
        for short, holders in stated_shorts.items()
        if len(holders) == 1 and holders[0].famous
    }
    phrase_words = max((len(p.split()) for p in phrases), default=1)
    return SurfaceIndex(FormMatcher(forms), forms, famous_short, len(meanings), phrases, phrase_words)
