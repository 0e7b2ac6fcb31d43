"""Text hygiene: HTML to text, boilerplate lines removed, Unicode normalised, language detected.

Placeholder until the cleaning component lands: NFC-normalises and strips, nothing more.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(slots=True)
class Cleaned:
    title: str
    text: str
    language: str | None
    removed_lines: int = 0
    from_html: bool = False


class Cleaner:
    """Turns a raw article's title/text/html into clean text. Build once, call per article."""

    def __init__(self, boilerplate_path=None) -> None:
        self.boilerplate_path = boilerplate_path

    def __call__(self, title: str | None, text: str | None, html: str | None, language: str | None = None) -> Cleaned:
        body = text if text and text.strip() else (html or "")
        return Cleaned(
            title=unicodedata.normalize("NFC", (title or "").strip()),
            text=unicodedata.normalize("NFC", body.strip()),
            language=language,
            from_html=not (text and text.strip()),
        )
