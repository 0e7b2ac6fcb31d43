"""Article ids: the crawler's id, else a hash of the canonical URL."""

from streams.ids import article_id, canonical_url


def test_canonical_url_drops_tracking_fragment_default_port_and_www() -> None:
    url = "HTTPS://WWW.Example.org:443/World/Story/?utm_source=tw&b=2&a=1&fbclid=x#comments"
    assert canonical_url(url) == "https://example.org/World/Story?a=1&b=2"


def test_same_story_under_tracking_variants_gets_one_id() -> None:
    a = article_id({"url": "https://example.org/story?utm_medium=email"})
    b = article_id({"url": "https://www.example.org/story/#top"})
    assert a == b
    assert a.startswith("u") and len(a) == 33


def test_different_stories_get_different_ids() -> None:
    assert article_id({"url": "https://example.org/a"}) != article_id({"url": "https://example.org/b"})


def test_crawler_id_wins() -> None:
    assert article_id({"id": "crawler-1", "url": "https://example.org/a"}) == "crawler-1"
    assert article_id({"id": "", "url": "https://example.org/a"}) == article_id({"url": "https://example.org/a"})


def test_non_default_port_is_kept() -> None:
    assert canonical_url("http://example.org:8080/a") == "http://example.org:8080/a"
