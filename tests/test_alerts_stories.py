"""One story, one alert; the near-duplicate threshold measured on pairs; surge maths. No broker."""

from __future__ import annotations

import glob
import itertools
import random

import orjson
import pytest

from streams.alerts import StoryConfig, SurgeConfig, hit_admission, observe_hit, observe_mention
from streams.alerts.rules import Rule, RuleSet, match_article
from streams.alerts.similarity import distance, simhash
from streams.alerts.stories import hit_record
from streams.alerts.surge import admit, baseline, mention_record, surging
from streams.contracts import validate
from streams.settings import Settings

from .conftest import REPO
from .test_alerts_support import enriched_article

THRESHOLD = Settings().alert_near_duplicate_bits
CONFIG = StoryConfig(period=3600, near_duplicate_bits=THRESHOLD, max_articles=3, stories_kept=10)
WATCH = Rule("watch", "Watched tag", "medium", tags=(("watched", 0.5),))
TWO_SOURCES = Rule("twice", "Twice", "high", tags=(("watched", 0.5),), min_sources=2)


def fixture_texts() -> list[str]:
    files = sorted(glob.glob(str(REPO / "tests" / "fixtures" / "tags" / "*.json")))
    return [orjson.loads(open(f, "rb").read())["raw"]["text"] for f in files]


