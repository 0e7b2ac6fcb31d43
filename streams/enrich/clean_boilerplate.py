"""Boilerplate removal: drops ad lines, breadcrumbs, footers, credits and tag lines from article text.

The patterns live in `streams/data/boilerplate.yaml` (validated at load, errors name file and line);
the rules that need the article's title (a repeated title, a breadcrumb glued to it, a tag line of
title words) are code, because they compare lines with the title rather than match fixed wording.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from itertools import accumulate, chain, compress
from pathlib import Path
from string import ascii_lowercase
from typing import Literal

from .clean_regex import ascii_twins, first_characters, start_texts
from .datafile import DATA_DIR, DataFileError, line_of, load_versioned

try:  # finds all `contains` texts of an article in one pass; without it, one scan per text
    import ahocorasick_rs
except ImportError:  # pragma: no cover - optional
    ahocorasick_rs = None

BOILERPLATE_PATH = DATA_DIR / "boilerplate.yaml"

Kind = Literal["line", "prefix", "suffix", "element"]
Where = Literal["anywhere", "edge"]

_KINDS = ("line", "prefix", "suffix", "element")
_FORM_ENDS = ("opens", "closes")
_WHERE = ("anywhere", "edge")
_KEYS = {
    "id", "regex", "literal", "matches", "description", "where", "max_words", "ignore_case", "list_heading", "ends_page", "contains", "form",
    "caption_follows",
}  # fmt: skip

# A story paragraph ends a sentence, possibly inside closing quotes or brackets.
_SENTENCE_ENDS = frozenset(".!?。！？؟।…")
_CLOSERS = "\"'”’»)]"
_TRAILING_PUNCT = r"[\s.:;,!?…|·•>»›-]*"
_WORD_SPLIT = re.compile(r"[\s_-]+|(?<=[a-z])(?=[A-Z])")
# Tag lines: capitalised words (letters, inner apostrophes/hyphens) or dotted initials (U.S.).
_TAG_WORD = re.compile(r"(?:[^\W\d_][^\W\d_'’-]*(?:['’-][^\W\d_]+)*|(?:[^\W\d_]\.){2,})")
_NON_ALNUM = re.compile(r"[\W_]+")
_POSSESSIVE = re.compile(r"['’]s$")
# Boilerplate is short; longer lines are story (or junk no pattern is for) and are not scanned.
MAX_LINE_CHARS = 2000
# Per first character of a line, what applies is remembered for this many characters at most.
_MAX_REMEMBERED = 4096
# Lines up to this long have what they matched remembered, this many of them at most.
_DECIDED_LINE_CHARS = 200
_MAX_DECIDED = 16384
_UNDECIDED = object()
# Texts a line may start with are read this far: longer ones would tell few more lines apart.
_OPENER_CHARS = 16
# In UTF-8, the first byte of each character outside ASCII is one of these.
_NON_ASCII_LEADS = tuple(bytes([b]) for b in range(0xC2, 0xF5))


@dataclass(frozen=True, slots=True)
class Pattern:
    """One entry of the boilerplate data file, compiled."""

    id: str
    kind: Kind
    regex: re.Pattern[str]
    description: str
    where: Where = "anywhere"
    max_words: int | None = None
    list_heading: bool = False
    ends_page: bool = False
    contains: tuple[str, ...] = ()
    form: str | None = None  # "opens" or "closes": the line opens or closes a sign-up form
    caption_follows: bool = False  # the next line is a caption that goes with it


@dataclass(frozen=True, slots=True)
class Boilerplate:
    """The loaded patterns, split by what they apply to."""

    version: str
    patterns: tuple[Pattern, ...]

    def of_kind(self, kind: Kind) -> tuple[Pattern, ...]:
        return tuple(p for p in self.patterns if p.kind == kind)


def _compile(path: Path, item: dict) -> Pattern:
    where_line = line_of(item)

    def fail(message: str) -> DataFileError:
        return DataFileError(path, where_line, message)

    unknown = set(item) - _KEYS
    if unknown:
        raise fail(f"unknown key(s) {sorted(unknown)}; allowed: {sorted(_KEYS)}")
    pid = item.get("id")
    if not isinstance(pid, str) or not pid.strip():
        raise fail("pattern needs an 'id' (a non-empty string)")
    kind = item.get("matches")
    if kind not in _KINDS:
        raise fail(f"pattern {pid!r}: 'matches' must be one of {list(_KINDS)}, got {kind!r}")
    description = item.get("description")
    if not isinstance(description, str) or not description.strip():
        raise fail(f"pattern {pid!r}: needs a 'description'")
    where = item.get("where", "anywhere")
    if where not in _WHERE:
        raise fail(f"pattern {pid!r}: 'where' must be one of {list(_WHERE)}, got {where!r}")
    max_words = item.get("max_words")
    if max_words is not None and (isinstance(max_words, bool) or not isinstance(max_words, int) or max_words < 1):
        raise fail(f"pattern {pid!r}: 'max_words' must be a positive integer, got {max_words!r}")
    ignore_case = item.get("ignore_case", True)
    list_heading = item.get("list_heading", False)
    ends_page = item.get("ends_page", False)
    caption_follows = item.get("caption_follows", False)
    flags = (("ignore_case", ignore_case), ("list_heading", list_heading), ("ends_page", ends_page), ("caption_follows", caption_follows))
    for key, flag in flags:
        if not isinstance(flag, bool):
            raise fail(f"pattern {pid!r}: '{key}' must be true or false, got {flag!r}")
    for key, flag in (("list_heading", list_heading), ("ends_page", ends_page), ("caption_follows", caption_follows)):
        if flag and kind != "line":
            raise fail(f"pattern {pid!r}: only 'line' patterns can be {key}")
    form = item.get("form")
    if form is not None and form not in _FORM_ENDS:
        raise fail(f"pattern {pid!r}: 'form' must be one of {list(_FORM_ENDS)}, got {form!r}")
    if form is not None and kind != "line":
        raise fail(f"pattern {pid!r}: only 'line' patterns can open or close a form")
    contains = item.get("contains", [])
    if isinstance(contains, str):
        contains = [contains]
    if not isinstance(contains, list) or not all(isinstance(c, str) and c for c in contains):
        raise fail(f"pattern {pid!r}: 'contains' must be a text or a list of texts, got {contains!r}")
    has_regex, has_literal = "regex" in item, "literal" in item
    if has_regex == has_literal:
        raise fail(f"pattern {pid!r}: give exactly one of 'regex' or 'literal'")
    source = item["regex"] if has_regex else item["literal"]
    if not isinstance(source, str) or not source.strip():
        raise fail(f"pattern {pid!r}: the {'regex' if has_regex else 'literal'} must be a non-empty string")
    if has_literal:
        source = re.escape(source.strip())
        if kind == "line":
            source += _TRAILING_PUNCT
    flags = re.IGNORECASE if ignore_case else 0
    if kind == "suffix":
        source = f"(?:{source})$"
    try:
        regex = re.compile(source, flags)
    except re.error as exc:
        raise fail(f"pattern {pid!r}: invalid regex: {exc}") from exc
    return Pattern(
        pid, kind, regex, description.strip(), where, max_words, list_heading, ends_page, tuple(c.casefold() for c in contains), form,
        caption_follows,
    )


def load_boilerplate(path: str | Path | None = None) -> Boilerplate:
    """Load and validate the boilerplate data file; DataFileError names the file and line."""
    path = Path(path) if path is not None else BOILERPLATE_PATH
    version, items = load_versioned(path, "patterns")
    patterns: list[Pattern] = []
    seen: dict[str, int | None] = {}
    for item in items:
        pattern = _compile(path, item)
        if pattern.id in seen:
            raise DataFileError(path, line_of(item), f"duplicate pattern id {pattern.id!r} (first on line {seen[pattern.id]})")
        seen[pattern.id] = line_of(item)
        patterns.append(pattern)
    return Boilerplate(version, tuple(patterns))


def class_words(value: str) -> list[str]:
    """The words of an HTML class/id value: 'article-shareBar ad_slot' -> article, share, Bar, ad, slot."""
    return [w for w in _WORD_SPLIT.split(value) if w]


def element_is_boilerplate(patterns: tuple[Pattern, ...], class_and_id: str) -> bool:
    """True when a word of the element's class or id matches an `element` pattern."""
    for word in class_words(class_and_id):
        for pattern in patterns:
            if pattern.regex.fullmatch(word):
                return True
    return False


