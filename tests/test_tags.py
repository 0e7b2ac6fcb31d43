"""Geopolitical tagging: the taxonomy file decides, precision comes first, evidence points into the text.

Documents here carry credits built by `credited` (every occurrence of a known name credits its
state), standing in for the entity layer, so that these tests exercise the tagger alone.
"""

from __future__ import annotations

import re
import textwrap
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.enrich.datafile import DataFileError
from streams.enrich.document import Credit, Document, Entity, Sentence, Span
from streams.enrich.sentences import split_sentences
from streams.enrich.tag_cues import CueMatcher
from streams.enrich.tags import Tagger, load_taxonomy

NAMES = {
    "China": "CHN", "Chinese": "CHN", "Beijing": "CHN", "Xi": "CHN",
    "Russia": "RUS", "Russian": "RUS", "Moscow": "RUS", "Kremlin": "RUS", "Putin": "RUS",
    "Ukraine": "UKR", "Ukrainian": "UKR", "Kyiv": "UKR", "Zelensky": "UKR",
    "United States": "USA", "US": "USA", "Washington": "USA", "American": "USA",
    "Taiwan": "TWN", "Taiwanese": "TWN", "Taipei": "TWN",
    "Germany": "DEU", "German": "DEU", "Turkey": "TUR", "Turkish": "TUR", "Israel": "ISR", "Israeli": "ISR",
    "Greece": "GRC", "Greek": "GRC", "India": "IND", "Japan": "JPN",
}  # fmt: skip
_NAME = re.compile(r"\b(" + "|".join(sorted(NAMES, key=len, reverse=True)) + r")\b")


def credited(title: str, text: str, published: date = date(2023, 3, 17)) -> Document:
    """A document with sentences and state credits, as the earlier pipeline stages would leave it."""
    doc = Document(title=title, text=text, reference_date=published)
    for field in ("title", "text"):
        source = doc.field_text(field)
        doc.sentences += [Sentence(s, e, field) for s, e in split_sentences(source)]
        for m in _NAME.finditer(source):
            doc.credits.append(Credit(NAMES[m.group()], Span(m.start(), m.end(), m.group(), field), "name"))
    return doc


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger(load_taxonomy(), None)


def tag_ids(tagger: Tagger, doc: Document) -> set[str]:
    tagger(doc)
    return {t.id for t in doc.tags}


SUMMIT = credited(
    "Xi and Putin hail 'no limits' partnership at Moscow summit",
    "Chinese President Xi Jinping arrived in Moscow on Monday for a three-day state visit. "
    "Putin welcomed Xi at the Kremlin and said relations between Russia and China had never been stronger. "
    "The two leaders signed a joint statement on deepening their strategic partnership. "
    "Beijing and Moscow also agreed to expand trade in yuan and to build the Power of Siberia 2 gas pipeline.\n"
    "Officials said bilateral trade between China and Russia reached a record last year.",
)


# --- the taxonomy file ----------------------------------------------------------------------


def test_packaged_taxonomy_defines_every_required_tag_with_a_definition():
    taxonomy = load_taxonomy()
    ids = {t.id for t in taxonomy.tags}
    assert {
        "russia-china-partnership", "ukraine-war", "china-taiwan", "sanctions", "arms-transfers",
        "energy-geopolitics", "nato-alliance", "nuclear-risk", "us-china-rivalry",
    } <= ids  # fmt: skip
    assert taxonomy.version
    assert all(len(t.definition) > 40 and t.label and t.rules for t in taxonomy.tags)


