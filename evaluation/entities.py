"""Entity quality: precision, recall and F1 per entity type against the labelled articles.

    python -m evaluation.entities [--fixtures DIR ...] [--json] [--show-errors] [--no-reference]
                                  [--pages DIR | --no-pages]

Runs the enrichment core (`Enricher().enrich(raw)`) on every labelled article that carries entity
labels (by default those in tests/fixtures/entities and tests/fixtures/tags) plus the reference
sample from ../shared/samples, and scores the output entities against the labels.

Crawled pages (tests/fixtures/pages, those with labels) are scored apart, end to end: the whole
page, navigation, ads, bylines, related links and comments included, goes through the enrichment
core, cleaning and all. Their labels name what the article's title, standfirst and story name, so
an entity found only in boilerplate the cleaner kept is a false positive; each false positive is
shown with where on the page it was found (a story paragraph, a boilerplate line, another line).

Matching, per article and per type: a predicted entity of type T matches a label of type T when
the normalised label equals the normalised predicted `name` or the normalised surface text of
any of its mentions. Each label matches at most one prediction and each prediction at most one
label (a maximum matching, so the order of labels does not matter). Unmatched predictions are
false positives, unmatched labels false negatives.

Role accuracy: of the labelled persons with a role, the share whose matched output entity lists
that role among its `roles` titles (an unmatched person counts as wrong).

States: articles whose labels carry `states` (ISO alpha-3 codes, `EU` for the Union as an actor)
are also scored on the output's aggregated `states` list: precision, recall and F1 of the codes.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .common import (
    ENTITY_FIXTURES_DIR,
    ENTITY_TYPES,
    PAGE_FIXTURES_DIR,
    TAG_FIXTURES_DIR,
    Counts,
    format_row,
    load_fixtures,
    load_page_fixtures,
    load_reference_sample,
    progress,
)

_APOSTROPHE_S = ("'s", "’s")


def normalise(name: str) -> str:
    """The form names are compared in: no accents, casefolded, no leading "the ", no trailing 's."""
    decomposed = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    text = " ".join(text.casefold().split())
    if text.startswith("the "):
        text = text[4:].lstrip()
    for suffix in _APOSTROPHE_S:
        if text.endswith(suffix):
            text = text[: -len(suffix)].rstrip()
            break
    return text


def prediction_forms(entity: dict) -> set[str]:
    """Every normalised form a predicted entity may match by: its name and its mentions' texts."""
    forms = {normalise(entity.get("name") or "")}
    for mention in entity.get("mentions") or ():
        forms.add(normalise(mention.get("text") or ""))
    forms.discard("")
    return forms


def _max_matching(labels: list[str], candidates: list[set[str]]) -> dict[int, int]:
    """Maximum bipartite matching of labels to candidates (label index -> candidate index)."""
    owner: dict[int, int] = {}  # candidate index -> label index

    def augment(li: int, seen: set[int]) -> bool:
        for ci, forms in enumerate(candidates):
            if ci in seen or labels[li] not in forms:
                continue
            seen.add(ci)
            if ci not in owner or augment(owner[ci], seen):
                owner[ci] = li
                return True
        return False

    for li in range(len(labels)):
        augment(li, set())
    return {li: ci for ci, li in owner.items()}


@dataclass
class TypeResult:
    """One article, one entity type: what matched and what did not."""

    matched: list[tuple[str, dict]] = field(default_factory=list)  # (label, prediction)
    false_positives: list[dict] = field(default_factory=list)
    false_negatives: list[str] = field(default_factory=list)
    # Crawled pages: where each false positive was found, in the order of `false_positives`.
    origins: list[str] = field(default_factory=list)

    def counts(self) -> Counts:
        return Counts(len(self.matched), len(self.false_positives), len(self.false_negatives))


@dataclass
class ArticleResult:
    id: str
    types: dict[str, TypeResult]
    roles_correct: list[str] = field(default_factory=list)
    roles_wrong: list[tuple[str, str, list[str]]] = field(default_factory=list)  # person, want, got
    states_missed: list[str] = field(default_factory=list)
    states_extra: list[str] = field(default_factory=list)
    states_found: int | None = None  # None: the article has no state labels
    error: str | None = None
    seconds: float = 0.0

    def counts(self, kind: str | None = None) -> Counts:
        total = Counts()
        for name, result in self.types.items():
            if kind is None or name == kind:
                total += result.counts()
        return total


def state_code(state: dict) -> str:
    """`country:UKR` -> `UKR`; `org:eu` -> `EU`."""
    return str(state.get("kb_id") or "").partition(":")[2].upper()


