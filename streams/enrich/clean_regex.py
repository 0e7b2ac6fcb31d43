"""What a compiled regex can start with: the characters a match's first character is one of.

The boilerplate patterns are anchored at the start of a line, so a line whose first character no
pattern can start with needs none of them tried. The answer is read from the regex's parse tree
and errs on the safe side: None (anything) whenever a construct is not understood.
"""

from __future__ import annotations

import re
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]

# Character ranges wider than this are not spelled out: the pattern counts as starting with anything.
_MAX_RANGE = 512
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT))


def first_characters(regex: re.Pattern[str]) -> frozenset[str] | None:
    """Lower-cased characters any non-empty match of `regex` starts with, or None when unknown."""
    try:
        parsed = sre_parse.parse(regex.pattern, regex.flags)
    except (re.error, TypeError, ValueError, RecursionError):
        return None
    found, may_be_empty = _sequence(list(parsed))
    if found is None or may_be_empty:
        return None
    return frozenset(c.lower() for c in found)


def _sequence(items: list) -> tuple[set[str] | None, bool]:
    """(first characters, whether the sequence can match nothing) of a parsed sequence."""
    found: set[str] = set()
    for op, av in items:
        chars, may_be_empty = _item(op, av)
        if chars is None:
            return None, False
        found |= chars
        if not may_be_empty:
            return found, False
    return found, True


def _item(op, av) -> tuple[set[str] | None, bool]:
    if op is sre.LITERAL:
        return {chr(av)}, False
    if op is sre.IN:
        return _charset(av), False
    if op is sre.BRANCH:
        found: set[str] = set()
        any_empty = False
        for branch in av[1]:
            chars, may_be_empty = _sequence(list(branch))
            if chars is None:
                return None, False
            found |= chars
            any_empty = any_empty or may_be_empty
        return found, any_empty
    if op is sre.SUBPATTERN:
        return _sequence(list(av[3]))
    if op is sre.ATOMIC_GROUP:
        return _sequence(list(av))
    if op in _REPEATS:
        low, _, body = av
        chars, may_be_empty = _sequence(list(body))
        return chars, may_be_empty or low == 0
    if op is sre.AT:
        return set(), True  # zero-width: the next item starts the match
    return None, False  # any character, categories, look-arounds, group references


def _charset(items) -> set[str] | None:
    chars: set[str] = set()
    for op, av in items:
        if op is sre.LITERAL:
            chars.add(chr(av))
        elif op is sre.RANGE and av[1] - av[0] < _MAX_RANGE:
            chars.update(chr(c) for c in range(av[0], av[1] + 1))
        else:  # negation, categories (\w, \s), wide ranges
            return None
    return chars
