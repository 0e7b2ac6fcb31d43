"""Keyword and phrase cues for tag rules: simple morphology, and one automaton for every term.

Taxonomy terms are written in their base form ("sanction", "joint exercise"); `inflections` adds
the regular forms of the last word ("sanctions", "sanctioned", "sanctioning"), so the data file
stays short and readable. A term written `=term` matches only as written; `stem*` matches any
word starting with the stem. `CueMatcher` compiles all terms of a taxonomy into one Aho-Corasick
automaton at load time; per article it makes one pass over the lower-cased title and body.

Word boundaries are part of the automaton's keys: the text is matched with every character that
is not a letter or digit turned into a space (same length, same offsets), and a term is stored as
" term " (or " stem" for `stem*`) with its own punctuation turned into spaces alike. So "aid"
never stops inside "said", and no hit needs checking afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable

import ahocorasick

# Typographic variants folded one-for-one, so offsets in the folded text equal offsets in the original.
_FOLD = (("’", "'"), ("‘", "'"), ("‛", "'"), ("–", "-"), ("—", "-"), ("‑", "-"), ("‐", "-"), ("\u00a0", " "))
# ASCII text (most English news once quotes and dashes are folded) goes through a byte table in C.
_ASCII_WORD_CHARS = set(b"abcdefghijklmnopqrstuvwxyz0123456789")
_ASCII_BLANKS = bytes(c if c in _ASCII_WORD_CHARS else 32 for c in range(256))
# Lower-casing and blanking at once, for ASCII text: none of the `_FOLD` variants is ASCII.
_ASCII_LOWER_BLANKS = bytes(c | 32 if 65 <= c <= 90 else c if c in _ASCII_WORD_CHARS else 32 for c in range(256))
_VOWELS = set("aeiou")
_SIBILANT_ENDINGS = ("s", "x", "z", "ch", "sh")


def fold(text: str) -> str:
    """Lower-case and fold quotes and dashes without changing the length of the string."""
    lowered = text.lower()
    if len(lowered) != len(text):  # "İ" lower-cases to two characters: take it as "I"
        lowered = text.replace("\u0130", "I").lower()
        if len(lowered) != len(text):
            lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    for variant, plain in _FOLD:  # str.replace runs in C; str.translate with a table is ~10x slower
        if variant in lowered:
            lowered = lowered.replace(variant, plain)
    return lowered


def blank_punctuation(folded: str) -> str:
    """Every character that is not a letter or digit becomes a space; the length does not change."""
    if folded.isascii():
        return folded.encode("ascii").translate(_ASCII_BLANKS).decode("ascii")
    # One str.replace (in C) per distinct character that is not a letter or digit: a story uses a
    # score of them, and this is several times faster than a regular-expression substitution.
    # `c.isalnum()` is the test `[\W_]` makes (underscore aside, which is not alphanumeric).
    for c in set(folded):
        if c != " " and not c.isalnum():
            folded = folded.replace(c, " ")
    return folded


def _word_forms(word: str) -> set[str]:
    forms = {word}
    if not word.isalpha() or len(word) < 3:
        return forms
    if word.endswith("y") and word[-2] not in _VOWELS:
        forms |= {word[:-1] + "ies", word[:-1] + "ied", word + "ing"}
    elif word.endswith("e"):
        forms |= {word + "s", word + "d", word[:-1] + "ing"}
    elif word.endswith(_SIBILANT_ENDINGS):
        forms |= {word + "es", word + "ed", word + "ing"}
    else:
        forms |= {word + "s", word + "ed", word + "ing"}
    return forms


def normalise_term(term: str) -> str:
    return " ".join(fold(term).split())


def inflections(term: str) -> tuple[set[str], bool]:
    """The surface forms a term matches, and whether they match as word prefixes (`stem*`)."""
    term = normalise_term(term)
    if term.startswith("="):
        return {term[1:].strip()}, False
    if term.endswith("*"):
        return {term[:-1].rstrip()}, True
    head, _, last = term.rpartition(" ")
    return {f"{head} {form}" if head else form for form in _word_forms(last)}, False


class CueMatcher:
    """All cue terms of a taxonomy in one automaton; `find(text)` yields every whole-word hit."""

    def __init__(self, terms: Iterable[tuple[str, int, float]]) -> None:
        """`terms`: (term as written in the data file, group index, weight)."""
        entries: dict[str, list[tuple[int, float]]] = {}
        for term, group, weight in terms:
            forms, prefix = inflections(term)
            for form in forms:
                key = blank_punctuation(form).strip()
                if key:
                    key = f" {key}" if prefix else f" {key} "
                    entries.setdefault(key, []).append((group, weight))
        self._automaton = ahocorasick.Automaton()
        for key, values in entries.items():
            # The key's leading space sits one before the word; in the padded text that is the
            # word's own offset in the original.
            self._automaton.add_word(key, (len(key) - 1, _strongest_per_group(values)))
        self._empty = not entries
        if entries:
            self._automaton.make_automaton()

    def find(self, text: str) -> list[tuple[int, tuple[tuple[int, float], ...]]]:
        """Every whole-word hit as (start offset, ((group index, weight), ...)), in order of the hit's end.

        One surface form may serve several groups ("sanctions" is a sanction and a relation cue):
        they come together, so that a caller places the hit in its sentence once.
        """
        if self._empty or not text:
            return []
        padded = f" {blank_punctuation(fold(text))} "
        return [(last - span, values) for last, (span, values) in self._automaton.iter(padded)]

    def hits(self, text: str) -> Iterable[tuple[int, tuple[int, tuple[tuple[int, float], ...]]]]:
        """`find` without the list: every hit as (offset of its last character, (length, values)),
        in order of that offset; the hit starts at offset - length. For callers in a hot loop."""
        if self._empty or not text:
            return ()
        if text.isascii():  # fold + blank_punctuation in one pass of a byte table
            return self._automaton.iter(f" {text.encode('ascii').translate(_ASCII_LOWER_BLANKS).decode('ascii')} ")
        return self._automaton.iter(f" {blank_punctuation(fold(text))} ")


def _strongest_per_group(values: list[tuple[int, float]]) -> tuple[tuple[int, float], ...]:
    # Two terms of one group may share a surface form ("sanction" and "sanctions"): keep one hit.
    best: dict[int, float] = {}
    for group, weight in values:
        best[group] = max(weight, best.get(group, 0.0))
    return tuple(best.items())
