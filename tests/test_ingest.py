"""Decoding, validation and dead letters for single messages, without Kafka."""

from __future__ import annotations

import base64
from datetime import datetime, timezone

import orjson
import pytest

from streams.contracts import validate
from streams.deadletter import Origin
from streams.ingest import build_enricher, process
from streams.settings import from_env

SETTINGS = from_env({"GEOWIRE_MAX_MESSAGE_BYTES": "2000", "GEOWIRE_MAX_TEXT_CHARS": "500", "GEOWIRE_DEADLETTER_KEEP_BYTES": "100"})
ORIGIN = Origin("articles.raw", 3, 42)
NOW = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


class ExplodingEnricher:
    """Stands in for an enrichment bug: raises on every article."""

    def enrich(self, raw: dict, now: datetime | None = None) -> dict:
        raise ZeroDivisionError("division by zero")


@pytest.fixture(scope="module")
def enricher():
    return build_enricher(SETTINGS)


@pytest.mark.parametrize(
    ("value", "reason", "phrase"),
    [
        (b"{not json", "not_json", "not JSON"),
        (b"\xc3\x28 invalid", "not_utf8", "not UTF-8"),
        (b"[]", "not_object", "list"),
        (b"null", "not_object", "NoneType"),
        (b'{"text": "x"}', "invalid", "url"),
        (b'{"url": "example.org/no-scheme", "text": "x"}', "invalid", "url"),
        (b'{"url": "https://e.org/a", "text": 1}', "invalid", "text"),
        (b'{"url": "https://e.org/a", "html": ""}', "invalid", "'text' or 'html'"),
        (b'{"url": "https://e.org/a", "text": "x", "metadata": "not an object"}', "invalid", "metadata"),
        (b'{"url": "https://e.org/a", "text": "' + b"a" * 600 + b'"}', "too_large", "GEOWIRE_MAX_TEXT_CHARS"),
        (b'{"url": "https://e.org/a", "text": "' + b"a" * 3000 + b'"}', "too_large", "GEOWIRE_MAX_MESSAGE_BYTES"),
        (None, "not_json", "tombstone"),
    ],
)
def test_bad_message_becomes_a_dead_letter_with_a_precise_reason(enricher, value, reason, phrase) -> None:
    outcome = process(value, b"k", ORIGIN, enricher, SETTINGS, NOW)

    assert outcome.kind == "deadletter"
    letter = outcome.value
    validate("deadletter", letter)
    assert letter["reason"] == reason
    assert phrase in letter["error"]
    assert letter["source"] == {"topic": "articles.raw", "partition": 3, "offset": 42}
    assert letter["at"] == "2024-01-02T03:04:05Z"
    kept = base64.b64decode(letter["original"])
    assert kept == (value or b"")[:100]
    assert letter["truncated"] == (len(value or b"") > 100)
    assert letter["original_size"] == len(value or b"")


def test_exception_inside_enrichment_dead_letters_that_article_only() -> None:
    raw = {"id": "boom", "url": "https://e.org/a", "text": "Text."}

    outcome = process(orjson.dumps(raw), None, ORIGIN, ExplodingEnricher(), SETTINGS, NOW)

    assert outcome.kind == "deadletter"
    assert outcome.value["reason"] == "enrich_failed"
    assert "ZeroDivisionError" in outcome.value["error"]
    assert outcome.value["article_id"] == "boom"
    assert outcome.key == b"boom"


def test_good_article_is_enriched_and_keeps_the_crawler_id(enricher) -> None:
    raw = {"id": "crawler-7", "url": "https://e.org/a", "title": "Talks", "text": "Officials met in Vienna.", "metadata": {"x": 1}}

    outcome = process(orjson.dumps(raw), None, ORIGIN, enricher, SETTINGS, NOW)

    assert outcome.kind == "enriched"
    assert outcome.key == b"crawler-7"
    validate("enriched-article", outcome.value)
    assert outcome.value["id"] == "crawler-7"
    assert outcome.value["metadata"] == {"x": 1}
    assert outcome.value["enriched_at"] == "2024-01-02T03:04:05Z"


def test_unparseable_published_at_falls_back_to_processing_date(enricher) -> None:
    raw = {"url": "https://e.org/a", "text": "Officials met.", "published_at": "last Tuesday"}

    outcome = process(orjson.dumps(raw), None, ORIGIN, enricher, SETTINGS, NOW)

    assert outcome.kind == "enriched"
    assert outcome.value["published_at"] == "last Tuesday"
    assert outcome.value["reference_date"] == "2024-01-02"


@pytest.mark.parametrize(
    ("published_at", "expected"),
    [
        ("2023-03-17", "2023-03-17"), ("2023-03-17T23:30:00+00:00", "2023-03-17"), ("Fri, 17 Mar 2023 10:00:00 GMT", "2023-03-17"),
        ("March 17, 2023", "2023-03-17"), ("17 Mar 2023 10:15 GMT", "2023-03-17"), ("Updated: Friday, March 17, 2023, 10:15 p.m.", "2023-03-17"),
    ],
)
def test_published_at_sets_the_reference_date(enricher, published_at, expected) -> None:
    raw = {"url": "https://e.org/a", "text": "Officials met.", "published_at": published_at}

    assert process(orjson.dumps(raw), None, ORIGIN, enricher, SETTINGS, NOW).value["reference_date"] == expected


@pytest.mark.parametrize("published_at", [None, "last Tuesday"])
def test_without_a_readable_published_at_the_url_dates_the_article(enricher, published_at) -> None:
    raw = {"url": "https://e.org/2023/03/17/qin-gang-meets-lavrov/", "published_at": published_at,
           "text": "China's foreign minister Qin Gang met Sergei Lavrov in Moscow on Friday."}

    value = process(orjson.dumps(raw), None, ORIGIN, enricher, SETTINGS, NOW).value

    assert value["reference_date"] == "2023-03-17"
    assert value["published_at"] == published_at  # passed through as the crawler sent it
    [qin] = [e for e in value["entities"] if e["kb_id"] == "person:qin-gang"]
    assert "Minister of Foreign Affairs of China" in [role["title"] for role in qin["roles"]]  # his office in March 2023
