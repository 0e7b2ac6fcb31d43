"""Sentence segmentation for news text: (start, end) offsets into the original string.

Tag rules look for co-occurrence within a sentence, so a boundary in the wrong place (after
"U.S." or "Gen.") splits evidence apart, and a missed one glues two stories together. Rules:

- a line break always ends a sentence (headlines, list items, bylines and paragraphs are lines);
- otherwise a sentence ends at `.`, `!`, `?`, an ellipsis or a CJK stop, together with any closing
  quotes or brackets right after it, when whitespace and then a capital, a digit or an opening
  quote follows ("He said: "We will win." Then..." splits; "...win?" he asked" does not);
- after a title ("Mr.", "Gen.") never; after an initial, an initialism or another abbreviation
  ("J. R. R.", "U.S.", "Jan.", "No. 10", "Inc.") only when the next word usually starts a
  sentence ("The", "It", "But", ...);
- decimals ("3.5") and datelines ("KYIV, March 3 (Reuters) -") have no boundary to find.
"""

from __future__ import annotations

import re

# Terminal punctuation, then the closing quotes/brackets that belong to the same sentence.
_TERMINAL = re.compile(r"(?:\.{2,}|…|[.!?]+)[\"'”’»)\]]*(?=\s)|[。！？]+[\"'”’」』)]*")
_LINE = re.compile(r"[^\n\r\u2028\u2029]+")
_OPENERS = "\"'“‘«([¿¡"

# Titles before a name: the period never ends the sentence.
_TITLES = frozenset(
    """mr mrs ms messrs mme dr prof gen lt col maj capt cpt sgt cpl pte adm cmdr cdr brig
    gov sen rep rev hon pres amb supt insp det fr sr jr st mt ft""".split()
)
# Abbreviations that usually sit inside a sentence but may end one.
_ABBREVIATIONS = frozenset(
    """no nos art vol vols pp p fig ch sec para op jan feb mar apr jun jul aug sep sept oct nov
    dec mon tue tues wed thu thur thurs fri sat sun inc corp ltd co plc bros llc dept univ est
    approx etc vs v al cf ca e.g i.e a.m p.m""".split()
)
# Words that usually open a sentence: after an abbreviation they signal a boundary.
_STARTERS = frozenset(
    """the a an it its he she they we i you his her their our this that these those there
    but and or so yet still however meanwhile in on at for from after before when while if
    as according earlier later last next some many most one two officials both""".split()
)
_INITIALISM = re.compile(r"(?:[A-Za-z]\.)*[A-Za-z]$")


def _word_before(text: str, dot: int, line_start: int) -> str:
    """The token ending at `dot` (exclusive), without leading punctuation."""
    start = dot
    while start > line_start and not text[start - 1].isspace():
        start -= 1
    return text[start:dot].lstrip(_OPENERS)


def _word_after(text: str, pos: int, line_end: int) -> str:
    end = pos
    while end < line_end and (text[end].isalpha() or text[end] == "'"):
        end += 1
    return text[pos:end]


def _ends_sentence(text: str, match: re.Match, sentence_start: int, line_end: int) -> bool:
    punct = match.group()
    after = match.end()
    if punct[0] in "。！？":
        return True
    nxt = after
    while nxt < line_end and text[nxt].isspace():
        nxt += 1
    while nxt < line_end and text[nxt] in _OPENERS:
        nxt += 1
    if nxt >= line_end:
        return False  # the line end is a boundary anyway
    first = text[nxt]
    if not (first.isdigit() or (first.isalpha() and not first.islower())):
        return False
    if punct[0] != "." or punct.startswith(".."):
        return True
    word = _word_before(text, match.start(), sentence_start)
    if word.isdigit() and not text[sentence_start : match.start() - len(word)].strip():
        return False  # "1. China": the number of a list item
    key = word.lower()
    if key in _TITLES:
        return False
    if key in _ABBREVIATIONS or _INITIALISM.match(word):
        return _word_after(text, nxt, line_end).lower() in _STARTERS
    return True


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return (start, end) character offsets of each sentence in `text`, in order, whitespace trimmed."""
    spans: list[tuple[int, int]] = []
    for line in _LINE.finditer(text):
        line_start, line_end = line.span()
        start = line_start
        for match in _TERMINAL.finditer(text, line_start, line_end):
            if _ends_sentence(text, match, start, line_end):
                _add_trimmed(text, start, match.end(), spans)
                start = match.end()
        _add_trimmed(text, start, line_end, spans)
    return spans


def _add_trimmed(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        spans.append((start, end))