def test_a_tag_added_to_the_data_file_is_assigned_without_code_change(tmp_path):
    packaged = Path(load_taxonomy().path).read_text(encoding="utf-8")
    extra = textwrap.indent(
        textwrap.dedent(
            """\
            - id: arctic-competition
              label: Arctic competition
              definition: Rival claims, shipping routes and military presence in the Arctic between states.
              threshold: 0.5
              scale: 2.0
              cues:
                arctic: [arctic, polar, northern sea route, icebreaker]
              rules:
                - {id: state-in-arctic, min_states: 1, cues: [arctic], weight: 2.0}
            """
        ),
        "  ",
    )
    path = tmp_path / "taxonomy.yaml"
    path.write_text(packaged.rstrip("\n") + "\n\n" + extra, encoding="utf-8")
    doc = credited(
        "Russia sends icebreakers to the Arctic",
        "Russia is expanding its fleet of nuclear icebreakers on the Northern Sea Route. "
        "China says it is a near-Arctic state and wants polar shipping rights.",
    )
    ids = tag_ids(Tagger(load_taxonomy(path), None), doc)
    assert "arctic-competition" in ids
    assert "arctic-competition" not in tag_ids(Tagger(load_taxonomy(), None), doc)


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ("cues: [relation]", "unknown cue group 'relation'"),
        ("threshold: 1.7", "threshold"),
        ("weight: many", "weight"),
        ("actors: [Russia]", "alpha-3"),
        ("colour: red", "unknown key"),
    ],
)
def test_a_malformed_taxonomy_is_rejected_with_file_and_line(tmp_path, broken, message):
    key = broken.split(":")[0]
    rule = {"cues": "cues: [conflict]", "weight": "weight: 1.0", "actors": "actors: [RUS]"}
    lines = [
        "version: 1",
        "cues:",
        "  conflict: [war]",
        "tags:",
        "  - id: demo",
        "    label: Demo",
        "    definition: A demonstration tag that exists to be broken in a test.",
        "    threshold: 0.5" if key != "threshold" else f"    {broken}",
        "    rules:",
        "      - id: only",
        "        " + (broken if key in rule else rule["cues"]),
        "        " + (rule["weight"] if key != "weight" else broken),
    ]
    if key == "colour":
        lines.insert(6, "    " + broken)
    path = tmp_path / "broken.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        load_taxonomy(path)
    assert caught.value.path == str(path)
    assert caught.value.line is not None and 1 <= caught.value.line <= len(lines)
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"{path}:{caught.value.line}:")


