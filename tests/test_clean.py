"""Text hygiene: what the cleaner keeps, what it drops, and that it never fails on odd input."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.enrich import clean, clean_boilerplate, clean_language
from streams.enrich.clean import Cleaner, normalise_text, normalise_title
from streams.enrich.clean_boilerplate import KeyLines, LineCleaner, load_boilerplate
from streams.enrich.clean_html import MAX_DEPTH, is_bomb
from streams.enrich.clean_language import detect_language, load_language_words, normalise_language
from streams.enrich.clean_regex import ascii_twins, first_characters, start_texts
from streams.enrich.datafile import DataFileError

SAMPLES = Path("/work/shared/samples")
SAMPLE_TITLE = "China's Xi to visit Russia in Show of Support for Putin"

STORY = (
    "The foreign ministers met in Geneva on Tuesday and said the talks had been constructive, "
    "according to a statement released after the meeting."
)
STORY_2 = "Both sides agreed to hold follow-up talks next month, officials said, without giving a date."


@pytest.fixture(scope="module")
def cleaner() -> Cleaner:
    return Cleaner()


def body(cleaner: Cleaner, text: str, title: str = "Ministers meet in Geneva") -> str:
    return cleaner(title, text, None, "en").text


# ---------------------------------------------------------------- Unicode normalisation


def test_text_is_nfc(cleaner):
    assert body(cleaner, "Cafe\u0301 society in Athens.") == "Caf\u00e9 society in Athens."


def test_line_endings_are_unified(cleaner):
    assert body(cleaner, "One line.\r\nTwo lines.\rThree lines.\u2028Four.") == "One line.\nTwo lines.\nThree lines.\nFour."


def test_zero_width_control_and_nul_characters_are_removed(cleaner):
    assert body(cleaner, "Kre\u200bmlin\x00 con\ufefffirmed\x07 the\u00ad visit.") == "Kremlin confirmed the visit."


def test_tabs_and_newlines_survive_control_stripping():
    assert normalise_text("a\tb\nc") == "a\tb\nc"


def test_nonbreaking_spaces_become_spaces_and_runs_collapse(cleaner):
    assert body(cleaner, "Xi\u00a0Jinping   met\u202fPutin  in   Moscow.") == "Xi Jinping met Putin in Moscow."


def test_three_or_more_blank_lines_collapse_to_one(cleaner):
    assert body(cleaner, f"{STORY}\n\n\n\n\n{STORY_2}") == f"{STORY}\n\n{STORY_2}"


def test_curly_quotes_and_apostrophes_are_kept(cleaner):
    text = "China’s envoy called it “important” and ‘timely’ in Moscow’s view."
    assert body(cleaner, text) == text


def test_lines_are_trimmed(cleaner):
    assert body(cleaner, f"   {STORY}   \n  {STORY_2}") == f"{STORY}\n{STORY_2}"


def test_title_is_one_normalised_line(cleaner):
    result = cleaner("  China&#8217;s Xi\u00a0to\n visit   Russia ", STORY, None, "en")
    assert result.title == "China’s Xi to visit Russia"


@settings(max_examples=500, deadline=None)
@given(st.text().filter(lambda title: "&" not in title))
def test_titles_needing_no_normalising_come_out_as_normalised(title):
    assert normalise_title(title) == re.sub(r"\s+", " ", normalise_text(title)).strip()


def test_text_without_what_the_scan_watches_for_is_nfc():
    # The scan leaves a text's NFC form unchecked when it holds none of these characters.
    starts = clean._not_surely_nfc()

    def watched(c: str) -> bool:
        code = c.encode("utf-8", "surrogatepass")
        return any(code[:n] in starts for n in range(1, len(code) + 1))

    for code in range(0x10000, 0x110000):  # beyond the plane: none follows one inside it in a decomposition
        for c in unicodedata.normalize("NFD", chr(code))[1:]:
            assert ord(c) >= 0x10000 or watched(c), hex(code)
    assert watched("\u0301") and watched("\u1161") and watched("\u212b") and watched("\U0001f600")
    assert not any(watched(c) for c in "é’“—…ßЖ中")


def test_characters_given_by_a_common_start_are_those_given():
    chars = [chr(c) for c in range(0x300, 0x340)] + ["\u0341", "a", "\ud800"]
    starts = clean._utf8_starts(chars)
    assert starts == {b"\xcc", "\u0341".encode(), b"a", "\ud800".encode("utf-8", "surrogatepass")}
    assert clean._utf8_starts(chr(c) for c in range(0xD800, 0xE000)) == {bytes([0xED, b]) for b in range(0xA0, 0xC0)}


def _normalised_step_by_step(text: str) -> str:
    """What normalise_text promises, one regex at a time over the whole text."""
    text = re.sub(r"\r\n?|[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]", "\n", text)
    text = re.sub(
        "[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u00ad\u180e\u200b\u200e\u200f\u202a-\u202e"
        "\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb\ufffe\uffff\ud800-\udfff]",
        "",
        text,
    )
    text = unicodedata.normalize("NFC", text)
    text = re.sub("[ \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+", " ", text)
    return re.sub(r"^[ \t]+|[ \t]+$", "", text, flags=re.MULTILINE)


@settings(max_examples=500, deadline=None)
@given(
    text=st.lists(
        st.sampled_from(
            ["a", "b", " ", "  ", " \n ", "\n", "\t", "\r", "\r\n", "\u00e9", "e\u0301", "\u0301", "\u00a0", "\u2009",
             "\u3000", "\u200b", "\u00ad", "\u2028", "\x00", "\ufeff", "\u0416", "\u4e2d", "\u2000", "\ud800"]
        )
    ).map("".join)
)  # fmt: skip
def test_normalisation_skipping_clean_lines_equals_normalising_everything(text):
    assert normalise_text(text) == _normalised_step_by_step(text)


# ---------------------------------------------------------------- boilerplate lines


@pytest.mark.parametrize(
    "line",
    [
        "Advertisement",
        "ADVERTISEMENT",
        "Ad",
        "Sponsored",
        "Partner content",
        "Story continues below advertisement",
    ],
)
def test_ad_lines_are_removed_anywhere(cleaner, line):
    assert body(cleaner, f"{line}\n\n{STORY}\n\n{line}\n\n{STORY_2}\n\n{line}") == f"{STORY}\n\n{STORY_2}"


@pytest.mark.parametrize("line", ["Calamos Supports Greece", "Acme Bank Proudly Supports Athens", "Sponsored by Acme Bank"])
def test_sponsor_lines_above_and_below_the_story_are_removed(cleaner, line):
    assert body(cleaner, f"{line}\n\n{STORY}\n\n{STORY_2}\n\n{line}") == f"{STORY}\n\n{STORY_2}"


@pytest.mark.parametrize(
    "line",
    ["Home > World > Europe", "Home / News", "Home » Politics » Diplomacy", "News › Europe › Russia"],
)
def test_breadcrumb_lines_are_removed(cleaner, line):
    assert body(cleaner, f"{line}\n{STORY}") == STORY


def test_breadcrumb_glued_to_the_title_is_removed(cleaner):
    text = f"ExampleNews.comEurope{SAMPLE_TITLE}\n\n{STORY}"
    assert cleaner(SAMPLE_TITLE, text, None, "en").text == STORY


@pytest.mark.parametrize(
    "line",
    [
        "See all the latest news from Greece and the world at Example.com.",
        "Related Posts",
        "Related Articles",
        "Related: Ministers to meet again in May",
        "Read more: Why the Geneva talks matter",
        "READ MORE",
        "You may also like",
        "Follow us on Twitter and Facebook",
        "Follow Example News on Google News and subscribe here to our daily email!",
        "Subscribe to our newsletter",
        "Sign up for our daily briefing",
        "Share this article",
        "Share Facebook Twitter Email",
        "Contact our newsroom to report an update or send your story, photos and videos.",
        "Credit: Kremlin.ru",
        "Photo: Reuters",
        "Image: AP Photo/Alexander Zemlianichenko",
        "Getty Images",
        "The two leaders in Moscow in 2019. (Photo by Sergei Ilnitsky / AFP)",
        "The two leaders in Moscow in 2019. Credit: Kremlin.ru",
        "Putin and Xi at the Kremlin. Mikhail Metzel / Sputnik / AFP",
        "Xi and Putin in Beijing in February 2022. Alexei Druzhinin/AFP via Getty Images",
        "We use cookies to improve your experience on our website.",
        "Accept all cookies",
        "© 2023 Example News. All rights reserved.",
        "All rights reserved",
        "Copyright 2023 Example Media Group",
        "Click here to read the full report",
        "12 Comments",
        "Leave a comment",
        "Tags: Russia, China, diplomacy",
        "4 min read",
    ],
)
def test_boilerplate_lines_are_removed(cleaner, line):
    result = cleaner("Ministers meet in Geneva", f"{STORY}\n\n{line}\n\n{STORY_2}", None, "en")
    assert result.text == f"{STORY}\n\n{STORY_2}"
    assert result.removed_lines == 1


@pytest.mark.parametrize("line", ["Europe › Russia", "Markets > Trade", "Sport › Tennis › Wimbledon"])
def test_section_trails_are_removed(cleaner, line):
    assert body(cleaner, f"{line}\n\n{STORY}") == STORY


@pytest.mark.parametrize(
    "line",
    ["World | Asia", "Share | Tweet | Email", "Markets newsletter | Privacy | Terms", "Ad | Compare energy tariffs and switch today"],
)
def test_rows_of_short_links_are_removed(cleaner, line):
    assert body(cleaner, f"{line}\n\n{STORY}\n\n{line}") == STORY


def test_links_listed_under_a_related_heading_go_with_it(cleaner):
    text = f"{STORY}\n\nRelated Posts\nPutin warrant: what the ICC decision means\n- Explainer: how sanctions work"
    result = cleaner("Ministers meet in Geneva", text, None, "en")
    assert (result.text, result.removed_lines) == (STORY, 3)


def test_story_resumes_after_a_related_list_inside_it(cleaner):
    text = f"{STORY}\n\nRelated Articles\nPutin warrant explained\n\n{STORY_2}"
    assert body(cleaner, text) == f"{STORY}\n\n{STORY_2}"


@pytest.mark.parametrize(
    "line",
    [
        "Reporting by Guy Faulconbridge and Laurie Chen; Editing by Mark Trevelyan",
        "(Reporting by the Moscow bureau; writing by the Europe desk)",
        "(With inputs from agencies)",
        "(This story has been refiled to fix a typo in paragraph 4)",
    ],
)
def test_wire_credits_below_the_story_are_removed(cleaner, line):
    assert body(cleaner, f"{STORY}\n\n{STORY_2}\n\n{line}") == f"{STORY}\n\n{STORY_2}"


@pytest.mark.parametrize("label", ["Analysis", "IN BRIEF", "Opinion"])
def test_section_label_above_the_story_is_removed(cleaner, label):
    assert body(cleaner, f"{label}\n\n{STORY}") == STORY


def test_byline_above_the_story_is_removed(cleaner):
    assert body(cleaner, f"By John Smith\n\n{STORY}") == STORY


def test_listen_prefix_is_stripped_and_story_kept(cleaner):
    assert body(cleaner, f"Listen to this article · 4 min {STORY}") == STORY


def test_read_more_glued_to_a_teaser_is_stripped(cleaner):
    assert body(cleaner, f"{STORY} Read more") == STORY


def test_repeated_title_as_first_body_line_is_removed(cleaner):
    title = "China’s Xi to visit Russia"
    assert cleaner(title, f"China's Xi to Visit Russia\n\n{STORY}", None, "en").text == STORY


def test_tag_line_of_title_words_after_the_title_is_removed(cleaner):
    text = f"{SAMPLE_TITLE}\n\nRussia China\n\n{STORY}"
    result = cleaner(SAMPLE_TITLE, text, None, "en")
    assert result.text == STORY
    assert result.removed_lines == 2


def test_tag_line_at_the_very_end_is_removed(cleaner):
    assert cleaner(SAMPLE_TITLE, f"{STORY}\n\nPutin Xi", None, "en").text == STORY


def test_subheading_inside_the_story_is_kept(cleaner):
    text = f"{STORY}\n\nRussia China\n\n{STORY_2}"
    assert cleaner(SAMPLE_TITLE, text, None, "en").text == text


def test_short_capitalised_line_of_other_words_is_kept(cleaner):
    text = f"Western Response\n\n{STORY}"
    assert cleaner(SAMPLE_TITLE, text, None, "en").text == text


def test_masthead_above_the_headline_goes_with_it(cleaner):
    # A site's name, its tagline and menu items no pattern knows, above the headline line.
    text = f"Caucasus Watch\nNews and analysis for the region\nBreaking Views\n{SAMPLE_TITLE}\nA standfirst line\n\n{STORY}"
    assert cleaner(SAMPLE_TITLE, text, None, "en").text == f"A standfirst line\n\n{STORY}"


def test_short_lines_above_the_story_stay_without_a_headline_line(cleaner):
    text = f"Caucasus Watch\n\n{STORY}"
    assert cleaner(SAMPLE_TITLE, text, None, "en").text == text


def test_a_sign_up_form_goes_with_its_name_and_pitch(cleaner):
    form = "Sign up for Example News\nWeek in Europe\nCatch up on the region, all in one place.\nBy signing up, you agree to our Privacy Policy"
    assert cleaner("Talks", f"{STORY}\n{form}\n{STORY_2}", None, "en").text == f"{STORY}\n{STORY_2}"


def test_story_between_a_sign_up_line_and_a_consent_line_far_below_is_kept(cleaner):
    long_story = " ".join([STORY] * 2)
    text = f"Subscribe to our newsletter\n{long_story}\n{STORY_2}\nBy continuing to browse you agree to our use of cookies."
    assert cleaner("Talks", text, None, "en").text == f"{long_story}\n{STORY_2}"


def test_form_is_a_line_pattern_flag(tmp_path):
    path = tmp_path / "bp.yaml"
    path.write_text('version: "1"\npatterns:\n  - id: x\n    regex: "x"\n    matches: prefix\n    form: opens\n    description: d\n')
    with pytest.raises(DataFileError, match="only 'line' patterns"):
        load_boilerplate(path)
    path.write_text('version: "1"\npatterns:\n  - id: x\n    regex: "x"\n    matches: line\n    form: starts\n    description: d\n')
    with pytest.raises(DataFileError, match="'form' must be one of"):
        load_boilerplate(path)


def test_gallery_counters_go_with_the_caption_below_them(cleaner):
    gallery = "In pictures\n1 of 2\nSoldiers march past the gate at the start of the parade.\n2 of 2\nVeterans watch from the stand."
    assert cleaner("Talks", f"{STORY}\n{gallery}\n{STORY_2}", None, "en").text == f"{STORY}\n{STORY_2}"


def test_embedded_post_controls_are_removed_and_its_text_kept(cleaner):
    post = "@example_pm\nFollow\nWe remain in close contact with our allies tonight.\n9:41 AM · Sep 10, 2025\nCopy link"
    out = cleaner("Talks", f"{STORY}\n{post}\n{STORY_2}", None, "en").text
    assert out == f"{STORY}\nWe remain in close contact with our allies tonight.\n{STORY_2}"


def test_copyright_after_the_site_name_is_removed(cleaner):
    assert cleaner("Talks", f"{STORY}\nStraits Daily © 2025", None, "en").text == STORY


def test_removed_lines_counts_every_dropped_line(cleaner):
    text = f"Advertisement\nHome > World\n{STORY}\nRelated Posts\nShare this article"
    assert cleaner("Talks", text, None, "en").removed_lines == 4


@pytest.mark.parametrize(
    "paragraph",
    [
        "Officials said the credit markets in Europe had tightened sharply after the announcement.",
        "The central bank will extend credit to small firms, the minister said on Monday.",
        "Diplomats will follow up on the proposal, and follow-up talks are planned in Vienna next month.",
        "Follow-up talks between the two delegations are expected in Vienna next month, officials said.",
        "The related sanctions package, which the EU adopted last year, targets Russian oil exports.",
        "Related discussions in Brussels focused on energy security and the future of gas imports.",
        "Read the statement carefully, the spokesman told reporters, because every word matters here.",
        "He said he would share the intelligence with allies and support Ukraine for as long as it takes.",
        "The photo, published by state media, showed the two leaders shaking hands at the Kremlin.",
        "By Tuesday evening, Russian forces had withdrawn from two villages near the border, officials said.",
        "Home to 40 million people, the region has been shelled almost daily since the invasion began.",
        "Subscribers to the state broadcaster were told that the programme would be suspended indefinitely.",
        "The advertisement campaign, paid for by the government, urged citizens to conserve energy.",
        "Copyright holders in the EU welcomed the ruling, which they said protected their rights.",
    ],
)
def test_story_paragraphs_are_kept(cleaner, paragraph):
    text = f"{STORY}\n\n{paragraph}\n\n{STORY_2}"
    result = cleaner("Ministers meet in Geneva", text, None, "en")
    assert result.text == text
    assert result.removed_lines == 0


# ---------------------------------------------------------------- the reference sample


def _sample_paragraphs() -> tuple[list[str], list[str]]:
    lines = [line for line in (SAMPLES / "greekreporter-xi-russia.txt").read_text().splitlines() if line.strip()]
    boilerplate = [
        "Calamos Supports Greece",
        "GreekReporter.comEuropeChina's Xi to visit Russia in Show of Support for Putin",
        "China’s Xi to visit Russia in Show of Support for Putin",
        "Russia China",
        "President Xi is to meet with his Russian counterpart Putin in Moscow next week. Credit: Kremlin.ru",
        next(line for line in lines if line.startswith("See all the latest news")),
        "Related Posts",
    ]
    return [line for line in lines if line not in boilerplate], boilerplate


def test_reference_sample_keeps_every_story_paragraph_and_no_boilerplate(cleaner):
    story, boilerplate = _sample_paragraphs()
    raw = (SAMPLES / "greekreporter-xi-russia.txt").read_text()
    result = cleaner(SAMPLE_TITLE, raw, None, None)
    lines = result.text.split("\n")
    for paragraph in story:
        assert paragraph in lines, paragraph
    for line in boilerplate:
        assert line not in lines and line not in result.text, line
    assert result.removed_lines == len(boilerplate)
    assert result.language == "en"
    assert result.text.startswith("China’s leader Xi Jinping will visit Russia next week")


# ---------------------------------------------------------------- HTML input


PAGE = """<!doctype html><html><head>
<title>Xi to visit Moscow | Example News</title>
<meta property="og:title" content="Xi to visit Moscow next week">
<script>var ads = "Advertisement text in a script";</script><style>p { color: red }</style>
</head><body>
<header><a href="/">Example News</a></header>
<nav><a href="/world">World</a> <a href="/europe">Europe</a></nav>
<div class="breadcrumb"><a>Home</a> &gt; <a>World</a></div>
<article>
  <h1>Xi to visit Moscow next week</h1>
  <div class="share-buttons">Share Tweet Email</div>
  <figure><img src="x.jpg"><figcaption>Xi and Putin in 2019. Credit: Kremlin.ru</figcaption></figure>
  <p>China&rsquo;s leader Xi Jinping will visit Russia next week, the foreign ministry said on Friday.</p>
  <p>It will be his first visit since the invasion of Ukraine.<br>The Kremlin confirmed the
     visit &amp; said the leaders would discuss &ldquo;strategic cooperation&rdquo;.</p>
  <div class="ad-slot">Advertisement</div>
  <aside>Related: other stories</aside>
  <p>Earlier,&nbsp;Western officials raised concerns about arms supplies.</p>
  <div id="newsletter-box">Sign up for our newsletter</div>