def title_key(text: str) -> str:
    """Compare-form of a title or line: case, quotes, dashes, punctuation and spacing ignored."""
    return _NON_ALNUM.sub("", unicodedata.normalize("NFKC", text).casefold())


def _ends_list(line: str, words: int) -> bool:
    """Whether a line after a 'Related Posts' heading is story again: a story line, but not a
    question, which is as often a linked headline ('What is in the deal?')."""
    return not line.rstrip(_CLOSERS).endswith(("?", "？", "؟")) and _is_story_line(line, words)


def _is_story_line(line: str, words: int = 0) -> bool:
    """A sentence of eight or more words (`words`: the line's word count when known)."""
    if line.rstrip(_CLOSERS)[-1:] not in _SENTENCE_ENDS:
        return False
    words = words or line.count(" ") + 1
    # Scripts written without spaces (Chinese, Japanese, Thai) count by length instead.
    return words >= 8 or (words < 3 and len(line) >= 20)


def _text_key(key: str) -> bytes | None:
    """`key` as the bytes to look for in a text's lower-cased UTF-8, or None when bytes cannot tell
    (a letter outside ASCII has case forms that `bytes.lower` leaves alone)."""
    if any(not c.isascii() and (c.lower() != c or c.upper() != c) for c in key):
        return None
    return key.encode("utf-8")