def test_a_yaml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("version: 1\ntags:\n  - id: x\n    label: [unclosed\n", encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        load_taxonomy(path)
    assert caught.value.line is not None


# --- what gets tagged ------------------------------------------------------------------------


def test_a_summit_between_russia_and_china_is_a_partnership_story(tagger):
    tagger(SUMMIT)
    tag = next(t for t in SUMMIT.tags if t.id == "russia-china-partnership")
    assert 0.0 < tag.score <= 1.0
    assert tag.rule.startswith("russia-china-partnership") and tag.rule.endswith("@" + tagger.taxonomy.version)


def test_evidence_spans_are_sentences_of_the_document_strongest_first(tagger):
    tagger(SUMMIT)
    tag = next(t for t in SUMMIT.tags if t.id == "russia-china-partnership")
    assert 1 <= len(tag.evidence) <= 5
    sentences = {(s.field, s.start, s.end) for s in SUMMIT.sentences}
    for span in tag.evidence:
        assert (span.field, span.start, span.end) in sentences
        assert SUMMIT.field_text(span.field)[span.start : span.end] == span.text
    # The title weighs more than any one body sentence with the same kind of evidence.
    assert tag.evidence[0].field == "title"


NOT_PARTNERSHIPS = {
    "both countries in a list": credited(
        "Golden visa applications rise again",
        "Chinese investors led golden visa applications in Greece last year, followed by Turkish, "
        "Russian, Israeli and American buyers.\n"
        "Chinese, Russian and Turkish nationals together bought more than 2,000 apartments.\n"
        "Real estate agents say demand from Chinese and Russian buyers is steady.",
    ),
    "a sport result": credited(
        "Russian tennis star beats Chinese rival in straight sets",
        "Russia's top seed beat China's number one in the quarterfinal of the tournament on Tuesday. "
        "The Russian player will meet a Chinese qualifier in the semifinal after the match. "
        "Fans of both Russia and China filled the stadium, and the coach praised the cooperation of the organisers.",
    ),
}


@pytest.mark.parametrize("story", sorted(NOT_PARTNERSHIPS))
def test_stories_naming_both_states_without_a_relation_between_them_are_not_partnerships(tagger, story):
    assert "russia-china-partnership" not in tag_ids(tagger, NOT_PARTNERSHIPS[story])


def test_a_us_china_trade_story_naming_russia_once_is_rivalry_not_partnership(tagger):
    doc = credited(
        "US raises tariffs on Chinese chips as trade war deepens",
        "Washington announced new tariffs on Chinese semiconductors on Friday. "
        "Beijing vowed to retaliate against the United States and accused Washington of containment. "
        "The US Commerce Department also added Chinese firms to its entity list. "
        "American officials said talks with China would continue. "
        "China also trades with Russia, analysts noted.",
    )
    ids = tag_ids(tagger, doc)
    assert "us-china-rivalry" in ids
    assert "russia-china-partnership" not in ids


def test_a_background_clause_does_not_make_a_war_story(tagger):
    doc = credited(
        "German factory orders fall",
        "German factory orders fell for a third month in March, the statistics office said. "
        "Energy costs have stayed high since Russia's invasion of Ukraine, economists noted. "
        "Car makers reported weaker demand from abroad.",
    )
    assert "ukraine-war" not in tag_ids(tagger, doc)



@pytest.mark.parametrize(
    "clause", ["before Russia's invasion of Ukraine", "before the full-scale invasion of Ukraine", "since Moscow's full-scale invasion of Ukraine"]
)
def test_the_time_before_or_since_the_invasion_is_a_background_clause(tagger, clause):
    def weight(when: str) -> float:
        doc = credited(
            "China-Russia trade falls",
            "Trade between China and Russia fell in the first half of the year, customs data showed. "
            f"Last year it reached a record, almost double the level {when}.",
        )
        judgement = next(j for j in tagger.explain(doc) if j.definition.id == "ukraine-war")
        return sum(w for w, s, _ in judgement.evidence if "record" in doc.text[s.start : s.end])

    during = "during " + clause.split(" ", 1)[1]  # the same words, placing the record in the war
    assert 0 < weight(clause) < weight(during)

def test_passing_mentions_of_the_war_do_not_add_up_to_a_war_story(tagger):
    """Sanctions on Moscow, its war effort and a background clause in a trade story: a score near
    the threshold, but no sentence says that the story is about the war."""
    doc = credited(
        "China-Russia trade falls as car exports slump",
        "Trade between China and Russia fell in the first half, ending a boom that followed Western sanctions on Moscow. "
        "Chinese car exports to Russia dropped by a third. "
        "Russian exports to China fell with oil prices. "
        "Russian officials played down the figures. "
        "Chinese banks avoid Russian clients since Washington threatened banks that help Russia's war effort. "
        "Last year trade reached a record, double the level before Russia's invasion of Ukraine. "
        "Chinese officials said cooperation was resilient. "
        "Russian households are buying fewer imported goods.",
    )
    judgement = next(j for j in tagger.explain(doc) if j.definition.id == "ukraine-war")
    assert judgement.score > 0.5 and len(judgement.evidence) >= 2
    assert judgement.refused == "no sentence states the subject itself"


def test_a_ban_on_trade_with_russia_is_war_sanctions_evidence(tagger):
    def weight(text: str) -> float:
        doc = credited("Europe tightens the screws", text)
        judgement = next(j for j in tagger.explain(doc) if j.definition.id == "ukraine-war")
        return sum(w for w, _, _ in judgement.evidence)

    assert weight("The EU ban on imports of Russian oil by sea came into force. Ukraine welcomed it.") > 0
    assert weight("The EU ban on imports of Greek oil by sea came into force. Ukraine welcomed it.") == 0


def test_fighting_in_ukraine_is_a_war_story(tagger):
    doc = credited(
        "Russian missiles strike Kyiv overnight",
        "Russian forces launched a wave of missile and drone attacks on Kyiv overnight, Ukrainian officials said. "
        "Ukraine's air defence shot down most of the drones. "
        "Fighting continued along the front line in the east of Ukraine.",
    )
    tagger(doc)
    tag = next(t for t in doc.tags if t.id == "ukraine-war")
    assert tag.evidence[0].field == "title"


def test_inflected_forms_of_a_term_match(tagger):
    doc = credited(
        "EU sanctions more Russian banks",
        "The European Union sanctioned five Russian banks on Monday. "
        "Brussels has been sanctioning Russia in rounds, and officials said the embargo on Russian oil would stay.",
    )
    assert "sanctions" in tag_ids(tagger, doc)


def credit_as(doc: Document, surface: str, country: str, via: str) -> Document:
    """Re-credit every occurrence of `surface` as the entity layer would: as a demonym, a place..."""
    for credit in doc.credits:
        if credit.span.text == surface:
            credit.via = via
    for field in ("title", "text"):
        for m in re.finditer(re.escape(surface), doc.field_text(field)):
            if not any(c.span.field == field and c.span.start == m.start() for c in doc.credits):
                doc.credits.append(Credit(country, Span(m.start(), m.end(), surface, field), via))
    return doc


def test_a_host_city_is_not_a_party_to_the_talks_held_there(tagger):
    doc = credited(
        "India and China leaders meet at summit",
        "India's prime minister and Xi held bilateral talks on Wednesday at the summit in the Russian city of Kazan. "
        "The meeting in the Russian city of Kazan was the first between India and China in five years. "
        "Officials said China and India agreed to keep talking about their border.",
    )
    credit_as(doc, "Russian", "RUS", "demonym")
    credit_as(doc, "Kazan", "RUS", "place")
    assert "russia-china-partnership" not in tag_ids(tagger, doc)


def test_a_dateline_place_is_where_the_reporter_files_from_not_a_party(tagger):
    doc = credited(
        "India and China leaders meet",
        "KAZAN: Xi held talks on Wednesday with the prime minister of India, their first bilateral meeting in years.\n"
        "KAZAN, Oct 23 (Agency) - China and India agreed to restore patrols along their border.\n"
        "KAZAN: Xi said China wanted stable relations and more trade with India.",
    )
    credit_as(doc, "KAZAN", "RUS", "place")
    assert "russia-china-partnership" not in tag_ids(tagger, doc)


def test_a_state_named_beside_a_place_noun_still_acts_elsewhere(tagger):
    doc = credited(
        "Russia and China deepen ties",
        "Russian officials and Chinese officials signed a trade agreement on Wednesday. "
        "Russia and China agreed to expand their strategic partnership and trade in yuan.",
    )
    credit_as(doc, "Russian", "RUS", "demonym")
    assert "russia-china-partnership" in tag_ids(tagger, doc)


def test_washington_against_a_chinese_firm_is_rivalry_though_a_firm_credits_no_state(tagger):
    title = "AppCo given nine months to sell its US business"
    text = (
        "The United States gave AppCo nine months to sell its American business or face a ban. "
        "Washington accuses AppCo of spying on users, which AppCo denies. "
        "China's foreign ministry said Beijing would protect the rights of its companies. "
        "The US Commerce Department added AppCo's suppliers to its entity list. "
        "AppCo said it would challenge the ban in American courts."
    )
    firm = Entity("AppCo", "ORG", "org:appco", country="CHN", kind="company")
    firm.mentions = [Span(m.start(), m.end(), "AppCo", "text") for m in re.finditer("AppCo", text)]
    without = credited(title, text)
    assert "us-china-rivalry" not in tag_ids(tagger, without)
    with_firm = credited(title, text)
    with_firm.entities.append(firm)
    assert "us-china-rivalry" in tag_ids(tagger, with_firm)


def test_a_denied_supply_of_arms_is_not_an_arms_transfer(tagger):
    supplied = credited(
        "Report on weapons for Russia",
        "Officials in Washington said Germany sent artillery shells to Israel last month. "
        "Israel received the ammunition from Germany in two shipments, officials said. "
        "Germany also delivered air defence systems to Israel.",
    )
    denied = credited(
        supplied.title,
        "Officials in Berlin said Germany never sent artillery shells to Israel. "
        "Israel denied that it received any ammunition from Germany. "
        "Germany did not deliver air defence systems to Israel, its ministry said.",
    )
    assert "arms-transfers" in tag_ids(tagger, supplied)
    assert "arms-transfers" not in tag_ids(tagger, denied)


@pytest.mark.parametrize(
    ("title", "text"),
    [
        (
            "Trump weighs sending Tomahawks to Ukraine",
            "Zelensky asked Washington for Tomahawks and more Patriot systems, Ukrainian officials said. "
            "Putin warned that a Tomahawk delivery to Ukraine would damage ties with the United States.",
        ),
        (
            "Israel to buy 25 more F-35s from the United States",
            "Israel signed a deal to buy 25 F-35s from the United States, its defence ministry said. "
            "Washington approved the sale of the F-35s and of munitions to Israel last year.",
        ),
    ],
    ids=["tomahawk", "f-35"],
)
def test_a_weapon_named_by_its_system_is_an_arms_cue(tagger, title, text):
    assert "arms-transfers" in tag_ids(tagger, credited(title, text))


@pytest.mark.parametrize(
    ("title", "text", "tagged"),
    [
        (
            "Iran and US resume nuclear talks as IAEA warns on enriched uranium",
            "Iranian and American negotiators resumed talks on Iran's nuclear programme on Sunday, "
            "as the International Atomic Energy Agency said Iran's stock of highly enriched uranium had grown. "
            "The United States wants Iran to give up enrichment, a demand Iran rejects.",
            False,
        ),
        (
            "US bans imports of Russian uranium for nuclear power plants",
            "The United States banned imports of enriched uranium from Russia, which supplies a quarter of the fuel "
            "for American reactors. Russia said the ban would hurt American utilities more than its own exports. "
            "Utilities in the United States will have to find other suppliers of nuclear fuel by 2028.",
            True,
        ),
    ],
    ids=["weapons-programme", "fuel-supply"],
)
def test_a_nuclear_programme_is_not_energy_supply_but_nuclear_fuel_is(tagger, title, text, tagged):
    assert ("energy-geopolitics" in tag_ids(tagger, credited(title, text))) is tagged

def test_a_prize_named_for_peace_is_not_peace_talks(tagger):
    doc = credited(
        "Peace prize goes to rights groups in Russia and Ukraine",
        "The peace prize was awarded on Friday to rights groups in Russia and Ukraine, the committee said. "
        "The award honours the laureates' work for peace, the committee chair said. "
        "The prize will be presented in December at an award ceremony.",
    )
    assert "ukraine-war" not in tag_ids(tagger, doc)


@pytest.mark.parametrize(
    ("title", "text", "tagged"),
    [
        (
            "US bars sales of advanced chips to China",
            "Washington will restrict exports of advanced chips and chipmaking tools to China, officials said. "
            "The rules bar American companies from selling equipment to Chinese factories without a licence. "
            "China said the curbs on technology trade would hurt both economies.",
            True,
        ),
        (
            "Leaders agree to curb fentanyl and restore military talks",
            "The United States and China agreed to curb the production of fentanyl, officials said. "
            "Chinese authorities will restrict the chemicals used to make the drug and block online sellers. "
            "Both sides said they would curb risks of a clash at sea.",
            False,
        ),
        (
            "Iran restricts internet as protests spread",
            "Iran's authorities restricted mobile internet and blocked messaging apps on Wednesday. "
            "Protests spread to dozens of cities in Iran, and the authorities curbed access to the web.",
            False,
        ),
    ],
    ids=["export-controls", "curbing-a-drug", "curbing-the-internet"],
)
def test_restrictions_are_sanctions_only_when_they_bear_on_trade(tagger, title, text, tagged):
    assert ("sanctions" in tag_ids(tagger, credited(title, text))) is tagged



@pytest.mark.parametrize(
    ("text", "tagged"),
    [
        (
            "The European Union has kept Russia's central bank reserves immobilised since 2022, officials said. "
            "Russia said it would confiscate the assets of Western companies in Russia in return. "
            "Moscow has already seized the holdings of two German firms.",
            True,
        ),
        (
            "Ukrainian troops seized weapons and equipment left behind by Russian units, officials said. "
            "Russia said its forces had seized two villages near the border. "
            "Ukrainian forces seized more equipment on Tuesday.",
            False,
        ),
    ],
    ids=["assets-taken", "weapons-seized-in-battle"],
)
def test_assets_immobilised_or_seized_are_sanctions_weapons_seized_in_battle_are_not(tagger, text, tagged):
    assert ("sanctions" in tag_ids(tagger, credited("Frozen money and seized property", text))) is tagged

def test_a_cap_on_household_bills_is_not_a_sanction(tagger):
    doc = credited(
        "Household energy bills to fall as regulator lowers price cap",
        "Household bills will fall in July after the regulator lowered its price cap, the regulator said. "
        "The cap, which restricts what suppliers charge households, follows lower wholesale prices. "
        "Inflation and household bills rose after Russia invaded Ukraine, and the cap was raised twice.",
    )
    assert "sanctions" not in tag_ids(tagger, doc)


def test_the_cost_of_sanctions_to_the_target_economy_does_not_weaken_the_tag(tagger):
    text = (
        "The European Union extended its sanctions on Russian banks for six months, officials said. "
        "Russia's central bank raised interest rates as inflation climbed, blaming the sanctions. "
        "Economists said economic growth slowed under the embargo and the asset freeze. "
        "Household incomes in Russia fell as import bans on Western goods pushed up consumer prices."
    )
    neutral = (
        text.replace("interest rates as inflation climbed", "its forecasts as costs climbed")
        .replace("economic growth slowed", "output slowed")
        .replace("Household incomes", "Wages")
        .replace("consumer prices", "costs")
    )

    def score(body: str) -> float:
        doc = credited("EU extends sanctions on Russia", body)
        tagger(doc)
        return next(t.score for t in doc.tags if t.id == "sanctions")

    assert score(text) == pytest.approx(score(neutral))


def test_more_evidence_gives_a_higher_score(tagger):
    short = credited("Putin meets Xi", "Putin met Xi in Moscow for talks on Russia-China ties.")
    tagger(short)
    tagger(SUMMIT)
    long_score = next(t.score for t in SUMMIT.tags if t.id == "russia-china-partnership")
    short_score = next((t.score for t in short.tags if t.id == "russia-china-partnership"), 0.0)
    assert short_score < long_score <= 1.0


def test_entities_by_knowledge_base_id_drive_rules(tagger):
    text = "NATO leaders agreed at the summit to raise defence spending. Sweden's membership was ratified."
    doc = credited("Alliance summit", text)
    nato = Entity("NATO", "ORG", "org:nato", mentions=[Span(0, 4, "NATO", "text")])
    assert "nato-alliance" not in tag_ids(tagger, doc)
    doc.entities.append(nato)
    nato.mentions.append(Span(text.index("membership") - 9, text.index("membership") - 1, "Sweden's", "text"))
    assert "nato-alliance" in tag_ids(tagger, doc)


def test_tags_below_threshold_are_not_emitted_and_scores_are_in_range(tagger):
    doc = credited("Weather", "It rained in Beijing and Moscow on Sunday.")
    assert tag_ids(tagger, doc) == set()
    tagger(SUMMIT)
    assert all(0.0 <= t.score <= 1.0 for t in SUMMIT.tags)
    threshold = {t.id: t.threshold for t in tagger.taxonomy.tags}
    assert all(t.score >= threshold[t.id] for t in SUMMIT.tags)


def test_the_reference_sample_gets_both_mission_tags_with_evidence_from_its_own_sentences():
    from evaluation.common import load_reference_sample
    from streams.enrich.pipeline import Enricher

    sample = load_reference_sample()
    if sample is None:
        pytest.skip("reference sample not present beside the repository")
    doc = Enricher().document(sample["raw"])
    if not doc.credits:
        pytest.skip("the entity layer credits no state yet")
    tags = {t.id: t for t in doc.tags}
    assert {"russia-china-partnership", "ukraine-war"} <= set(tags)
    for tag in (tags["russia-china-partnership"], tags["ukraine-war"]):
        assert tag.evidence
        for span in tag.evidence:
            assert doc.field_text(span.field)[span.start : span.end] == span.text
            assert span.text in sample["raw"]["text"] or span.text == sample["raw"]["title"]


# --- the tagger's bookkeeping ----------------------------------------------------------------


def test_the_tags_emitted_are_those_explain_finds_unrefused():
    """__call__ weighs only the tags with evidence in enough sentences; explain weighs them all."""
    from evaluation.tags import load_cases
    from streams.enrich.pipeline import Enricher

    enricher = Enricher()
    cases, _ = load_cases()
    for case in cases[:60]:
        doc = enricher.document(case.raw)
        judged = {j.definition.id: j.score for j in enricher.tag.explain(doc) if j.refused is None}
        assert {t.id: t.score for t in doc.tags} == judged, case.id


def _one_tag_taxonomy(tmp_path, cues: list[str], rules: str, dampen: str = "[]") -> Tagger:
    """A taxonomy of shared cue groups (`cues`, one "name: terms" each) and one tag."""
    lines = ["version: 1", "cues:", *(f"  {group}" for group in cues), "tags:", "  - id: demo", "    label: Demo"]
    lines += ["    definition: A tag that exists for a test of the tagger's bookkeeping.", "    threshold: 0.01"]
    lines += ["    scale: 1.0", f"    rules: {rules}", f"    dampen: {dampen}"]
    path = tmp_path / "taxonomy.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Tagger(load_taxonomy(path), None)


# Terms and the characters around them beyond ASCII: those that fold to ASCII ("İ", the kelvin
# sign, quotes, dashes, a no-break space) and letters and digits that do not.
_FRAGMENTS = ["aid", "said", "is", "x-ray", "xrays", "AID", " ", "-", ".", "\n", "\x01"]
_FRAGMENTS += ["\u0130", "\u212a", "\u2019", "\u2014", "\u00a0", "\u00e9", "\u00df", "\u03a3", "\u0436", "\u4e2d", "\u00b2"]
_TRICKY = st.lists(st.sampled_from(_FRAGMENTS), max_size=12).map("".join)


@given(_TRICKY)
@settings(max_examples=300, deadline=None)
def test_ascii_terms_hit_the_same_whether_or_not_a_term_goes_beyond_ascii(text):
    """Keys all ASCII: text beyond ASCII is matched as ASCII, each other letter a stand-in.
    A key beyond ASCII: the text is folded and blanked as it is. Same hits for ASCII terms."""
    ascii_only = CueMatcher([("aid", 0, 1.0), ("said", 0, 1.0), ("x-ray*", 0, 1.0), ("is", 0, 1.0)])
    with_other = CueMatcher([("aid", 0, 1.0), ("said", 0, 1.0), ("x-ray*", 0, 1.0), ("is", 0, 1.0), ("ßé", 1, 1.0)])
    # The shared terms are keyed alike in both (added first, in the same order); group 1 is the other.
    assert ascii_only.find(text) == [hit for hit in with_other.find(text) if with_other.values[hit[0]] == ((0, 1.0),)]


def test_a_term_beyond_ascii_matches(tmp_path):
    tagger = _one_tag_taxonomy(tmp_path, ["straits: [boğaz, türk akımı]"], "[{id: strait, cues: [straits], weight: 2.0}]")
    doc = credited("Boğaz geçişi", "Tankerler Boğaz’dan geçti. Türk Akımı boru hattı çalışıyor.")
    tagger(doc)
    assert [t.id for t in doc.tags] == ["demo"]
    assert {s.text for s in doc.tags[0].evidence} == {"Tankerler Boğaz’dan geçti.", "Türk Akımı boru hattı çalışıyor.", "Boğaz geçişi"}


def test_a_sentence_dampener_may_ask_for_several_hits(tmp_path):
    tagger = _one_tag_taxonomy(
        tmp_path,
        ["drill: [drill]", "rumour: [rumour]"],
        "[{id: drill, cues: [drill], weight: 1.0}]",
        "[{id: rumours, cues: [rumour], scope: sentence, min_count: 2, factor: 0.5}]",
    )
    doc = credited("", "A drill was held, a rumour said. A drill was held, rumour upon rumour said. A drill was held.")
    (judgement,) = tagger.explain(doc)
    weights = [weight for weight, _, _ in judgement.evidence]
    assert weights[1] == pytest.approx(weights[0] * 0.5) and weights[2] == weights[0]  # one rumour is not enough


def test_a_cue_group_weighted_zero_gives_no_evidence(tmp_path):
    tagger = _one_tag_taxonomy(
        tmp_path, ["drill: [drill]", "muted: {weight: 0, terms: [exercise]}"], "[{id: drill, cues: [drill, muted], weight: 1.0}]"
    )
    (judgement,) = tagger.explain(credited("", "A drill and an exercise were held. A drill was held."))
    assert judgement.evidence == [] and judgement.refused == "too few sentences of evidence"


@given(st.lists(st.tuples(st.integers(-3, 40), st.integers(-3, 40), st.sampled_from(["title", "text"])), max_size=8))
def test_an_offset_is_in_the_last_sentence_starting_at_or_before_it(sentences):
    """However sentences are listed (out of order, overlapping, empty): as a bisect over the
    sentences' starts in text order would say, checked against each sentence's end."""
    from bisect import bisect_right

    from streams.enrich.tags import _locators

    listed = [Sentence(start, end, field) for start, end, field in sentences]
    locators, _, _ = _locators(listed)
    for field in ("title", "text"):
        ordered = sorted((s.start, s.end, i) for i, s in enumerate(listed) if s.field == field)
        bounds, located = locators[field]
        for offset in range(-5, 45):
            holding = [entry for entry in ordered if entry[0] <= offset]
            expected = 1 << holding[-1][2] if holding and offset < holding[-1][1] else 0
            assert located[bisect_right(bounds, offset)] == expected
