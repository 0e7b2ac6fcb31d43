"""Whole crawled pages: the cleaner keeps every story paragraph and drops the page's boilerplate.

Each fixture in `tests/fixtures/pages/` is one page as a crawler sends it, laid out as a kind of
news site lays out its pages (wire service, newspaper, WordPress site, broadcaster, think tank,
newsletter, live blog, press release, aggregator, comment section, paywall): `page` is the
visible text (one block per line) or, with `kind: html`, the HTML; `story` lists the paragraphs
that must come out exactly as written, `boilerplate` the lines that must not come out at all.
Lines of the page in neither list (a standfirst, a site's name) are not checked. `labels` (the
entities and tags of the article's title, standfirst and story, as tests/fixtures/LABELLING.md
describes) are what `python -m evaluation.entities` and `python -m evaluation.tags` score the whole
page against, end to end.

`python -m tests.test_clean_pages` prints, per fixture and in all, how many story paragraphs
were kept and how many boilerplate lines removed, with the lines that were not.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from evaluation.common import load_page_fixtures
from streams.enrich.clean import Cleaner, normalise_text

PAGES = Path(__file__).parent / "fixtures" / "pages"
FIXTURES = sorted(PAGES.glob("*.json"))


@dataclass
class PageScore:
    name: str
    story: int
    boilerplate: int
    lost: list[str] = field(default_factory=list)  # story paragraphs not in the cleaned text
    left: list[str] = field(default_factory=list)  # boilerplate lines still in it

    @property
    def kept(self) -> int:
        return self.story - len(self.lost)

    @property
    def removed(self) -> int:
        return self.boilerplate - len(self.left)


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def score(cleaner: Cleaner, path: Path) -> PageScore:
    """What the cleaner makes of one fixture."""
    page = load(path)
    text, html = (None, page["page"]) if page["kind"] == "html" else (page["page"], None)
    lines = set(cleaner(page["title"], text, html, "en").text.split("\n"))
    story = [normalise_text(p) for p in page["story"]]
    boilerplate = [normalise_text(b) for b in page["boilerplate"]]
    return PageScore(
        path.stem,
        len(story),
        len(boilerplate),
        lost=[p for p in story if p not in lines],
        left=[b for b in boilerplate if b in lines],
    )


@pytest.fixture(scope="module")
def cleaner() -> Cleaner:
    return Cleaner()


def test_there_are_page_fixtures_of_both_kinds():
    kinds = [load(path)["kind"] for path in FIXTURES]
    assert len(kinds) >= 12 and kinds.count("html") >= 2 and kinds.count("text") >= 10


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_fixture_is_well_formed(path):
    page = load(path)
    assert {"title", "layout", "kind", "page", "story", "boilerplate"} <= set(page)
    assert page["kind"] in ("text", "html") and page["story"] and page["boilerplate"]
    if page["kind"] == "text":
        lines = page["page"].split("\n")
        missing = [line for line in page["story"] + page["boilerplate"] if line not in lines]
        assert not missing, f"{path.name}: listed lines not on the page: {missing}"
    overlap = set(page["story"]) & set(page["boilerplate"])
    assert not overlap, f"{path.name}: lines both story and boilerplate: {overlap}"


def test_every_page_is_labelled():
    pages = load_page_fixtures(PAGES)
    assert len(pages) == len(FIXTURES)
    ids = [page["raw"]["id"] for page in pages]
    assert len(set(ids)) == len(ids)
    for page in pages:
        labels, where = page["labels"], page["path"]
        entities = labels["entities"]
        assert any(entities.values()), where
        assert not set(labels["tags"]) & set(labels.get("tricky_negative", [])), where
        assert set(labels.get("roles", {})) <= set(entities.get("PERSON", [])), f"{where}: roles for unlabelled persons"
        names = [name for kind in entities.values() for name in kind]
        assert len(names) == len(set(names)), f"{where}: a name labelled twice"


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_every_story_paragraph_is_kept(cleaner, path):
    found = score(cleaner, path)
    assert not found.lost, f"{path.name}: {len(found.lost)} of {found.story} story paragraphs lost:\n" + "\n".join(found.lost)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_no_boilerplate_line_survives(cleaner, path):
    found = score(cleaner, path)
    assert not found.left, f"{path.name}: {len(found.left)} of {found.boilerplate} boilerplate lines left:\n" + "\n".join(found.left)


def summary(cleaner: Cleaner | None = None) -> str:
    """Per fixture and in all: story paragraphs kept / total, boilerplate lines removed / total."""
    cleaner = cleaner or Cleaner()
    scores = [score(cleaner, path) for path in FIXTURES]
    rows = [f"{'fixture':<28} {'story kept':>11} {'boilerplate removed':>20}"]
    for s in scores:
        rows.append(f"{s.name:<28} {s.kept:>5}/{s.story:<5} {s.removed:>13}/{s.boilerplate:<6}")
        rows += [f"    lost: {line}" for line in s.lost] + [f"    left: {line}" for line in s.left]
    kept, story = sum(s.kept for s in scores), sum(s.story for s in scores)
    removed, boilerplate = sum(s.removed for s in scores), sum(s.boilerplate for s in scores)
    rows.append(f"{'all':<28} {kept:>5}/{story:<5} {removed:>13}/{boilerplate:<6}")
    return "\n".join(rows)


if __name__ == "__main__":
    print(summary())