def score_article(labels: dict, entities: list[dict], article_id: str = "", states: list[dict] | None = None) -> ArticleResult:
    """Score one article's output `entities` (and `states`) against its `labels` (the fixture's "labels")."""
    wanted = labels.get("entities") or {}
    types: dict[str, TypeResult] = {}
    for kind in ENTITY_TYPES:
        names: dict[str, str] = {}  # normalised -> label as written (duplicates collapse)
        for name in wanted.get(kind) or ():
            names.setdefault(normalise(name), name)
        norm_labels = list(names)
        predicted = [e for e in entities if e.get("type") == kind]
        pairs = _max_matching(norm_labels, [prediction_forms(e) for e in predicted])
        result = TypeResult()
        for li, norm in enumerate(norm_labels):
            if li in pairs:
                result.matched.append((names[norm], predicted[pairs[li]]))
            else:
                result.false_negatives.append(names[norm])
        used = set(pairs.values())
        result.false_positives = [e for ci, e in enumerate(predicted) if ci not in used]
        types[kind] = result

    article = ArticleResult(article_id, types)
    persons = {normalise(label): pred for label, pred in types["PERSON"].matched}
    for person, role in (labels.get("roles") or {}).items():
        pred = persons.get(normalise(person))
        got = [r.get("title") or "" for r in (pred or {}).get("roles") or ()]
        if pred is not None and normalise(role) in {normalise(t) for t in got}:
            article.roles_correct.append(person)
        else:
            article.roles_wrong.append((person, role, got if pred is not None else ["(not found)"]))
    if labels.get("states") is not None:
        want = {code.upper() for code in labels["states"]}
        got_codes = {state_code(s) for s in states or ()}
        article.states_found = len(want & got_codes)
        article.states_missed = sorted(want - got_codes)
        article.states_extra = sorted(got_codes - want)
    return article


@dataclass
class Report:
    articles: list[ArticleResult]
    reference: ArticleResult | None = None
    notes: list[str] = field(default_factory=list)

    def counts(self, kind: str | None = None) -> Counts:
        total = Counts()
        for article in self.articles:
            total += article.counts(kind)
        return total

    def origins(self) -> dict[str, int]:
        """Crawled pages: how many false positives were found where (see `false_positive_origin`)."""
        counts = dict.fromkeys(ORIGINS, 0)
        for article in self.articles:
            for result in article.types.values():
                for origin in result.origins:
                    counts[origin.partition(":")[0]] += 1
        return counts

    def scores(self) -> dict:
        """Figures per type and micro overall, with role accuracy."""
        out = {kind: self.counts(kind).scores() for kind in ENTITY_TYPES}
        out["overall"] = self.counts().scores()
        correct = sum(len(a.roles_correct) for a in self.articles)
        total = correct + sum(len(a.roles_wrong) for a in self.articles)
        out["roles"] = {
            "correct": correct,
            "total": total,
            "accuracy": correct / total if total else None,
        }
        labelled = [a for a in self.articles if a.states_found is not None]
        states = Counts()
        for a in labelled:
            states += Counts(a.states_found or 0, len(a.states_extra), len(a.states_missed))
        out["states"] = {**states.scores(), "articles": len(labelled)} if labelled else None
        return out


# Where on a crawled page a false positive was found, most telling first.
ORIGINS = ("story", "boilerplate", "other", "title")


def _squeeze(line: str) -> str:
    return " ".join(line.split())


def _mention_lines(entity: dict, enriched: dict) -> list[tuple[str, str]]:
    """(field, line) of each mention: the whole line of the output text the mention lies on."""
    found = []
    for mention in entity.get("mentions") or ():
        where = mention.get("field") or "text"
        source = enriched.get(where) or ""
        start, end = mention.get("start", 0), mention.get("end", 0)
        line_end = source.find("\n", end)
        found.append((where, source[source.rfind("\n", 0, start) + 1 : line_end if line_end != -1 else len(source)]))
    return found


def false_positive_origin(page: dict, entity: dict, enriched: dict) -> str:
    """Where a false positive on a crawled page comes from: ``story`` (a story paragraph: the
    entity side's error), ``boilerplate: <line>`` (a line listed as boilerplate the cleaner
    kept), ``other: <line>`` (a line in neither list, such as a standfirst or an unlisted menu
    item) or ``title``."""
    story = {_squeeze(p) for p in page.get("story") or ()}
    boilerplate = {_squeeze(b) for b in page.get("boilerplate") or ()}
    kinds: dict[str, str] = {}
    for where, line in _mention_lines(entity, enriched):
        line = _squeeze(line)
        if where == "title":
            kinds.setdefault("title", "title")
        elif line in story:
            kinds.setdefault("story", "story")
        elif line in boilerplate:
            kinds.setdefault("boilerplate", f"boilerplate: {line}")
        else:
            kinds.setdefault("other", f"other: {line}")
    return next((kinds[k] for k in ORIGINS if k in kinds), "other")


