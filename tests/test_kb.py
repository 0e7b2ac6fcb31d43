"""The knowledge-base loader: the real data loads, and every kind of error names its file and line."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pytest

from streams.enrich.datafile import DataFileError
from streams.enrich.kb import inflections, load_kb

COUNTRIES = """\
version: 2026.1.1
entities:
  - id: country:CHN
    type: GPE
    kind: country
    name: China
    iso2: CN
    iso3: CHN
    demonyms: [Chinese]
    capital: city:beijing
  - id: country:RUS
    type: GPE
    kind: country
    name: Russia
    iso2: RU
    iso3: RUS
    demonyms: [Russian, Russians]
    capital: city:moscow
"""

PLACES = """\
version: 2026.1.1
entities:
  - id: city:beijing
    type: GPE
    kind: city
    name: Beijing
    country: CHN
    stands_for: country:CHN
  - id: city:moscow
    type: GPE
    kind: city
    name: Moscow
    country: RUS
    stands_for: country:RUS
"""

PERSONS = """\
version: 2026.1.2
entities:
  - id: person:qin-gang
    type: PERSON
    kind: person
    name: Qin Gang
    country: CHN
    roles:
      - {title: Minister of Foreign Affairs of China, role: foreign-minister, of: country:CHN, from: 2022-12-30, to: 2023-07-25}
"""


def write_kb(folder: Path, **files: str) -> Path:
    texts = {"countries": COUNTRIES, "places": PLACES, "persons": PERSONS}
    texts.update(files)
    for name, text in texts.items():
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return folder


def load_error(folder: Path) -> DataFileError:
    with pytest.raises(DataFileError) as caught:
        load_kb(folder)
    return caught.value


def line_containing(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_the_real_knowledge_base_loads(caplog):
    with caplog.at_level(logging.ERROR):
        kb = load_kb()
    assert len(kb) > 100
    assert kb["country:CHN"].iso3 == "CHN"
    assert "countries@" in kb.version and "persons" in kb.version


def test_a_small_valid_folder_loads_with_records_by_id(tmp_path):
    kb = load_kb(write_kb(tmp_path))
    written = {i for i, r in kb.entities.items() if not r.source.startswith("derived")}
    assert written == {"country:CHN", "country:RUS", "city:beijing", "city:moscow", "person:qin-gang"}
    # each state's foreign ministry, defence ministry and parliament, which no file holds here
    assert set(kb.entities) - written == {
        f"org:{body}-{iso3}" for body in ("mfa", "mod", "parliament") for iso3 in ("chn", "rus")
    }
    qin = kb["person:qin-gang"]
    assert qin.name == "Qin Gang" and qin["country"] == "CHN"
    assert [r.title for r in qin.roles_on(date(2023, 3, 17))] == ["Minister of Foreign Affairs of China"]
    assert qin.roles_on(date(2024, 3, 17)) == []
    assert kb.version == "countries@2026.1.1+persons@2026.1.2+places@2026.1.1"


@pytest.mark.parametrize(
    "file, old, new, needle, reason",
    [
        ("persons", "    country: CHN\n", "    country: CHN\n    nickname: Qin\n", "id: person:qin-gang", "unknown keys"),
        ("persons", "    kind: person\n", "", "id: person:qin-gang", "missing required key 'kind'"),
        ("persons", "id: person:qin-gang", "id: human:qin-gang", "id: human:qin-gang", "unknown id prefix"),
        ("persons", "id: person:qin-gang", "id: person:Qin_Gang", "id: person:Qin_Gang", "bad slug"),
        ("places", "kind: city\n    name: Moscow", "kind: town\n    name: Moscow", "id: city:moscow", "unknown kind 'town'"),
        ("persons", "type: PERSON", "type: HUMAN", "id: person:qin-gang", "unknown type"),
        ("countries", "iso2: RU", "iso2: RUS", "id: country:RUS", "bad ISO alpha-2"),
        ("countries", "iso3: RUS", "iso3: RUX", "id: country:RUS", "does not match the id"),
        ("countries", "capital: city:moscow", "capital: city:moskva", "id: country:RUS", "capital 'city:moskva'"),
        ("places", "stands_for: country:RUS", "stands_for: country:SUN", "id: city:moscow", "stands_for 'country:SUN'"),
        ("persons", "from: 2022-12-30", "from: 2022-13-30", "role: foreign-minister", "not an ISO date"),
        ("persons", "to: 2023-07-25", "to: 2021-07-25", "role: foreign-minister", "ends (2021-07-25) before it starts"),
        ("persons", "role: foreign-minister", "role: foreign-secretary", "role: foreign-", "unknown role kind"),
        ("persons", "country: CHN", "country: XXX", "id: person:qin-gang", "country 'XXX'"),
        ("places", "    stands_for: country:RUS", "    stands_for: country:RUS\n    local_context: [on]", "id: city:moscow", "'local_context' must be a mapping"),
        ("places", "    stands_for: country:RUS", "    stands_for: country:RUS\n    local_context: {before: [near]}", "id: city:moscow", "list it in 'ambiguous'"),
        ("places", "    stands_for: country:RUS", "    stands_for: country:RUS\n    aliases: ['Москв(а|ы) Сити(|и|ю)']", "id: city:moscow", "as many endings as the first"),
    ],
)
def test_an_error_names_its_file_and_line(tmp_path, file, old, new, needle, reason):
    texts = {"countries": COUNTRIES, "places": PLACES, "persons": PERSONS}
    assert old in texts[file]
    broken = texts[file].replace(old, new, 1)
    error = load_error(write_kb(tmp_path, **{file: broken}))
    assert Path(error.path).name == f"{file}.yaml"
    assert error.line == line_containing(broken, needle)
    assert reason in str(error)


def test_case_endings_in_a_form_stand_for_every_case(tmp_path):
    places = PLACES.replace("    stands_for: country:RUS", "    stands_for: country:RUS\n    aliases: ['Москв(а|ы|е|у|ой)', Janata Dal (United)]", 1)
    persons = PERSONS.replace("    country: CHN\n", "    country: CHN\n    aliases: ['Цинь Ган(|а|у|ом|е)', 'Ган(|а)']\n", 1)
    kb = load_kb(write_kb(tmp_path, places=places, persons=persons))
    assert kb["city:moscow"].aliases == ("Москва", "Москвы", "Москве", "Москву", "Москвой", "Janata Dal (United)")
    assert kb["person:qin-gang"].aliases == ("Цинь Ган", "Цинь Гана", "Цинь Гану", "Цинь Ганом", "Цинь Гане", "Ган", "Гана")


def test_groups_of_endings_go_in_step():
    assert inflections("Владимир(|а|у) Путин(|а|у)") == ["Владимир Путин", "Владимира Путина", "Владимиру Путину"]
    assert inflections("Кремл(ь|я|ю|ем|е)")[1] == "Кремля"
    assert inflections("Ministry of Foreign Affairs of the Republic of China (Taiwan)") == [
        "Ministry of Foreign Affairs of the Republic of China (Taiwan)"
    ]
    with pytest.raises(ValueError):
        inflections("Москв(а|ы) Сити(|и|ю)")


BODIES = """\
version: 2026.1.1
entities:
  - id: org:union
    type: ORG
    kind: international
    name: Union of States
  - id: org:union-commission
    type: ORG
    kind: international
    name: Union Commission
    part_of: org:union
