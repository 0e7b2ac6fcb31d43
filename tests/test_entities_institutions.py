"""Every state's foreign ministry, defence ministry and parliament, derived where no record holds one."""

from __future__ import annotations

import pytest

from streams.enrich.kb import load_kb

from .test_entities import by_id, link, run  # noqa: F401  (link is a fixture)


@pytest.fixture(scope="module")
def kb():
    return load_kb()


def test_every_country_has_a_foreign_ministry_a_defence_ministry_and_a_parliament(kb):
    held = {(r.country, r.portfolio) for r in kb if r.type == "ORG" and r.portfolio}
    for country in kb:
        if country.kind != "country":
            continue
        assert (country.iso3, "foreign-affairs") in held, country.id
        assert (country.iso3, "defence") in held, country.id
        if country.iso3 != "VAT":
            assert (country.iso3, "parliament") in held, country.id


def test_derived_records_are_named_after_the_country(kb):
    assert kb["org:mfa-mda"].name == "Ministry of Foreign Affairs of Moldova"
    assert kb["org:mod-idn"].name == "Ministry of Defence of Indonesia"
    assert kb["org:parliament-geo"].name == "Parliament of Georgia"
    assert kb["org:mfa-mda"].kind == "ministry" and kb["org:parliament-geo"].country == "GEO"


def test_an_explicit_record_keeps_precedence(kb):
    assert "org:parliament-isr" not in kb  # the Knesset is Israel's parliament
    assert kb["org:mfa-chn"].source.startswith("organisations.yaml")


@pytest.mark.parametrize(
    ("text", "body", "state"),
    [
        ("Colombia's foreign ministry said the two were freed.", "org:mfa-col", "country:COL"),
        ("Moldova's foreign ministry said the diplomat must leave.", "org:mfa-mda", "country:MDA"),
        ("Indonesia's defence ministry confirmed the order.", "org:mod-idn", "country:IDN"),
        ("The Georgian parliament passed the law on Tuesday.", "org:parliament-geo", "country:GEO"),
        ("Hungary's parliament voted on Monday.", "org:parliament-hun", "country:HUN"),
        ("Turkey's parliament ratified the protocol.", "org:tbmm", "country:TUR"),
    ],
)
def test_a_state_body_is_named_by_its_state_and_portfolio(link, text, body, state):
    doc = run(link, text)
    assert body in by_id(doc)
    assert state in {s["kb_id"] for s in doc.states}


def test_an_ambiguous_state_name_before_its_own_body_names_the_state(link):
    found = by_id(run(link, "Georgia’s parliament on Tuesday passed amendments."))
    assert "org:parliament-geo" in found
    assert [m.text for m in found["country:GEO"].mentions] == ["Georgia"]


@pytest.mark.parametrize(
    ("text", "body", "city"),
    [
        ("The foreign ministry in Jakarta said membership would help.", "org:mfa-idn", "city:jakarta"),
        ("The foreign ministry in Chisinau said the diplomat must leave.", "org:mfa-mda", "city:chisinau"),
    ],
)
def test_the_foreign_ministry_in_a_capital_names_the_ministry_and_the_city(link, text, body, city):
    found = by_id(run(link, text))
    assert body in found and city in found
    assert [m.text for m in found[city].mentions] == [text.split(" in ")[1].split()[0]]


@pytest.mark.parametrize(
    "text",
    ["A South Korean foreign ministry official said talks would resume.", "A Chinese foreign ministry spokesman said so."],
)
def test_a_ministry_before_a_noun_is_an_attribute(link, text):
    doc = run(link, text)
    assert not [k for k in by_id(doc) if k.startswith("org:mfa-")]
    assert doc.states


def test_a_possessive_ministry_before_a_noun_still_names_the_state(link):
    found = by_id(run(link, "China's foreign ministry spokesperson Lin Jian said so."))
    assert "org:mfa-chn" not in found
    assert [m.text for m in found["country:CHN"].mentions] == ["China"]


def test_a_derived_body_takes_the_derived_forms_of_its_portfolio(link):
    assert "org:mod-idn" in by_id(run(link, "The Indonesian Ministry of Defence signed the order."))
    assert "org:mfa-col" in by_id(run(link, "The Ministry of Foreign Affairs of Colombia said so."))


def test_a_curly_apostrophe_matches_like_a_straight_one(link):
    for text in ("Moldova’s foreign ministry said so.", "Côte d’Ivoire voted."):
        straight = by_id(run(link, text.replace("’", "'")))
        found = by_id(run(link, text))
        assert set(found) == set(straight) and found
        for entity in found.values():
            assert all(text[m.start : m.end] == m.text for m in entity.mentions)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("A spokesperson for the International Campaign to Ban Landmines said the weapons kill.",
         "International Campaign to Ban Landmines"),
        ("The Committee to Protect Journalists said two reporters were held.", "Committee to Protect Journalists"),
    ],
)
def test_a_body_named_for_its_purpose_keeps_to_and_its_verb(link, text, name):
    doc = run(link, text)
    assert {(e.name, e.type) for e in doc.entities} == {(name, "ORG")}


def test_words_right_after_to_are_no_person_before_a_verb(link):
    assert not [e for e in run(link, "The grant went to Ban Landmines said officials.").entities if e.type == "PERSON"]


@pytest.mark.parametrize(
    ("text", "kb_id"),
    [
        ("Orano signed the uranium deal.", "org:orano"),
        ("British International Investment backed the port.", "org:british-international-investment"),
        ("Leaders met at Dolmabahçe Palace in Istanbul.", "org:dolmabahce-palace"),
        ("A typhoon hit Luzon on Monday.", "region:luzon"),
        ("They crossed near Cúcuta on Friday.", "city:cucuta"),
    ],
)
def test_new_records_are_linked(link, text, kb_id):
    assert kb_id in by_id(run(link, text))


@pytest.mark.parametrize(
    ("text", "body", "state"),
    [
        ("Sudan's army said it had retaken the bridge.", "org:sudanese-armed-forces", "country:SDN"),
        ("The Lebanese army said two soldiers were wounded.", "org:lebanese-armed-forces", "country:LBN"),
        ("Poland's armed forces are on alert.", "org:polish-armed-forces", "country:POL"),
        ("Turkey's navy said the ship was escorted.", "org:turkish-armed-forces", "country:TUR"),
        ("Pakistan's air force had shot down five jets.", "org:pakistan-armed-forces", "country:PAK"),
        ("Britain's navy shadowed the tanker.", "org:royal-navy", "country:GBR"),
        ("Russia's army pushed on.", "org:russian-ground-forces", "country:RUS"),
        ("Israel's military struck the port.", "org:idf", "country:ISR"),
    ],
)
def test_a_state_armed_force_is_named_by_its_state_and_branch(link, text, body, state):
    doc = run(link, text)
    assert body in by_id(doc)
    assert state in {s["kb_id"] for s in doc.states}
    if "'s " in text:  # a possessive names the state too
        assert state in by_id(doc)


def test_a_lower_case_armed_force_before_a_noun_is_an_attribute(link):
    doc = run(link, "Drones hit Sudanese army positions near the river.")
    assert "org:sudanese-armed-forces" not in by_id(doc)
    assert "country:SDN" in {s["kb_id"] for s in doc.states}


def test_an_arctic_penal_colony_names_no_place(link):
    assert "place:arctic" not in by_id(run(link, "He died in an Arctic penal colony last week."))
    assert "place:arctic" in by_id(run(link, "Ice in the Arctic is thinning."))