</article>
<section class="related-posts"><p>Another story entirely.</p></section>
<footer>Copyright 2023 Example News</footer>
<div id="cookie-banner">We use cookies on this website.</div>
</body></html>"""


def test_html_becomes_story_text_with_paragraphs_separated_by_blank_lines(cleaner):
    result = cleaner(None, None, PAGE, None)
    assert result.from_html
    assert result.text == (
        "China’s leader Xi Jinping will visit Russia next week, the foreign ministry said on Friday.\n\n"
        "It will be his first visit since the invasion of Ukraine.\n"
        "The Kremlin confirmed the visit & said the leaders would discuss “strategic cooperation”.\n\n"
        "Earlier, Western officials raised concerns about arms supplies."
    )


@pytest.mark.parametrize("space", ["\n", "\t", "  ", "\u00a0", " \r\n  "])
def test_whitespace_inside_html_text_becomes_one_space(cleaner, space):
    page = f"<html><body><article><p>The foreign ministers met in{space}Geneva on Tuesday.</p></article></body></html>"
    assert cleaner("T", None, page, "en").text == "The foreign ministers met in Geneva on Tuesday."


def test_html_title_comes_from_og_title_when_the_article_has_none(cleaner):
    assert cleaner(None, None, PAGE, None).title == "Xi to visit Moscow next week"


def test_raw_title_wins_over_the_page_title(cleaner):
    assert cleaner("Crawler title", None, PAGE, None).title == "Crawler title"


def test_html_title_falls_back_to_title_element_without_site_name(cleaner):
    page = "<html><head><title>Xi to visit Moscow | Example News</title></head><body><p>Text here.</p></body></html>"
    assert cleaner(None, None, page, None).title == "Xi to visit Moscow"


def test_html_title_falls_back_to_h1(cleaner):
    page = "<html><body><h1>Xi to visit Moscow</h1><p>Text here.</p></body></html>"
    assert cleaner(None, None, page, None).title == "Xi to visit Moscow"


def test_html_is_used_only_when_text_is_blank(cleaner):
    result = cleaner("T", "  \n ", "<p>From the page.</p>", "en")
    assert (result.text, result.from_html) == ("From the page.", True)
    result = cleaner("T", "From the crawler.", "<p>From the page.</p>", "en")
    assert (result.text, result.from_html) == ("From the crawler.", False)


def test_without_article_element_the_body_is_used_minus_chrome(cleaner):
    page = (
        "<body><nav>Menu World Europe</nav><div class='content'><p>First paragraph of the story.</p>"
        "<p>Second paragraph.</p></div><div class='sidebar'>Most read</div><footer>About us</footer></body>"
    )
    assert cleaner("T", None, page, "en").text == "First paragraph of the story.\n\nSecond paragraph."


def test_wrapper_whose_class_mentions_comments_is_not_dropped_when_it_holds_the_story(cleaner):
    page = (
        "<body><div class='post has-comments'><p>" + STORY + "</p><p>" + STORY_2 + "</p>"
        "<div class='comments'>3 replies</div></div></body>"
    )
    assert cleaner("T", None, page, "en").text == f"{STORY}\n\n{STORY_2}"


def test_hidden_elements_are_skipped(cleaner):
    page = "<body><p>Visible text.</p><p hidden>Hidden text.</p><div aria-hidden='true'>Also hidden.</div></body>"
    assert cleaner("T", None, page, "en").text == "Visible text."


def test_preformatted_text_keeps_its_line_breaks(cleaner):
    assert cleaner("T", None, "<body><pre>line one\nline two</pre></body>", "en").text == "line one\nline two"


def test_text_field_holding_a_whole_page_is_treated_as_html(cleaner):
    result = cleaner("T", "<!DOCTYPE html><html><body><p>Story.</p><script>x()</script></body></html>", None, "en")
    assert (result.text, result.from_html) == ("Story.", True)


def test_deeply_nested_html_is_recognised_as_a_bomb_and_still_converted(cleaner):
    depth = 50_000
    page = "<div>" * depth + "deep text" + "</div>" * depth
    assert is_bomb(page)
    assert cleaner("T", None, page, "en").text == "deep text"


def test_unclosed_nesting_is_a_bomb_and_ordinary_pages_are_not():
    assert is_bomb("<div>" * (MAX_DEPTH + 1))
    assert not is_bomb(PAGE)
    assert not is_bomb("<p>x" * 10_000)
    assert not is_bomb("<div></div>" * 10_000)


def test_tag_with_huge_attribute_count_is_converted(cleaner):
    attributes = " ".join(f"a{i}=1" for i in range(100_000))
    page = f"<div {attributes}>inside</div><p>after</p>"
    assert is_bomb(page)
    assert cleaner("T", None, page, "en").text.split() == ["inside", "after"]


@pytest.mark.parametrize(
    "attributes",
    [
        " ".join(f"a{i}" for i in range(20_000)),
        " ".join(f"a{i}='<'" for i in range(20_000)),
        " ".join(f'a{i}=">"' for i in range(20_000)),
    ],
)
def test_attribute_bombs_without_values_or_with_brackets_in_values_are_recognised(attributes):
    assert is_bomb(f"<div {attributes}>inside</div>")


def test_brackets_inside_quoted_values_of_ordinary_pages_are_not_a_bomb():
    assert not is_bomb('<p title="a <b> tag" data-x=\'1 > 0\'>ok</p>' * 2000)


def test_input_beyond_max_chars_is_truncated_before_processing():
    small = Cleaner(max_chars=1000)
    text = small("T", "word " * 100_000, None, "en").text
    assert 0 < len(text) <= 1000
    page = small("T", None, "<div>Talks went on.</div>" * 1_000_000, "en").text
    assert 0 < len(page) <= 1000


def test_node_limit_bounds_the_walk():
    limited = Cleaner(max_nodes=100)
    text = limited("T", None, "<p>Talks went on.</p>" * 10_000, "en").text
    assert 0 < text.count("Talks") < 100


# ---------------------------------------------------------------- language


@pytest.mark.parametrize(("given", "expected"), [("en-US", "en"), ("EN", "en"), ("pt_BR", "pt"), ("eng", "en"), ("zh-Hant-TW", "zh"), ("iw", "he")])
def test_crawler_language_is_normalised_to_iso_639_1(given, expected):
    assert normalise_language(given) == expected


def test_crawler_language_is_kept_over_detection(cleaner):
    assert cleaner("T", STORY, None, "DE-at").language == "de"


def test_unusable_crawler_language_falls_back_to_detection(cleaner):
    assert cleaner("T", STORY, None, "??").language == "en"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (STORY, "en"),
        ("Der chinesische Staatschef Xi Jinping wird nächste Woche Russland besuchen, teilte das Außenministerium mit.", "de"),
        ("Председатель КНР Си Цзиньпин посетит Россию на следующей неделе, сообщили в МИД Китая.", "ru"),
        ("Le président chinois Xi Jinping se rendra en Russie la semaine prochaine, a annoncé le ministère.", "fr"),
    ],
)
def test_language_is_detected_when_the_crawler_gives_none(cleaner, text, expected):
    assert cleaner(None, text, None, None).language == expected


def test_non_english_text_is_passed_through(cleaner):
    text = "Председатель КНР Си Цзиньпин посетит Россию на следующей неделе, сообщили в МИД Китая."
    assert cleaner(None, text, None, None).text == text


def test_too_short_text_has_no_language(cleaner):
    assert cleaner(None, "Xi, Putin", None, None).language is None
    assert cleaner(None, "", None, None).language is None


POLISH = (
    "Przewodniczący ChRL odwiedzi w przyszłym tygodniu Moskwę, poinformowało w piątek chińskie ministerstwo "
    "spraw zagranicznych. Obie strony mają rozmawiać o współpracy obu krajów oraz o wojnie w Ukrainie."
)


def test_language_model_is_loaded_once_when_the_quick_check_cannot_tell(cleaner):
    assert cleaner(None, POLISH, None, None).language == "pl"
    model = clean_language._identifier
    cleaner(None, POLISH + " " + POLISH, None, None)
    Cleaner()(None, POLISH, None, None)
    assert model is not None and clean_language._identifier is model


# Paragraphs of about 600 characters, as the start of an article: the quick check decides them.
CLEAR_CUT = {
    "en": STORY + " " + STORY_2 + " The two delegations will meet again in Vienna, where they are expected to "
    "discuss the sanctions that were imposed last year and the release of prisoners held by both sides, "
    "according to people familiar with the talks who said that no agreement had been reached on the timing.",
    "de": "Der chinesische Staatschef Xi Jinping wird in der kommenden Woche nach Moskau reisen, wie das "
    "Außenministerium in Peking am Freitag mitteilte. Bei dem Besuch soll es um die Zusammenarbeit der beiden "
    "Länder und um den Krieg in der Ukraine gehen. Die Regierung in Kiew hatte zuvor erklärt, sie sei zu "
    "Gesprächen bereit, wenn Russland seine Truppen abziehe. Beobachter sehen in der Reise ein Zeichen der "
    "Unterstützung für Präsident Wladimir Putin, der auch mit anderen Staats- und Regierungschefs sprechen will.",
    "fr": "Le président chinois Xi Jinping se rendra à Moscou la semaine prochaine, a annoncé vendredi le "
    "ministère des Affaires étrangères à Pékin. Selon les autorités, la visite portera sur la coopération "
    "entre les deux pays et sur la guerre en Ukraine. Le gouvernement de Kiev a déclaré qu'il était prêt à des "
    "négociations si la Russie retirait ses troupes. Pour les observateurs, ce voyage est un signe de soutien "
    "au président Vladimir Poutine, qui doit aussi recevoir d'autres dirigeants dans les jours qui viennent.",
    "es": "El presidente chino, Xi Jinping, viajará a Moscú la próxima semana, según informó el viernes el "
    "Ministerio de Asuntos Exteriores en Pekín. La visita se centrará en la cooperación entre los dos países y "
    "en la guerra de Ucrania. El Gobierno de Kiev dijo que estaba dispuesto a negociar si Rusia retiraba sus "
    "tropas. Para los analistas, el viaje es una señal de apoyo al presidente Vladímir Putin, que también "
    "recibirá a otros líderes de la región durante los próximos días, según las mismas fuentes.",
    "it": "Il presidente cinese Xi Jinping sarà a Mosca la prossima settimana, ha annunciato venerdì il "
    "ministero degli Esteri di Pechino. La visita riguarderà la cooperazione tra i due Paesi e la guerra in "
    "Ucraina. Il governo di Kiev ha detto di essere pronto a negoziare se la Russia ritirerà le sue truppe. "
    "Secondo gli osservatori, il viaggio è un segnale di sostegno al presidente Vladimir Putin, che nella "
    "stessa settimana incontrerà anche altri leader della regione e i rappresentanti delle aziende.",
    "pt": "O presidente chinês, Xi Jinping, vai visitar Moscou na próxima semana, informou nesta sexta-feira o "
    "Ministério das Relações Exteriores em Pequim. A visita vai tratar da cooperação entre os dois países e "
    "da guerra na Ucrânia. O governo de Kiev disse que está disposto a negociar se a Rússia retirar as suas "
    "tropas. Para os analistas, a viagem é um sinal de apoio ao presidente Vladimir Putin, que também vai "
    "receber outros líderes da região nos próximos dias, segundo fontes do governo.",
    "nl": "De Chinese president Xi Jinping reist volgende week naar Moskou, heeft het ministerie van "
    "Buitenlandse Zaken in Peking vrijdag bekendgemaakt. Het bezoek gaat over de samenwerking tussen de twee "
    "landen en over de oorlog in Oekraïne. De regering in Kiev zei dat zij bereid is tot onderhandelingen als "
    "Rusland zijn troepen terugtrekt. Volgens waarnemers is de reis een teken van steun voor president "
    "Vladimir Poetin, die ook andere leiders zal ontvangen en met hen over de handel zal spreken.",
    "ru": "Председатель КНР Си Цзиньпин на следующей неделе посетит Москву, сообщили в пятницу в министерстве "
    "иностранных дел Китая. Как ожидается, стороны обсудят сотрудничество двух стран, а также ситуацию на "
    "Украине. Ранее в Киеве заявили, что готовы к переговорам, если Россия выведет свои войска. По мнению "
    "наблюдателей, этот визит станет знаком поддержки президента Владимира Путина, который уже провел "
    "встречи с другими лидерами и заявил, что переговоры будут продолжены.",
    "uk": "Голова КНР Сі Цзіньпін наступного тижня відвідає Москву, повідомили в п'ятницю в міністерстві "
    "закордонних справ Китаю. Як очікується, сторони обговорять співпрацю двох країн, а також війну в "
    "Україні. Раніше в Києві заявили, що готові до переговорів, якщо Росія виведе свої війська. На думку "
    "спостерігачів, цей візит стане знаком підтримки президента Володимира Путіна, який вже провів зустрічі "
    "з іншими лідерами і заявив, що переговори триватимуть.",
    "zh": "中国国家主席习近平下周将访问莫斯科，中国外交部星期五宣布。双方预计将讨论两国合作以及乌克兰战争问题。"
    "基辅政府此前表示，如果俄罗斯撤军，乌方愿意进行谈判。观察人士认为，这次访问是对俄罗斯总统普京的支持。",
    "ja": "中国の習近平国家主席は来週、モスクワを訪問すると中国外務省が金曜日に発表した。両国の協力やウクライナでの"
    "戦争について話し合う見通しだ。ウクライナ政府は、ロシアが軍を撤退させれば交渉に応じる用意があると表明している。",
    "ko": "시진핑 중국 국가주석이 다음 주 모스크바를 방문한다고 중국 외교부가 금요일 발표했다. 양국은 협력 방안과 "
    "우크라이나 전쟁에 대해 논의할 것으로 보인다. 우크라이나 정부는 러시아가 군대를 철수하면 협상할 준비가 되어 있다고 밝혔다.",
    "ar": "أعلنت وزارة الخارجية الصينية يوم الجمعة أن الرئيس الصيني شي جين بينغ سيزور موسكو الأسبوع المقبل. ومن "
    "المتوقع أن يناقش الجانبان التعاون بين البلدين والحرب في أوكرانيا. وكانت الحكومة في كييف قد أعلنت "
    "استعدادها للتفاوض إذا سحبت روسيا قواتها.",
    "he": "נשיא סין שי ג'ינפינג יבקר במוסקבה בשבוע הבא, כך הודיע משרד החוץ הסיני ביום שישי. הצדדים צפויים לדון "
    "בשיתוף הפעולה בין שתי המדינות ובמלחמה באוקראינה. הממשלה בקייב הודיעה כי היא מוכנה למשא ומתן אם רוסיה "
    "תסיג את כוחותיה.",
    "el": "Ο Κινέζος πρόεδρος Σι Τζινπίνγκ θα επισκεφθεί τη Μόσχα την επόμενη εβδομάδα, ανακοίνωσε την "
    "Παρασκευή το υπουργείο Εξωτερικών της Κίνας. Οι δύο πλευρές αναμένεται να συζητήσουν τη συνεργασία των "
    "δύο χωρών και τον πόλεμο στην Ουκρανία.",
}

# Close to a language the quick check knows, or in one it does not: the model's to decide.
LEFT_TO_THE_MODEL = {
    "pl": POLISH,
    "ca": "El president xinès Xi Jinping visitarà Moscou la setmana vinent, segons ha anunciat aquest divendres el "
    "ministeri d'Afers Exteriors a Pequín. Les dues parts parlaran de la cooperació entre els dos països i de "
    "la guerra a Ucraïna. El govern de Kíiv va dir que estava disposat a negociar si Rússia retirava les seves tropes.",
    "da": "Kinas præsident Xi Jinping vil besøge Moskva i næste uge, oplyste det kinesiske udenrigsministerium "
    "fredag. Det forventes, at de to parter vil drøfte samarbejdet mellem landene og krigen i Ukraine. "
    "Regeringen i Kyiv har tidligere sagt, at den er klar til at forhandle, hvis Rusland trækker sine tropper tilbage.",
    "fa": "وزارت امور خارجه چین روز جمعه اعلام کرد که شی جین پینگ، رئیس‌جمهور چین، هفته آینده به مسکو سفر "
    "می‌کند. انتظار می‌رود دو طرف درباره همکاری دو کشور و جنگ اوکراین گفت‌وگو کنند.",
    "be": "Старшыня КНР Сі Цзіньпін на наступным тыдні наведае Маскву, паведамілі ў пятніцу ў міністэрстве "
    "замежных спраў Кітая. Як чакаецца, бакі абмяркуюць супрацоўніцтва дзвюх краін, а таксама вайну ва Украіне.",
}


@pytest.mark.parametrize(("expected", "text"), CLEAR_CUT.items(), ids=list(CLEAR_CUT))
def test_quick_check_decides_clear_cut_text_as_the_model_would(expected, text):
    assert load_language_words().decide(text) == expected
    assert clean_language.load_model().classify(text[: clean_language.DETECT_PREFIX])[0] == expected


@pytest.mark.parametrize(("expected", "text"), LEFT_TO_THE_MODEL.items(), ids=list(LEFT_TO_THE_MODEL))
def test_quick_check_leaves_close_or_unknown_languages_to_the_model(expected, text):
    assert load_language_words().decide(text) is None
    assert detect_language(text) == expected


def test_quick_check_agrees_with_the_model_on_every_english_fixture():
    from benchmarks.entities import corpus

    quick, model = load_language_words(), clean_language.load_model()
    decided = 0
    for raw in corpus():
        text = f"{raw.get('title') or ''}\n{raw.get('text') or ''}"
        found = quick.decide(text)
        assert found == dataclasses.replace(quick, counter=None).decide(text)
        if found is not None:
            decided += 1
            assert found == model.classify(text[: clean_language.DETECT_PREFIX])[0], text[:80]
    assert decided > 0


_WORDS = st.sampled_from(
    ["the", "The", "THE", "of", "and", "der", "und", "les", "et", "À", "à", "è", "più", "и", "в", "że", "said", "Said.",
     "x", "", " ", "  ", "\t", "\n", "\x1c", "\u00a0", "\u2003", "\u3000", "\u0130", "ǅ", "\ud800", "的"]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(_WORDS, max_size=200).map(" ".join))
def test_function_words_counted_in_one_pass_decide_as_split_words_do(text):
    quick = load_language_words()
    assert quick.counter is not None
    assert quick.decide(text) == dataclasses.replace(quick, counter=None).decide(text)


def test_english_with_a_quoted_german_sentence_is_not_decided_german():
    text = (
        "German Chancellor Olaf Scholz said on Tuesday: „Wir werden die Ukraine weiter unterstützen, solange es "
        "nötig ist.“ The remarks came after a meeting with the French president in Berlin, where the two leaders "
        "discussed energy prices, the war and the reconstruction of the country, which they said would take years."
    )
    assert detect_language(text) == "en"


@pytest.mark.parametrize(
    ("content", "reason", "line"),
    [
        ("languages:\n  - code: en\n    words: [the]\n  - code: de\n    words: [der, the]\n", "already a word of 'en'", 5),
        ("languages:\n  - code: english\n    words: [the]\n", "ISO 639-1", 3),
        ("languages:\n  - code: en\n    words: [The]\n", "lower-case", 3),
        ("languages: []\nscripts:\n  - code: zh\n    letters: '\\u4e00-\\u9fff'\n    share: 2\n", "'share'", 4),
        ("languages: []\nscripts:\n  - code: zh\n    letters: 'z-a'\n    share: 0.5\n", "not a character class", 4),
    ],
)
def test_malformed_language_words_file_is_rejected_with_file_and_line(tmp_path, content, reason, line):
    path = tmp_path / "language_words.yaml"
    path.write_text(f"version: 1\n{content}")
    with pytest.raises(DataFileError) as caught:
        load_language_words(path)
    assert reason in str(caught.value)
    assert caught.value.line == line


# ---------------------------------------------------------------- robustness


@settings(max_examples=300, deadline=None)
@given(title=st.one_of(st.none(), st.text()), text=st.one_of(st.none(), st.text()), language=st.one_of(st.none(), st.text(max_size=12)))
def test_cleaner_never_raises_on_any_text(cleaner, title, text, language):
    result = cleaner(title, text, None, language)
    assert isinstance(result.text, str) and isinstance(result.title, str)
    assert "\r" not in result.text and "\x00" not in result.text


_MARKUP = st.lists(
    st.one_of(
        st.text(max_size=20),
        st.sampled_from(["<div>", "</div>", "<p>", "</p>", "<br>", "<script>", "</script>", "<article>", "<!--", "-->",
                         "<div class='share'>", "&amp;", "&#0;", "&#xD800;", "<title>", "</title>", "<", ">", "<pre>", "<svg>"]),
    ),
    max_size=60,
).map("".join)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(html=st.one_of(st.text(), _MARKUP), title=st.one_of(st.none(), st.text(max_size=30)))
def test_cleaner_never_raises_on_any_html(cleaner, html, title):
    result = cleaner(title, None, html, None)
    assert isinstance(result.text, str) and isinstance(result.title, str)
    assert result.language is None or isinstance(result.language, str)


# ---------------------------------------------------------------- the data file


def test_shipped_boilerplate_file_loads_with_a_version():
    boilerplate = load_boilerplate()
    assert boilerplate.version
    assert {p.kind for p in boilerplate.patterns} == {"line", "prefix", "suffix", "element"}


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ("  - id: broken\n    regex: '(unclosed'\n    matches: line\n    description: x\n", "invalid regex"),
        ("  - id: nodesc\n    regex: 'x'\n    matches: line\n", "description"),
        ("  - id: kind\n    regex: 'x'\n    matches: paragraph\n    description: x\n", "'matches'"),
        ("  - id: both\n    regex: 'x'\n    literal: 'x'\n    matches: line\n    description: x\n", "exactly one"),
        ("  - id: words\n    regex: 'x'\n    matches: line\n    max_words: many\n    description: x\n", "max_words"),
        ("  - id: typo\n    regx: 'x'\n    matches: line\n    description: x\n", "unknown key"),
    ],
)
def test_malformed_boilerplate_file_is_rejected_with_file_and_line(tmp_path, entry, reason):
    path = tmp_path / "boilerplate.yaml"
    good = "  - id: fine\n    literal: Advertisement\n    matches: line\n    description: ok\n"
    path.write_text(f"version: 1\npatterns:\n{good}{entry}")
    with pytest.raises(DataFileError) as caught:
        Cleaner(boilerplate_path=path)
    assert caught.value.path == str(path)
    assert caught.value.line == 7
    assert reason in str(caught.value)
    assert str(caught.value).startswith(f"{path}:7:")


def test_boilerplate_file_with_yaml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "boilerplate.yaml"
    path.write_text("version: 1\npatterns:\n  - id: x\n    regex: 'x\n    matches: line\n")
    with pytest.raises(DataFileError) as caught:
        load_boilerplate(path)
    assert caught.value.line is not None and caught.value.path == str(path)


def test_duplicate_pattern_ids_are_rejected(tmp_path):
    path = tmp_path / "boilerplate.yaml"
    entry = "  - id: same\n    literal: Ad\n    matches: line\n    description: ok\n"
    path.write_text(f"version: 1\npatterns:\n{entry}{entry}")
    with pytest.raises(DataFileError, match="duplicate pattern id 'same'") as caught:
        load_boilerplate(path)
    assert caught.value.line == 7


def test_literal_line_pattern_from_a_custom_file_is_applied(tmp_path):
    path = tmp_path / "boilerplate.yaml"
    path.write_text("version: 1\npatterns:\n  - id: house\n    literal: Brought to you by Acme\n    matches: line\n    description: house ad\n")
    custom = Cleaner(boilerplate_path=path)
    assert custom("T", f"{STORY}\nBrought to you by Acme.\n{STORY_2}", None, "en").text == f"{STORY}\n{STORY_2}"


def custom_cleaner(tmp_path: Path, patterns: str) -> Cleaner:
    """A cleaner with only `patterns` (YAML list entries) as its boilerplate file."""
    path = tmp_path / "boilerplate.yaml"
    path.write_text(f"version: 1\npatterns:\n{patterns}")
    return Cleaner(boilerplate_path=path)


def test_contains_is_a_precondition_for_the_regex(tmp_path):
    custom = custom_cleaner(
        tmp_path, "  - id: promo\n    regex: '.*promo.*'\n    contains: [promo code]\n    matches: line\n    description: promo lines\n"
    )
    text = "Use promo code GENEVA today\nThe promo ended"
    assert custom("T", text, None, "en").text == "The promo ended"


# ---------------------------------------------------------------- how patterns are tried

BOILERPLATE_LINES = [
    "Advertisement", "ADVERTISEMENT", "Sponsored content", "Home > World > Europe", "News » Europe » Russia",
    "Europe › Russia", "World | Asia | Europe", "Related Posts", "More stories", "Read more: Xi lands in Moscow",
    "Follow us on Google News", "Subscribe to our newsletter", "Sign up for our daily briefing",
    "Share this article", "Share Facebook Twitter Email", "Credit: Kremlin.ru", "Photo: Reuters",
    "Leaders meet in Moscow. Credit: Kremlin.ru", "Leaders meet in Moscow (Photo by Sergei Guneyev / AFP)",
    "Putin and Xi in Moscow. Sergei Guneyev / Sputnik / AFP", "Xi in Moscow. Getty Images", "File photo",
    "© 2023 Example News. All rights reserved.", "Unauthorized reproduction prohibited",
    "We use cookies to improve your experience.", "Accept all cookies", "Privacy Policy | Terms of Use",
    "Click here to read more", "12 comments", "Tags: Russia, China", "By John Smith", "4 min read",
    "Reporting by Guy Faulconbridge; Editing by Alex Richardson", "Got a tip? Email us",
    "Listen to this article · 4 min", "The talks ended. Continue reading »", "Talks ended.ADVERTISEMENT",
]  # fmt: skip


def _lines_to_try() -> list[str]:
    from benchmarks.entities import corpus

    lines = {line for raw in corpus() for line in normalise_text(raw.get("text") or "").split("\n") if line}
    for line in BOILERPLATE_LINES:
        lines |= {line, line.lower(), line.upper(), f"{line} and more words after it", f"Then {line}"}
        # First letters that a case-blind regex takes for 's', 'k', 'i'.
        lines.add(line[0].lower().replace("s", "\u017f").replace("k", "\u212a").replace("i", "\u0130") + line[1:])
    return sorted(lines)


@pytest.mark.parametrize("where", ["anywhere", "edge"])
def test_patterns_tried_together_match_as_trying_each_in_file_order(where):
    cleaner = LineCleaner(load_boilerplate())
    patterns = getattr(cleaner, where)
    differing = []
    for line in _lines_to_try():
        words = line.count(" ") + 1
        expected = next(
            (p for p in patterns.patterns if (p.max_words is None or words <= p.max_words) and p.regex.fullmatch(line)),
            None,
        )
        on_line = cleaner.scan(line).on_lines(cleaner.keys).get(0)
        if patterns.match(line, words, patterns.to_try(on_line)) is not expected:
            differing.append(line)
    assert differing == []


def test_every_contains_text_is_implied_by_its_regex():
    # A 'contains' text missing from a line the regex matches would hide that line from the pattern.
    for pattern in load_boilerplate().patterns:
        if not pattern.contains:
            continue
        for line in _lines_to_try():
            found = pattern.regex.fullmatch(line) if pattern.kind == "line" else pattern.regex.search(line)
            if found:
                assert any(text in line.casefold() for text in pattern.contains), (pattern.id, line)


def test_contains_texts_are_found_the_same_without_the_automaton():
    cleaner = LineCleaner(load_boilerplate())
    text = "\n".join(BOILERPLATE_LINES + ["", "A story line about (photos) and 1/2 of the »budget«."])
    with_automaton = cleaner.scan(text)
    one_scan_per_key = KeyLines(text)
    for key in cleaner.keys:
        assert with_automaton.lines_with(key) == one_scan_per_key.lines_with(key), key
        assert one_scan_per_key.lines_with(key) == {i for i, line in enumerate(text.split("\n")) if key.decode() in line.lower()}


@pytest.fixture(scope="module")
def plain_cleaner() -> Cleaner:
    """A cleaner without the automaton: it normalises every text and looks at every line."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(clean_boilerplate, "ahocorasick_rs", None)
        plain = Cleaner()
    assert plain.remove_boilerplate.finder is None
    return plain


