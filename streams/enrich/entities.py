"""Entity linking against the knowledge base. Placeholder: finds nothing."""

from __future__ import annotations

from .document import Document
from .kb import KnowledgeBase


class EntityLinker:
    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb

    def __call__(self, doc: Document) -> None:
        doc.entities = []
        doc.states = []
