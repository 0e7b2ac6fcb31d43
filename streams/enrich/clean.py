"""Text hygiene: HTML to text, boilerplate lines removed, Unicode normalised, language detected.

`Cleaner()(title, text, html, language)` produces the final title and body text in one go:
every later component indexes characters of exactly this text.
"""

from __future__ import annotations

import html as htmllib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from operator import methodcaller
from pathlib import Path

from .clean_boilerplate import KeyLines, LineCleaner, element_is_boilerplate, load_boilerplate
from .clean_html import DEFAULT_MAX_NODES, HtmlToText
from .clean_language import DETECT_CHARS, detect_language, normalise_language
from .clean_regex import basic_plane, characters_matching

DEFAULT_MAX_CHARS = 2_000_000
MAX_TITLE_CHARS = 2_000

_LINE_BREAKS = re.compile(r"\r\n?|[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
# Control characters (but tab and newline), invisible format characters, lone surrogates.
# ZWJ/ZWNJ stay: they change spelling in Persian and Indic scripts and form emoji.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u00ad\u180e\u200b\u200e\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb\ufffe\uffff\ud800-\udfff]"
)
_ODD_SPACES = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_SPACE_RUNS = re.compile(" {2,}")
# A literal prefix lets the regex engine skip to each candidate: ten times faster than '\n{3,}'.
_BLANK_RUNS = re.compile("\n\n\n+")
_STRIP_BLANKS = methodcaller("strip", " \t")
_ANY_WHITESPACE = re.compile(r"\s+")
_LOOKS_LIKE_PAGE = re.compile(r"\s*(?:<!doctype\s+html|<html[\s>])", re.IGNORECASE)
# What `normalise_lines` trims from a line's edges.
_EDGE_BLANKS = (" ", "\t")
# In UTF-8, the first byte of each character beyond the Basic Multilingual Plane is one of these.
_FOUR_BYTE_LEADS = frozenset(bytes([b]) for b in range(0xF0, 0xF5))


def _utf8_starts(chars: Iterable[str]) -> frozenset[bytes]:
    """The UTF-8 of `chars`, where all 64 characters that differ in their last byte only are,
    their common start instead: the same characters, found with fewer automaton states."""
    found = {c.encode("utf-8", "surrogatepass") for c in chars}
    while True:
        blocks = Counter(code[:-1] for code in found if len(code) > 1)
        full = {start for start, count in blocks.items() if count == 64}
        if not full:
            return frozenset(found)
        found = {code for code in found if code[:-1] not in full} | full


# What `normalise_lines` changes, as the boilerplate scan finds it (in lower-cased UTF-8): the
# characters its regexes replace, a double space, a space or tab at a line's edge (the text's
# own first and last characters are looked at apart).
_NORMALISED_AWAY = _utf8_starts(
    c for regex in (_LINE_BREAKS, _INVISIBLE, _ODD_SPACES) for c in characters_matching(regex)
) | {b"  ", b" \n", b"\n ", b"\t\n", b"\n\t"}


@dataclass(slots=True)
class Cleaned:
    title: str
    text: str
    language: str | None
    removed_lines: int = 0
    from_html: bool = False


def normalise_text(text: str) -> str:
    """NFC, '\\n' line ends, no control or zero-width characters, single spaces, trimmed lines."""
    return "\n".join(normalise_lines(text))


def normalise_lines(text: str) -> list[str]:
    """The lines of `normalise_text(text)`.

    Most text needs little of it: a line that `str.isprintable` passes has no line break, control,
    invisible or odd space character, and ASCII or already-NFC text is not normalised again.
    """
    lines = text.split("\n")
    if not all(map(str.isprintable, lines)):
        text = _ODD_SPACES.sub(" ", _INVISIBLE.sub("", _LINE_BREAKS.sub("\n", text)))
        lines = text.split("\n")
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", "\n".join(lines))
        lines = text.split("\n")
    if "  " in text:
        lines = [_SPACE_RUNS.sub(" ", line) if "  " in line else line for line in lines]
    return list(map(_STRIP_BLANKS, lines))


