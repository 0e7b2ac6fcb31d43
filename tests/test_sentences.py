"""Sentence segmentation: boundaries news text needs, and offsets that always index the input."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from streams.enrich.sentences import split_sentences


def sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in split_sentences(text)]


def test_plain_sentences_split_at_full_stops_question_and_exclamation_marks():
    assert sentences("Russia fired missiles. Did Kyiv respond? It did!") == [
        "Russia fired missiles.",
        "Did Kyiv respond?",
        "It did!",
    ]


def test_titles_before_names_do_not_end_a_sentence():
    text = "Gen. Valery Gerasimov met Mr. Wang. Dr. Lee and Sen. Graham were absent."
    assert sentences(text) == ["Gen. Valery Gerasimov met Mr. Wang.", "Dr. Lee and Sen. Graham were absent."]


def test_initialisms_stay_inside_unless_a_sentence_clearly_starts():
    text = "The U.S. Navy sailed through. Sanctions came from the U.S. The move angered Beijing."
    assert sentences(text) == [
        "The U.S. Navy sailed through.",
        "Sanctions came from the U.S.",
        "The move angered Beijing.",
    ]


def test_initials_of_a_name_are_not_boundaries():
    assert sentences("J. R. R. Tolkien wrote it. Nobody doubts it.") == [
        "J. R. R. Tolkien wrote it.",
        "Nobody doubts it.",
    ]


def test_month_and_number_abbreviations_before_digits():
    text = "Talks open on Jan. 5 in No. 10 Downing Street. They last a day."
    assert sentences(text) == ["Talks open on Jan. 5 in No. 10 Downing Street.", "They last a day."]


def test_decimals_are_not_boundaries():
    assert sentences("Trade grew 3.5 per cent to $240.1bn. Exports led.") == [
        "Trade grew 3.5 per cent to $240.1bn.",
        "Exports led.",
    ]


def test_a_sentence_may_end_inside_closing_quotes():
    text = 'He said: "We will never give up." Then he left. "Why?" she asked.'
    assert sentences(text) == ['He said: "We will never give up."', "Then he left.", '"Why?" she asked.']


def test_curly_quotes_close_a_sentence_too():
    text = "The Kremlin said the leaders would discuss “strategic cooperation.” The visit lasts three days."
    assert sentences(text) == [
        "The Kremlin said the leaders would discuss “strategic cooperation.”",
        "The visit lasts three days.",
    ]


def test_dateline_stays_with_the_first_sentence():
    text = "KYIV, March 3 (Reuters) - Russian forces shelled the city overnight. Two people died."
    assert sentences(text) == [
        "KYIV, March 3 (Reuters) - Russian forces shelled the city overnight.",
        "Two people died.",
    ]


def test_line_breaks_and_list_items_are_boundaries():
    text = "Top investors\n- China 1,200 visas\n- Russia 300 visas\n\n1. Turkey\n2. Israel"
    assert sentences(text) == ["Top investors", "- China 1,200 visas", "- Russia 300 visas", "1. Turkey", "2. Israel"]


def test_ellipsis_ends_a_sentence_only_before_a_capital():
    text = "He paused... and then went on. It was over… Nobody spoke."
    assert sentences(text) == ["He paused... and then went on.", "It was over…", "Nobody spoke."]


def test_offsets_index_the_original_string_with_whitespace_trimmed():
    text = "  First one.   Second one.  \n\n  Third  "
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == ["First one.", "Second one.", "Third"]
    assert all(not text[s].isspace() and not text[e - 1].isspace() for s, e in spans)


@given(st.text())
def test_any_string_gives_ordered_non_overlapping_spans_within_bounds(text):
    spans = split_sentences(text)
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        assert text[start:end].strip()
        previous_end = end


@given(st.lists(st.sampled_from(["U.S.", "Mr.", " ", "\n", ".", "...", "“", "”", "A", "b", "1", "?", "Jan.", "'"])).map("".join))
def test_punctuation_heavy_strings_never_break_the_invariants(text):
    spans = split_sentences(text)
    assert spans == sorted(spans)
    assert all(0 <= s < e <= len(text) for s, e in spans)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))