def _opener_texts(patterns: list[Pattern]) -> tuple[bytes, ...] | None:
    """Lower-cased UTF-8 texts one of which starts each line one of `patterns` matches (the first
    byte of a character outside ASCII standing for all such characters), or None when one of them
    may start with anything."""
    texts: set[bytes] = set()
    for pattern in patterns:
        found = start_texts(pattern.regex, _OPENER_CHARS)
        if found is None:
            return None
        starts, others = found
        for text in starts:
            if "\n" in text:  # no line holds one
                continue
            head = next((text[:i] for i, c in enumerate(text) if not c.isascii()), text)
            if head:
                texts.add(head.encode())
            else:  # so may any line starting outside ASCII, or with a letter the regex takes for it
                others = True
                texts.update(a.encode() for a in ascii_lowercase if re.fullmatch(a, text[0], re.IGNORECASE))
        if others:
            texts.update(_NON_ASCII_LEADS)
    # Sorted, each text comes right before those that begin with it, which find no other line.
    kept: list[bytes] = []
    for text in sorted(texts):
        if not kept or not text.startswith(kept[-1]):
            kept.append(text)
    return tuple(kept)


class Finder:
    """One automaton for all that is looked for in a text, found in one pass over its lower-cased
    UTF-8: the `contains` texts (found with their lines), texts a line may start with (`openers`:
    the lines starting so), `unsure` characters and `watched` texts (found or not).

    The unsure characters are those a case-blind regex takes for an ASCII letter ('ſ' for 's'):
    where one occurs, line starts compared as lower-cased bytes cannot tell which lines a pattern
    may match."""

    def __init__(
        self, keys: tuple[bytes, ...], openers: tuple[bytes, ...] | None, unsure: tuple[bytes, ...], watched: tuple[bytes, ...]
    ) -> None:
        self.keys = keys
        self.openers = openers  # None: which lines a pattern may match is not told by their start
        # Automaton keys by index: the contains texts, the openers after a line break, the unsure
        # characters, the watched texts.
        self.texts = (*keys, *(b"\n" + text for text in openers or ()), *unsure, *watched)
        self.opener_end = len(keys) + len(openers or ())
        self.unsure_end = self.opener_end + len(unsure)
        # A DFA takes one step per byte however many texts there are (the default, for this many,
        # is an NFA four times slower).
        self.automaton = ahocorasick_rs.BytesAhoCorasick(self.texts, implementation=ahocorasick_rs.Implementation.DFA)


class KeyLines:
    """Which lines of a text hold a given text (any case). With `finder` (all its texts found in
    one pass) or else one scan of the text per key asked about: either way cheaper than looking
    for each key in each line."""

    def __init__(self, text: str, finder: Finder | None = None) -> None:
        self.lowered = text.encode("utf-8", "surrogatepass").lower()
        self._starts: list[int] | None = None
        self._found: dict[bytes, set[int]] = {}
        self._complete = finder is not None  # every key with a line is in _found
        self._on_lines: dict[int, frozenset[bytes]] | None = None
        # The numbers of the lines starting with an opener, and the watched texts found: None
        # when not known.
        self.openers: set[int] | None = None
        self.seen: set[bytes] | None = None
        if finder is not None:
            self._find(finder)

    def _find(self, finder: Finder) -> None:
        # After a line break, so that the first line's start is found like any other's: an offset
        # in what is scanned is one past the same byte in `lowered`, and an opener is found from
        # the line break before its line.
        hits = finder.automaton.find_matches_as_indexes(b"\n" + self.lowered, overlapping=True)
        found, texts, keys = self._found, finder.texts, len(finder.keys)
        opener_end, unsure_end = finder.opener_end, finder.unsure_end
        openers: set[int] | None = None if finder.openers is None else set()
        seen: set[bytes] = set()
        line = counted = 0  # the line of offset `counted` (hits come about in order)
        for index, start, _ in hits:
            if index >= opener_end:
                if index >= unsure_end:
                    seen.add(texts[index])
                else:
                    openers = None
                continue
            if start >= counted:
                line += self.lowered.count(b"\n", counted, start)
            else:
                line -= self.lowered.count(b"\n", start, counted)
            counted = start
            if index >= keys:
                if openers is not None:
                    openers.add(line)
            elif texts[index] in found:
                found[texts[index]].add(line)
            else:
                found[texts[index]] = {line}
        self.openers = openers
        self.seen = seen

    def on_lines(self, keys: tuple[bytes, ...]) -> dict[int, frozenset[bytes]]:
        """The lines holding one of `keys` (all the finder's when it looked), with those they hold."""
        if self._on_lines is None:
            on_lines: dict[int, set[bytes]] = {}
            for key in self._found if self._complete else keys:
                for line in self.lines_with(key):
                    on_lines.setdefault(line, set()).add(key)
            self._on_lines = {line: frozenset(held) for line, held in on_lines.items()}
        return self._on_lines

    def lines_with(self, key: bytes) -> set[int]:
        """Numbers of the lines (0-based) holding `key`, a lower-case text as UTF-8."""
        found = self._found.get(key)
        if found is None:
            if self._complete:
                return set()
            found = self._found[key] = set()
            data = self.lowered
            position = data.find(key)
            if position != -1:
                starts = self._line_starts()
                while position != -1:
                    line = bisect_right(starts, position) - 1
                    found.add(line)
                    position = data.find(key, starts[line + 1])
        return found

    def _line_starts(self) -> list[int]:
        if self._starts is None:
            # Each line's length and its '\n', summed: the offset where the next line starts.
            self._starts = list(accumulate(map((1).__add__, map(len, self.lowered.split(b"\n"))), initial=0))
        return self._starts