def test_reference_sample_cleans_the_same_without_the_automaton(cleaner, plain_cleaner):
    text = (SAMPLES / "greekreporter-xi-russia.txt").read_text()
    assert plain_cleaner(SAMPLE_TITLE, text, None, "en") == cleaner(SAMPLE_TITLE, text, None, "en")


def test_corpus_articles_clean_the_same_without_the_automaton(cleaner, plain_cleaner):
    from benchmarks.clean import as_page, four_kb_articles

    for raw in four_kb_articles(400):
        for article in (raw, as_page(raw)):
            args = (article["title"], article["text"], article["html"], article["language"])
            assert cleaner(*args) == plain_cleaner(*args)


def test_what_lines_matched_is_remembered_without_changing_any_output(cleaner, monkeypatch):
    from benchmarks.clean import four_kb_articles

    forgetful = Cleaner()
    for raw in four_kb_articles(300):
        forgetful.remove_boilerplate.forget()
        args = (raw["title"], raw["text"], None, None)
        assert cleaner(*args) == forgetful(*args)
    monkeypatch.setattr(clean_boilerplate, "_MAX_DECIDED", 50)
    forgetful("T", "\n".join(f"Related Posts {i}" for i in range(400)), None, "en")
    assert 0 < len(forgetful.remove_boilerplate.anywhere.decided) <= 50


