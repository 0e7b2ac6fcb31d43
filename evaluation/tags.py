"""Tag quality: run the enrichment core over the labelled articles and score its tags.

    python -m evaluation.tags [--fixtures DIR ...] [--json] [--show-errors] [--pages DIR | --no-pages]

Reads every fixture in tests/fixtures/tags/ and tests/fixtures/entities/ (or the folders given),
plus the reference sample (../shared/samples/greekreporter-xi-russia.txt with its hand labels),
runs `Enricher().enrich(raw)` on each raw article and prints precision, recall and F1 per tag
and micro overall, and the false positives among the tricky negatives (tags an article looks
like but must not get). A progress line goes to stderr. The exit code is 0 whatever the scores.

The labelled crawled pages (tests/fixtures/pages) are scored in a section of their own, end to
end: the whole page, boilerplate and all, goes through the enrichment core, cleaning included.

The functions (`load_cases`, `evaluate`, `report`) are what tests/test_tag_quality.py uses.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .common import (
    ENTITY_FIXTURES_DIR,
    PAGE_FIXTURES_DIR,
    REFERENCE_RAW,
    SAMPLES_DIR,
    TAG_FIXTURES_DIR,
    FixtureError,
    load_fixtures,
    load_page_fixtures,
    load_reference_sample,
    prf,
    progress,
)

DEFAULT_DIRS = (TAG_FIXTURES_DIR, ENTITY_FIXTURES_DIR)
SAMPLES = SAMPLES_DIR
SAMPLE_ID = REFERENCE_RAW["id"]

MISSION_TAGS = ("russia-china-partnership", "ukraine-war")


@dataclass
class Case:
    """One labelled article: the raw article, its expected tags and the tags it must not get."""

    id: str
    raw: dict
    tags: frozenset[str]
    tricky_negative: frozenset[str] = frozenset()
    path: str | None = None


@dataclass
class Result:
    """Predictions and scores for a set of cases."""

    cases: list[Case]
    outputs: dict[str, dict] = field(default_factory=dict)  # case id -> enriched article
    predicted: dict[str, frozenset[str]] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)  # case id -> exception text
    per_tag: dict[str, dict] = field(default_factory=dict)
    micro: dict = field(default_factory=dict)
    tricky: dict[str, dict] = field(default_factory=dict)  # tag -> {"negatives": n, "false_positives": [ids]}
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def tricky_false_positives(self) -> int:
        return sum(len(t["false_positives"]) for t in self.tricky.values())


# --- loading -------------------------------------------------------------------------------


def case_from_fixture(data: dict) -> Case:
    """A Case from a fixture-shaped dict as `evaluation.common` loads it."""
    raw = data["raw"]
    labels = data["labels"]
    path = data.get("path")
    return Case(
        id=raw.get("id") or Path(path or "?").stem,
        raw=raw,
        tags=frozenset(labels.get("tags") or ()),
        tricky_negative=frozenset(labels.get("tricky_negative") or ()),
        path=path,
    )


def load_fixture_cases(dirs: Iterable[Path | str]) -> tuple[list[Case], list[str]]:
    """Every fixture in the given folders; notes for the folders that are absent or unusable."""
    cases: list[Case] = []
    notes: list[str] = []
    for folder in dirs:
        try:
            cases += [case_from_fixture(data) for data in load_fixtures(folder)]
        except FileNotFoundError:
            notes.append(f"fixtures folder {folder} not found, skipped")
        except FixtureError as exc:
            notes.append(f"unreadable fixture, folder {folder} skipped: {exc}")
    return cases, notes


def load_page_cases(folder: Path | str = PAGE_FIXTURES_DIR) -> tuple[list[Case], list[str]]:
    """The labelled crawled pages of `folder` as cases (the whole page as the raw article)."""
    try:
        return [case_from_fixture(page) for page in load_page_fixtures(folder)], []
    except FileNotFoundError:
        return [], [f"page fixtures folder {folder} not found, skipped"]
    except FixtureError as exc:
        return [], [f"unreadable page fixture, folder {folder} skipped: {exc}"]


def load_cases(
    dirs: Iterable[Path | str] = DEFAULT_DIRS, samples: Path | str | None = SAMPLES
) -> tuple[list[Case], list[str]]:
    """Fixture cases from `dirs` plus the reference sample (unless `samples` is None)."""
    cases, notes = load_fixture_cases(dirs)
    if samples is not None:
        sample = load_reference_sample(samples)
        if sample is None:
            notes.append(f"reference sample not found in {samples}, skipped")
        else:
            cases.append(case_from_fixture(sample))
    seen: set[str] = set()
    for case in cases:
        if case.id in seen:
            notes.append(f"duplicate article id {case.id} ({case.path})")
        seen.add(case.id)
        both = case.tags & case.tricky_negative
        if both:
            notes.append(f"{case.id}: {sorted(both)} both labelled and tricky negative")
    return cases, notes


# --- scoring -------------------------------------------------------------------------------


def scores(tp: int, fp: int, fn: int) -> dict:
    """`evaluation.common.prf` plus the support (labelled positives)."""
    return {**prf(tp, fp, fn), "support": tp + fn}


def score(cases: list[Case], predicted: dict[str, frozenset[str]]) -> tuple[dict[str, dict], dict, dict[str, dict]]:
    """Per-tag scores, micro overall and tricky-negative false positives."""
    counts: dict[str, list[int]] = {}
    tricky: dict[str, dict] = {}
    for case in cases:
        got = predicted.get(case.id, frozenset())
        for tag in case.tags | got:
            tp_fp_fn = counts.setdefault(tag, [0, 0, 0])
            tp_fp_fn[0 if tag in case.tags and tag in got else 1 if tag in got else 2] += 1
        for tag in case.tricky_negative:
            entry = tricky.setdefault(tag, {"negatives": 0, "false_positives": []})
            entry["negatives"] += 1
            if tag in got:
                entry["false_positives"].append(case.id)
    per_tag = {tag: scores(*counts[tag]) for tag in sorted(counts)}
    micro = scores(*(sum(c[i] for c in counts.values()) for i in range(3)))
    return per_tag, micro, dict(sorted(tricky.items()))


# --- running -------------------------------------------------------------------------------

Predictor = Callable[[dict], dict]


def default_predictor() -> Predictor:
    from streams.enrich import Enricher

    return Enricher().enrich


def evaluate(
    cases: list[Case],
    predict: Predictor | None = None,
    show_progress: bool = False,
    notes: list[str] | None = None,
) -> Result:
    """Enrich every case's raw article with `predict` (the enrichment core by default) and score."""
    predict = predict or default_predictor()
    result = Result(cases=cases, notes=list(notes or ()))
    started = time.perf_counter()
    for n, case in enumerate(cases, 1):
        try:
            out = predict(case.raw)
        except Exception as exc:  # one failing article must not hide the others' scores
            result.failures[case.id] = f"{type(exc).__name__}: {exc}"
            out = {"tags": []}
        result.outputs[case.id] = out
        result.predicted[case.id] = frozenset(t["id"] for t in out.get("tags") or ())
        if show_progress:
            progress(n, len(cases), f"tags {case.id}")
    result.seconds = time.perf_counter() - started
    result.per_tag, result.micro, result.tricky = score(cases, result.predicted)
    return result


