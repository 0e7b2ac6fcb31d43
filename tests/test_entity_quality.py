"""Entity quality against the team's labelled articles, and the scoring it is measured with.

The targets are the project's: F1 >= 0.95 for PERSON and GPE and >= 0.85 for ORG over the
labelled set, and on the reference sample every expected entity found, every person with the
expected role.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from evaluation.common import ENTITY_FIXTURES_DIR, Counts, load_fixtures, load_reference_sample, prf
from evaluation.entities import entity_fixtures, evaluate, normalise, score_article

TARGET_F1 = {"PERSON": 0.95, "GPE": 0.95, "ORG": 0.85}
TAGS = {
    "russia-china-partnership",
    "ukraine-war",
    "china-taiwan",
    "sanctions",
    "arms-transfers",
    "energy-geopolitics",
    "nato-alliance",
    "nuclear-risk",
    "us-china-rivalry",
}


def entity(name, kind, *surfaces, roles=()):
    """A predicted entity as the enricher outputs it (only the fields the scorer reads)."""
    return {
        "name": name,
        "type": kind,
        "kb_id": None,
        "roles": [{"title": t} for t in roles],
        "mentions": [{"start": 0, "end": len(s), "text": s, "field": "text"} for s in surfaces],
    }


# --- the scoring itself ------------------------------------------------------------------------


def test_prf_from_counts():
    assert prf(3, 1, 1) == pytest.approx({"precision": 0.75, "recall": 0.75, "f1": 0.75, "tp": 3, "fp": 1, "fn": 1})
    assert prf(1, 0, 3)["f1"] == pytest.approx(0.4)
    assert prf(0, 0, 0)["f1"] == 1.0
    assert prf(0, 0, 2)["f1"] == 0.0 and prf(0, 2, 0)["f1"] == 0.0
    total = Counts(1, 2, 3)
    total += Counts(1, 0, 0)
    assert (total.tp, total.fp, total.fn) == (2, 2, 3)
    with pytest.raises(ValueError):
        prf(-1, 0, 0)


def test_normalise():
    assert normalise("The  Kremlin") == "kremlin"
    assert normalise("Zelenskyy’s") == "zelenskyy"
    assert normalise("China's") == "china"
    assert normalise("Erdoğan") == "erdogan"
    assert normalise("Nato") == normalise("NATO")
    assert normalise("Theresa May") == "theresa may"


def test_exact_match_is_a_true_positive():
    labels = {"entities": {"PERSON": ["Xi Jinping"], "GPE": ["China"]}}
    result = score_article(labels, [entity("Xi Jinping", "PERSON", "Xi"), entity("China", "GPE", "China")])
    assert result.counts("PERSON") == Counts(1, 0, 0)
    assert result.counts("GPE") == Counts(1, 0, 0)
    assert result.counts() == Counts(2, 0, 0)


def test_unmatched_prediction_is_a_false_positive():
    labels = {"entities": {"GPE": ["China"]}}
    result = score_article(labels, [entity("China", "GPE", "China"), entity("Turkey", "GPE", "Turkey")])
    assert result.counts("GPE") == Counts(1, 1, 0)
    assert [e["name"] for e in result.types["GPE"].false_positives] == ["Turkey"]


def test_unmatched_label_is_a_false_negative():
    labels = {"entities": {"PERSON": ["Vladimir Putin", "Qin Gang"]}}
    result = score_article(labels, [entity("Vladimir Putin", "PERSON", "Putin")])
    assert result.counts("PERSON") == Counts(1, 0, 1)
    assert result.types["PERSON"].false_negatives == ["Qin Gang"]


def test_match_via_a_mention_surface_form():
    # The output names the entity differently, but one of its mentions is the labelled name.
    labels = {"entities": {"ORG": ["Kyiv Independent"], "GPE": ["Kyiv"]}}
    predictions = [
        entity("The Kyiv Independent newspaper", "ORG", "the Kyiv Independent's"),
        entity("Kyiv", "GPE", "Kiev"),
    ]
    result = score_article(labels, predictions)
    assert result.counts() == Counts(2, 0, 0)


def test_types_must_agree():
    labels = {"entities": {"ORG": ["Kremlin"]}}
    result = score_article(labels, [entity("Kremlin", "GPE", "the Kremlin")])
    assert result.counts("ORG") == Counts(0, 0, 1)
    assert result.counts("GPE") == Counts(0, 1, 0)


def test_each_label_and_prediction_match_once():
    # Two predictions for one label: one matches, the other is a false positive.
    labels = {"entities": {"PERSON": ["Xi Jinping"]}}
    result = score_article(labels, [entity("Xi Jinping", "PERSON", "Xi Jinping"), entity("Xi", "PERSON", "Xi Jinping")])
    assert result.counts("PERSON") == Counts(1, 1, 0)
    # One prediction whose mentions cover two labels matches only one of them.
    labels = {"entities": {"GPE": ["Russia", "Moscow"]}}
    result = score_article(labels, [entity("Russia", "GPE", "Russia", "Moscow")])
    assert result.counts("GPE") == Counts(1, 0, 1)
    # The matching is maximal whatever the order: "Moscow" must not take the only "Russia" entity.
    labels = {"entities": {"GPE": ["Moscow", "Russia"]}}
    result = score_article(labels, [entity("Russia", "GPE", "Moscow", "Russia"), entity("Moscow", "GPE", "Moscow")])
    assert result.counts("GPE") == Counts(2, 0, 0)


def test_duplicate_labels_count_once():
    labels = {"entities": {"ORG": ["NATO", "Nato"]}}
    result = score_article(labels, [])
    assert result.counts("ORG") == Counts(0, 0, 1)


def test_roles_are_checked_on_the_matched_person():
    labels = {
        "entities": {"PERSON": ["Qin Gang", "Dmytro Kuleba", "Sergei Lavrov"]},
        "roles": {
            "Qin Gang": "Minister of Foreign Affairs of China",
            "Dmytro Kuleba": "Minister of Foreign Affairs of Ukraine",
            "Sergei Lavrov": "Minister of Foreign Affairs of Russia",
        },
    }
    predictions = [
        entity("Qin Gang", "PERSON", "Qin Gang", roles=["Minister of Foreign Affairs of China"]),
        entity("Dmytro Kuleba", "PERSON", "Kuleba", roles=["President of Ukraine"]),
    ]
    result = score_article(labels, predictions)
    assert result.roles_correct == ["Qin Gang"]
    assert [p for p, _, _ in result.roles_wrong] == ["Dmytro Kuleba", "Sergei Lavrov"]


def test_evaluate_sums_articles_and_survives_a_failing_article():
    fixtures = [
        {"raw": {"id": "a", "url": "https://x/a", "text": "ok"}, "labels": {"tags": [], "entities": {"GPE": ["China"]}}},
        {"raw": {"id": "b", "url": "https://x/b", "text": "boom"}, "labels": {"tags": [], "entities": {"GPE": ["Iran"]}}},
    ]

    def fake_enrich(raw):
        if raw["text"] == "boom":
            raise RuntimeError("broken")
        return {"entities": [entity("China", "GPE", "China"), entity("Chinese", "GPE", "Chinese")]}

    report = evaluate(fixtures, enrich=fake_enrich)
    assert report.counts("GPE") == Counts(1, 1, 1)
    assert report.articles[1].error == "RuntimeError: broken"
    assert report.scores()["GPE"]["f1"] == pytest.approx(0.5)


# --- the labelled set --------------------------------------------------------------------------

# Chinese and Japanese are written without spaces: there a word runs to about two characters.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def word_count(text: str) -> int:
    """Words separated by spaces, with a run of Han or kana characters counted as one word per two."""
    unspaced = len(_UNSPACED.findall(text))
    return len(_UNSPACED.sub(" ", text).split()) + (unspaced + 1) // 2


def test_word_count_reads_chinese_by_characters():
    assert word_count("Xi Jinping will visit Russia.") == 5
    assert word_count("习近平将对俄罗斯进行国事访问") == 7
    assert word_count("Председатель КНР Си Цзиньпин посетит Москву") == 6



def test_entity_fixtures_are_well_formed():
    fixtures = load_fixtures(ENTITY_FIXTURES_DIR)
    assert len(fixtures) >= 65
    ids = [f["raw"]["id"] for f in fixtures]
    assert len(set(ids)) == len(ids)
    for fixture in fixtures:
        raw, labels, where = fixture["raw"], fixture["labels"], fixture["path"]
        assert re.fullmatch(r"fx-entities-\d{3}", raw["id"]), where
        assert where.endswith(raw["id"] + ".json"), where
        assert fixture.get("about"), where
        words = word_count(raw.get("text") or raw.get("html") or "")
        shortest = 60 if "wire brief" in fixture["about"] else 250  # a brief runs to a few paragraphs
        assert shortest <= words <= 700, f"{where}: {words} words"
        published = date.fromisoformat(raw["published_at"][:10])
        assert date(2000, 1, 1) <= published <= date(2026, 12, 31), where
        assert set(labels["tags"]) <= TAGS, where
        assert set(labels.get("tricky_negative", [])) <= TAGS - set(labels["tags"]), where
        entities = labels.get("entities") or {}
        assert any(entities.values()), where
        persons = set(entities.get("PERSON", []))
        assert set(labels.get("roles", {})) <= persons, f"{where}: roles for unlabelled persons"
        names = [n for kind in entities.values() for n in kind]
        assert len(names) == len(set(names)), f"{where}: a name labelled twice"


# --- the targets -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def enricher():
    from streams.enrich import Enricher

    return Enricher()


@pytest.fixture(scope="module")
def team_report(enricher):
    fixtures = entity_fixtures()
    assert fixtures, "no labelled articles with entity labels"
    return evaluate(fixtures, enrich=enricher.enrich)


@pytest.mark.parametrize("kind", sorted(TARGET_F1))
def test_entity_f1_meets_target(team_report, kind):
    scores = team_report.scores()[kind]
    assert scores["f1"] >= TARGET_F1[kind], (
        f"{kind} F1 {scores['f1']:.3f} < {TARGET_F1[kind]} "
        f"(P={scores['precision']:.3f} R={scores['recall']:.3f}, tp={scores['tp']} fp={scores['fp']} fn={scores['fn']});"
        " run `python -m evaluation.entities --show-errors` for the list"
    )


def test_reference_sample_entities_and_roles(enricher):
    reference = load_reference_sample()
    if reference is None:
        pytest.skip("reference sample not present in ../shared/samples")
    result = evaluate([], enrich=enricher.enrich, reference=reference).reference
    missing = {k: r.false_negatives for k, r in result.types.items() if r.false_negatives}
    assert not missing, f"expected entities not found: {missing}"
    assert not result.roles_wrong, f"wrong or missing roles: {result.roles_wrong}"