ODD_TEXTS = [
    "Путин встретился с Си Цзиньпином в Москве.\nРеклама\nГлавная > Новости > Мир\n© 2023 Известия",
    "習近平主席は来週ロシアを訪問する。\n\n广告\n\n中国国家主席习近平下周将访问俄罗斯。",
    "הנשיא שי יבקר במוסקבה בשבוע הבא.\nפרסומת\nالرئيس شي يزور موسكو الأسبوع المقبل.\n",
    "ſponsored\n\u212aeep informed\nİn other news\nıNFO\nStory continues below \u212aind of.",
    "\u2028Advertisement\u2029Home > World\r\nRelated Posts\x0bOne\x0cTwo\x85Three\x1cFour",
    " \tAdvertisement \n\tHome > World\t\nRelated  Posts\n\u00a0Sponsored\u3000content\ufeff",
    "Cafe\u0301 society. Credit: AP\n\u0301Advertisement\n\ud800Read more: x\n\x00Related Posts\n\x7f",
    ("Advertisement " * 600) + "\n" + ("Related Posts | " * 300) + "\n" + "x" * 5000,
    "Related Posts\n\nOne link\nAnother link\n" + STORY + "\nMore stories\n" + "y" * 2500 + "\nLast link",
    "١٢ comments\n٣ min read\n" + STORY + "\n12 comments\n" + STORY_2 + "\n4 min read",
]


