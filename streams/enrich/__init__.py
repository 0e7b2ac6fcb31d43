"""The enrichment core: pure functions from a raw article to an enriched one (no Kafka, no asyncio)."""

from .pipeline import Enricher, parse_published

__all__ = ["Enricher", "parse_published"]
