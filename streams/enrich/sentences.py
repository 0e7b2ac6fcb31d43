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

# Speed: the text is searched with patterns that start with one literal character, which the
# regex engine skips to with a plain loop; a pattern starting with a class, an alternation or a
# repeat (write `\.\.*`, not `\.+`) is tried at every position instead, about ten times slower.
# The search runs on a copy of the text of the same length in which every line break is "\n",
# "!" and "?" are ".", and "！" and "？" are "。": offsets and whitespace are those of the text,
# and each run of terminal marks is found by one literal. Which mark it was is read from the text.
_SCAN_REPLACEMENTS = (
    ("\r", "\n"),
    ("\u2028", "\n"),
    ("\u2029", "\n"),
    ("!", "."),
    ("?", "."),
    ("！", "。"),
    ("？", "。"),
)
# A non-blank line of the scan copy, trimmed, as group 1 (which misses at the end of a blank tail).
_FIRST_LINE = re.compile(r"\s*([^\n]*\S)?")
_NEXT_LINE = re.compile(r"\n\s*([^\n]*\S)?")

_OPENERS = "\"'“‘«([¿¡"
_CLOSERS = r"[\"'”’»)\]]*"
# After terminal marks and their closers: whitespace within the line, opening quotes, then the
# first character of the next sentence (group "first"): an ASCII capital or digit, or any other
# letter or digit, which Python checks.
_NEXT = r"[^\S\n]+(?=[" + re.escape(_OPENERS) + r"]*(?P<first>[^\W_a-z]))"
# A word ending in this many ASCII letters is longer than any title or abbreviation, and is no
# initialism or list number.
_PLAIN_LENGTH = max(len(word) for word in _TITLES | _ABBREVIATIONS) + 1
# Candidate boundaries: terminal marks where the next character allows a boundary; the words
# around them are judged in `_ends_sentence`. Group "mark" is the marks with their closers, and the
# match ends where the next sentence starts. Group "plain" is set when such a word precedes a dot.
_MARK_RUN = re.compile(
    r"(?P<mark>\.(?:(?<=[A-Za-z]{%d}\.)(?P<plain>))?\.*%s)%s" % (_PLAIN_LENGTH, _CLOSERS, _NEXT)
)
_ELLIPSIS = re.compile(r"(?P<mark>…%s)%s" % (_CLOSERS, _NEXT))
# A CJK stop ends the sentence whatever follows.
_CJK_STOP = re.compile(r"(?P<mark>。。*[\"'”’」』)]*)")


def _word_after(text: str, pos: int) -> str:
    """The letters and apostrophes from `pos` on (a line break stops it like any other non-letter)."""
    end = pos
    while end < len(text) and (text[end].isalpha() or text[end] == "'"):
        end += 1
    return text[pos:end]


def _ends_sentence(text: str, match: re.Match, sentence_start: int) -> bool:
    """Whether a candidate of `_MARK_RUN` or `_ELLIPSIS`, in the sentence from `sentence_start`, ends it."""
    first = match["first"]
    if not (first.isascii() or first.isdigit() or (first.isalpha() and not first.islower())):
        return False  # a lower-case letter, or a number that is no digit
    dot = match.start()
    if text[dot] != "." or text[dot + 1] == "." or match["plain"] is not None:
        return True  # "!", "?", "…", an ellipsis of dots, or a dot after a plain word
    head = text[sentence_start:dot]
    if not head or head[-1].isspace():
        return True  # a stray dot: no word before it
    # The token before the dot (a sentence starts after whitespace or a CJK stop).
    word = head.rsplit(None, 1)[-1].lstrip(_OPENERS)
    if word.isdigit() and not head[: len(head) - len(word)].strip():
        return False  # "1. China": the number of a list item
    key = word.lower()
    if key in _TITLES:
        return False
    if key in _ABBREVIATIONS or _INITIALISM.match(word):
        return _word_after(text, match.start("first")).lower() in _STARTERS
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
    taken = 0  # candidates before this one lie in earlier lines
    first_line = _FIRST_LINE.match(scan)
    for line in (first_line, *_NEXT_LINE.finditer(scan, first_line.end())):
        start, end = line.span(1)  # (-1, -1) for a blank tail
        while taken < len(candidates) and candidates[taken].start() < end:
            match = candidates[taken]
            taken += 1
            if match.re is _CJK_STOP:
                spans.append((start, match.end()))
                start = match.end()
                if start < end:  # whatever follows the stop on this line, trimmed
                    start = end - len(scan[start:end].lstrip())
            elif _ends_sentence(text, match, start):
                spans.append((start, match.end("mark")))
                start = match.end()
        if start < end:
            spans.append((start, end))
    return spans