"""


def test_an_institution_names_the_body_it_is_part_of(tmp_path):
    kb = load_kb(write_kb(tmp_path, organisations=BODIES))
    assert kb["org:union-commission"].part_of == "org:union" and kb["org:union"].part_of is None


@pytest.mark.parametrize(
    "target, reason", [("org:league", "part_of 'org:league' is not in"), ("city:moscow", "is not an organisation")]
)
def test_part_of_must_name_an_organisation_of_the_kb(tmp_path, target, reason):
    broken = BODIES.replace("part_of: org:union", f"part_of: {target}")
    error = load_error(write_kb(tmp_path, organisations=broken))
    assert Path(error.path).name == "organisations.yaml"
    assert error.line == line_containing(broken, "id: org:union-commission")
    assert reason in str(error)


def test_a_duplicate_id_across_files_names_the_second_place(tmp_path):
    extra = PERSONS.replace("version: 2026.1.2", "version: 1").replace("name: Qin Gang", "name: Qin Gang again")
    write_kb(tmp_path, more=extra)
    error = load_error(tmp_path)
    assert Path(error.path).name == "persons.yaml"  # 'more.yaml' sorts first and holds the first copy
    assert "duplicate id 'person:qin-gang'" in str(error) and "more.yaml" in str(error)


def test_a_yaml_syntax_error_names_the_line(tmp_path):
    broken = PLACES.replace("name: Moscow", "name: [Moscow")
    error = load_error(write_kb(tmp_path, places=broken))
    assert Path(error.path).name == "places.yaml" and error.line is not None


def test_a_role_for_a_body_not_yet_in_the_kb_warns_unless_required(tmp_path):
    pending = PERSONS.replace("of: country:CHN", "of: org:mfa-chn")
    write_kb(tmp_path, persons=pending)
    kb = load_kb(tmp_path)
    assert [Path(w.path).name for w in kb.warnings] == ["persons.yaml"]
    assert kb.warnings[0].line == line_containing(pending, "org:mfa-chn")
    with pytest.raises(DataFileError, match="org:mfa-chn"):
        load_kb(tmp_path, require_role_targets=True)


def test_every_error_is_listed_and_lenient_loading_keeps_the_rest(tmp_path):
    places = PLACES.replace("kind: city\n    name: Moscow", "kind: town\n    name: Moscow")
    persons = PERSONS.replace("from: 2022-12-30", "from: someday")
    write_kb(tmp_path, places=places, persons=persons)
    error = load_error(tmp_path)
    assert "and 2 more" in str(error)  # Russia's capital now dangles too
    kb = load_kb(tmp_path, strict=False)
    assert "country:CHN" in kb and "city:moscow" not in kb and "person:qin-gang" not in kb


def test_vocabulary_files_are_validated(tmp_path):
    write_kb(tmp_path)
    (tmp_path / "roles.yaml").write_text("version: 1\nroles:\n  - role: tsar\n    phrases: [tsar]\n", encoding="utf-8")
    error = load_error(tmp_path)
    assert Path(error.path).name == "roles.yaml" and error.line == 3 and "unknown role kind" in str(error)
    (tmp_path / "roles.yaml").unlink()
    (tmp_path / "cues.yaml").write_text("version: 1\ncues:\n  - kind: vibes\n    words: [x]\n", encoding="utf-8")
    error = load_error(tmp_path)
    assert Path(error.path).name == "cues.yaml" and error.line == 3 and "unknown cue kind" in str(error)


# --- the real data: coverage and traps ----------------------------------------------------------

@pytest.fixture(scope="module")
def real_kb():
    return load_kb()


US_STATES = """Alabama Alaska Arizona Arkansas California Colorado Connecticut Delaware Florida Georgia Hawaii Idaho
Illinois Indiana Iowa Kansas Kentucky Louisiana Maine Maryland Massachusetts Michigan Minnesota Mississippi Missouri
Montana Nebraska Nevada New_Hampshire New_Jersey New_Mexico New_York_State North_Carolina North_Dakota Ohio Oklahoma
Oregon Pennsylvania Rhode_Island South_Carolina South_Dakota Tennessee Texas Utah Vermont Virginia Washington_State
West_Virginia Wisconsin Wyoming""".split()

FIRST_LEVEL = {
    "CAN": "Ontario Quebec British_Columbia Alberta Manitoba Saskatchewan Nova_Scotia New_Brunswick "
           "Newfoundland_and_Labrador Prince_Edward_Island Yukon Northwest_Territories Nunavut",
    "AUS": "New_South_Wales Queensland Western_Australia South_Australia Tasmania Northern_Territory "
           "Australian_Capital_Territory Victoria",
    "DEU": "Baden-Württemberg Bavaria Brandenburg Hesse Lower_Saxony Mecklenburg-Western_Pomerania "
           "North_Rhine-Westphalia Rhineland-Palatinate Saarland Saxony Saxony-Anhalt Schleswig-Holstein Thuringia",
    "GBR": "England Scotland Wales Northern_Ireland",
    "UKR": "Donetsk Luhansk Zaporizhzhia Kherson Kharkiv Sumy Dnipropetrovsk Odesa Kyiv Chernihiv Poltava Mykolaiv "
           "Zhytomyr Vinnytsia Lviv Volyn Rivne Ternopil Khmelnytskyi Ivano-Frankivsk Chernivtsi Zakarpattia "
           "Kirovohrad Cherkasy",
}


def _forms(record) -> set[str]:
    return {record.name, *record.aliases, *record.ambiguous}


def _regions_of(kb, country: str) -> set[str]:
    return {form for r in kb if r.kind == "region" and r["country"] == country for form in _forms(r)}


def test_every_us_state_is_a_region_crediting_the_united_states(real_kb):
    kb = real_kb
    regions = _regions_of(kb, "USA")
    missing = [s for s in US_STATES if s.replace("_", " ") not in regions]
    assert missing == []
    assert "District of Columbia" in kb["city:washington"].aliases
    assert {"Puerto Rico", "Guam"} <= regions


@pytest.mark.parametrize("country", sorted(FIRST_LEVEL))
def test_first_level_divisions_credit_their_state(real_kb, country):
    kb = real_kb
    regions = _regions_of(kb, country)
    wanted = [n.replace("_", " ") for n in FIRST_LEVEL[country].split()]
    if country == "UKR":
        wanted = [f"{n} Oblast" for n in wanted]
    assert [n for n in wanted if n not in regions] == []


# A bare form that is also a given name, a surname, a common word, a club or another place names a
# record only with context: no record may hold it as a plain name, and the records that hold it as
# ambiguous give the context that decides.
TRAPS = ["Georgia", "Jordan", "Victoria", "Virginia", "Montana", "Sydney", "Houston", "Perth", "Darwin", "Adelaide",
         "Halifax", "Nice", "Florence", "Valencia", "Birmingham", "Alexandria", "Hyderabad", "Punjab", "Hesse", "Sabah",
         "Gao", "Patagonia", "Austin", "Orlando", "Portland", "Richmond", "Savannah", "Palma", "Salvador", "Tyre",
         "Rhodes", "Greens", "Labor", "Liberals", "Conservatives", "Socialists", "Renaissance", "Vox", "Morena",
         "Tisza", "PTI", "PPP", "MSC", "MAS", "ICE", "SEC", "X", "Fed", "National Guard", "Visa", "Honda"]


@pytest.mark.parametrize("form", TRAPS)
def test_a_trap_form_needs_context(real_kb, form):
    kb = real_kb
    plain = [r.id for r in kb if form in {r.name, *r.aliases, *r.acronyms, *(r.short if r.type != "PERSON" else ())}
             and form not in r.ambiguous]
    assert plain == []
    holders = [r for r in kb if form in r.ambiguous]
    assert holders and all(r.context or r.context_before or r.context_after for r in holders)


def test_no_two_records_share_a_plain_name(real_kb):
    kb = real_kb
    homonyms = {"Andris Bērziņš"}  # Latvia's president (2011-2015) and its prime minister (2000-2002)
    seen: dict[str, set[str]] = {}
    for r in kb:
        forms = {r.name, *r.aliases, *r.acronyms} | ({r.official} if r.official else set())
        if r.type != "PERSON":
            forms |= set(r.short)
        for form in forms - set(r.ambiguous):
            seen.setdefault(form, set()).add(r.id)
    assert {f: ids for f, ids in seen.items() if len(ids) > 1 and f not in homonyms} == {}


def test_no_two_persons_hold_one_head_of_state_or_government_office_at_once(real_kb):
    kb = real_kb
    terms: dict[str, list[tuple]] = {}
    for r in kb:
        for role in r.roles:
            if role.role in ("head-of-state", "head-of-government"):
                terms.setdefault(role.title, []).append((role.start, role.end or date.max, r.id))
    overlaps = []
    for title, spans in terms.items():
        spans.sort()
        for (s1, e1, p1), (s2, e2, p2) in zip(spans, spans[1:]):
            if p1 != p2 and s2 < e1:
                overlaps.append((title, p1, p2))
    assert overlaps == []


def test_the_korean_democratic_party_needs_korean_context_and_the_us_one_american():
    from streams.enrich.document import Document
    from streams.enrich.entities import EntityLinker

    link = EntityLinker(load_kb())
    seoul = Document(title="", text="In Seoul, the Democratic Party said Yoon Suk Yeol must go.", reference_date=date(2024, 12, 14))
    link(seoul)
    assert "org:democratic-party-of-korea" in {e.kb_id for e in seoul.entities}
    assert "org:democratic-party" not in {e.kb_id for e in seoul.entities}
    dc = Document(title="", text="In Washington, the Democratic Party said Congress must act.", reference_date=date(2024, 12, 14))
    link(dc)
    assert "org:democratic-party" in {e.kb_id for e in dc.entities}


@pytest.mark.parametrize(
    "person, title, day",
    [
        ("person:glenn-youngkin", "Governor of Virginia", date(2024, 5, 1)),
        ("person:serdar-berdimuhamedow", "President of Turkmenistan", date(2024, 5, 1)),
        ("person:joel-kaplan", "Chief Global Affairs Officer of Meta", date(2025, 6, 1)),
        ("person:kassym-jomart-tokayev", "President of Kazakhstan", date(2025, 6, 1)),
        ("person:gavin-newsom", "Governor of California", date(2025, 6, 1)),
    ],
)
def test_governors_and_central_asian_leaders_hold_their_dated_roles(person, title, day):
    assert title in [r.title for r in load_kb()[person].roles_on(day)]


def test_a_governors_term_ends_on_the_inauguration_of_the_next():
    kb = load_kb()
    assert not kb["person:glenn-youngkin"].roles_on(date(2026, 2, 1))
    assert [r.title for r in kb["person:abigail-spanberger"].roles_on(date(2026, 2, 1))] == ["Governor of Virginia"]
