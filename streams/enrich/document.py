"""The document every enrichment component reads and writes: cleaned text plus what was found in it.

Offsets are character offsets (Python str indices) into `Document.text` or `Document.title`,
as named by each span's `field`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

Field = Literal["title", "text"]


@dataclass(slots=True)
class Span:
    """A stretch of the title or the body text."""

    start: int
    end: int
    text: str
    field: Field = "text"

    def as_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "text": self.text, "field": self.field}


@dataclass(slots=True)
class Sentence:
    start: int
    end: int
    field: Field = "text"


@dataclass(slots=True)
class Credit:
    """A place in the text that involves a state, however it is named.

    `via` says how: "name" (China), "demonym" (Chinese), "person" (Xi, a Chinese leader),
    "metonym" (the Kremlin, Beijing), "org" (the Chinese foreign ministry), "place" (Crimea).
    Tag rules use these to see which states a sentence involves.
    """

    country: str
    span: Span
    via: str


@dataclass(slots=True)
class Entity:
    """One real-world thing the article names, with every place it is named."""

    name: str
    type: Literal["PERSON", "ORG", "GPE"]
    kb_id: str | None
    country: str | None = None
    kind: str | None = None
    qid: str | None = None
    roles: list[dict] = field(default_factory=list)
    mentions: list[Span] = field(default_factory=list)
    salience: float = 0.0

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "type": self.type,
            "kb_id": self.kb_id,
            "qid": self.qid,
            "kind": self.kind,
            "country": self.country,
            "roles": self.roles,
            "mentions": [m.as_dict() for m in self.mentions],
            "count": len(self.mentions),
            "salience": round(self.salience, 4),
        }


@dataclass(slots=True)
class Tag:
    id: str
    label: str
    score: float
    rule: str
    evidence: list[Span] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "label": self.label,
            "score": round(self.score, 4),
            "rule": self.rule,
            "evidence": [e.as_dict() for e in self.evidence],
        }


@dataclass(slots=True)
class Document:
    """What the pipeline knows about one article; components fill it in order."""

    title: str
    text: str
    reference_date: date
    language: str | None = None
    removed_lines: int = 0
    from_html: bool = False
    sentences: list[Sentence] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    states: list[dict] = field(default_factory=list)
    credits: list[Credit] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)

    def field_text(self, name: Field) -> str:
        return self.title if name == "title" else self.text

    def span(self, start: int, end: int, name: Field = "text") -> Span:
        return Span(start, end, self.field_text(name)[start:end], name)
