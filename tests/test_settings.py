"""Settings: defaults, environment variables, and errors that name the variable."""

import pytest

from streams.settings import Settings, SettingsError, describe, from_env


def test_defaults_bind_web_to_loopback_and_use_the_local_broker() -> None:
    settings = from_env({})
    assert settings.web_host == "127.0.0.1"
    assert settings.broker == "kafka://127.0.0.1:9092"
    assert settings.bootstrap_servers == "127.0.0.1:9092"
    assert settings.topic_raw == "articles.raw"
    assert settings.processing_guarantee == "at_least_once"


def test_environment_overrides_defaults() -> None:
    settings = from_env({"GEOWIRE_PARTITIONS": "6", "GEOWIRE_PROCESSING_GUARANTEE": "exactly-once",
                         "GEOWIRE_BROKER": "kafka://a:1;kafka://b:2"})
    assert settings.partitions == 6
    assert settings.exactly_once
    assert settings.bootstrap_servers == "a:1,b:2"


@pytest.mark.parametrize(
    ("name", "value", "phrase"),
    [
        ("GEOWIRE_PARTITIONS", "four", "whole number"),
        ("GEOWIRE_PARTITIONS", "0", "at least 1"),
        ("GEOWIRE_PROCESSING_GUARANTEE", "maybe", "exactly_once"),
        ("GEOWIRE_BROKER", "localhost:9092", "kafka://HOST:PORT"),
        ("GEOWIRE_BATCH_WITHIN", "-1", "above 0"),
        ("GEOWIRE_LOG_LEVEL", "loud", "debug"),
    ],
)
def test_invalid_value_names_the_variable(name, value, phrase) -> None:
    with pytest.raises(SettingsError) as err:
        from_env({name: value})
    assert name in str(err.value) and phrase in str(err.value)


def test_every_setting_is_described() -> None:
    rows = describe()
    assert len(rows) == len(Settings.__dataclass_fields__)
    assert all(name.startswith("GEOWIRE_") and meaning for name, _, meaning in rows)


def test_agents_setting_names_roles_in_a_fixed_order() -> None:
    assert from_env({"GEOWIRE_AGENTS": "alerts, ingest"}).agents == "ingest,alerts"
    assert from_env({"GEOWIRE_AGENTS": "alerts"}).agent_roles == frozenset({"alerts"})
    with pytest.raises(SettingsError, match="GEOWIRE_AGENTS.*unknown"):
        from_env({"GEOWIRE_AGENTS": "ingest,sink"})
