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

# Speed: the text is searched with patterns that start with one literal character, which the
# regex engine skips to with a plain loop; a pattern starting with a class, an alternation or a
# repeat (write `\.\.*`, not `\.+`) is tried at every position instead, about ten times slower. The search runs on a copy
# of the text with the same length in which every line break is "\n", "!" and "?" are ".", and
# "！" and "？" are "。": offsets and whitespace are those of the text, and each run of terminal
# marks is found by one literal. Which mark it was is read back from the text itself.
_SCAN_REPLACEMENTS = (
    ("\r", "\n"),
    ("\u2028", "\n"),
    ("\u2029", "\n"),
    ("!", "."),
    ("?", "."),
    ("！", "。"),
    ("？", "。"),
)

_CLOSERS = r"[\"'”’»)\]]"
_OPENERS = "\"'“‘«([¿¡"
# A candidate boundary, groups: 1 the terminal marks with their closers, 2 the whitespace up to the
# next sentence within the line, 3 that sentence's first character after opening quotes, when it
# may be a capital or a digit (ASCII letters and digits are decided here; others in Python).
_NEXT = r"([^\S\n]+)(?=[" + re.escape(_OPENERS) + r"]*([^\W_a-z]))"
_MARK_RUN = re.compile(r"(\.\.*" + _CLOSERS + "*)" + _NEXT)
_ELLIPSIS = re.compile(r"(…" + _CLOSERS + "*)" + _NEXT)
# A CJK stop ends the sentence whatever follows.
_CJK_STOP = re.compile(r"(。。*[\"'”’」』)]*)")

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


def _word_after(text: str, pos: int) -> str:
    end = pos
    while end < len(text) and (text[end].isalpha() or text[end] == "'"):
        end += 1
    return text[pos:end]


def _ends_sentence(text: str, match: re.Match, sentence_start: int) -> bool:
    """Whether a candidate of `_MARK_RUN` or `_ELLIPSIS` (in the line of `sentence_start`) is a boundary."""
    first = match[3]
    if not (first.isascii() or first.isdigit() or (first.isalpha() and not first.islower())):
        return False
    dot = match.start()
    if text[dot] != "." or text[dot + 1] == ".":
        return True  # "!", "?", "…" or an ellipsis of dots
    head = text[sentence_start:dot]
    if not head or head[-1].isspace():
        return True  # a stray dot: no word before it
    # The token before the dot (the line and the sentence both start after whitespace).
    word = head.rsplit(None, 1)[-1].lstrip(_OPENERS)
    if word.isdigit() and not head[: len(head) - len(word)].strip():
        return False  # "1. China": the number of a list item
    key = word.lower()
    if key in _TITLES:
        return False
    if key in _ABBREVIATIONS or _INITIALISM.match(word):
        return _word_after(text, match.start(3)).lower() in _STARTERS
    return True


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return (start, end) character offsets of each sentence in `text`, in order, whitespace trimmed."""
    scan = text
    for mark, replacement in _SCAN_REPLACEMENTS:
        scan = scan.replace(mark, replacement)
    candidates = list(_MARK_RUN.finditer(scan))
    if "…" in scan or "。" in scan:
        candidates += _ELLIPSIS.finditer(scan)
        candidates += _CJK_STOP.finditer(scan)
        candidates.sort(key=re.Match.start)

    spans: list[tuple[int, int]] = []
    start = 0  # of the current sentence; whitespace may follow a line break or a CJK stop
    for match in candidates:
        dot = match.start()
        newline = scan.rfind("\n", start, dot)
        if newline >= 0:
            _add_lines(scan, start, newline, spans)
            start = newline + 1
        if match.re is _CJK_STOP or _ends_sentence(text, match, start):
            end = match.end(1)
            if scan[start].isspace():
                start = end - len(scan[start:end].lstrip())
            spans.append((start, end))
            start = match.end()
    _add_lines(scan, start, len(scan), spans)
    return spans


def _add_lines(scan: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    """Add the trimmed, non-blank lines of scan[start:end]."""
    for line in scan[start:end].split("\n"):
        rest = line.lstrip()
        if rest:
            first = start + len(line) - len(rest)
            spans.append((first, first + len(rest.rstrip())))
        start += len(line) + 1
