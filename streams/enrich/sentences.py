"""Sentence segmentation for news text. Placeholder: splits on line breaks."""

from __future__ import annotations

import re

_LINE = re.compile(r"[^\n]+")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return (start, end) character offsets of each sentence in `text`."""
    return [(m.start(), m.end()) for m in _LINE.finditer(text) if m.group().strip()]
