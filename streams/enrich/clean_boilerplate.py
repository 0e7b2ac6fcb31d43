"""Boilerplate removal: drops ad lines, breadcrumbs, footers, credits and tag lines from article text.

The patterns live in `streams/data/boilerplate.yaml` (validated at load, errors name file and line);
the rules that need the article's title (a repeated title, a breadcrumb glued to it, a tag line of
title words) are code, because they compare lines with the title rather than match fixed wording.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .datafile import DATA_DIR, DataFileError, line_of, load_versioned

BOILERPLATE_PATH = DATA_DIR / "boilerplate.yaml"

Kind = Literal["line", "prefix", "suffix", "element"]
Where = Literal["anywhere", "edge"]

_KINDS = ("line", "prefix", "suffix", "element")
_WHERE = ("anywhere", "edge")
_KEYS = {"id", "regex", "literal", "matches", "description", "where", "max_words", "ignore_case", "list_heading", "contains"}

# A story paragraph: ends a sentence (possibly inside closing quotes or brackets).
_SENTENCE_END = re.compile(r"[.!?。！？؟।…][\"'”’»)\]]*$")
_TRAILING_PUNCT = r"[\s.:;,!?…|·•>»›-]*"
_WORD_SPLIT = re.compile(r"[\s_-]+|(?<=[a-z])(?=[A-Z])")
# Tag lines: capitalised words (letters, inner apostrophes/hyphens) or dotted initials (U.S.).
_TAG_WORD = re.compile(r"(?:[^\W\d_][^\W\d_'’-]*(?:['’-][^\W\d_]+)*|(?:[^\W\d_]\.){2,})")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
_NON_ALNUM = re.compile(r"[\W_]+")
_POSSESSIVE = re.compile(r"['’]s$")
# Boilerplate is short; longer lines are story (or junk no pattern is for) and are not scanned.
MAX_LINE_CHARS = 2000


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
    contains: tuple[str, ...] = ()


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
    for key, flag in (("ignore_case", ignore_case), ("list_heading", list_heading)):
        if not isinstance(flag, bool):
            raise fail(f"pattern {pid!r}: '{key}' must be true or false, got {flag!r}")
    if list_heading and kind != "line":
        raise fail(f"pattern {pid!r}: only 'line' patterns can be a list_heading")
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
    return Pattern(pid, kind, regex, description.strip(), where, max_words, list_heading, tuple(c.casefold() for c in contains))


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
    return _NON_ALNUM.sub("", unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold())


def _is_story_line(line: str) -> bool:
    if not _SENTENCE_END.search(line):
        return False
    words = line.count(" ") + 1
    # Scripts written without spaces (Chinese, Japanese, Thai) count by length instead.
    return words >= 8 or (words < 3 and len(line) >= 20)


class LineCleaner:
    """Removes boilerplate lines from normalised text. Build once, call per article."""

    def __init__(self, boilerplate: Boilerplate) -> None:
        self.boilerplate = boilerplate
        self.prefixes = boilerplate.of_kind("prefix")
        self.suffixes = boilerplate.of_kind("suffix")
        lines = boilerplate.of_kind("line")
        self.anywhere = tuple(p for p in lines if p.where == "anywhere")
        self.edge = tuple(p for p in lines if p.where == "edge")

    def __call__(self, text: str, title: str) -> tuple[str, int]:
        """Return the text without boilerplate lines, and how many non-blank lines were removed."""
        lines = text.split("\n")
        removed = 0
        kept: list[str] = []
        in_list = False  # after a 'Related Posts' heading: its links, until the story resumes
        for line in lines:
            if not line:
                kept.append(line)
                continue
            if len(line) > MAX_LINE_CHARS:
                in_list = False
                kept.append(line)
                continue
            stripped = self._strip_ends(line)
            if in_list and stripped and _is_story_line(stripped):
                in_list = False
            heading = self._match(stripped, self.anywhere) if stripped else None
            if not stripped or heading or in_list:
                in_list = in_list or bool(heading and heading.list_heading)
                removed += 1
                continue
            kept.append(stripped)

        story = [i for i, line in enumerate(kept) if line and _is_story_line(line)]
        first = story[0] if story else len(kept)
        last = story[-1] if story else -1
        tkey = title_key(title)
        title_words = _title_words(title)
        result: list[str] = []
        for i, line in enumerate(kept):
            if line and (i < first or i > last) and len(line) <= MAX_LINE_CHARS and self._is_edge_boilerplate(line, tkey, title_words, i < first):
                removed += 1
                continue
            result.append(line)
        return "\n".join(result), removed

    def _strip_ends(self, line: str) -> str:
        for pattern in self.prefixes:
            match = pattern.regex.match(line)
            if match and match.end():
                line = line[match.end():].lstrip()
        for pattern in self.suffixes:
            match = pattern.regex.search(line)
            if match and match.start() < len(line):
                line = line[: match.start()].rstrip()
        return line

    @staticmethod
    def _match(line: str, patterns: tuple[Pattern, ...]) -> Pattern | None:
        words = line.count(" ") + 1
        folded = line.casefold()
        for pattern in patterns:
            if pattern.max_words is not None and words > pattern.max_words:
                continue
            if pattern.contains and not any(text in folded for text in pattern.contains):
                continue
            if pattern.regex.fullmatch(line):
                return pattern
        return None

    def _is_edge_boilerplate(self, line: str, tkey: str, title_words: set[str], before_story: bool) -> bool:
        if self._match(line, self.edge):
            return True
        if before_story and tkey and _repeats_title(line, tkey):
            return True
        return bool(title_words) and _is_tag_line(line, title_words)


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


def _is_tag_line(line: str, title_words: set[str]) -> bool:
    """A short line of 1-4 capitalised words that all occur in the title: 'Russia China'."""
    words = line.split()
    if not 1 <= len(words) <= 4:
        return False
    for word in words:
        if not word[0].isupper() or not _TAG_WORD.fullmatch(word):
            return False
        if _POSSESSIVE.sub("", word).casefold() not in title_words:
            return False
    return True
