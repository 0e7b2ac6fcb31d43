"""Properties of the enrichment core on any input: it never raises, and every offset it reports
slices, in the field it names, to exactly the text it reports."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streams.enrich import Enricher

# Words the knowledge base knows, so that generated text does produce entities and tags.
KNOWN = [
    "Xi Jinping", "Xi", "Putin", "Vladimir Putin", "Russia", "China", "Moscow", "Beijing", "Kremlin", "Kyiv", "Kiev",
    "Ukraine", "Zelensky", "NATO", "Nato", "EU", "the UN", "Russian", "Chinese", "partnership", "alliance", "war",
    "invasion", "troops", "sanctions", "signed", "deal", "talks", "met", ".", ",", "\n", "\n\n", " ", "“", "”",
    "U.S.", "Mr.", "<p>", "</p>", "<br>", "&amp;", "Advertisement", "Related Posts", "\u00a0", "\u200b", "İ", "ß", "ﬁ",
]
words = st.one_of(st.sampled_from(KNOWN), st.text(max_size=12))
prose = st.lists(words, max_size=40).map(" ".join)
any_text = st.one_of(st.text(max_size=300), prose)
maybe = st.one_of(st.none(), any_text)

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    return Enricher()


def offsets_hold(article: dict) -> None:
    fields = {"title": article["title"] or "", "text": article["text"]}
    for entity in article["entities"]:
        for mention in entity["mentions"]:
            source = fields[mention["field"]]
            assert 0 <= mention["start"] < mention["end"] <= len(source), mention
            assert source[mention["start"] : mention["end"]] == mention["text"], mention
    for tag in article["tags"]:
        assert 0.0 <= tag["score"] <= 1.0
        for evidence in tag["evidence"]:
            source = fields[evidence["field"]]
            assert 0 <= evidence["start"] <= evidence["end"] <= len(source), evidence
            assert source[evidence["start"] : evidence["end"]] == evidence["text"], evidence


@PROPERTY
@given(text=any_text, title=maybe)
def test_any_text_and_title(enricher: Enricher, text: str, title: str | None) -> None:
    article = enricher.enrich({"url": "https://example.org/p", "text": text, "title": title})
    offsets_hold(article)


@PROPERTY
@given(html=any_text, title=maybe)
def test_any_html(enricher: Enricher, html: str, title: str | None) -> None:
    article = enricher.enrich({"url": "https://example.org/p", "html": html, "title": title})
    offsets_hold(article)


@PROPERTY
@given(text=prose, html=maybe, language=st.one_of(st.none(), st.text(max_size=8)), published=maybe)
def test_any_combination_of_fields(enricher: Enricher, text: str, html: str | None, language, published) -> None:
    raw = {"url": "https://example.org/p", "text": text, "html": html, "language": language, "published_at": published}
    article = enricher.enrich(raw)
    offsets_hold(article)
    assert len(article["reference_date"]) == 10
