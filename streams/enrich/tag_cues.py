"""Keyword and phrase cues for tag rules: simple morphology, and one automaton for every term.

Taxonomy terms are written in their base form ("sanction", "joint exercise"); `inflections` adds
the regular forms of the last word ("sanctions", "sanctioned", "sanctioning"; a model number's
plural, "F-16s"), so the data file
stays short and readable. A term written `=term` matches only as written; `stem*` matches any
word starting with the stem. `CueMatcher` compiles all terms of a taxonomy into one Aho-Corasick
automaton at load time (the contiguous NFA of `ahocorasick-rs`: compact, so that it stays in the
CPU caches beside the entity stage, and faster there than pyahocorasick or a DFA); per article it
makes one pass over the lower-cased title and one over the body.

Word boundaries are part of the automaton's keys: the text is matched with every character that
is not a letter or digit turned into a space (same length, same offsets), and a term is stored as
" term " (or " stem" for `stem*`) with its own punctuation turned into spaces alike. So "aid"
never stops inside "said", and no hit needs checking afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable

import ahocorasick_rs

# Typographic variants folded one-for-one, so offsets in the folded text equal offsets in the original.
_FOLD = (("’", "'"), ("‘", "'"), ("‛", "'"), ("–", "-"), ("—", "-"), ("‑", "-"), ("‐", "-"), ("\u00a0", " "))
# ASCII text (most English news once quotes and dashes are folded) goes through a byte table in C.
_ASCII_WORD_CHARS = set(b"abcdefghijklmnopqrstuvwxyz0123456789")
_ASCII_BLANKS = bytes(c if c in _ASCII_WORD_CHARS else 32 for c in range(256))
# Lower-casing and blanking at once, for ASCII text: none of the `_FOLD` variants is ASCII.
_ASCII_LOWER_BLANKS = bytes(c | 32 if 65 <= c <= 90 else c if c in _ASCII_WORD_CHARS else 32 for c in range(256))
# Other text, matched against keys that are all ASCII: a letter or digit beyond ASCII can be in no
# key, and "\x01" (no letter, so blanked in any key) stands in for it. The text is then ASCII.
_STAND_IN = "\x01"
_ASCII_LOWER_BLANKS_BUT_STAND_IN = _ASCII_LOWER_BLANKS[:1] + b"\x01" + _ASCII_LOWER_BLANKS[2:]
_ASCII = bytes(range(128))
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
    if word[-1:].isdigit() and not word.isdigit():
        forms.add(word + "s")  # a model number's plural: "F-16s", "S-400s"
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
    """All cue terms of a taxonomy in one automaton; `find(text)` gives every whole-word hit."""

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
        # Per key, in the automaton's order: ((group index, weight), ...). One surface form may serve
        # several groups ("sanctions" is a sanction and a relation cue).
        self.values = [_strongest_per_group(values) for values in entries.values()]
        self._automaton = (
            ahocorasick_rs.AhoCorasick(list(entries), implementation=ahocorasick_rs.Implementation.ContiguousNFA) if entries else None
        )
        self._ascii_keys = all(key.isascii() for key in entries)

    def find(self, text: str) -> list[tuple[int, int, int]]:
        """Every whole-word hit as (key index, start, end), in order of the end; `values[key]` says
        which groups it serves."""
        if self._automaton is None or not text:
            return []
        # A key's leading space sits one before the word: in the padded text, that is the word's
        # own offset in the original.
        if text.isascii():  # fold + blank_punctuation in one pass of a byte table
            padded = f" {text} ".encode("ascii").translate(_ASCII_LOWER_BLANKS).decode("ascii")
        elif self._ascii_keys:
            padded = f" {_as_ascii(text)} ".encode("ascii").translate(_ASCII_LOWER_BLANKS_BUT_STAND_IN).decode("ascii")
        else:
            padded = f" {blank_punctuation(fold(text))} "
        return self._automaton.find_matches_as_indexes(padded, overlapping=True)


def _as_ascii(text: str) -> str:
    """`text` with each character beyond ASCII folded (quotes, dashes, "İ"), else replaced by
    `_STAND_IN` if it is a letter or digit and by a space if not; the length does not change.

    A story holds a handful of such characters: one str.replace (in C) for each, instead of one
    for each punctuation mark as blank_punctuation does.
    """
    if _STAND_IN in text:
        text = text.replace(_STAND_IN, " ")  # not a letter or digit: blanked, as blank_punctuation would
    # The characters beyond ASCII, found by dropping the ASCII bytes of the UTF-8 encoding.
    for c in set(text.encode("utf-8").translate(None, _ASCII).decode("utf-8")):
        folded = fold(c)
        text = text.replace(c, folded if folded.isascii() else _STAND_IN if folded.isalnum() else " ")
    return text


def _strongest_per_group(values: list[tuple[int, float]]) -> tuple[tuple[int, float], ...]:
    # Two terms of one group may share a surface form ("sanction" and "sanctions"): keep one hit.
    best: dict[int, float] = {}
    for group, weight in values:
        best[group] = max(weight, best.get(group, 0.0))
    return tuple(best.items())