class PatternSet:
    """Line patterns tried in file order, with as few regex calls per line as possible.

    Patterns without a `contains` pre-check are tried together: one alternation of those that
    allow the line's word count and can start with its first character (most lines meet none).
    The others are tried one by one, and only on texts that hold one of their `contains` texts.
    """

    def __init__(self, patterns: tuple[Pattern, ...]) -> None:
        self.patterns = patterns
        self.together = tuple(i for i, p in enumerate(patterns) if p.kind == "line" and not p.contains and p.regex.groups == 0)
        self.one_by_one = tuple((i, p) for i, p in enumerate(patterns) if i not in self.together)
        self.starts = {i: first_characters(patterns[i].regex) for i in self.together}
        self.limits = sorted({patterns[i].max_words for i in self.together if patterns[i].max_words is not None})
        # The most words a line may have for any pattern to apply, by its first character as written.
        self.word_limits: dict[str, float] = {}
        self.other_limit = 0.0  # for characters no pattern names: those of the patterns that may start with anything
        for i in self.together:
            most = patterns[i].max_words or float("inf")
            if self.starts[i] is None:
                self.other_limit = max(self.other_limit, most)
                continue
            for c in self.starts[i]:
                for variant in {c, c.upper(), c.title()}:
                    self.word_limits[variant] = max(self.word_limits.get(variant, 0.0), most)
        for c in self.word_limits:
            self.word_limits[c] = max(self.word_limits[c], self.other_limit)
        self.start_characters = frozenset(self.word_limits)
        self.keys = {k: _text_key(k) for _, p in self.one_by_one for k in p.contains}
        # The one-by-one patterns tried on every line (no usable `contains`), and the others by key.
        self.everywhere = tuple((i, p) for i, p in self.one_by_one if not p.contains or any(self.keys[k] is None for k in p.contains))
        self.everywhere_indexes = frozenset(i for i, _ in self.everywhere)
        by_key: dict[bytes, set[int]] = {}
        for i, p in self.one_by_one:
            if i not in self.everywhere_indexes:
                for k in p.contains:
                    by_key.setdefault(self.keys[k], set()).add(i)  # type: ignore[arg-type]
        self.by_key = {key: frozenset(indexes) for key, indexes in by_key.items()}
        # The one-by-one patterns to try on a line, in file order, by the keys the line holds:
        # lines share a few such sets.
        self._to_try: dict[frozenset[bytes], tuple[tuple[int, Pattern], ...]] = {}
        self._alternations: dict[tuple[str | None, int], tuple[re.Pattern[str] | None, tuple[int, ...]]] = {}
        self._compiled: dict[tuple[int, ...], re.Pattern[str] | None] = {}
        # The pattern that matched each short line seen (None: none did), by its text: what the
        # patterns make of a line depends on nothing else (the `contains` texts it holds, how it
        # starts, its words), and a site's boilerplate lines repeat from page to page.
        self.decided: dict[str, Pattern | None] = {}

    def remember(self, line: str, verdict: Pattern | None) -> None:
        """Keep `verdict` for `line` when short; all are forgotten when there are too many."""
        if len(line) <= _DECIDED_LINE_CHARS:
            if len(self.decided) >= _MAX_DECIDED:
                self.decided.clear()
            self.decided[line] = verdict

    def to_try(self, on_line: frozenset[bytes] | None) -> tuple[tuple[int, Pattern], ...]:
        """The one-by-one patterns worth trying on a line holding the keys `on_line`: those with
        a key among them, and those tried on every line."""
        if not on_line:
            return self.everywhere
        found = self._to_try.get(on_line)
        if found is None:
            indexes = self.everywhere_indexes.union(*(self.by_key.get(key, ()) for key in on_line))
            found = tuple((i, self.patterns[i]) for i in sorted(indexes))
            if len(self._to_try) >= _MAX_REMEMBERED:  # texts with key combinations without end
                self._to_try.clear()
            self._to_try[on_line] = found
        return found

    def in_text(self, keys: KeyLines) -> tuple[tuple[int, Pattern], ...]:
        """The one-by-one patterns worth trying on any line of a text (each checks its `contains`
        texts on the line): those with a `contains` text somewhere in the text, or none at all."""
        return tuple(
            (i, p)
            for i, p in self.one_by_one
            if not p.contains or any(self.keys[k] is None or keys.lines_with(self.keys[k]) for k in p.contains)
        )

    def may_match(self, line: str, words: int) -> bool:
        """False when no pattern tried together can match: the line has too many words for all
        those that may start with its first character."""
        limit = self.word_limits.get(line[0])
        return words <= (limit if limit is not None else self.word_limit(line[0]))

    def match_together(self, line: str, words: int) -> Pattern | None:
        """`match` for a line no one-by-one pattern applies to, whose word count `may_match`."""
        regex, members = self._alternations.get((line[0], bisect_left(self.limits, words))) or self._alternation(
            line[0], bisect_left(self.limits, words)
        )
        if regex is None:
            return self.match(line, words, (), True) if members else None
        found = regex.fullmatch(line)
        return self.patterns[members[found.lastindex - 1]] if found else None

    def word_limit(self, first: str) -> float:
        """`word_limits` for a character not in it yet: that of its case folding ('ſ' is an 's' to
        a case-blind regex), remembered."""
        folded = self._start_key(first)
        limit = self.word_limits[folded] if folded is not None else self.other_limit
        if len(self.word_limits) < _MAX_REMEMBERED:  # scripts with thousands of first characters
            self.word_limits[first] = limit
        return limit

    def _start_key(self, first: str) -> str | None:
        """The character patterns are filed under for lines starting with `first`, None if none."""
        if first in self.start_characters:
            return first
        folded = first.casefold()[:1]
        return folded if folded in self.start_characters else None

    def match(
        self, line: str, words: int, one_by_one: tuple[tuple[int, Pattern], ...], may_match: bool | None = None
    ) -> Pattern | None:
        """The first pattern (in file order) that matches the whole line, or None (`may_match`:
        the caller's answer of `self.may_match(line, words)`, when it has asked)."""
        first = len(self.patterns)
        if may_match is None:
            may_match = self.may_match(line, words)
        regex, members = self._alternation(line[0], bisect_left(self.limits, words)) if may_match else (None, ())
        if regex is not None:
            found = regex.fullmatch(line)
            if found:
                first = members[found.lastindex - 1]
        elif members:  # they would not compile as one
            first = next((i for i in members if self.patterns[i].regex.fullmatch(line)), first)
        folded = None
        for i, pattern in one_by_one:
            if i >= first:
                break
            if pattern.max_words is not None and words > pattern.max_words:
                continue
            if pattern.contains:
                if folded is None:
                    folded = line.casefold()
                if not any(text in folded for text in pattern.contains):
                    continue
            if pattern.regex.fullmatch(line):
                return pattern
        return self.patterns[first] if first < len(self.patterns) else None

    def _alternation(self, first: str, bound: int) -> tuple[re.Pattern[str] | None, tuple[int, ...]]:
        """The alternation for lines starting with `first` whose word count is within limits[bound]."""
        found = self._alternations.get((first, bound))
        if found is not None:
            return found
        key = (self._start_key(first), bound)
        found = self._alternations.get(key)
        if found is None:
            limit = self.limits[bound] if bound < len(self.limits) else None
            members = tuple(
                i
                for i in self.together
                if (self.patterns[i].max_words is None or (limit is not None and self.patterns[i].max_words >= limit))
                and (self.starts[i] is None or (key[0] is not None and key[0].lower() in self.starts[i]))
            )
            if members not in self._compiled:
                self._compiled[members] = _alternation([self.patterns[i] for i in members])
            found = self._alternations[key] = (self._compiled[members], members)
        if len(self._alternations) < _MAX_REMEMBERED:
            self._alternations[(first, bound)] = found
        return found


