"""Operations without a broker: the README's settings table, log lines, readiness, invalid settings at start."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from types import SimpleNamespace

import orjson

from streams.logs import DeadLetterFields, JsonFormatter, configure
from streams.settings import describe, from_env
from streams.web import readiness

from .conftest import REPO

# How the README writes an empty default: the packaged file, or nothing.
EMPTY_DEFAULTS = {"(packaged)", "(none)", "(empty)", "(local instance)", ""}


def readme_settings() -> dict[str, str]:
    """{variable: default} from the table under README's "Configuration" heading."""
    text = (REPO / "README.md").read_text()
    section = text.split("\n## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(GEOWIRE_[A-Z0-9_]+)` \| (.*?) \| .+ \|$", section, flags=re.M)
    return {name: default.strip().strip("`") for name, default in rows}


def test_readme_lists_every_setting_with_its_default() -> None:
    documented = readme_settings()
    declared = {name: default for name, default, _ in describe()}

    assert sorted(set(declared) - set(documented)) == [], "settings missing from README's Configuration table"
    assert sorted(set(documented) - set(declared)) == [], "README lists settings that do not exist"
    for name, default in declared.items():
        shown = documented[name]
        if default == "":
            assert shown in EMPTY_DEFAULTS, (name, shown)
        else:
            assert shown == default or os.path.expanduser(shown) == default, (name, shown, default)


def test_faust_worker_command_stops_on_an_invalid_setting_naming_it() -> None:
    env = {**os.environ, "GEOWIRE_PARTITIONS": "four"}
    done = subprocess.run(
        [sys.executable, "-m", "faust", "-A", "streams.app", "worker"], cwd=REPO, env=env,
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode != 0
    assert "GEOWIRE_PARTITIONS='four': must be a whole number" in done.stderr
    assert "Traceback" not in done.stderr


def test_json_log_line_of_a_dead_letter_carries_its_reason_and_origin_as_fields() -> None:
    record = logging.LogRecord(
        "streams.agents.ingest", logging.WARNING, __file__, 1, "dead letter: %s (%s) from %s[%s]@%s",
        ("not_json", "value is not JSON", "articles.raw", 3, 41), None,
    )
    DeadLetterFields().filter(record)

    line = orjson.loads(JsonFormatter().format(record))

    assert line["level"] == "warning"
    assert line["message"] == "dead letter: not_json (value is not JSON) from articles.raw[3]@41"
    assert (line["reason"], line["topic"], line["partition"], line["offset"]) == ("not_json", "articles.raw", 3, 41)


def test_not_ready_until_the_worker_joined_its_group_and_loaded_its_knowledge() -> None:
    app = SimpleNamespace(rebalancing_count=0, rebalancing=False, consumer=SimpleNamespace(assignment=set))

    state = readiness(app)  # type: ignore[arg-type]

    assert state["ready"] is False
    assert state["checks"] == {"broker_connected": False, "partitions_assigned": False, "knowledge_loaded": False}


def test_commands_besides_the_worker_log_json_when_asked(capfd) -> None:
    configure(from_env({"GEOWIRE_LOG_FORMAT": "json", "GEOWIRE_LOG_LEVEL": "info"}))
    try:
        logging.getLogger("streams.sink").info("stored %d articles", 3, extra={"batch": 7})
    finally:
        logging.basicConfig(force=True, handlers=[logging.NullHandler()])

    line = orjson.loads(capfd.readouterr().err.strip().splitlines()[-1])
    assert (line["level"], line["logger"], line["message"], line["batch"]) == ("info", "streams.sink", "stored 3 articles", 7)


def test_the_wheel_carries_the_wire_contracts_knowledge_and_migrations(tmp_path) -> None:
    """A regular install (the container's) finds everything inside the package, not in a checkout."""
    import zipfile

    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
        check=True, capture_output=True, timeout=300,
    )
    [wheel] = tmp_path.glob("geowire-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for schema in ("raw-article.v1.json", "enriched-article.v1.json", "alert.v1.json", "deadletter.v1.json"):
        assert f"streams/schemas/{schema}" in names
    assert "streams/data/kb/countries.yaml" in names and "streams/data/taxonomy.yaml" in names
    assert any(n.startswith("streams/sink/migrations/") and n.endswith(".sql") for n in names)