def entity_fixtures(folders: list[str | Path] | None = None) -> list[dict]:
    """Labelled articles with entity labels from `folders` (default: the entities and tags sets)."""
    if folders is None:
        folders = [d for d in (ENTITY_FIXTURES_DIR, TAG_FIXTURES_DIR) if Path(d).is_dir()]
    fixtures: list[dict] = []
    for folder in folders:
        fixtures += [f for f in load_fixtures(folder) if f["labels"].get("entities")]
    return fixtures


def evaluate(
    fixtures: list[dict],
    enrich=None,
    reference: dict | None = None,
    show_progress: bool = False,
) -> Report:
    """Run `enrich` (default `Enricher().enrich`) over the fixtures (and the reference) and score.

    `enrich` takes a raw article and returns an enriched-article dict; an article it fails on
    scores as if nothing had been found, with the error kept on its result.
    """
    if enrich is None:
        from streams.enrich import Enricher

        enrich = Enricher().enrich
    items = list(fixtures) + ([reference] if reference is not None else [])
    report = Report([])
    for i, fixture in enumerate(items, 1):
        raw = fixture["raw"]
        article_id = raw.get("id") or Path(fixture.get("path", "?")).stem
        started = time.perf_counter()
        error = None
        try:
            enriched = enrich(dict(raw))
            entities, states = enriched.get("entities") or [], enriched.get("states") or []
        except Exception as exc:  # noqa: BLE001 - one failing article must not stop the run
            entities, states, error = [], [], f"{type(exc).__name__}: {exc}"
        result = score_article(fixture["labels"], entities, article_id, states)
        result.error = error
        if "story" in fixture and error is None:  # a crawled page
            for kind_result in result.types.values():
                kind_result.origins = [false_positive_origin(fixture, e, enriched) for e in kind_result.false_positives]
        result.seconds = time.perf_counter() - started
        report.articles.append(result)
        if fixture is reference:
            report.reference = result
        if show_progress:
            progress(i, len(items), article_id)
    return report


def _describe(entity: dict) -> str:
    surfaces = sorted({m.get("text", "") for m in entity.get("mentions") or ()} - {entity.get("name")})
    extra = f" via {', '.join(repr(s) for s in surfaces)}" if surfaces else ""
    return f"{entity.get('name')!r}{extra}"


def error_lines(article: ArticleResult) -> list[str]:
    """What went wrong in one article, one line each (empty when it scored perfectly)."""
    lines = []
    if article.error:
        lines.append(f"  ERROR {article.error}")
    for kind, result in article.types.items():
        for label in result.false_negatives:
            lines.append(f"  FN {kind:<6} {label!r}")
        for n, entity in enumerate(result.false_positives):
            origin = f"  [{result.origins[n]}]" if n < len(result.origins) else ""
            lines.append(f"  FP {kind:<6} {_describe(entity)}{origin}")
    for person, want, got in article.roles_wrong:
        lines.append(f"  ROLE   {person!r}: want {want!r}, got {got}")
    if article.states_missed:
        lines.append(f"  STATES missing {', '.join(article.states_missed)}")
    if article.states_extra:
        lines.append(f"  STATES extra {', '.join(article.states_extra)}")
    return lines