def _alternation(patterns: list[Pattern]) -> re.Pattern[str] | None:
    """One regex matching what any of `patterns` matches; group k+1 is the k-th pattern."""
    if not patterns:
        return None
    parts = [f"((?{'i' if p.regex.flags & re.IGNORECASE else '-i'}:{p.regex.pattern}))" for p in patterns]
    try:
        return re.compile("|".join(parts))
    except re.error:  # a pattern with global inline flags or group references
        return None


class LineCleaner:
    """Removes boilerplate lines from normalised text. Build once, call per article.

    `watch`: texts (lower-cased UTF-8) whose presence `scan` is to report, in the same pass.
    """

    def __init__(self, boilerplate: Boilerplate, watch: tuple[bytes, ...] = ()) -> None:
        self.boilerplate = boilerplate
        lines = boilerplate.of_kind("line")
        self.anywhere = PatternSet(tuple(p for p in lines if p.where == "anywhere"))
        self.edge = PatternSet(tuple(p for p in lines if p.where == "edge"))
        # Prefixes and suffixes are tried one by one, so they go through the same gate.
        self.ends = PatternSet(boilerplate.of_kind("prefix") + boilerplate.of_kind("suffix"))
        self.keys = tuple(sorted({k for s in (self.anywhere, self.edge, self.ends) for k in s.keys.values() if k is not None}))
        # Lines can be passed over by where they start only when every pattern tried on any line
        # has a `contains` text or known start texts.
        openers = None
        if not self.anywhere.everywhere and not self.ends.everywhere:
            openers = _opener_texts([self.anywhere.patterns[i] for i in self.anywhere.together])
        self.finder = None
        if ahocorasick_rs is not None and (self.keys or openers or watch):
            unsure = tuple(c.encode() for c in sorted(ascii_twins())) if openers else ()
            self.finder = Finder(self.keys, openers, unsure, watch)

    def forget(self) -> None:
        """Forget what the lines seen so far matched."""
        self.anywhere.decided.clear()
        self.edge.decided.clear()

    def scan(self, text: str) -> KeyLines:
        """What of the texts looked for `text` holds, and where."""
        return KeyLines(text, self.finder)

    def __call__(self, text: str, title: str) -> tuple[str, int]:
        """Return the text without boilerplate lines, and how many non-blank lines were removed."""
        lines, removed = self.clean_lines(text.split("\n"), title, self.scan(text))
        return "\n".join(lines), removed

    def clean_lines(self, lines: list[str], title: str, keys: KeyLines | None = None) -> tuple[list[str], int]:
        """`__call__` on a text already split into lines (`keys`: `scan` of those lines joined,
        when the caller has it). The list itself comes back when nothing is removed or changed."""
        if keys is None:
            keys = self.scan("\n".join(lines))
        on_lines = keys.on_lines(self.keys)
        match, together = self.anywhere.match, self.anywhere.match_together
        word_limits, decided = self.anywhere.word_limits, self.anywhere.decided
        removed: list[int] = []  # numbers of the lines dropped
        changed: dict[int, str] = {}  # number -> the line without its prefix or suffix
        in_list = False  # after a 'Related Posts' heading: its links, until the story resumes
        page_ends: list[int] = []  # the lines that may head a section running to the end (comments)
        forms: list[tuple[int, str]] = []  # the lines that open or close a sign-up form
        counters: list[int] = []  # the lines a caption follows ('2 of 6' in a photo gallery)
        # The lines to look at, in order: when known, only those starting as one of the patterns
        # tried on every line may or holding a `contains` text (the others stay as they are,
        # unless they follow a 'Related Posts' heading); else all but the blank ones.
        openers = keys.openers
        if openers is None:
            order = list(compress(range(len(lines)), lines))
        else:
            order = sorted(openers.union(on_lines))
        number, position, count = -1, 0, len(lines)
        # The loop runs for lines of every article: tests are inlined, the common case first.
        while True:
            if in_list:  # the next non-blank line
                number += 1
                while number < count and not lines[number]:
                    number += 1
                if number == count:
                    break
            else:  # the next line to look at after this one
                while position < len(order) and order[position] <= number:
                    position += 1
                if position == len(order):
                    break
                number = order[position]
            line = lines[number]
            if len(line) > MAX_LINE_CHARS:
                in_list = False
                continue
            on_line = on_lines.get(number)
            strip = self.ends.to_try(on_line)
            if strip:
                stripped = _strip_ends(line, strip)
                if not stripped:
                    removed.append(number)
                    continue
                if stripped != line:
                    line = changed[number] = stripped
            words = line.count(" ") + 1
            if in_list and _ends_list(line, words):
                in_list = False
            heading = decided.get(line, _UNDECIDED)
            if heading is _UNDECIDED:
                heading = None
                candidates = self.anywhere.to_try(on_line)
                # Those tried together apply only to a line that starts as one of them may (its
                # start as the scan saw it, unless a prefix was stripped since).
                limit = word_limits.get(line[0])
                within = (openers is None or number in openers or number in changed) and words <= (
                    limit if limit is not None else self.anywhere.word_limit(line[0])
                )
                if candidates or within:
                    heading = match(line, words, candidates, within) if candidates else together(line, words)
                self.anywhere.remember(line, heading)
            if heading is not None:
                in_list = in_list or heading.list_heading
                removed.append(number)
                if heading.ends_page:
                    page_ends.append(number)
                if heading.form:
                    forms.append((number, heading.form))
                if heading.caption_follows:
                    counters.append(number)
            elif in_list:
                removed.append(number)

        if page_ends:
            _drop_page_end(lines, changed, removed, page_ends)
        if len(forms) > 1:
            _drop_forms(lines, removed, forms)
        if counters:
            _drop_captions(lines, removed, counters)
        # Edge patterns apply before the first and after the last story paragraph, and to the
        # story paragraphs at the end that one of them matches (an author's bio, wire credits).
        dropped = set(removed)
        walk = _EdgeWalk(self, lines, changed, dropped, keys, title)
        top = walk(range(count), True, removed)
        if top >= 0:  # else no story paragraph: every line was looked at as before the story
            walk(range(count - 1, top, -1), False, removed)
        if not removed and not changed:
            return lines, 0
        kept = lines[:]
        for number, line in changed.items():
            kept[number] = line
        for number in sorted(removed, reverse=True):  # few
            del kept[number]
        return kept, len(removed)

    def _edge_pattern_matches(self, line: str, edge: tuple[tuple[int, Pattern], ...]) -> bool:
        verdict = self.edge.decided.get(line, _UNDECIDED)
        if verdict is _UNDECIDED:
            verdict = self.edge.match(line, line.count(" ") + 1, edge)
            self.edge.remember(line, verdict)
        return verdict is not None

    def _is_edge_boilerplate(self, line: str, edge: tuple[tuple[int, Pattern], ...], title: _TitleForms, before_story: bool) -> bool:
        if self._edge_pattern_matches(line, edge):
            return True
        if before_story and title.key and _repeats_title(line, title.key):
            return True
        return line.count(" ") < 4 and _is_tag_line(line, title)


