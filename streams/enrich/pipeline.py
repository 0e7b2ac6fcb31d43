"""The enrichment pipeline: clean -> sentences -> entities -> tags, as one pure call per article.

`Enricher` loads the knowledge base, taxonomy and boilerplate patterns once; `enrich(raw)` then
turns one validated raw-article dict into an enriched-article dict. No Kafka, no asyncio, no I/O.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from .. import __version__
from ..ids import article_id, canonical_url
from .clean import Cleaner
from .dates import parse_published, url_date
from .document import Document, Sentence
from .entities import EntityLinker
from .kb import KnowledgeBase, load_kb
from .sentences import split_sentences
from .tags import Tagger, Taxonomy, load_taxonomy

ENRICHED_SCHEMA = "enriched-article/v1"


class Enricher:
    """Holds the loaded knowledge; call `enrich` once per article."""

    def __init__(
        self,
        kb: KnowledgeBase | None = None,
        taxonomy: Taxonomy | None = None,
        cleaner: Cleaner | None = None,
    ) -> None:
        self.kb = kb if kb is not None else load_kb()
        self.taxonomy = taxonomy if taxonomy is not None else load_taxonomy()
        self.clean = cleaner if cleaner is not None else Cleaner()
        self.link_entities = EntityLinker(self.kb)
        self.tag = Tagger(self.taxonomy, self.kb)

    def document(self, raw: dict, now: datetime | None = None) -> Document:
        """Run the components over one raw article and return the filled document."""
        now = now or datetime.now(timezone.utc)
        # the article's date: as published, else as its URL gives it, else today
        reference: date = (parse_published(raw.get("published_at")) or url_date(raw.get("url")) or now).date()
        cleaned = self.clean(raw.get("title"), raw.get("text"), raw.get("html"), raw.get("language"))
        doc = Document(
            title=cleaned.title,
            text=cleaned.text,
            reference_date=reference,
            language=cleaned.language,
            removed_lines=cleaned.removed_lines,
            from_html=cleaned.from_html,
        )
        doc.sentences = [Sentence(s, e, "title") for s, e in split_sentences(doc.title)]
        doc.sentences += [Sentence(s, e, "text") for s, e in split_sentences(doc.text)]
        self.link_entities(doc)
        self.tag(doc)
        return doc

    def enrich(self, raw: dict, now: datetime | None = None) -> dict:
        """One schema-valid raw article in, one enriched-article dict out."""
        now = now or datetime.now(timezone.utc)
        doc = self.document(raw, now)
        return {
            "schema": ENRICHED_SCHEMA,
            "id": article_id(raw),
            "url": raw["url"],
            "canonical_url": canonical_url(raw["url"]),
            "source": raw.get("source"),
            "title": doc.title,
            "text": doc.text,
            "language": doc.language,
            "published_at": raw.get("published_at"),
            "crawled_at": raw.get("crawled_at"),
            "reference_date": doc.reference_date.isoformat(),
            "metadata": raw.get("metadata"),
            "entities": [e.as_dict() for e in doc.entities],
            "states": doc.states,
            "tags": [t.as_dict() for t in doc.tags],
            "cleaning": {"removed_lines": doc.removed_lines, "from_html": doc.from_html},
            "enriched_at": now.isoformat().replace("+00:00", "Z"),
            "geowire_version": __version__,
        }