def _article_json(article: ArticleResult) -> dict:
    return {
        "id": article.id,
        "error": article.error,
        "false_negatives": {k: r.false_negatives for k, r in article.types.items() if r.false_negatives},
        "false_positives": {
            k: [e.get("name") for e in r.false_positives] for k, r in article.types.items() if r.false_positives
        },
        "roles_wrong": [{"person": p, "expected": w, "got": g} for p, w, g in article.roles_wrong],
        "states_missing": article.states_missed,
        "states_extra": article.states_extra,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evaluation.entities", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--fixtures",
        action="append",
        metavar="DIR",
        help="folder of labelled articles (repeatable; default: tests/fixtures/entities and tests/fixtures/tags)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--show-errors", action="store_true", help="list false positives/negatives per article")
    parser.add_argument("--no-reference", action="store_true", help="leave the reference sample out")
    pages_group = parser.add_mutually_exclusive_group()
    pages_group.add_argument(
        "--pages", metavar="DIR", default=PAGE_FIXTURES_DIR, help="folder of labelled crawled pages (default: tests/fixtures/pages)"
    )
    pages_group.add_argument("--no-pages", action="store_true", help="leave the crawled pages out")
    args = parser.parse_args(argv)

    fixtures = entity_fixtures(args.fixtures)
    notes = []
    reference = None
    if not args.no_reference:
        reference = load_reference_sample()
        if reference is None:
            notes.append("reference sample not found in ../shared/samples: skipped")
    pages: list[dict] = []
    if not args.no_pages:
        try:
            pages = load_page_fixtures(args.pages)
        except FileNotFoundError:
            notes.append(f"page fixtures folder {args.pages} not found: skipped")
    for note in notes:
        print(f"note: {note}", file=sys.stderr)

    from streams.enrich import Enricher

    enrich = Enricher().enrich
    started = time.perf_counter()
    report = evaluate(fixtures, enrich=enrich, reference=reference, show_progress=True)
    elapsed = time.perf_counter() - started
    scores = report.scores()
    page_report = evaluate(pages, enrich=enrich, show_progress=True) if pages else None

    if args.json:
        out = {
            "articles": len(report.articles),
            "fixtures": len(fixtures),
            "reference_included": reference is not None,
            "seconds": round(elapsed, 3),
            **scores,
        }
        if report.reference is not None:
            ref = report.reference
            out["reference"] = {
                "missing": {k: r.false_negatives for k, r in ref.types.items() if r.false_negatives},
                "roles_wrong": [p for p, _, _ in ref.roles_wrong],
                **ref.counts().scores(),
            }
        if args.show_errors:
            out["errors"] = [_article_json(a) for a in report.articles if error_lines(a)]
        if page_report is not None:
            out["crawled_pages"] = {"articles": len(page_report.articles), **page_report.scores(),
                                    "false_positives_by_origin": page_report.origins()}
            if args.show_errors:
                out["crawled_pages"]["errors"] = [_article_json(a) for a in page_report.articles if error_lines(a)]
        out["notes"] = notes
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 0

    print(
        f"entity evaluation: {len(report.articles)} articles ({len(fixtures)} labelled"
        f"{' + reference sample' if reference is not None else ''}), {elapsed:.2f}s"
    )
    for kind in ENTITY_TYPES:
        print(format_row(kind, scores[kind]))
    print(format_row("micro", scores["overall"]))
    roles = scores["roles"]
    accuracy = "n/a" if roles["accuracy"] is None else f"{roles['accuracy']:.3f}"
    print(f"{'roles':<10} accuracy={accuracy}  ({roles['correct']}/{roles['total']})")
    if scores["states"] is not None:
        print(f"{format_row('states', scores['states'])}  over {scores['states']['articles']} articles labelled with states")
    if report.reference is not None:
        ref = report.reference
        missing = sum(len(r.false_negatives) for r in ref.types.values())
        print(
            f"reference  {format_row('', ref.counts().scores()).strip()}; "
            f"missing {missing}, roles wrong {len(ref.roles_wrong)}"
        )
    if page_report is not None:
        print("\n".join(page_lines(page_report)))
    if args.show_errors:
        for article in report.articles + (page_report.articles if page_report is not None else []):
            lines = error_lines(article)
            if lines:
                print(f"\n{article.id}")
                print("\n".join(lines))
    return 0


def page_lines(report: Report) -> list[str]:
    """The crawled pages' section of the report: figures per type, roles, where the false positives were found."""
    scores = report.scores()
    lines = [f"crawled pages: {len(report.articles)} pages, end to end (cleaning included)"]
    lines += [f"crawled pages: {format_row(kind, scores[kind])}" for kind in ENTITY_TYPES]
    lines.append(f"crawled pages: {format_row('micro', scores['overall'])}")
    roles = scores["roles"]
    accuracy = "n/a" if roles["accuracy"] is None else f"{roles['accuracy']:.3f}"
    lines.append(f"crawled pages: {'roles':<10} accuracy={accuracy}  ({roles['correct']}/{roles['total']})")
    origins = report.origins()
    lines.append(
        f"crawled pages: false positives from story text {origins['story']}, from boilerplate lines "
        f"{origins['boilerplate']}, from other page lines {origins['other']}, from titles {origins['title']}"
    )
    return lines


if __name__ == "__main__":
    sys.exit(main())