class _EdgeWalk:
    """Looks at a text's lines from one end until a story paragraph no edge pattern matches."""

    def __init__(self, cleaner: LineCleaner, lines: list[str], changed: dict[int, str], dropped: set[int], keys: KeyLines, title: str):
        self.cleaner, self.lines, self.changed, self.dropped, self.keys = cleaner, lines, changed, dropped, keys
        self.title = _TitleForms(title)
        self.edge: tuple[tuple[int, Pattern], ...] | None = None  # worked out for the first line looked at

    def __call__(self, numbers: range, before_story: bool, removed: list[int]) -> int:
        """Add the edge boilerplate lines among `numbers` to `removed`; the number of the story
        paragraph that ended the walk, -1 if none did.

        Above the story, the lines no rule removed that come before the headline (the first line
        repeating the title) go with it: a page's masthead, its site name and tagline, the items of
        its menus. What comes between the headline and the story (a standfirst) stays."""
        masthead: list[int] | None = [] if before_story else None  # lines passed over above the headline
        for number in numbers:
            if not self.lines[number] or number in self.dropped:
                continue
            line = self.changed.get(number, self.lines[number])
            if len(line) > MAX_LINE_CHARS:
                return number
            if self.edge is None:
                self.edge = self.cleaner.edge.in_text(self.keys)
            # Below the story, a story paragraph goes when an edge pattern matches it (an author's
            # bio, wire credits); the title rules are for short lines.
            if _is_story_line(line):
                if before_story or not self.cleaner._edge_pattern_matches(line, self.edge):
                    return number
            elif not self.cleaner._is_edge_boilerplate(line, self.edge, self.title, before_story):
                if masthead is not None:
                    masthead.append(number)
                continue
            elif masthead is not None and self.title.key and _repeats_title(line, self.title.key):
                removed.extend(masthead)
                self.dropped.update(masthead)
                masthead = None
            removed.append(number)
            self.dropped.add(number)
        return -1


