"""The `geowire` command without Kafka: offline enrichment and settings."""

from __future__ import annotations

import subprocess
import sys

import orjson

from streams.contracts import validate

from .conftest import EXAMPLES, REPO


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "streams.cli", *args], input=stdin, capture_output=True, cwd=REPO, timeout=120)


def test_enrich_turns_jsonl_into_enriched_jsonl_and_dead_letters(tmp_path) -> None:
    dead = tmp_path / "dead.jsonl"
    lines = b"".join((EXAMPLES / name).read_bytes() for name in ("greekreporter-xi-russia.jsonl", "bad-input.jsonl"))

    result = run("enrich", "-", "--deadletter", str(dead), stdin=lines)

    assert result.returncode == 0, result.stderr.decode()
    enriched = [orjson.loads(line) for line in result.stdout.splitlines()]
    letters = [orjson.loads(line) for line in dead.read_bytes().splitlines()]
    assert [e["id"] for e in enriched] == ["greekreporter-xi-russia"]
    for article in enriched:
        validate("enriched-article", article)
    assert sorted(letter["reason"] for letter in letters) == ["invalid", "not_json"]
    assert {letter["source"]["offset"] for letter in letters} == {2, 3}  # line numbers of the input
    assert b"1 enriched, 2 dead letters" in result.stderr


def test_enrich_reads_a_file_and_writes_dead_letters_to_stderr(tmp_path) -> None:
    result = run("enrich", str(EXAMPLES / "bad-input.jsonl"))

    assert result.returncode == 0
    assert result.stdout == b""
    assert result.stderr.count(b'"schema":"deadletter/v1"') == 2


def test_enrich_reads_one_pretty_printed_article(tmp_path) -> None:
    article = orjson.loads((EXAMPLES / "greekreporter-xi-russia.jsonl").read_bytes().splitlines()[0])
    path = tmp_path / "article.json"
    path.write_bytes(orjson.dumps(article, option=orjson.OPT_INDENT_2))

    result = run("enrich", str(path))

    assert result.returncode == 0, result.stderr.decode()
    [enriched] = [orjson.loads(line) for line in result.stdout.splitlines()]
    assert enriched["id"] == article["id"]
    assert any(e["kb_id"] == "person:xi-jinping" for e in enriched["entities"])
    assert b"1 enriched, 0 dead letters" in result.stderr


def test_enrich_reads_an_array_of_articles_numbering_them_by_place(tmp_path) -> None:
    article = orjson.loads((EXAMPLES / "greekreporter-xi-russia.jsonl").read_bytes().splitlines()[0])
    path = tmp_path / "articles.json"
    path.write_bytes(orjson.dumps([article, "not an article", {**article, "id": "second"}], option=orjson.OPT_INDENT_2))

    result = run("enrich", str(path))

    assert result.returncode == 0, result.stderr.decode()
    assert [orjson.loads(line)["id"] for line in result.stdout.splitlines()] == [article["id"], "second"]
    [letter] = [orjson.loads(line) for line in result.stderr.splitlines() if line.startswith(b"{")]
    assert (letter["reason"], letter["source"]["offset"]) == ("not_object", 2)


def test_invalid_setting_fails_with_its_name() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "streams.cli", "settings"], capture_output=True, cwd=REPO,
        env={"GEOWIRE_PARTITIONS": "many", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 2
    assert b"GEOWIRE_PARTITIONS" in result.stderr


def test_a_connection_setting_geowire_cannot_use_fails_with_its_name_before_connecting() -> None:
    env = {"PATH": "/usr/bin:/bin", "GEOWIRE_SECURITY_PROTOCOL": "SASL_SSL", "GEOWIRE_SASL_USERNAME": "geowire"}
    for command in (["produce", "-"], ["tail", "articles.enriched", "--max", "1"], ["sink"]):
        result = subprocess.run(
            [sys.executable, "-m", "streams.cli", *command], capture_output=True, cwd=REPO, env=env, input=b"", timeout=60,
        )
        assert result.returncode == 2, (command, result.stderr.decode())
        assert b"invalid setting: GEOWIRE_SASL_PASSWORD must be set" in result.stderr
        assert b"Traceback" not in result.stderr