@pytest.mark.parametrize("text", ODD_TEXTS)
def test_odd_texts_clean_the_same_without_the_automaton(cleaner, plain_cleaner, text):
    assert cleaner("Ministers meet in Geneva", text, None, None) == plain_cleaner("Ministers meet in Geneva", text, None, None)


_PIECES = st.sampled_from(
    [*BOILERPLATE_LINES, STORY, STORY_2, "Related Posts", "One link", "Ministers meet in Geneva", "Russia China", "",
     " ", "  ", "\t", "\u00a0", "\u200b", "\r", "\u2028", "e\u0301", "\u017f", "\u212a", "\u0130", "Реклама", "© 2023",
     "ad", "x" * 2100, "«", "“Quoted,” he said.", "12", "\ud800"]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(_PIECES, st.sampled_from(["", " ", "\n", "\n\n", "\n\n\n"])), max_size=30))
def test_any_mix_of_lines_cleans_the_same_without_the_automaton(cleaner, plain_cleaner, pieces):
    text = "".join(piece + after for piece, after in pieces)
    assert cleaner("Ministers meet in Geneva", text, None, "en") == plain_cleaner("Ministers meet in Geneva", text, None, "en")


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from([STORY, STORY_2, "Advertisement", "Related Posts", "", "Ad"]), max_size=20))
def test_removed_lines_leave_single_blank_lines_between_paragraphs(cleaner, lines):
    kept = [line for line in lines if line in (STORY, STORY_2, "")]
    expected = re.sub("\n{3,}", "\n\n", "\n".join(kept)).strip("\n")
    assert cleaner("Ministers meet in Geneva", "\n".join(lines), None, "en").text == expected


