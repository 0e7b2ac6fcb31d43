"""Article language: the crawler's tag normalised to ISO 639-1, or detected.

Detection first counts function words and script letters in the text's first 600 characters
(`streams/data/language_words.yaml`); when that is not clear-cut, py3langid decides. The model is
loaded once per process, on the first article that needs it.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .datafile import DATA_DIR, DataFileError, line_of, load_versioned_document

try:  # counts the function words in one pass; without it, a string per word
    import ahocorasick_rs
except ImportError:  # pragma: no cover - optional
    ahocorasick_rs = None

LANGUAGE_WORDS_PATH = DATA_DIR / "language_words.yaml"

# Detection reads this much of the text: a few sentences are enough, and the model's scan is per byte.
DETECT_PREFIX = 600
# Fewer letters than this and the answer would be a guess.
MIN_LETTERS = 40
MIN_CONFIDENCE = 0.5
# The quick check reads this much, and decides a language only when its function words are at
# least MIN_WORDS, at least WORD_SHARE of all words, and DOMINANCE times any other's (plus one).
QUICK_PREFIX = 600
# How much of a text detection reads at most.
DETECT_CHARS = max(DETECT_PREFIX, QUICK_PREFIX)
MIN_WORDS = 8
WORD_SHARE = 0.08
DOMINANCE = 4

_NOT_LETTER = re.compile(r"[\W\d_]+")
_TAG = re.compile(r"([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*")
_THREE_LETTER = {
    "ara": "ar", "chi": "zh", "zho": "zh", "ces": "cs", "cze": "cs", "dan": "da", "deu": "de", "ger": "de",
    "dut": "nl", "nld": "nl", "ell": "el", "gre": "el", "eng": "en", "fas": "fa", "per": "fa", "fin": "fi",
    "fra": "fr", "fre": "fr", "heb": "he", "hin": "hi", "hun": "hu", "ind": "id", "ita": "it", "jpn": "ja",
    "kat": "ka", "geo": "ka", "kor": "ko", "nor": "no", "nob": "nb", "pol": "pl", "por": "pt", "ron": "ro",
    "rum": "ro", "rus": "ru", "spa": "es", "srp": "sr", "swe": "sv", "tur": "tr", "ukr": "uk", "urd": "ur",
    "vie": "vi", "bul": "bg", "hrv": "hr", "slk": "sk", "slo": "sk", "slv": "sl", "lit": "lt", "lav": "lv",
    "est": "et", "bel": "be", "kaz": "kk", "aze": "az", "arm": "hy", "hye": "hy", "tha": "th", "msa": "ms",
}  # fmt: skip
_ISO_639_1_ALIASES = {"iw": "he", "in": "id", "ji": "yi", "jw": "jv", "mo": "ro"}

_identifier = None
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Script:
    code: str
    letters: re.Pattern[str]
    share: float
    excludes: re.Pattern[str] | None


@dataclass(frozen=True, slots=True)
class LanguageWords:
    """The quick check's data: function words by language, and scripts that name a language."""

    words: dict[str, str]  # word -> language
    excludes: dict[str, re.Pattern[str]]  # language -> letters that rule it out
    scripts: tuple[Script, ...]
    counter: _WordCounter | None = None  # the function words found in one automaton pass

    def decide(self, text: str) -> str | None:
        """The language of `text` when it is clear-cut from words or script, else None."""
        sample = text[:QUICK_PREFIX]
        # Words as split by spaces: one with punctuation attached is not counted, which only
        # makes the check decide less often, and costs a fifth of a regex tokeniser.
        lowered = sample.lower()
        found = self.counter.count(lowered) if self.counter is not None else None
        if found is None:
            words = lowered.split()
            counts = Counter(map(self.words.get, words))
            counts.pop(None, None)
            found = counts, len(words)
        counts, most_words = found
        if counts:
            best = max(counts, key=counts.__getitem__)
            hits = counts.pop(best)
            runner_up = max(counts.values(), default=0)
            # The words counted exactly only when their most does not settle the share.
            if hits >= MIN_WORDS and hits > DOMINANCE * (runner_up + 1) and (
                hits >= WORD_SHARE * most_words or hits >= WORD_SHARE * len(lowered.split())
            ):
                excluded = self.excludes.get(best)
                if excluded is None or not excluded.search(sample):
                    return best
        if sample.isascii():
            return None
        letters = len(_NOT_LETTER.sub("", sample))
        for script in self.scripts:
            if len(script.letters.findall(sample)) >= script.share * letters and not (
                script.excludes is not None and script.excludes.search(sample)
            ):
                return script.code
        return None