def normalise_title(title: str) -> str:
    """A title is one line: entities decoded, all whitespace runs made one space."""
    title = htmllib.unescape(title[:MAX_TITLE_CHARS]) if "&" in title else title[:MAX_TITLE_CHARS]
    if title.isprintable() and (title.isascii() or unicodedata.is_normalized("NFC", title)):
        # No whitespace but spaces, nothing to take out: only space runs to make one.
        return " ".join(title.split())
    return _ANY_WHITESPACE.sub(" ", normalise_text(title)).strip()


@cache
def _not_surely_nfc() -> frozenset[bytes]:
    """UTF-8 of the characters without which a text is NFC for sure: those that NFC replaces,
    that are reordered (a combining class) or that may combine with the character before them
    (they follow another in a decomposition), and any beyond the Basic Multilingual Plane (by
    its first byte; none of those combines with one inside it, as the tests check)."""
    plane = basic_plane()
    follow = {c for x in plane for c in unicodedata.normalize("NFD", x)[1:]}
    unsure = follow.union(c for c in plane if unicodedata.combining(c) or unicodedata.normalize("NFC", c) != c)
    return _utf8_starts(unsure) | _FOUR_BYTE_LEADS


def _needs_normalising(text: str, keys: KeyLines) -> bool:
    """Whether `normalise_lines(text)` is other than its lines, from what the scan found."""
    if keys.seen is None or not keys.seen.isdisjoint(_NORMALISED_AWAY):
        return True
    if text.startswith(_EDGE_BLANKS) or text.endswith(_EDGE_BLANKS):
        return True
    # What else the scan watches for is what may make the text other than NFC.
    return bool(keys.seen) and not unicodedata.is_normalized("NFC", text)


def _present(value: object) -> str:
    return value if isinstance(value, str) and value and not value.isspace() else ""


class Cleaner:
    """Turns a raw article's title/text/html into clean text. Build once, call per article.

    Input longer than `max_chars` is cut to that length before any processing.
    """

    def __init__(
        self,
        boilerplate_path: str | Path | None = None,
        max_chars: int = DEFAULT_MAX_CHARS,
        max_nodes: int = DEFAULT_MAX_NODES,
    ) -> None:
        self.boilerplate = load_boilerplate(boilerplate_path)
        self.max_chars = max_chars
        self.remove_boilerplate = LineCleaner(self.boilerplate, watch=tuple(sorted(_NORMALISED_AWAY | _not_surely_nfc())))
        element_patterns = self.boilerplate.of_kind("element")
        # Class names repeat across a site's pages: decide each distinct one once.
        is_boilerplate = lru_cache(maxsize=8192)(lambda names: element_is_boilerplate(element_patterns, names))
        self.html_to_text = HtmlToText(is_boilerplate, max_nodes)

    def __call__(self, title: str | None, text: str | None, html: str | None, language: str | None = None) -> Cleaned:
        raw_title = _present(title)
        body = _present(text)[: self.max_chars]
        markup = body if _LOOKS_LIKE_PAGE.match(body) else "" if body else _present(html)[: self.max_chars]
        if markup:
            page = self.html_to_text(markup)
            body = page.text
            raw_title = raw_title or page.title
        clean_title = normalise_title(raw_title)
        # Text from HTML always needs normalising (its blocks leave blank lines of spaces); other
        # text, as a rule, not at all.
        keys = None if markup else self.remove_boilerplate.scan(body)
        if keys is None or _needs_normalising(body, keys):
            lines = normalise_lines(body)
            body = "\n".join(lines)
            keys = self.remove_boilerplate.scan(body)
        else:
            lines = body.split("\n")
        kept, removed = self.remove_boilerplate.clean_lines(lines, clean_title, keys)
        clean_text = _BLANK_RUNS.sub("\n\n", body if kept is lines else "\n".join(kept)).strip("\n")
        return Cleaned(
            title=clean_title,
            text=clean_text,
            language=normalise_language(language) or detect_language(f"{clean_title}\n{clean_text[:DETECT_CHARS]}"),
            removed_lines=removed,
            from_html=bool(markup),
        )
