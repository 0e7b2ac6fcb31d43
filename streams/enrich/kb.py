"""The knowledge base: states, places, persons with dated roles, organisations. Placeholder."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class KnowledgeBase:
    version: str = "empty"
    entities: dict[str, dict] = field(default_factory=dict)


def load_kb(directory=None) -> KnowledgeBase:
    return KnowledgeBase()
