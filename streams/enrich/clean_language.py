"""Article language: the crawler's tag normalised to ISO 639-1, or detected with py3langid.

The model is loaded once per process, on the first article that needs detection.
"""

from __future__ import annotations

import re
import threading

# Detection reads this much of the text: a few sentences are enough, and the model's scan is per byte.
DETECT_PREFIX = 600
# Fewer letters than this and the answer would be a guess.
MIN_LETTERS = 40
MIN_CONFIDENCE = 0.5

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


def _load():
    global _identifier
    with _lock:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return _identifier


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of `text`, or None when it is too short or too mixed to tell."""
    sample = text[:DETECT_PREFIX]
    if len(_NOT_LETTER.sub("", sample)) < MIN_LETTERS:
        return None
    identifier = _identifier or _load()
    language, confidence = identifier.classify(sample)
    if confidence < MIN_CONFIDENCE:
        return None
    return language