# How many lines after a comment section's heading its first removed lines must lie within.
_PAGE_END_REACH = 12  # blank lines between paragraphs count


def _drop_page_end(lines: list[str], changed: dict[int, str], removed: list[int], page_ends: list[int]) -> None:
    """Remove all lines from the first of `page_ends` that heads the rest of the page: one that
    follows at least two story paragraphs and is soon followed by at least two removed lines (a
    comment section's 'Reply' and 'Report' links, its time stamps), among the next
    `_PAGE_END_REACH` lines: a comment counter inside a story, with the story going on below it,
    keeps the story."""
    dropped = set(removed)
    for start in page_ends:
        if sum(start < number <= start + _PAGE_END_REACH for number in removed) < 2:
            continue
        before = (changed.get(n, lines[n]) for n in range(start) if lines[n] and n not in dropped)
        if sum(map(_is_story_line, before)) >= 2:
            removed.extend(n for n in range(start + 1, len(lines)) if lines[n] and n not in dropped)
            return


# A sign-up form's own lines between its opening and closing lines: at most this many, this short.
_FORM_LINES = 3
_FORM_LINE_WORDS = 15


def _drop_forms(lines: list[str], removed: list[int], forms: list[tuple[int, str]]) -> None:
    """Remove what lies between a line opening a sign-up form ('Sign up for …') and the next
    closing it ('By signing up, you agree to …'): the newsletter's name and pitch. Only when
    there are at most `_FORM_LINES` such lines, none longer than `_FORM_LINE_WORDS` words."""
    dropped = set(removed)
    opened: int | None = None
    for number, end in forms:
        if end == "opens":
            opened = number
            continue
        if opened is None:
            continue
        inside = [n for n in range(opened + 1, number) if lines[n] and n not in dropped]
        if len(inside) <= _FORM_LINES and all(lines[n].count(" ") < _FORM_LINE_WORDS for n in inside):
            removed.extend(inside)
            dropped.update(inside)
        opened = None