def run(dirs: Iterable[Path | str] = DEFAULT_DIRS, samples: Path | str | None = SAMPLES,
        predict: Predictor | None = None, show_progress: bool = False) -> Result:
    """Load the cases and evaluate them in one call."""
    cases, notes = load_cases(dirs, samples)
    return evaluate(cases, predict, show_progress, notes)


# --- reporting -----------------------------------------------------------------------------


def errors(result: Result) -> list[dict]:
    """False positives (with their evidence sentences) and false negatives, by article."""
    rows: list[dict] = []
    for case in result.cases:
        got = result.predicted.get(case.id, frozenset())
        out = result.outputs.get(case.id, {})
        emitted = {t["id"]: t for t in out.get("tags") or ()}
        for tag in sorted(got - case.tags):
            evidence = [e.get("text", "") for e in emitted[tag].get("evidence") or ()]
            rows.append({"kind": "FP", "id": case.id, "tag": tag, "tricky": tag in case.tricky_negative,
                         "rule": emitted[tag].get("rule"), "evidence": evidence})
        for tag in sorted(case.tags - got):
            rows.append({"kind": "FN", "id": case.id, "tag": tag})
    return rows


def as_json(result: Result, show_errors: bool = False) -> dict:
    data = {
        "articles": len(result.cases),
        "seconds": round(result.seconds, 3),
        "per_tag": result.per_tag,
        "micro": result.micro,
        "tricky_negatives": result.tricky,
        "tricky_false_positives": result.tricky_false_positives(),
        "failures": result.failures,
        "notes": result.notes,
    }
    if show_errors:
        data["errors"] = errors(result)
    return data


