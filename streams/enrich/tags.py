"""Geopolitical tags from the taxonomy data file. Placeholder: assigns none."""

from __future__ import annotations

from dataclasses import dataclass, field

from .document import Document
from .kb import KnowledgeBase


@dataclass
class Taxonomy:
    version: str = "empty"
    tags: list[dict] = field(default_factory=list)


def load_taxonomy(path=None) -> Taxonomy:
    return Taxonomy()


class Tagger:
    def __init__(self, taxonomy: Taxonomy, kb: KnowledgeBase) -> None:
        self.taxonomy = taxonomy
        self.kb = kb

    def __call__(self, doc: Document) -> None:
        doc.tags = []