# A caption is at most this many words.
_CAPTION_WORDS = 70


def _drop_captions(lines: list[str], removed: list[int], counters: list[int]) -> None:
    """Remove the line after each of `counters` ('2 of 6' above a gallery's photo): its caption."""
    dropped = set(removed)
    for number in counters:
        after = next((n for n in range(number + 1, len(lines)) if lines[n]), None)
        if after is not None and after not in dropped and lines[after].count(" ") < _CAPTION_WORDS:
            removed.append(after)
            dropped.add(after)


class _TitleForms:
    """The title's compare-form and words, worked out when a line outside the story needs them."""

    def __init__(self, title: str) -> None:
        self.title = title
        self._key: str | None = None
        self._words: set[str] | None = None

    @property
    def key(self) -> str:
        if self._key is None:
            self._key = title_key(self.title)
        return self._key

    @property
    def words(self) -> set[str]:
        if self._words is None:
            self._words = _title_words(self.title)
        return self._words


def _strip_ends(line: str, ends: tuple[tuple[int, Pattern], ...]) -> str:
    """The line without the prefixes and suffixes of `ends` (each tried once, in file order)."""
    folded = None
    for _, pattern in ends:
        if pattern.contains:
            if folded is None:
                folded = line.casefold()
            if not any(text in folded for text in pattern.contains):
                continue
        if pattern.kind == "prefix":
            match = pattern.regex.match(line)
            if match and match.end():
                line = line[match.end():].lstrip()
                folded = None
        else:
            match = pattern.regex.search(line)
            if match and match.start() < len(line):
                line = line[: match.start()].rstrip()
                folded = None
    return line


def _repeats_title(line: str, tkey: str) -> bool:
    """The title again, alone or glued into a breadcrumb ('GreekReporter.comEurope<title>')."""
    key = title_key(line)
    if key == tkey:
        return True
    if len(tkey) < 12 or tkey not in key:
        return False
    rest = key.replace(tkey, "", 1)
    # What surrounds the title must be short and not a sentence: a site name, a section.
    return len(rest) <= 50 and not re.search(r"[.!?]\s", line)


def _title_words(title: str) -> set[str]:
    return {_POSSESSIVE.sub("", w).casefold() for w in _TAG_WORD.findall(title)}


def _is_tag_line(line: str, title: _TitleForms) -> bool:
    """A short line of 1-4 capitalised words that all occur in the title: 'Russia China' (the
    title's words are worked out only for a line of such words)."""
    words = line.split()
    if not 1 <= len(words) <= 4:
        return False
    if not all(word[0].isupper() and _TAG_WORD.fullmatch(word) for word in words):
        return False
    return all(_POSSESSIVE.sub("", word).casefold() in title.words for word in words)
