"""From one raw Kafka message to one outcome: an enriched article or a dead letter. Pure, no Kafka.

The worker's agent and `geowire enrich` both call `process`, so the stream and the offline
command give the same result for the same bytes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Literal

import orjson

from .contracts import ContractError, validate
from .deadletter import Origin, Rejected, deadletter
from .enrich import Enricher
from .enrich.clean import Cleaner
from .enrich.kb import load_kb
from .enrich.tags import load_taxonomy
from .ids import article_id
from .settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What to publish for one raw message: `kind` names the topic, `key` and `value` the record."""

    kind: Literal["enriched", "deadletter"]
    key: bytes | None
    value: dict
    reason: str | None = None


def build_enricher(settings: Settings) -> Enricher:
    """The enrichment core with the knowledge files the settings name (packaged ones by default)."""
    return Enricher(
        kb=load_kb(settings.kb_dir or None),
        taxonomy=load_taxonomy(settings.taxonomy_file or None),
        cleaner=Cleaner(settings.boilerplate_file or None, max_chars=settings.max_text_chars),
    )


# orjson reads JSON nested up to 1024 levels but writes at most 254: an article whose metadata
# (passed through into the enriched record) nests deeper could be read but never published.
MAX_NESTING = 200


def nesting_depth(value: object, limit: int = MAX_NESTING) -> int:
    """How deep lists and objects nest in `value`, counting stops once past `limit`."""
    deepest = 0
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        depth += 1
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                break
        stack.extend((child, depth) for child in item if isinstance(child, (dict, list)))
    return deepest


def decode(value: bytes | None, settings: Settings) -> dict:
    """Bytes to a schema-valid raw-article dict, or Rejected with a precise reason."""
    if value is None:
        raise Rejected("not_json", "message has no value (tombstone)")
    if len(value) > settings.max_message_bytes:
        raise Rejected("too_large", f"message is {len(value)} bytes; GEOWIRE_MAX_MESSAGE_BYTES is {settings.max_message_bytes}")
    try:
        raw = orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        try:
            value.decode("utf-8")
        except UnicodeDecodeError as uexc:
            raise Rejected("not_utf8", f"value is not UTF-8: {uexc.reason} at byte {uexc.start}") from None
        raise Rejected("not_json", f"value is not JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise Rejected("not_object", f"value is a JSON {type(raw).__name__}, not an object")
    given_id = raw.get("id") if isinstance(raw.get("id"), str) else None
    try:
        validate("raw-article", raw)
    except ContractError as exc:
        raise Rejected("invalid", f"not a raw article (schemas/raw-article.v1.json): {exc}", given_id) from None
    if nesting_depth(raw) > MAX_NESTING:
        raise Rejected("invalid", f"lists and objects nest deeper than {MAX_NESTING} levels", article_id(raw))
    for name in ("text", "html"):
        field = raw.get(name)
        if isinstance(field, str) and len(field) > settings.max_text_chars:
            raise Rejected(
                "too_large", f"'{name}' has {len(field)} characters; GEOWIRE_MAX_TEXT_CHARS is {settings.max_text_chars}", article_id(raw)
            )
    return raw


def process(
    value: bytes | None,
    key: bytes | None,
    origin: Origin,
    enricher: Enricher,
    settings: Settings,
    now: datetime | None = None,
) -> Outcome:
    """Decode, validate and enrich one message; never raises for bad input or a failing enrichment."""
    now = now or datetime.now(timezone.utc)
    try:
        raw = decode(value, settings)
        ident = article_id(raw)
        try:
            enriched = enricher.enrich(raw, now)
        except Exception as exc:  # one bad article must never stop the worker
            log.exception("enrichment failed for article %s (%s)", ident, origin)
            raise Rejected("enrich_failed", f"enrichment raised {type(exc).__name__}: {exc}", ident) from None
    except Rejected as rejected:
        record = deadletter(rejected, value, key, origin, settings.deadletter_keep_bytes, now)
        dl_key = rejected.article_id.encode("utf-8") if rejected.article_id else key
        return Outcome("deadletter", dl_key, record, rejected.reason)
    return Outcome("enriched", ident.encode("utf-8"), enriched)
