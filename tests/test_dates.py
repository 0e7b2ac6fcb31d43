"""An article's date from `published_at` as pages write it, or from its URL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from streams.enrich.dates import parse_published, url_date


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2023-03-17", datetime(2023, 3, 17, tzinfo=timezone.utc)),
        ("2023-03-17T10:15:00+02:00", datetime(2023, 3, 17, 10, 15, tzinfo=timezone(timedelta(hours=2)))),
        ("Fri, 17 Mar 2023 10:00:00 GMT", datetime(2023, 3, 17, 10, tzinfo=timezone.utc)),
        ("March 17, 2023", datetime(2023, 3, 17, tzinfo=timezone.utc)),
        ("Mar. 17, 2023 10:15 AM EDT", datetime(2023, 3, 17, 10, 15, tzinfo=timezone.utc)),  # a named zone is not read
        ("17 March 2023", datetime(2023, 3, 17, tzinfo=timezone.utc)),
        ("17th March 2023 at 10.15pm", datetime(2023, 3, 17, 22, 15, tzinfo=timezone.utc)),
        ("Updated: Friday, March 17, 2023, 12:05 a.m.", datetime(2023, 3, 17, 0, 5, tzinfo=timezone.utc)),
        ("17 Mar 2023 22:15:03 +0530", datetime(2023, 3, 17, 22, 15, 3, tzinfo=timezone(timedelta(hours=5, minutes=30)))),
        ("2023/03/17", datetime(2023, 3, 17, tzinfo=timezone.utc)),
        ("Published 17 September 2024 by Jane Doe", datetime(2024, 9, 17, tzinfo=timezone.utc)),
    ],
)
def test_dates_as_pages_write_them_are_read(written, expected) -> None:
    assert parse_published(written) == expected


@pytest.mark.parametrize("written", ["17/03/2023", "03/04/2023", "yesterday", "May 2023", "Feb 30, 2023", "", None, 1679047200])
def test_ambiguous_incomplete_or_impossible_dates_are_not_read(written) -> None:
    assert parse_published(written) is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://greekreporter.com/2023/03/17/china-xi-visit-russia/", datetime(2023, 3, 17, tzinfo=timezone.utc)),
        ("https://example.com/world/2023-03-17-xi-visit", datetime(2023, 3, 17, tzinfo=timezone.utc)),
        ("https://example.com/news/20230317/xi-visit", datetime(2023, 3, 17, tzinfo=timezone.utc)),
        ("https://example.com/2023/3/7/story", datetime(2023, 3, 7, tzinfo=timezone.utc)),
    ],
)
def test_a_date_in_the_url_path_is_read(url, expected) -> None:
    assert url_date(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/world/12345678/story",  # an article number, no date
        "https://example.com/2099/01/01/story",  # in the future
        "https://example.com/story?id=2023/03/17",  # not in the path
        "https://example.com/2023/13/01/story",  # no 13th month
        "https://2023.example.com/story",
        None,
    ],
)
def test_urls_without_a_date_give_none(url) -> None:
    assert url_date(url) is None
