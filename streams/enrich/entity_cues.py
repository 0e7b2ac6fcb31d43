"""Names no curated list holds, found from how news writes them (kb_id null).

Precision first: a capitalised word alone is never a name; it becomes one next to a cue — a
title or office before it ("Governor Vyacheslav Gladkov", "Gen. Mark Milley"), a reporting
verb ("said Anna Smith", "Anna Smith said"), an apposition ("Anna Smith, a spokeswoman for"),
an organisation's head word ("... Bank", "Ministry of ..."), an acronym defined in brackets
("the Institute for Energy Research (IER)"), a common given name opening two or more capitalised
words ("Paul Pogba"), or a verb of action right after two or more ("Kylian Mbappé scored"). The
cue decides PERSON or ORG.

All cues come from the knowledge-base automaton; the lower-case ones ("said", "striker", "a
spokesman for") are kept only when they stand beside a capitalised word that no linked name
covers, so that the rules read names around a few of them rather than around every "said".
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from operator import itemgetter
from typing import Callable

from .kb_index import Form
from .kb_vocabulary import Cues

_AFTER_KINDS = frozenset({"reporting-verb", "action-verb"})
_APPOSITION_KINDS = frozenset({"apposition", "org-apposition", "role"})

MAX_PERSON_WORDS = 4
MAX_ORG_WORDS = 7
ORG_CONNECTORS = frozenset({"of", "for", "and", "&", "the", "on", "de"})
_NAME_INNER = "'’-"
_OPENERS = ".!?\n\"“‘:;"
_POSSESSIVE = ("'s", "’s")
_CLAUSE_WORDS = frozenset({"and", "or", "but", "while", "who", "which", "when", "where", "as", "after", "before", "said"})
# Lower-case words that join or point rather than name: no part of a document's name after a place
# ("Paris and agreement" names no document)
_FUNCTION_WORDS = frozenset(
    "a an the and or but nor of to in on at by for from with as than that this these those which who is was are "
    "were be been has have had will would can could may might must should its his her their our new".split()
)
# Heads of a body named for its purpose, "to" and a capitalised verb after them: "International
# Campaign to Ban Landmines", "Committee to Protect Journalists"
_PURPOSE_HEADS = frozenset({"Campaign", "Coalition", "Committee", "Movement", "Fund", "Initiative", "Alliance"})
# Words that may open an apposition before its role: "Anna Smith, the ...", "..., his ..."
_DETERMINERS = frozenset({"a", "an", "the", "its", "his", "her", "their", "our"})


# A word from a position on: letters and digits, and ' ’ - between two of them (or before the
# first, as the regular-expression engine reads "each a letter or digit, or one of ' ’ - before
# one", spelled out so that it runs in C without a step per character).
_WORD = r"['’-]?[^\W_]+(?:['’-][^\W_]+)*"
_WORD_FROM = re.compile(f"(?:{_WORD})?")
_NO_CONNECTORS: frozenset[str] = frozenset()
_end = itemgetter(1)


def _word_end(text: str, i: int) -> int:
    # most words run to a space and are letters only: one scan in C (a line break is no letter)
    j = text.find(" ", i, i + 40)
    if j > i and text[i:j].isalnum():
        return j
    return _WORD_FROM.match(text, i).end()  # type: ignore[union-attr]  # matches the empty word too


def _word_start(text: str, i: int) -> int:
    # most words follow a space and are letters only: one scan in C (a line break is no letter)
    j = text.rfind(" ", 0, i) + 1
    if text[j:i].isalnum():
        return j
    while i > 0 and (text[i - 1].isalnum() or (text[i - 1] in _NAME_INNER and i > 1 and text[i - 2].isalnum())):
        i -= 1
    return i


_QUOTES = {'"': '"', "“": "”", "‘": "’"}
# A nickname in quotes inside a person's name, and the space after it: Jorge "Tuto" Quiroga.
NICKNAME = re.compile(r'(?:"[A-Z][\w\'’-]*(?: [A-Z][\w\'’-]*)?"|“[A-Z][\w\'’-]*(?: [A-Z][\w\'’-]*)?”|‘[A-Z][\w-]*(?: [A-Z][\w-]*)?’) ')
# An age in commas after a name, as news and sport write it: "Désiré Doué, 19, scored".
# (It opens with the comma, no look-behind, so that the engine scans for ", " at C speed.)
_AGE = re.compile(r", (\d{1,3}), (?=[a-z])")


def _nickname_end(text: str, i: int) -> int:
    """Where the name goes on after a nickname in quotes at `i` and a capitalised word follows; else 0."""
    match = NICKNAME.match(text, i)
    if match is None or not text[match.end() : match.end() + 1].isupper():
        return 0
    return match.end()


def _particle_name(word: str, particles: frozenset[str]) -> bool:
    """A name joined to its particle: "al-Jalali", "bin-Salman", "d'Estaing"."""
    head, dash, rest = word.partition("-")
    return bool(dash) and head in particles and rest[:1].isupper()


def _is_capitalised(word: str) -> bool:
    """"Smith", "McDonald", "NATO", "3M"; not "A", "smith" or "1990" (the test is inlined where it runs most)."""
    return len(word) > 1 and (word[0].isupper() or word.isupper())


def sentence_initial(text: str, start: int) -> bool:
    """True when nothing but spacing stands between `start` and the previous sentence end."""
    i = start
    while i > 0 and text[i - 1] in " \t":
        i -= 1
    return i == 0 or text[i - 1] in _OPENERS


class CueFinder:
    """Built once from the cue vocabulary; `find` runs per text."""

    def __init__(
        self,
        cues: Cues,
        phrases: dict[str, Form] | None = None,
        phrase_words: int = 1,
        known: Callable[[str], bool] | None = None,
        role_words: frozenset[str] = frozenset(),
        demonyms: frozenset[str] = frozenset(),
    ) -> None:
        self.cues = cues
        self.honorifics = frozenset(w for w in cues.person_titles if w[:1].isupper())
        # capitalised titles and offices, folded ("Leader", "Chair", "Secretary-General"): a name
        # read across one starts after it ("Senate Minority Leader Chuck Schumer said")
        self.offices = frozenset(
            w.split()[-1].casefold() for w in self.honorifics | {r for r in role_words if r[:1].isupper()}
        )
        # parties and nationalities before a name, no part of it ("Republican Jack Ciattarelli")
        self.qualifiers = cues.person_qualifiers | demonyms
        self.not_name = cues.name_stopwords | cues.org_suffixes
        self.phrases = phrases or {}
        self.phrase_words = phrase_words
        self.known = known or (lambda word: False)  # names the knowledge base links on their own
        # capitalised words that are no given name before a surname: titles, offices, stopwords
        self.not_given = self.not_name | cues.person_titles | role_words | cues.place_suffixes
        # Whether the words at a position, after a place, make a document's name of it: a document's
        # head ("Rome Statute", "Minsk agreements"), a capitalised word and a capitalised head ("Paris
        # Peace Accords", "Minsk II Protocol"), or a lower-case word that is no function word nor verb
        # and a lower-case head ("Paris climate agreement", not "Moscow signed agreements"); `match(text,
        # start)`, one anchored C match.
        heads = sorted(cues.document_heads, key=len, reverse=True)
        capitalised = [h for h in heads if h[:1].isupper()]
        lower = [h for h in heads if h[:1].islower()]
        not_named = _FUNCTION_WORDS | cues.verbs | cues.reporting_verbs | cues.action_verbs
        function_words = "|".join(sorted(map(re.escape, not_named), key=len, reverse=True))
        self.document_name_at = re.compile(
            rf"(?:{'|'.join(map(re.escape, heads))}|[A-Z][^\W_]*(?:[-'’][^\W_]+)* (?:{'|'.join(map(re.escape, capitalised))})"
            rf"|(?!(?:{function_words}) |[a-z]+ed )[a-z]+(?:-[a-z]+)? (?:{'|'.join(map(re.escape, lower))}))(?![^\W_])"
            if heads else r"(?!)"
        ).match
        # per lower-case phrase: (its cue kinds, role phrases also as "role"; an office; a name
        # before it counts; a name and a comma before it count)
        self.phrase_cues = {
            form: (
                form.cues + (("role",) if form.role else ()),
                form.role is not None,
                bool(_AFTER_KINDS.intersection(form.cues)),
                bool(form.role or _APPOSITION_KINDS.intersection(form.cues)),
            )
            for form in self.phrases.values()
        }

    # --- the words around a name --------------------------------------------------------------

    def _phrases_ending(self, text: str, end: int) -> list[tuple[int, Form]]:
        """Lower-case cue phrases that end at `end`, longest first: (start, form)."""
        words = text[max(0, end - 12 * self.phrase_words) : end].split(" ")[-self.phrase_words :]
        out = []
        for k in range(len(words), 0, -1):
            phrase = " ".join(words[-k:])
            form = self.phrases.get(phrase)
            start = end - len(phrase)
            if form is not None and (start == 0 or not text[start - 1].isalnum()):
                out.append((start, form))
        return out

    def role_before(self, text: str, start: int) -> str | None:
        """The kind of a lower-case office right before a name: "the foreign minister, Qin Gang"."""
        if text[start - 2 : start] == ", ":
            end = start - 2
        elif text[start - 1 : start] == " ":
            end = start - 1
        else:
            return None
        for _, form in self._phrases_ending(text, end):
            if form.role:
                return form.role
        return None

    def given_name_before(self, text: str, start: int) -> str | None:
        """The capitalised word right before `start` when it reads as a given name ("Daniil")."""
        if start < 3 or text[start - 1] != " ":
            return None
        # the word runs back over letters and - ' ’ . ; most often to the space before it
        word = text[text.rfind(" ", 0, start - 1) + 1 : start - 1]
        if not word.replace("-", "").isalpha():
            i = start - 1
            while i > 0 and (text[i - 1].isalpha() or text[i - 1] in "-'’."):
                i -= 1
            word = text[i : start - 1]
        if (
            len(word) < 2
            or not word[0].isupper()
            or not word[1:].replace("-", "").isalpha()
            or not any(map(str.islower, word))
            or word in self.not_given
            or self.known(word)
        ):
            return None
        return word

    def name_follows(self, text: str, end: int) -> bool:
        """Whether a capitalised word that could continue a name follows ("Lee Hsien Loong")."""
        if text[end : end + 1] != " ":
            return False
        j = _word_end(text, end + 1)
        word = text[end + 1 : j]
        return (
            len(word) >= 2
            and word[0].isupper()
            and any(c.islower() for c in word)
            and word not in self.not_given
            and not self.known(word)
        )

    def event_word_at(self, text: str, start: int) -> bool:
        """Whether the word at `start` heads an event's or a document's name ("Summit", "Treaty")."""
        return text[start : _word_end(text, start)] in self.cues.not_org_heads

    def name_end(self, text: str, start: int) -> int:
        """Where the capitalised words of a name from `start` end ("Wellington Koo said" ends after "Koo")."""
        return self.read_forward(text, start, _NO_CONNECTORS, MAX_PERSON_WORDS)[1]

    def phrase_hits(
        self, text: str, found: list[tuple[int, int, Form]], linked: list[tuple[int, int, bool]]
    ) -> list[tuple[int, int, str, str]]:
        """Cue hits of the lower-case phrases `found` that stand next to a capitalised word no
        linked span (start, end, ...) covers: (start, end, cue kind, cue text), role phrases as "role".
        """
        hits: list[tuple[int, int, str, str]] = []
        starts = {span[0] for span in linked}
        ends = {span[1] for span in linked}
        phrase_cues = self.phrase_cues
        for start, end, form in found:
            kinds, role, after_name, after_comma = phrase_cues[form]
            after = text[end : end + 3]
            if after[:1] == " ":
                keep = after[1:2].isupper() and end + 1 not in starts  # "said Anna Smith", "striker Kylian Mbappé"
            else:
                keep = role and after[:2] == ", " and after[2:].isupper() and end + 2 not in starts  # "the foreign minister, Qin Gang"
            if not keep and after_name and start >= 3 and text[start - 1] == " " and text[start - 2].isalpha():
                keep = start - 1 not in ends and text[_word_start(text, start - 1)].isupper()  # "Anna Smith said"
            if not keep and after_comma:
                comma = text.rfind(", ", max(0, start - 60), start)
                keep = comma > 0 and text[comma - 1].isalpha() and comma not in ends  # "Anna Smith, a spokeswoman"
            if keep:
                cue = text[start:end]
                hits += [(start, end, kind, cue) for kind in kinds]
        return hits

    # --- reading names around a cue ---------------------------------------------------------

    def read_forward(self, text: str, pos: int, connectors: frozenset[str], max_words: int) -> tuple[int, int, int]:
        """(start, end, words) of the capitalised words from `pos`; end == start when none."""
        particles = self.cues.name_particles
        n, i, words, end = len(text), pos, 0, pos
        while words < max_words and i < n:
            if words and text[i] in _QUOTES:  # a nickname in quotes: Jorge "Tuto" Quiroga
                after = _nickname_end(text, i)
                if after:
                    i = after
                    continue
                break
            if words and text[i].isupper() and text[i + 1 : i + 2] == ".":  # an initial: "John F. Kennedy"
                j = i + 2
                end, words = j, words + 1
            else:
                j = _word_end(text, i)
                if j == i:
                    break
                word = text[i:j]
                if word.endswith(_POSSESSIVE):
                    if _is_capitalised(word[:-2]):
                        end, words = j - 2, words + 1
                    break
                if (len(word) > 1 and (word[0].isupper() or word.isupper())) or (words and _particle_name(word, particles)):
                    end, words = j, words + 1
                elif not (words and (word in connectors or word in particles)):
                    break
            if j < n and text[j] == " ":
                i = j + 1
            else:
                break
        return pos, end, words

    def read_backward(self, text: str, end: int, connectors: frozenset[str], max_words: int) -> tuple[int, int, int]:
        """(start, end, words) of the capitalised words ending at `end`; start == end when none."""
        particles = self.cues.name_particles
        i, words, start = end, 0, end
        while words < max_words and i > 0:
            j = _word_start(text, i)
            if j == i:
                break
            word = text[j:i]
            if word.endswith(_POSSESSIVE):
                break
            if len(word) > 1 and (word[0].isupper() or word.isupper()):  # capitalised
                start, words = j, words + 1
            elif not (words and (word in connectors or word in particles)):
                break
            if j > 0 and text[j - 1] == " ":
                i = j - 1
            else:
                break
        return start, end, words

    def trim_start(self, text: str, start: int, end: int) -> tuple[int, int]:
        """Drop leading words that never start a name ("But", "The", "Monday"); count the rest."""
        words = text[start:end].split(" ")
        stopwords = self.cues.name_stopwords
        k = 0
        for word in words:
            if word in stopwords or not (len(word) > 1 and (word[0].isupper() or word.isupper())):
                start += len(word) + 1
                k += 1
            else:
                break
        return min(start, end), len(words) - k

    # --- the rules -------------------------------------------------------------------------------

    def find(
        self, text: str, cue_hits: list[tuple[int, int, str, str]], blocked: list[tuple[int, int, bool]]
    ) -> list[tuple[int, int, str]]:
        """(start, end, type) of every cued name in `text`.

        `cue_hits` are (start, end, cue kind, cue text) from the automaton, role phrases with the
        kind "role"; `blocked` are (start, end, may be inside an organisation's name) of the spans
        already linked, sorted: a person may not overlap them, an organisation may contain places
        and demonyms but not cut any.
        """
        found: dict[tuple[int, int], str] = {}
        for start, end, kind, cue in cue_hits:
            if kind in ("person-title", "role"):
                self._after_title(text, end, cue, kind, found)
            elif kind == "reporting-verb":
                self._around_verb(text, start, end, found)
            elif kind == "action-verb":
                self._before_verb(text, start, found)
            elif kind == "given-name":
                self._from_given_name(text, start, found)
            if kind in ("apposition", "role", "org-apposition") and text[end : end + 1] not in ("'", "’"):
                self._before_apposition(text, start, kind, found)  # "the company's founder": not the company
            elif kind == "org-suffix":
                self._org_ending_at(text, start, end, found)
            elif kind == "org-prefix":
                self._org_starting_at(text, start, end, found)
        self._defined_acronyms(text, found)
        self._before_ages(text, found)
        out = []
        for (start, end), type_ in sorted(found.items()):
            if type_ == "ORG":
                start = self._after_linked_names(text, start, end, blocked)
            if start < end and not _clashes(start, end, type_, blocked):
                out.append((start, end, type_))
        return _without_nested(out)

    def _after_linked_names(self, text: str, start: int, end: int, blocked: list[tuple[int, int, bool]]) -> int:
        """Where an organisation's name starts once names linked to a person or body are cut off.

        "Gazprom and China National Petroleum Corp." is two bodies; "Bank of England" is one.
        """
        for k in range(bisect_left(blocked, (start,)), len(blocked)):
            b_start, b_end, may_contain = blocked[k]
            if b_start >= end:
                break
            if start <= b_start and b_end < end and not may_contain:
                rest = text[b_end:end].split(" ")
                start = b_end
                while rest and not _is_capitalised(rest[0]):
                    start += len(rest.pop(0)) + 1
                if len(rest) < 2:
                    return end
        return start

    def _after_title(self, text: str, end: int, cue: str, kind: str, found: dict) -> None:
        if text[end : end + 1] == " ":
            pos = end + 1
        elif text[end : end + 2] == ", " and kind == "role":
            pos = end + 2
        else:
            return
        if not text[pos : pos + 1].isupper():
            return
        start, stop, words = self.read_forward(text, pos, _NO_CONNECTORS, MAX_PERSON_WORDS + 1)
        if not words:
            return
        names = text[start:stop].split(" ")
        k = 0
        while words and names[k] in self.honorifics:  # "minister Sheikh Abdullah"
            start += len(names[k]) + 1
            words -= 1
            k += 1
        if not words or names[k] in self.cues.name_stopwords:
            return
        if words == 1 and not (cue in self.honorifics and kind == "person-title" and text[start:stop] not in self.not_name):
            return
        if words == 1 and k == 0 and cue in self.cues.name_titles:
            start = end - len(cue)  # "Prince William" is the name news uses, not "William"
        if names[-1] in self.cues.org_suffixes:
            return
        found.setdefault((start, stop), "PERSON")
        if words >= 2 and text[stop : stop + 5] == " and ":  # "senators David Perdue and Kelly Loeffler"
            s, e, more = self.read_forward(text, stop + 5, _NO_CONNECTORS, MAX_PERSON_WORDS)
            if more >= 2 and not any(w in self.not_name for w in text[s:e].split(" ")):
                found.setdefault((s, e), "PERSON")

    def _around_verb(self, text: str, start: int, end: int, found: dict) -> None:
        if text[end : end + 1] == " " and text[end + 1 : end + 2].isupper():
            s, e, words = self.read_forward(text, end + 1, ORG_CONNECTORS, MAX_PERSON_WORDS)
            if words >= 2 and text[s:e].split(" ")[0] not in self.cues.name_stopwords:
                self._person_or_org(text, s, e, found)
        if start >= 2 and text[start - 1] == " " and text[_word_start(text, start - 1) : start].istitle():
            s, e, _ = self.read_backward(text, start - 1, _NO_CONNECTORS, MAX_PERSON_WORDS)
            s, words = self.trim_start(text, s, e)
            if words >= 2 and not _after_to(text, s):
                self._person_or_org(text, s, e, found)

    def _before_verb(self, text: str, start: int, found: dict) -> None:
        """"Kylian Mbappé scored": two or more capitalised words, not opening a sentence."""
        if start < 2 or text[start - 1] != " ":
            return
        s, e, _ = self.read_backward(text, start - 1, _NO_CONNECTORS, MAX_PERSON_WORDS)
        s, words = self.trim_start(text, s, e)
        if words >= 2 and not sentence_initial(text, s) and not _after_to(text, s):
            self._person_or_org(text, s, e, found, strict=True)

    def _before_ages(self, text: str, found: dict) -> None:
        """"Désiré Doué, 19, scored": two or more capitalised words before an age in commas."""
        for match in _AGE.finditer(text):
            if not 0 < int(match.group(1)) < 120 or not text[match.start() - 1].isalpha():
                continue
            s, e, _ = self.read_backward(text, match.start(), _NO_CONNECTORS, MAX_PERSON_WORDS)
            s, words = self.trim_start(text, s, e)
            if words >= 2:
                self._person_or_org(text, s, e, found, strict=True)

    def _from_given_name(self, text: str, start: int, found: dict) -> None:
        """"Paul Pogba": a common given name and one to three more capitalised words."""
        s, e, words = self.read_forward(text, start, _NO_CONNECTORS, MAX_PERSON_WORDS)
        if words >= 2:
            self._person_or_org(text, s, e, found, strict=True)

    def _person_or_org(self, text: str, start: int, end: int, found: dict, strict: bool = False) -> None:
        """An organisation when the last word is an organisation's, else a person: two or more
        words after any title, office, party or nationality before them, not ending in a number.

        `strict` (a weak cue): no word may be a known name or a place's word ("Paul Street").
        """
        words = text[start:end].split(" ")
        if words[-1] in self.cues.org_suffixes:
            if not all(w in self.cues.generic_org_words for w in words[:-1]):
                found.setdefault((start, end), "ORG")
            return
        k = self._name_offset(words)
        if not k and start >= 4 and text[start - 4 : start] in ("the ", "The "):
            return  # "in the Peace Palace, the court's president": an article opens no person's name
        if k:
            start += sum(map(len, words[:k])) + k
            words = words[k:]
            if len(words) < 2:
                return
        if words[-1] in self.cues.number_words or any(w in self.not_name for w in words):
            return
        if strict and any(w in self.cues.place_suffixes or w.isupper() for w in words):
            return
        found.setdefault((start, end), "PERSON")

    def with_place_of(self, text: str, start: int, end: int, blocked: list[tuple[int, int, bool]]) -> tuple[int, int, str]:
        """A person's name from `start` to `end`, past "of <Place>" after a saint's or royal's title
        when the place is no name linked on its own: the usual full name, without the title ("Saint
        Francis of Assisi" is Francis of Assisi; "King Abdullah of Jordan" is the king and Jordan)."""
        space = text.find(" ", start, end)
        if text[end : end + 4] != " of " or text[start:space] not in self.cues.name_titles:
            return (start, end, "PERSON")
        _, stop, words = self.read_forward(text, end + 4, _NO_CONNECTORS, 2)
        if not words or text[end + 4 : stop] in self.not_name:
            return (start, end, "PERSON")
        k = bisect_left(blocked, (end + 4,))
        if k < len(blocked) and blocked[k][0] < stop:
            return (start, end, "PERSON")
        return (space + 1, stop, "PERSON")

    def _name_offset(self, words: list[str]) -> int:
        """How many leading words are titles, offices, parties or nationalities, no part of the name
        after them ("Minority Leader Chuck Schumer", "Chair Jerome Powell", "Republican Jack Ciattarelli")."""
        k = 0
        offices = self.offices
        for i in range(len(words) - 1):  # the last word is the name's, whatever it is
            if words[i].casefold() in offices:
                k = i + 1
        qualifiers = self.qualifiers
        while k < len(words) - 1:
            if words[k] in qualifiers:
                k += 1
            elif k < len(words) - 2 and f"{words[k]} {words[k + 1]}" in qualifiers:  # "North Korean"
                k += 2
            else:
                break
        return k

    def _before_apposition(self, text: str, cue_start: int, kind: str, found: dict) -> None:
        """"Anna Smith, a spokeswoman for", "MTS, Russia's largest mobile operator"."""
        comma = text.rfind(", ", max(0, cue_start - 60), cue_start)
        if comma < 1:
            return
        word = _word_start(text, comma)
        if word == comma or not text[word].isupper():
            return
        between = text[comma + 2 : cue_start].split()
        if len(between) > 4 or any(w.endswith((",", ".", ";", ":")) or w in _CLAUSE_WORDS for w in between):
            return  # "since World War Two, and President ..." is no apposition
        if between and not (between[0] in _DETERMINERS or between[0][0].isupper() or between[0].endswith(_POSSESSIVE)):
            return  # the role comes right after the comma, an article, a possessive or a nationality: not "..., attended by"
        s, e, _ = self.read_backward(text, comma, _NO_CONNECTORS, MAX_PERSON_WORDS)
        s, words = self.trim_start(text, s, e)
        if kind == "org-apposition":
            if words >= 2 or (words == 1 and not sentence_initial(text, s) and text[s:e] not in self.not_name):
                found.setdefault((s, e), "ORG")
        elif words >= 2:
            self._person_or_org(text, s, e, found)

    def _org_ending_at(self, text: str, start: int, end: int, found: dict) -> None:
        if start < 2 or text[start - 1] != " ":
            return
        s, _, words = self.read_backward(text, start - 1, ORG_CONNECTORS, MAX_ORG_WORDS)
        if not words:
            return
        s, words = self._after_person_of(text, s, end, *self.trim_start(text, s, end))
        e = end
        if text[e : e + 4] in (" of ", " for"):
            _, tail, more = self.read_forward(text, e + 1, ORG_CONNECTORS, 3)
            if more:
                e = tail
        elif text[e : e + 4] == " to " and text[start:end] in _PURPOSE_HEADS and text[e + 4 : e + 5].isupper():
            verb = text[e + 4 : _word_end(text, e + 4)]
            _, tail, more = self.read_forward(text, e + 4, ORG_CONNECTORS, 4)
            if more >= 2 and not self.known(verb):  # "to Ban Landmines", not "to Moscow"
                e = tail
        names = text[s:end].split(" ")
        if words >= 2 and not all(w in self.cues.generic_org_words for w in names[:-1]):
            found[(s, e)] = "ORG"

    def _after_person_of(self, text: str, read: int, end: int, start: int, words: int) -> tuple[int, int]:
        """"Analyst Dan Ives of Wedbush Securities": a person before "of" is no part of the body's name.

        `read` is where the capitalised run began, before `trim_start` dropped titles and stopwords.
        """
        cut = text.rfind(" of ", start, end)
        if cut < 0:
            return start, words
        before = text[read:cut].split(" ")
        if not any(w in self.cues.given_names or w in self.honorifics for w in before):
            return start, words
        start = cut + 4
        return start, len(text[start:end].split(" "))

    def _org_starting_at(self, text: str, start: int, end: int, found: dict) -> None:
        if text[end : end + 1] != " " or not (start == 0 or not text[start - 1].isalnum()):
            return
        _, e, words = self.read_forward(text, end + 1, ORG_CONNECTORS, MAX_ORG_WORDS - 2)
        if not words:
            return
        cut = text.find(" and the ", end, e)  # "the University of X and the Bank of Y" are two bodies
        if cut > 0:
            e = cut
        if start >= 2 and text[start - 1] == " ":  # "Central University of ...", "National Bank of ..."
            before = _word_start(text, start - 1)
            if text[before:start - 1] in self.cues.generic_org_words and text[before].isupper():
                start = before
        found[(start, e)] = "ORG"

    def _defined_acronyms(self, text: str, found: dict) -> None:
        i = text.find(" (")
        while i >= 0:
            close = text.find(")", i + 2, i + 14)
            acronym = text[i + 2 : close] if close > 0 else ""
            letters = [c for c in acronym if c.isupper()]
            if len(letters) >= 2 and acronym[:1].isupper() and acronym.replace("&", "").replace("-", "").isalnum():
                self._acronym_long_form(text, i, acronym, letters, found)
            i = text.find(" (", i + 2)

    def _acronym_long_form(self, text: str, end: int, acronym: str, letters: list[str], found: dict) -> None:
        s, _, words = self.read_backward(text, end, ORG_CONNECTORS | {"in", "to"}, MAX_ORG_WORDS)
        if words < len(letters):
            return
        spans, pos = [], s
        for word in text[s:end].split(" "):
            if _is_capitalised(word):
                spans.append(pos)
            pos += len(word) + 1
        first = spans[-len(letters)]
        initials = [text[p] for p in spans[-len(letters) :]]
        if initials != letters or text[first:end].split(" ")[-1] in self.cues.not_org_heads:
            return
        found[(first, end)] = "ORG"
        found[(end + 2, end + 2 + len(acronym))] = "ORG"


def _after_to(text: str, start: int) -> bool:
    """Whether the words from `start` follow "to": the object of "to", or a verb after it ("the
    Campaign to Ban Landmines said"), is never the subject of the verb after them."""
    return text[start - 4 : start] in (" to ", "\nto ") or (start == 3 and text[:3] == "to ")


def _clashes(start: int, end: int, type_: str, blocked: list[tuple[int, int, bool]]) -> bool:
    """Whether the cued name [start, end) clashes with a linked span: a person may overlap none, an
    organisation may contain some but neither cut nor equal one. `blocked` do not overlap, so their
    ends come in order too, and the search starts at the first that ends after `start`."""
    for k in range(bisect_right(blocked, start, key=_end), len(blocked)):
        b_start, b_end, _ = blocked[k]
        if b_start >= end:
            break
        if type_ == "PERSON" or not (start <= b_start and b_end <= end) or (start, end) == (b_start, b_end):
            return True
    return False


def _without_nested(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Keep the longest of overlapping spans."""
    ordered = sorted(spans)
    if all(ordered[k - 1][1] <= ordered[k][0] for k in range(1, len(ordered))):
        return ordered  # none overlaps another (the common case)
    kept: list[tuple[int, int, str]] = []
    for span in sorted(spans, key=lambda s: (s[0] - s[1], s[0])):
        if all(span[1] <= k[0] or k[1] <= span[0] for k in kept):
            kept.append(span)
    return sorted(kept)