def test_lines_a_pattern_tried_together_matches_start_as_the_scan_expects():
    cleaner = LineCleaner(load_boilerplate())
    patterns = cleaner.anywhere
    for line in _lines_to_try():
        words = line.count(" ") + 1
        if any((patterns.patterns[i].max_words or words) >= words and patterns.patterns[i].regex.fullmatch(line) for i in patterns.together):
            openers = cleaner.scan(f"Story.\n{line}").openers
            assert openers is None or 1 in openers, line


def test_case_blind_twins_of_ascii_letters_all_lie_in_the_basic_plane():
    everything = "".join(map(chr, range(0x80, 0x110000)))
    assert set(re.findall("[a-z]", everything, re.IGNORECASE)) == ascii_twins()


def test_pattern_with_a_back_reference_is_tried_on_its_own(tmp_path):
    custom = custom_cleaner(
        tmp_path,
        "  - id: echo\n    regex: '(\\w+) \\1'\n    matches: line\n    max_words: 3\n    description: x\n"
        "  - id: house\n    literal: Brought to you by Acme\n    matches: line\n    description: house ad\n",
    )
    text = f"{STORY}\nbye bye\nBrought to you by Acme\n{STORY_2}"
    assert custom("T", text, None, "en").text == f"{STORY}\n{STORY_2}"