def report(result: Result, show_errors: bool = False) -> str:
    """The human-readable table."""
    lines = [f"tag evaluation: {len(result.cases)} articles, {result.seconds:.2f} s"]
    lines += [f"note: {note}" for note in result.notes]
    return "\n".join(lines + _table(result, show_errors))


def page_report(result: Result, show_errors: bool = False) -> str:
    """The crawled pages' section: the same table, under its own heading."""
    lines = [f"crawled pages: {len(result.cases)} pages, end to end (cleaning included), {result.seconds:.2f} s"]
    lines += [f"note: {note}" for note in result.notes]
    micro = result.micro
    lines.append(f"crawled pages: micro P={micro['precision']:.3f}  R={micro['recall']:.3f}  F1={micro['f1']:.3f}  "
                 f"(tp={micro['tp']} fp={micro['fp']} fn={micro['fn']}), "
                 f"false positives among tricky negatives {result.tricky_false_positives()}")
    return "\n".join(lines + _table(result, show_errors))


def _table(result: Result, show_errors: bool) -> list[str]:
    lines = []
    width = max([len("micro overall")] + [len(t) for t in result.per_tag])
    lines.append(f"{'tag':<{width}}  {'support':>7}  {'tp':>4}  {'fp':>4}  {'fn':>4}  {'prec':>6}  {'recall':>6}  {'f1':>6}")
    for tag, s in list(result.per_tag.items()) + [("micro overall", result.micro)]:
        lines.append(f"{tag:<{width}}  {s['support']:>7}  {s['tp']:>4}  {s['fp']:>4}  {s['fn']:>4}  "
                     f"{s['precision']:>6.3f}  {s['recall']:>6.3f}  {s['f1']:>6.3f}")
    lines.append(f"false positives among tricky negatives: {result.tricky_false_positives()}")
    for tag, t in result.tricky.items():
        ids = ", ".join(t["false_positives"])
        lines.append(f"  {tag:<{width}}  {len(t['false_positives'])}/{t['negatives']}" + (f"  ({ids})" if ids else ""))
    for case_id, failure in result.failures.items():
        lines.append(f"failed: {case_id}: {failure}")
    if show_errors:
        lines.append("errors:")
        for row in errors(result):
            if row["kind"] == "FN":
                lines.append(f"  FN {row['id']}  {row['tag']}")
                continue
            mark = " (tricky negative)" if row["tricky"] else ""
            lines.append(f"  FP {row['id']}  {row['tag']}{mark}  rule={row['rule']}")
            lines += [f"       evidence: {' '.join(e.split())}" for e in row["evidence"]]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evaluation.tags", description=__doc__.splitlines()[0])
    parser.add_argument("--fixtures", nargs="+", metavar="DIR", help="fixture folders (default: tests/fixtures/tags and tests/fixtures/entities)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--show-errors", action="store_true", help="list false positives (with evidence) and false negatives")
    pages_group = parser.add_mutually_exclusive_group()
    pages_group.add_argument("--pages", metavar="DIR", default=PAGE_FIXTURES_DIR,
                             help="folder of labelled crawled pages (default: tests/fixtures/pages)")
    pages_group.add_argument("--no-pages", action="store_true", help="leave the crawled pages out")
    args = parser.parse_args(argv)
    predict = default_predictor()
    result = run(args.fixtures or DEFAULT_DIRS, SAMPLES, predict=predict, show_progress=True)
    pages = None
    if not args.no_pages:
        page_cases, notes = load_page_cases(args.pages)
        pages = evaluate(page_cases, predict, show_progress=True, notes=notes)
    if args.json:
        data = as_json(result, args.show_errors)
        if pages is not None:
            data["crawled_pages"] = as_json(pages, args.show_errors)
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print(report(result, args.show_errors))
        if pages is not None:
            print(page_report(pages, args.show_errors))
    return 0


if __name__ == "__main__":
    sys.exit(main())
