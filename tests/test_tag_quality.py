"""Tag quality targets on the labelled articles and the reference sample (see evaluation/tags.py).

Targets: F1 >= 0.95 for the mission tags, F1 >= 0.85 for every other tag with at least five
labelled positives, no false positive among the tricky negatives; the reference sample gets both
mission tags with evidence inside its cleaned text; every emitted tag is well formed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from evaluation import tags as evaluation  # noqa: E402

MISSION_F1 = 0.95
OTHER_F1 = 0.85
MIN_POSITIVES = 5


@pytest.fixture(scope="module")
def result() -> evaluation.Result:
    return evaluation.run()


def _positives(result: evaluation.Result) -> dict[str, int]:
    counts: dict[str, int] = {}
    for case in result.cases:
        for tag in case.tags:
            counts[tag] = counts.get(tag, 0) + 1
    return counts


# --- the labelled set itself ---------------------------------------------------------------


def test_labelled_set_is_large_enough() -> None:
    cases, notes = evaluation.load_cases(samples=None)
    tag_cases = [c for c in cases if c.id.startswith("fx-tags-")]
    assert len(tag_cases) >= 90
    positives = {}
    for case in tag_cases:
        for tag in case.tags:
            positives[tag] = positives.get(tag, 0) + 1
    for tag in evaluation.MISSION_TAGS:
        assert positives.get(tag, 0) >= 20, tag
    assert sum(1 for c in tag_cases if c.tricky_negative) >= 30
    assert not [n for n in notes if "duplicate" in n or "both labelled" in n or "unreadable" in n], notes


def test_scoring_on_fake_predictions() -> None:
    cases = [
        evaluation.Case("a", {"url": "https://x/a", "text": "a"}, frozenset({"t1"})),
        evaluation.Case("b", {"url": "https://x/b", "text": "b"}, frozenset({"t1", "t2"})),
        evaluation.Case("c", {"url": "https://x/c", "text": "c"}, frozenset(), frozenset({"t1"})),
    ]
    fake = {"a": ["t1"], "b": ["t2", "t3"], "c": ["t1"]}

    def predict(raw: dict) -> dict:
        key = raw["text"]
        return {"tags": [{"id": t, "score": 1.0, "rule": f"{t}@1", "evidence": [{"text": key}]} for t in fake[key]]}

    result = evaluation.evaluate(cases, predict)
    assert result.per_tag["t1"] == pytest.approx(
        {"tp": 1, "fp": 1, "fn": 1, "support": 2, "precision": 0.5, "recall": 0.5, "f1": 0.5})
    assert result.per_tag["t2"]["f1"] == 1.0
    assert result.per_tag["t3"]["precision"] == 0.0 and result.per_tag["t3"]["support"] == 0
    assert result.micro["tp"] == 2 and result.micro["fp"] == 2 and result.micro["fn"] == 1
    assert result.tricky == {"t1": {"negatives": 1, "false_positives": ["c"]}}
    assert result.tricky_false_positives() == 1
    kinds = sorted((row["kind"], row["id"], row["tag"]) for row in evaluation.errors(result))
    assert kinds == [("FN", "b", "t1"), ("FP", "b", "t3"), ("FP", "c", "t1")]
    assert "t1" in evaluation.report(result, show_errors=True)


# --- the tagger's quality ------------------------------------------------------------------


@pytest.mark.parametrize("tag", evaluation.MISSION_TAGS)
def test_mission_tag_f1(result: evaluation.Result, tag: str) -> None:
    scores = result.per_tag.get(tag, evaluation.scores(0, 0, 0))
    assert scores["f1"] >= MISSION_F1, (tag, scores, [r for r in evaluation.errors(result) if r["tag"] == tag])


def test_other_tags_f1(result: evaluation.Result) -> None:
    below = {}
    for tag, count in _positives(result).items():
        if tag in evaluation.MISSION_TAGS or count < MIN_POSITIVES:
            continue
        scores = result.per_tag[tag]
        if scores["f1"] < OTHER_F1:
            below[tag] = round(scores["f1"], 3)
    assert not below, below


def test_no_false_positive_among_tricky_negatives(result: evaluation.Result) -> None:
    wrong = {tag: t["false_positives"] for tag, t in result.tricky.items() if t["false_positives"]}
    assert not wrong, wrong


def test_every_article_enriches(result: evaluation.Result) -> None:
    assert not result.failures, result.failures


def test_reference_sample_gets_both_mission_tags(result: evaluation.Result) -> None:
    if evaluation.SAMPLE_ID not in result.outputs:
        pytest.skip("reference sample not available")
    out = result.outputs[evaluation.SAMPLE_ID]
    emitted = {t["id"]: t for t in out["tags"]}
    for tag in evaluation.MISSION_TAGS:
        assert tag in emitted, (tag, sorted(emitted))
        evidence = emitted[tag]["evidence"]
        assert evidence, tag
        for span in evidence:
            source = out[span["field"]]
            assert 0 <= span["start"] < span["end"] <= len(source), span
            assert source[span["start"]:span["end"]] == span["text"], span


def test_emitted_tags_are_well_formed(result: evaluation.Result) -> None:
    for case_id, out in result.outputs.items():
        for tag in out.get("tags") or ():
            assert 0.0 <= tag["score"] <= 1.0, (case_id, tag["id"], tag["score"])
            assert tag["evidence"], (case_id, tag["id"])
            assert isinstance(tag["rule"], str) and tag["rule"], (case_id, tag["id"])
            for span in tag["evidence"]:
                source = out[span["field"]]
                assert source[span["start"]:span["end"]] == span["text"] and span["text"].strip(), (case_id, span)