@pytest.mark.parametrize(
    ("regex", "expected"),
    [
        ("(?:ab|cd)e", {"a", "c"}),
        ("x?(?:Home|start)", {"x", "h", "s"}),
        (r"\(?reporting by", {"(", "r"}),
        (r"(?:\bfoo)", {"f"}),
        ("[A-C]", {"a", "b", "c"}),
        (".*foo", None),
        (r"\d+ comments", None),
        ("[^a]", None),
        ("(?:a|)b", {"a", "b"}),
        ("a*", None),
    ],
)
def test_first_characters_of_a_regex(regex, expected):
    found = first_characters(re.compile(regex, re.IGNORECASE))
    assert (None if found is None else set(found)) == expected


@pytest.mark.parametrize(
    ("regex", "expected"),
    [
        ("(?:ab|cd)e", ({"abe", "cde"}, False)),
        ("x?(?:Home|st)", ({"xhom", "xst", "home", "st"}, False)),
        (r"\(?reporting by\b.*", ({"(rep", "repo"}, False)),
        ("abcdefgh", ({"abcd"}, False)),
        ("(?:ab)+c", ({"ab"}, False)),
        (r"(?:\d+\s+)?comments", ({*"0123456789", "comm"}, True)),
        ("(?=x)ab", ({"ab"}, False)),
        ("[A-B]c|d[^e]", ({"ac", "bc", "d"}, False)),
        ("Реклама", ({"рекл"}, False)),
        (".*foo", None),
        ("a*", None),
        ("(?:a|.)b", None),
    ],
)
def test_start_texts_of_a_regex(regex, expected):
    found = start_texts(re.compile(regex, re.IGNORECASE), 4)
    assert (None if found is None else (set(found[0]), found[1])) == expected