class _WordCounter:
    """Counts the function words of each language in a lower-cased text in one automaton pass,
    each word found with a space either side. A space other than ' ', tab or line break (or a
    character that is not printable) leaves the counting to `str.split`."""

    def __init__(self, words: dict[str, str]) -> None:
        # A "word" with a space in it is never one of the text's words.
        self.languages = {f" {word} ": code for word, code in words.items() if word.split() == [word]}
        self.automaton = ahocorasick_rs.AhoCorasick(
            list(self.languages), implementation=ahocorasick_rs.Implementation.DFA, store_patterns=True
        )

    def count(self, lowered: str) -> tuple[Counter[str], int] | None:
        """The function words of each language in `lowered` and how many words it has at most
        (the exact count, `len(lowered.split())`, costs a string per word); None when it cannot tell."""
        text = " " + lowered.replace("\n", " ").replace("\t", " ") + " "
        if not text.isprintable():  # every other space is not
            return None
        found = self.automaton.find_matches_as_strings(text, overlapping=True)
        # A word is a run between spaces: there is one fewer than spaces, or fewer still.
        return Counter(map(self.languages.__getitem__, found)), text.count(" ") - 1


def _character_class(path: Path, item: dict, key: str) -> re.Pattern[str] | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise DataFileError(path, line_of(item), f"'{key}' must be a non-empty text of characters or ranges")
    try:
        return re.compile(f"[{value}]")
    except re.error as exc:
        raise DataFileError(path, line_of(item), f"'{key}': not a character class: {exc}") from exc


def load_language_words(path: str | Path | None = None) -> LanguageWords:
    """Load and validate the language words file; DataFileError names the file and line."""
    path = Path(path) if path is not None else LANGUAGE_WORDS_PATH
    _, items, document = load_versioned_document(path, "languages")
    words: dict[str, str] = {}
    excludes: dict[str, re.Pattern[str]] = {}
    for item in items:
        code, listed = item.get("code"), item.get("words")
        if not isinstance(code, str) or normalise_language(code) != code:
            raise DataFileError(path, line_of(item), f"'code' must be an ISO 639-1 code, got {code!r}")
        if not isinstance(listed, list) or not listed or not all(isinstance(w, str) and w == w.lower() and w for w in listed):
            raise DataFileError(path, line_of(item), f"{code}: 'words' must be a list of lower-case words")
        for word in listed:
            if words.get(word, code) != code:
                raise DataFileError(path, line_of(item), f"{code}: {word!r} is already a word of {words[word]!r}")
            words[word] = code
        excluded = _character_class(path, item, "excludes")
        if excluded is not None:
            excludes[code] = excluded
    scripts = document.get("scripts", [])
    if not isinstance(scripts, list):
        raise DataFileError(path, line_of(document), "'scripts' must be a list")
    loaded: list[Script] = []
    for item in scripts:
        if not isinstance(item, dict):
            raise DataFileError(path, line_of(document), f"every entry of 'scripts' must be a mapping, got {item!r}")
        code, share = item.get("code"), item.get("share")
        if not isinstance(code, str) or normalise_language(code) != code:
            raise DataFileError(path, line_of(item), f"'code' must be an ISO 639-1 code, got {code!r}")
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 < share <= 1:
            raise DataFileError(path, line_of(item), f"{code}: 'share' must be a number above 0 and at most 1, got {share!r}")
        letters = _character_class(path, item, "letters")
        if letters is None:
            raise DataFileError(path, line_of(item), f"{code}: needs 'letters'")
        loaded.append(Script(code, letters, float(share), _character_class(path, item, "excludes")))
    return LanguageWords(words, excludes, tuple(loaded), _WordCounter(words) if ahocorasick_rs is not None else None)


_language_words: LanguageWords | None = None


def normalise_language(tag: object) -> str | None:
    """'en-US', 'EN', 'eng', 'pt_BR' -> 'en', 'en', 'en', 'pt'; None when it is not a language tag."""
    if not isinstance(tag, str):
        return None
    match = _TAG.fullmatch(tag.strip())
    if not match:
        return None
    code = match.group(1).lower()
    if len(code) == 3:
        return _THREE_LETTER.get(code)
    return _ISO_639_1_ALIASES.get(code, code)


def load_model():
    """The language model (about 80 MB), loaded on first use. A process that forks workers loads it
    first, so that they share it rather than each loading a copy of its own."""
    global _identifier
    with _lock:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return _identifier


def _quick() -> LanguageWords:
    global _language_words
    with _lock:
        if _language_words is None:
            _language_words = load_language_words()
    return _language_words


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of `text`, or None when it is too short or too mixed to tell."""
    sample = text[:DETECT_PREFIX]
    # Counting letters costs more than the quick check: a full-length sample has its function
    # words counted first, and needs its letters counted only for the model.
    if len(sample) < DETECT_PREFIX and len(_NOT_LETTER.sub("", sample)) < MIN_LETTERS:
        return None
    quick = (_language_words or _quick()).decide(text)
    if quick is not None:
        return quick
    if len(sample) == DETECT_PREFIX and len(_NOT_LETTER.sub("", sample)) < MIN_LETTERS:
        return None
    identifier = _identifier or load_model()
    language, confidence = identifier.classify(sample)
    if confidence < MIN_CONFIDENCE:
        return None
    return language
