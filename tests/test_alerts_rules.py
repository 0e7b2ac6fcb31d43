"""Alert rules: the packaged file loads, mistakes name the file and line, and matching follows the rules."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from streams.alerts import load_rules, scan_article, scan_batch
from streams.alerts.rules import match_article
from streams.enrich.datafile import DataFileError

from .test_alerts_support import enriched_article

RULES = """\
version: t.1
rules:
  - {id: arms, label: Arms, severity: high, tags: {arms-transfers: 0.6}, entities: [country:CHN, country:RUS]}
  - {id: person, label: Person, severity: low, entities: [person:test-person]}
  - {id: tag-only, label: Tag, severity: info, tags: {watched: 0.8}}
surges: {tags: [watched], entities: [country:CHN]}
"""


def rules_file(tmp_path: Path, text: str):
    path = tmp_path / "alert_rules.yaml"
    path.write_text(text)
    return load_rules(path)


def test_packaged_rules_load_with_a_version_and_unique_ids() -> None:
    rules = load_rules()
    assert rules.version and len(rules.rules) >= 5
    assert len({r.id for r in rules.rules}) == len(rules.rules)
    assert rules.get("china-arms-to-russia").severity == "high"


@pytest.mark.parametrize("rule, message, line", [
    ("  - {id: a, severity: urgent, tags: {x: 0.5}}", "'severity' must be one of", 3),
    ("  - {id: a, severity: low, tags: {x: 1.5}}", "score of tag 'x' must be a number in [0, 1]", 3),
    ("  - {id: a, severity: low}", "needs at least one watched tag or entity", 3),
    ("  - {id: a, severity: low, entities: [China]}", "entities entry 'China' must match", 3),
    ("  - {id: A b, severity: low, tags: {x: 0.5}}", "'id' 'A b' must match", 3),
    ("  - {id: a, severity: low, tags: {x: 0.5}, min_sources: 0}", "'min_sources' must be a whole number", 3),
    ("  - {id: a, severity: low, tags: {x: 0.5}, colour: red}", "unknown key(s) ['colour']", 3),
    ("  - {id: a, severity: low, tags: {x: 0.5}}\n  - {id: a, severity: low, tags: {y: 0.5}}", "rule id 'a' is used twice", 4),
])
def test_a_mistake_names_the_file_and_the_line(tmp_path: Path, rule: str, message: str, line: int) -> None:
    with pytest.raises(DataFileError) as caught:
        rules_file(tmp_path, f"version: 1\nrules:\n{rule}\n")
    assert caught.value.line == line
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"{tmp_path / 'alert_rules.yaml'}:{line}: ")


def test_pairing_rule_needs_the_tag_at_its_score_and_both_states(tmp_path: Path) -> None:
    rules = rules_file(tmp_path, RULES)
    fired = lambda article: [h.rule.id for h in match_article(article, rules)]  # noqa: E731

    assert fired(enriched_article("a", tags={"arms-transfers": 0.7}, states={"CHN": 2, "RUS": 3})) == ["arms"]
    assert fired(enriched_article("b", tags={"arms-transfers": 0.5}, states={"CHN": 2, "RUS": 3})) == []
    assert fired(enriched_article("c", tags={"arms-transfers": 0.9}, states={"CHN": 2, "UKR": 3})) == []
    assert fired(enriched_article("d", persons=[("person:test-person", "T. Person")])) == ["person"]


def test_a_tag_rule_story_is_about_the_tag_and_the_two_most_credited_states(tmp_path: Path) -> None:
    rules = rules_file(tmp_path, RULES)
    hit, = match_article(enriched_article("a", tags={"watched": 0.9}, states={"FRA": 5, "DEU": 3, "ITA": 1}), rules)
    assert hit.subject == "watched+country:DEU+country:FRA"
    assert [e["kb_id"] for e in hit.entities] == ["country:FRA", "country:DEU"]


def test_surge_counters_are_the_watched_tags_and_entities(tmp_path: Path) -> None:
    rules = rules_file(tmp_path, RULES)
    article = enriched_article("a", tags={"watched": 0.3, "other": 0.9}, states={"CHN": 1, "RUS": 1})
    _, mentions = scan_article(article, "0:7", 1000.0, rules)
    assert [m["key"] for m in mentions] == ["tag:watched", "entity:country:CHN"]
    assert mentions[0]["position"] == "0:7" and mentions[0]["time"] == 1000.0


def test_a_batch_is_grouped_by_rule_and_by_surge_key_and_window_in_order(tmp_path: Path) -> None:
    rules = rules_file(tmp_path, RULES)
    batch = [
        (enriched_article("a", tags={"watched": 0.9}, states={"CHN": 1}), "0:1", 1000.0),
        (enriched_article("nothing", tags={"other": 0.9}, states={"FRA": 1}), "0:2", 1001.0),
        (enriched_article("b", tags={"watched": 0.95}), "1:5", 1030.0),
        (enriched_article("c", tags={"watched": 0.5}, states={"CHN": 2}), "0:3", 1070.0),
    ]
    hits, mentions = scan_batch(batch, rules, 60)
    # One group per rule, and one per surge key and 60 s window; an article that matches nothing is in none.
    assert {rule: [h["article"]["id"] for h in records] for rule, records in hits.items()} == {"tag-only": ["a", "b"]}
    assert {group: [m["article"]["id"] for m in records] for group, records in mentions.items()} == {
        ("tag:watched", 960.0): ["a"], ("entity:country:CHN", 960.0): ["a"],
        ("tag:watched", 1020.0): ["b", "c"], ("entity:country:CHN", 1020.0): ["c"],
    }
    # The same records as scanning the articles one by one.
    one_by_one = [scan_article(article, where, now, rules) for article, where, now in batch]
    assert [r for records in hits.values() for r in records] == [h for found, _ in one_by_one for h in found]
    assert sorted(orjson.dumps(r) for records in mentions.values() for r in records) == sorted(orjson.dumps(m) for _, found in one_by_one for m in found)


def test_reference_sample_raises_the_partnership_and_xi_putin_rules_only() -> None:
    from streams.ingest import build_enricher
    from streams.settings import Settings

    from .conftest import sample_raw_article

    article = orjson.loads(orjson.dumps(build_enricher(Settings()).enrich(sample_raw_article())))
    assert sorted(h.rule.id for h in match_article(article, load_rules())) == ["russia-china-partnership", "xi-putin"]