def test_what_is_remembered_per_first_character_stays_bounded():
    cleaner = Cleaner()
    lines = [f"{chr(0x4E00 + i)}会议将于下周举行" for i in range(6000)]
    cleaner("T", "\n".join(lines), None, "zh")
    anywhere = cleaner.remove_boilerplate.anywhere
    assert len(anywhere.word_limits) <= clean_boilerplate._MAX_REMEMBERED
    assert len(anywhere._alternations) <= clean_boilerplate._MAX_REMEMBERED + len(anywhere.limits) + 1


def test_comment_section_at_the_foot_of_the_page_goes_with_everything_below_it(cleaner):
    comments = "Jane D.\nI doubt the talks will get anywhere, frankly, given the last three rounds.\nReply\nReport"
    text = f"{STORY}\n\n{STORY_2}\n\n14 comments\n\n{comments}"
    assert cleaner(None, text, None, None).text == f"{STORY}\n\n{STORY_2}"


def test_comment_counter_inside_a_story_keeps_the_story_below_it(cleaner):
    later = [
        "The ministers also discussed grain exports and the exchange of prisoners, the statement said.",
        "A senior diplomat said the mood in the room had been better than at any meeting this year.",
        "Neither side has said where the next round of talks will be held or who will attend it.",
        "Analysts said the two governments were under pressure at home to show some progress soon.",
        "Officials from both delegations are expected to brief their parliaments later this week.",
    ]
    text = "\n\n".join([STORY, STORY_2, "12 comments", *later, "Advertisement", "Reply"])
    cleaned = cleaner(None, text, None, None).text
    for paragraph in later:
        assert paragraph in cleaned
