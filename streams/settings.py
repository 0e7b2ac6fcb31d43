"""Every name and threshold geowire uses, read once from environment variables.

Each setting has one `GEOWIRE_*` variable, a default and a one-line meaning; README.md lists
them all (`geowire settings` prints the same table). An invalid value fails at start-up with a
message that names the variable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Callable, Mapping


class SettingsError(ValueError):
    """A GEOWIRE_* variable has a value geowire cannot use."""


def _whole(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ValueError("must be a whole number") from None


def _positive_int(text: str) -> int:
    value = _whole(text)
    if value < 1:
        raise ValueError("must be a whole number of at least 1")
    return value


def _non_negative_int(text: str) -> int:
    value = _whole(text)
    if value < 0:
        raise ValueError("must be a whole number of at least 0")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise ValueError("must be a number") from None
    if not value > 0:
        raise ValueError("must be a number above 0")
    return value


def _guarantee(text: str) -> str:
    value = text.strip().lower().replace("-", "_")
    if value not in ("at_least_once", "exactly_once"):
        raise ValueError("must be at_least_once or exactly_once")
    return value


def _broker_url(text: str) -> str:
    urls = [u.strip() for u in text.split(";") if u.strip()]
    if not urls:
        raise ValueError("must name at least one broker, for example kafka://127.0.0.1:9092")
    for url in urls:
        scheme, sep, rest = url.partition("://")
        host, colon, port = rest.rpartition(":")
        if not sep or scheme != "kafka" or not host or not colon or not port.isdigit():
            raise ValueError(f"{url!r} is not of the form kafka://HOST:PORT")
    return ";".join(urls)


def _log_level(text: str) -> str:
    value = text.strip().lower()
    if value == "warning":
        value = "warn"
    if value not in ("debug", "info", "warn", "error", "critical"):
        raise ValueError("must be debug, info, warn, error or critical")
    return value


AGENT_ROLES = ("ingest", "alerts")


def _agents(text: str) -> str:
    chosen = [part.strip().lower() for part in text.split(",") if part.strip()]
    unknown = sorted(set(chosen) - set(AGENT_ROLES))
    if not chosen or unknown:
        raise ValueError(f"must be ingest, alerts or ingest,alerts{f' (unknown: {unknown})' if unknown else ''}")
    return ",".join(role for role in AGENT_ROLES if role in chosen)


def _log_format(text: str) -> str:
    value = text.strip().lower()
    if value not in ("text", "json"):
        raise ValueError("must be text or json")
    return value


def _bool(text: str) -> bool:
    value = text.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError("must be true or false")


def _security_protocol(text: str) -> str:
    value = text.strip().upper()
    if value not in ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"):
        raise ValueError("must be PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL")
    return value


def _sasl_mechanism(text: str) -> str:
    value = text.strip().upper().replace("_", "-")
    if value not in ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"):
        raise ValueError("must be SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN")
    return value


def _text(text: str) -> str:
    if not text.strip():
        raise ValueError("must not be empty")
    return text.strip()


def _setting(default: Any, parse: Callable[[str], Any], help: str) -> Any:  # noqa: A002 - mirrors argparse
    return field(default=default, metadata={"parse": parse, "help": help})


@dataclass(frozen=True)
class Settings:
    """geowire's configuration. Field `foo_bar` is read from `GEOWIRE_FOO_BAR`."""

    # Kafka
    broker: str = _setting("kafka://127.0.0.1:9092", _broker_url, "Kafka bootstrap servers, `;`-separated `kafka://HOST:PORT`.")
    app_id: str = _setting("geowire", _text, "Faust app id: the consumer group and the prefix of internal topics.")
    topic_raw: str = _setting("articles.raw", _text, "Input topic of raw articles.")
    topic_enriched: str = _setting("articles.enriched", _text, "Output topic of enriched articles.")
    topic_deadletter: str = _setting("articles.deadletter", _text, "Output topic of messages that could not be processed.")
    topic_alerts: str = _setting("alerts.geopolitical", _text, "Output topic of alerts.")
    partitions: int = _setting(4, _positive_int, "Partitions of the topics geowire creates at start.")
    replication_factor: int = _setting(1, _positive_int, "Replication factor of the topics geowire creates.")
    processing_guarantee: str = _setting("at_least_once", _guarantee, "`at_least_once` or `exactly_once` (Kafka transactions).")
    broker_session_timeout: float = _setting(10.0, _positive_float, "Consumer group session timeout, seconds (shorter: faster rebalance).")
    broker_request_timeout: float = _setting(30.0, _positive_float, "Kafka request timeout, seconds.")
    startup_timeout: float = _setting(45.0, _positive_float, "Seconds to wait for the broker at start-up before failing.")
    # Batching
    batch_size: int = _setting(500, _positive_int, "Most raw messages the ingest agent takes at once.")
    batch_within: float = _setting(0.02, _positive_float, "Seconds the ingest agent waits to fill a batch: what a quiet stream adds to latency.")
    producer_linger_ms: int = _setting(5, _non_negative_int, "Producer linger, milliseconds.")
    producer_batch_bytes: int = _setting(524288, _positive_int, "Most bytes the producer puts in one batch per partition (Faust's default is 16 KiB).")
    agents: str = _setting(
        "ingest,alerts", _agents,
        "Agents this worker runs: ingest, alerts or both. Alerts in a group of their own (another GEOWIRE_APP_ID) keep table recovery and alert work off the ingest path.",
    )
    enrich_processes: int = _setting(2, _non_negative_int, "Child processes that enrich while the worker consumes and produces; 0: enrich in the worker.")
    # Limits
    max_message_bytes: int = _setting(5_000_000, _positive_int, "Largest raw message accepted; larger ones are dead-lettered as too_large.")
    max_text_chars: int = _setting(1_000_000, _positive_int, "Longest text or html accepted; longer articles are dead-lettered as too_large.")
    deadletter_keep_bytes: int = _setting(1_000_000, _positive_int, "Most bytes of an original message a dead letter keeps (base64).")
    # Knowledge (empty: the files shipped in the package)
    kb_dir: str = _setting("", str, "Folder of knowledge-base YAML files; empty for the packaged streams/data/kb.")
    taxonomy_file: str = _setting("", str, "Tag taxonomy YAML file; empty for the packaged streams/data/taxonomy.yaml.")
    boilerplate_file: str = _setting("", str, "Boilerplate patterns YAML file; empty for the packaged streams/data/boilerplate.yaml.")
    # Alerts
    alert_rules_file: str = _setting("", str, "Alert rules YAML file; empty for the packaged streams/data/alert_rules.yaml.")
    alert_story_seconds: float = _setting(21600.0, _positive_float, "A later article of the same story within this many seconds of its first updates the alert instead of raising another.")
    alert_near_duplicate_bits: int = _setting(36, _non_negative_int, "Most differing SimHash bits (of 128) for two texts to count as copies of one story.")
    alert_max_articles: int = _setting(50, _positive_int, "Most articles one alert lists (later ones still count).")
    alert_stories_kept: int = _setting(500, _positive_int, "Most open stories kept per rule; the oldest are forgotten first.")
    alert_surge_window: int = _setting(3600, _positive_int, "Size of the tumbling windows surges are counted in, whole seconds of stream time.")
    alert_surge_baseline_windows: int = _setting(6, _positive_int, "Windows before the current one whose mean count is the baseline.")
    alert_surge_factor: float = _setting(3.0, _positive_float, "A window surges when its count is at least this many times the baseline.")
    alert_surge_min_count: int = _setting(5, _positive_int, "Fewest articles in a window for a surge, whatever the baseline.")
    alert_log_notify: bool = _setting(False, _bool, "Log every new alert at warning level (a notifier).")
    alert_webhook_url: str = _setting("", str, "URL every new alert is POSTed to as JSON; empty: no webhook.")
    alert_webhook_retries: int = _setting(4, _non_negative_int, "Retries of a failed webhook delivery before the alert is dead-lettered as undeliverable.")
    alert_webhook_backoff: float = _setting(1.0, _positive_float, "Seconds before the first webhook retry; doubles at each retry (at most 60).")
    alert_webhook_timeout: float = _setting(10.0, _positive_float, "Seconds one webhook request may take.")
    alert_notify_queue: int = _setting(1000, _positive_int, "Most alerts waiting for a notifier; beyond it they are dead-lettered as undeliverable.")
    # Storage (PostgreSQL sink)
    database_url: str = _setting("", str, "PostgreSQL URL the sink writes to; empty: $DATABASE_URL, else the local instance (geowire postgres start).")
    sink_batch_size: int = _setting(500, _positive_int, "Most records the sink writes to PostgreSQL in one transaction.")
    sink_batch_within: float = _setting(1.0, _positive_float, "Seconds the sink waits to fill a batch before writing what it has.")
    sink_retry_max: float = _setting(5.0, _positive_float, "Longest pause, seconds, between the sink's attempts to reach PostgreSQL.")
    postgres_home: str = _setting("", str, "Folder of the local PostgreSQL instance; empty: GEOWIRE_KAFKA_HOME/postgres, or /var/lib/geowire/postgres as root.")
    postgres_port: int = _setting(5433, _positive_int, "Port of the local PostgreSQL instance, on 127.0.0.1.")
    postgres_bin: str = _setting("", str, "Folder of PostgreSQL's programs; empty: the newest /usr/lib/postgresql/*/bin, else PATH.")
    postgres_os_user: str = _setting("postgres", _text, "System user that runs the local PostgreSQL instance when geowire runs as root.")
    # Security (broker connection)
    security_protocol: str = _setting("PLAINTEXT", _security_protocol, "Broker connection: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL.")
    sasl_mechanism: str = _setting("SCRAM-SHA-512", _sasl_mechanism, "SASL mechanism: SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN.")
    sasl_username: str = _setting("", str, "SASL user name (SASL_PLAINTEXT, SASL_SSL).")
    sasl_password: str = field(default="", repr=False, metadata={"parse": str, "secret": True, "help": "SASL password; never printed or logged."})
    ssl_cafile: str = _setting("", str, "PEM file of the CA(s) that signed the broker's certificate; empty: the system's CAs.")
    ssl_certfile: str = _setting("", str, "PEM client certificate (chain) for brokers that require TLS client authentication.")
    ssl_keyfile: str = _setting("", str, "PEM private key of the client certificate.")
    ssl_key_password: str = field(default="", repr=False, metadata={"parse": str, "secret": True, "help": "Password of the client key, if it is encrypted; never printed."})
    ssl_check_hostname: bool = _setting(True, _bool, "Check that the broker's certificate names the host connected to.")
    # Operations (health, metrics, logs)
    web_host: str = _setting("127.0.0.1", _text, "Address the worker's web server (/health, /ready, /metrics) binds to.")
    web_port: int = _setting(6066, _positive_int, "Port of the worker's web server.")
    log_level: str = _setting("warn", _log_level, "Log level of the worker and the sink: debug, info, warn (or warning), error, critical.")
    log_format: str = _setting("text", _log_format, "Worker log format: text (Faust's lines) or json (one JSON object a line).")
    shutdown_timeout: float = _setting(30.0, _positive_float, "Seconds a stopping worker (SIGTERM) may take to finish its in-flight batches and commit; past it, it exits with status 1.")
    # Local broker (geowire kafka start)
    kafka_version: str = _setting("4.1.1", _text, "Apache Kafka version the local broker runs (fetched from Maven Central).")
    kafka_home: str = _setting(str(Path.home() / ".cache" / "geowire"), _text, "Folder for the local broker's jars, data and logs (outside git).")
    kafka_controller_port: int = _setting(9093, _positive_int, "Controller port of the local broker.")
    kafka_heap: str = _setting("-Xms256m -Xmx768m", _text, "JVM heap options of the local broker.")

    @property
    def broker_host_port(self) -> tuple[str, int]:
        """The first bootstrap server as (host, port)."""
        first = self.broker.split(";")[0].partition("://")[2]
        host, _, port = first.rpartition(":")
        return host, int(port)

    @property
    def bootstrap_servers(self) -> str:
        """The bootstrap servers as plain `host:port,host:port` for non-Faust clients."""
        return ",".join(u.partition("://")[2] for u in self.broker.split(";"))

    @property
    def agent_roles(self) -> frozenset[str]:
        return frozenset(self.agents.split(","))

    @property
    def exactly_once(self) -> bool:
        return self.processing_guarantee == "exactly_once"


def env_name(field_name: str) -> str:
    return "GEOWIRE_" + field_name.upper()


def describe() -> list[tuple[str, str, str]]:
    """(variable, default, meaning) for every setting, in declaration order."""
    return [(env_name(f.name), _shown(f.default), f.metadata["help"]) for f in fields(Settings)]


def _shown(default: Any) -> str:
    # As a user writes it in the environment: booleans lower-case, like the values _bool reads.
    return str(default).lower() if isinstance(default, bool) else str(default)


def from_env(environ: Mapping[str, str] | None = None) -> Settings:
    """Read every GEOWIRE_* variable; unset ones take their defaults."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for f in fields(Settings):
        name = env_name(f.name)
        if name not in environ:
            continue
        try:
            values[f.name] = f.metadata["parse"](environ[name])
        except ValueError as exc:
            raise SettingsError(f"{name}={environ[name]!r}: {exc}") from None
    return Settings(**values)