def syndicated(text: str, rng: random.Random) -> str:
    """Another outlet's copy: a dateline, the last paragraph cut, about 1% of words changed, a credit line."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    if len(paragraphs) > 3:
        paragraphs = paragraphs[:-1]
    words = ("LONDON (Partner Agency) - " + "\n\n".join(paragraphs)).split(" ")
    for _ in range(max(1, len(words) // 100)):
        words[rng.randrange(len(words))] = rng.choice(["said", "told", "reported", "officials"])
    return " ".join(words) + "\n\nThis story was first published by Global Wire Service."


def test_threshold_separates_syndicated_copies_from_other_stories_on_the_same_subjects() -> None:
    texts = fixture_texts()  # 92 articles, most of them on Russia, China and Ukraine
    rng = random.Random(1)
    prints = [simhash(t) for t in texts]
    copies = [distance(p, simhash(syndicated(t, rng))) for t, p in zip(texts, prints)]
    others = [distance(a, b) for a, b in itertools.combinations(prints, 2)]
    # Measured: copies at most 35 bits apart (of 128), different stories at least 41.
    assert max(copies) <= THRESHOLD < min(others), (max(copies), min(others))


def hit(article: dict, rule: Rule = WATCH, where: str = "0:1", now: float = 1000.0) -> dict:
    match, = match_article(article, RuleSet(rules=[rule]))
    return hit_record(match, article, where, now)


def story_article(ident: str, text: str, source: str = "Wire", states: dict | None = None) -> dict:
    return enriched_article(ident, text=text, tags={"watched": 0.9}, states=states or {"CHN": 3, "RUS": 2}, source=source)


TEXT = fixture_texts()[0]
OTHER = fixture_texts()[40]


def test_first_article_raises_a_schema_valid_alert() -> None:
    state, published = observe_hit(None, hit(story_article("a", TEXT)), WATCH, CONFIG)
    (alert, created), = published
    assert created and alert["revision"] == 1 and alert["kind"] == "article"
    validate("alert", alert)
    assert alert["summary"].startswith("Watched tag: “Headline of a” (Wire)")
    assert len(state["stories"]) == 1


def test_same_article_again_publishes_nothing_but_the_same_record_replayed_republishes_as_is() -> None:
    state, (first,) = observe_hit(None, hit(story_article("a", TEXT), where="0:1"), WATCH, CONFIG)
    again, published = observe_hit(state, hit(story_article("a", TEXT), where="0:9", now=1100), WATCH, CONFIG)
    assert published == [] and again == state
    _, replayed = observe_hit(state, hit(story_article("a", TEXT), where="0:1"), WATCH, CONFIG)
    assert replayed == [(first[0], False)]


def test_a_hit_is_new_a_replay_of_the_record_a_story_holds_or_a_duplicate_from_another_record() -> None:
    assert hit_admission(None, hit(story_article("a", TEXT), where="0:1"), CONFIG) == "new"
    state, _ = observe_hit(None, hit(story_article("a", TEXT), where="0:1"), WATCH, CONFIG)
    assert hit_admission(state, hit(story_article("a", TEXT), where="0:1"), CONFIG) == "replay"
    assert hit_admission(state, hit(story_article("a", TEXT), where="0:9", now=1100), CONFIG) == "duplicate"
    assert hit_admission(state, hit(story_article("b", OTHER), where="0:2"), CONFIG) == "new"
    # once the story has closed, the same article opens a new one
    assert hit_admission(state, hit(story_article("a", TEXT), where="0:9", now=1000 + 3601), CONFIG) == "new"


def test_syndicated_copy_with_other_states_updates_the_alert() -> None:
    state, (first,) = observe_hit(None, hit(story_article("a", TEXT)), WATCH, CONFIG)
    copy = story_article("b", syndicated(TEXT, random.Random(2)), source="Partner", states={"UKR": 4, "USA": 3})
    _, ((alert, created),) = observe_hit(state, hit(copy, where="0:2", now=1010), WATCH, CONFIG)
    assert not created and alert["id"] == first[0]["id"] and alert["revision"] == 2
    assert [a["id"] for a in alert["articles"]] == ["a", "b"] and alert["sources"] == ["Partner", "Wire"]
    assert "and 1 more article from 2 sources" in alert["summary"]


def test_other_story_on_the_same_tag_with_other_states_is_another_alert() -> None:
    state, (first,) = observe_hit(None, hit(story_article("a", TEXT)), WATCH, CONFIG)
    _, ((alert, created),) = observe_hit(state, hit(story_article("c", OTHER, states={"FRA": 3, "DEU": 1}), where="0:2"), WATCH, CONFIG)
    assert created and alert["id"] != first[0]["id"]


def test_later_article_on_the_same_subject_updates_within_the_period_and_opens_a_new_story_after() -> None:
    state, (first,) = observe_hit(None, hit(story_article("a", TEXT)), WATCH, CONFIG)
    state, ((update, created),) = observe_hit(state, hit(story_article("d", OTHER), where="0:2", now=2000), WATCH, CONFIG)
    assert not created and update["id"] == first[0]["id"] and update["revision"] == 2
    _, ((later, created),) = observe_hit(state, hit(story_article("e", "Quite another text."), where="0:3", now=1000 + 3601), WATCH, CONFIG)
    assert created and later["id"] != first[0]["id"]


def test_alert_waits_for_min_sources_and_then_lists_every_article() -> None:
    state, published = observe_hit(None, hit(story_article("a", TEXT, source="One"), TWO_SOURCES), TWO_SOURCES, CONFIG)
    assert published == []
    state, published = observe_hit(state, hit(story_article("b", OTHER, source="One"), TWO_SOURCES, "0:2"), TWO_SOURCES, CONFIG)
    assert published == []
    _, ((alert, created),) = observe_hit(state, hit(story_article("c", OTHER, source="Two"), TWO_SOURCES, "0:3"), TWO_SOURCES, CONFIG)
    assert created and alert["revision"] == 1 and [a["id"] for a in alert["articles"]] == ["a", "b", "c"]


def test_article_list_stops_at_max_articles_but_sources_and_summary_keep_counting() -> None:
    state = None
    for i in range(5):
        state, published = observe_hit(state, hit(story_article(f"a{i}", f"Text {i}.", source=f"S{i}"), where=f"0:{i}"), WATCH, CONFIG)
    alert, _ = published[0]
    assert len(alert["articles"]) == 3 and len(alert["sources"]) == 5 and alert["revision"] == 5
    assert "and 4 more articles from 5 sources" in alert["summary"]


# ------------------------------------------------------------------ surges

SURGE = SurgeConfig(window=60, baseline_windows=3, factor=3.0, min_count=4, max_articles=10)


def mention(ident: str, now: float, where: str | None = None) -> dict:
    ref = {"id": ident, "url": f"https://x.org/{ident}", "title": ident, "source": "Wire", "published_at": None}
    return mention_record("tag:watched", "Watched", ref, where or f"0:{ident}", now)


@pytest.mark.parametrize("current, previous, expected", [
    (4, [0, 0, 0], True),  # nothing before: the minimum count decides
    (3, [0, 0, 0], False),
    (9, [3, 3, 3], True),  # exactly factor x baseline
    (8, [3, 3, 3], False),
    (10, [2, 4, 3], True),
    (4, [], True),
])
def test_surging_needs_factor_times_the_mean_of_the_baseline_and_the_minimum(current: int, previous: list[int], expected: bool) -> None:
    assert surging(current, previous, 3.0, 4) is expected


def test_baseline_is_the_mean_of_the_windows_before() -> None:
    assert baseline([1, 2, 6]) == 3.0 and baseline([]) == 0.0


def test_admission_tells_new_replayed_and_duplicate_articles_apart() -> None:
    assert admit(["", "", ""], "0:5") == "new"
    assert admit(["0:5", ""], "0:5") == "replay"
    assert admit(["", "1:9"], "0:5") == "duplicate"


def test_a_burst_raises_one_surge_alert_then_updates_it() -> None:
    state, published = None, []
    for i in range(6):
        state, published = observe_mention(state, mention(f"m{i}", 120 + i), "new", i + 1, [1, 1, 1], SURGE)
        if i < 3:
            assert published == []
        else:
            (alert, created), = published
            assert created is (i == 3) and alert["revision"] == i - 2 and alert["window"]["count"] == i + 1
    validate("alert", alert)
    assert [a["id"] for a in alert["articles"]] == [f"m{i}" for i in range(6)]
    assert alert["window"]["start"] == "1970-01-01T00:02:00.000Z" and alert["window"]["baseline"] == 1.0
    assert alert["summary"] == "Surge in tag Watched: 6 articles in the 1 min window from 1970-01-01 00:02:00 UTC, 6.0x the baseline of 1.0"


def test_a_surge_continuing_into_the_next_window_keeps_its_alert_and_a_later_one_is_new() -> None:
    state, ((first, _),) = observe_mention(None, mention("a", 130), "new", 4, [0, 0, 0], SURGE)
    state, ((cont, created),) = observe_mention(state, mention("b", 190), "new", 4, [4, 0, 0], SURGE)
    assert not created and cont["id"] == first["id"] and cont["revision"] == 2
    state, published = observe_mention(state, mention("c", 250), "new", 1, [4, 4, 0], SURGE)
    assert published == []
    _, ((new, created),) = observe_mention(state, mention("d", 400), "new", 9, [1, 1, 1], SURGE)
    assert created and new["id"] != first["id"]


def test_replayed_mention_republishes_the_surge_it_is_in_and_a_duplicate_nothing() -> None:
    state, ((alert, _),) = observe_mention(None, mention("a", 130), "new", 4, [0, 0, 0], SURGE)
    assert observe_mention(state, mention("a", 130), "replay", 4, [0, 0, 0], SURGE)[1] == [(alert, False)]
    assert observe_mention(state, mention("a", 131, "1:1"), "duplicate", 4, [0, 0, 0], SURGE)[1] == []
