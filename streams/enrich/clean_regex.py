"""What a compiled regex can start with: the characters, or the texts, a match begins with.

The boilerplate patterns are anchored at the start of a line, so a line that begins with none of
what a pattern can begin with needs that pattern not tried. The answer is read from the regex's
parse tree and errs on the safe side: None (anything) whenever a construct is not understood.
"""

from __future__ import annotations

import re
from functools import cache
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from string import ascii_letters

# Character ranges wider than this are not spelled out: the pattern counts as starting with anything.
_MAX_RANGE = 512
# Start texts are cut short (which only lets more lines through) past this length or number.
_MAX_TEXTS = 256
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT))
_ZERO_WIDTH = (sre.AT, sre.ASSERT, sre.ASSERT_NOT)
_DIGITS = frozenset("0123456789")
_SPACES = frozenset(" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f")


@cache
def basic_plane() -> str:
    """Every character of Unicode's Basic Multilingual Plane (U+0000 to U+FFFF), in order."""
    return "".join(map(chr, range(0x10000)))


def characters_matching(regex: re.Pattern[str]) -> list[str]:
    """The characters of the Basic Multilingual Plane that `regex` matches on their own, in order."""
    return regex.findall(basic_plane())


@cache
def ascii_twins() -> frozenset[str]:
    """Characters outside ASCII that a case-blind regex takes for an ASCII letter: 'ſ' for 's',
    the Kelvin sign for 'k', 'İ' and 'ı' for 'i'. (None lies beyond the Basic Multilingual Plane.)"""
    return frozenset(characters_matching(re.compile("[a-z]", re.IGNORECASE))) - frozenset(ascii_letters)


def first_characters(regex: re.Pattern[str]) -> frozenset[str] | None:
    """Lower-cased characters any non-empty match of `regex` starts with, or None when unknown."""
    found = start_texts(regex, 1)
    if found is None or found[1]:
        return None
    return frozenset(text[0] for text in found[0])


def start_texts(regex: re.Pattern[str], longest: int) -> tuple[frozenset[str], bool] | None:
    """(texts, others): every non-empty match of `regex` starts with one of `texts` (lower-cased,
    each at most `longest` characters; the match may have them in any case) or, when `others`, with
    a character outside ASCII (a `\\d` or `\\s` at the start). None when it may start with anything."""
    try:
        parsed = sre_parse.parse(regex.pattern, regex.flags)
    except (re.error, TypeError, ValueError, RecursionError):
        return None
    walk = _Walk(longest)
    try:
        texts = walk.sequence(list(parsed), {""}) | walk.closed
    except RecursionError:
        return None
    if walk.unknown or "" in texts:
        return None
    return frozenset(texts), walk.others


class _Walk:
    """Follows a parse tree from its start, extending the texts a match may begin with ('open')
    until a construct ends them ('closed': a match begins with the text, whatever follows)."""

    def __init__(self, longest: int) -> None:
        self.longest = longest
        self.closed: set[str] = set()
        self.others = False  # a match may start with a character outside ASCII
        self.unknown = False  # a match may start with anything

    def sequence(self, items: list, open_: set[str]) -> set[str]:
        for op, av in items:
            if not open_:
                break
            open_ = self.item(op, av, open_)
        return open_

    def item(self, op, av, open_: set[str]) -> set[str]:
        if op is sre.LITERAL:
            return self.extend(open_, {chr(av)}, False)
        if op is sre.IN:
            chars, others = _charset(av)
            return self.extend(open_, chars, others)
        if op is sre.BRANCH:
            return set().union(*(self.sequence(list(branch), open_) for branch in av[1]))
        if op is sre.SUBPATTERN:
            return self.sequence(list(av[3]), open_)
        if op is sre.ATOMIC_GROUP:
            return self.sequence(list(av), open_)
        if op in _REPEATS:
            low, high, body = av
            once = self.sequence(list(body), open_)
            if low == high == 1:
                return once
            if high == 1:  # optional: the texts go on with or without it
                return open_ | once
            self.closed |= once  # what follows one repetition may be another
            return set(open_) if low == 0 else set()
        if op in _ZERO_WIDTH:
            return open_
        return self.extend(open_, None, False)  # any character, categories, group references

    def extend(self, open_: set[str], chars: set[str] | None, others: bool) -> set[str]:
        """The open texts followed by one of `chars` (None: any character)."""
        if "" in open_:
            self.unknown = self.unknown or chars is None
            self.others = self.others or others
        if chars is None or others:
            self.closed |= open_ - {""}
        if chars is None:
            return set()
        extended = {text + c.lower() for text in open_ for c in chars}
        if len(extended) > _MAX_TEXTS and "" not in open_:
            self.closed |= open_
            return set()
        done = {text for text in extended if len(text) >= self.longest}
        self.closed |= done
        return extended - done


def _charset(items) -> tuple[set[str] | None, bool]:
    """(characters, whether others outside ASCII belong too) of a character class; None: unknown."""
    chars: set[str] = set()
    others = False
    for op, av in items:
        if op is sre.LITERAL:
            chars.add(chr(av))
        elif op is sre.RANGE and av[1] - av[0] < _MAX_RANGE:
            chars.update(chr(c) for c in range(av[0], av[1] + 1))
        elif op is sre.CATEGORY and av in (sre.CATEGORY_DIGIT, sre.CATEGORY_SPACE):
            chars |= _DIGITS if av is sre.CATEGORY_DIGIT else _SPACES
            others = True
        else:  # negation, other categories (\w), wide ranges
            return None, False
    return chars, others
