"""The demo counts only the results of the lines it sent, whatever else shares the topics."""

import base64

import orjson

from streams.demo import is_from
from streams.ids import article_id


def test_results_of_other_producers_are_not_counted() -> None:
    good = orjson.dumps({"url": "https://example.org/a", "text": "x"})
    bad = b'{"url": '
    ours = is_from([good, bad])

    assert ours("enriched", {"id": article_id({"url": "https://example.org/a"})})
    assert ours("deadletter", {"original": base64.b64encode(bad).decode()})
    assert not ours("enriched", {"id": article_id({"url": "https://example.org/other"})})
    assert not ours("deadletter", {"original": base64.b64encode(b"[]").decode()})
