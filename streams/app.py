"""The Faust app: created from settings, with geowire's topics. Agents live in streams/agents/.

Run it with `geowire worker`, which checks the settings and the broker first and then runs
Faust's worker on this app.
"""

from __future__ import annotations

import logging

import faust
import mode

from .enrich import Enricher
from .ingest import build_enricher
from .logs import logging_config
from .metrics import TopicSensor
from .reload import KnowledgeReloader
from .security import faust_credentials
from .settings import Settings, SettingsError, from_env
from .topics import ensure_topics, max_record_bytes
from .web import register_views

try:
    settings: Settings = from_env()
    credentials = faust_credentials(settings)  # TLS and SASL of the broker connection (None: PLAINTEXT)
except SettingsError as exc:  # `faust -A streams.app worker` too must stop with the variable's name
    raise SystemExit(f"geowire: invalid setting: {exc}") from None


# Faust's worker sets the root logger to DEBUG to animate its start-up spinner, so every
# `log.debug` of these libraries built a record per message (with its caller's frame) that
# no handler printed: about a tenth of a passthrough worker's CPU.
LIBRARY_LOGGERS = ("aiokafka", "faust", "mode")


def quiet_library_debug() -> None:
    """Set the libraries' loggers to the level the worker's handlers print at (GEOWIRE_LOG_LEVEL if none says)."""
    root = logging.getLogger()
    printed = [h.level for h in root.handlers if h.level > logging.NOTSET and type(h).__name__ != "SpinnerHandler"]
    level = min(printed, default=logging.getLevelName(settings.log_level.upper().replace("WARN", "WARNING")))
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(level)


class GeowireApp(faust.App):
    """A Faust app that loads its knowledge and creates its topics before anything subscribes."""

    enricher: Enricher

    async def on_first_start(self) -> None:
        await super().on_first_start()
        quiet_library_debug()  # the worker has configured logging by now
        # A bad knowledge-base or taxonomy file stops the worker here, naming the file and line,
        # instead of crashing the agent later while the worker looks alive.
        self.enricher = build_enricher(settings)
        KnowledgeReloader(self, settings, build_enricher).install(self.loop)  # SIGHUP reloads the knowledge
        await ensure_topics(settings)


app = GeowireApp(
    settings.app_id,
    broker=settings.broker,
    broker_credentials=credentials,
    processing_guarantee=settings.processing_guarantee,
    topic_partitions=settings.partitions,
    topic_replication_factor=settings.replication_factor,
    broker_session_timeout=settings.broker_session_timeout,
    broker_request_timeout=settings.broker_request_timeout,
    producer_linger=settings.producer_linger_ms / 1000.0,
    producer_max_batch_size=settings.producer_batch_bytes,
    producer_max_request_size=max_record_bytes(settings),
    consumer_auto_offset_reset="earliest",
    web_bind=settings.web_host,
    web_host=settings.web_host,
    web_port=settings.web_port,
    key_serializer="raw",
    value_serializer="raw",
    store="memory://",
    logging_config=logging_config(settings),
    # A crashed agent stops the worker (`geowire worker` exits 1) instead of leaving one that looks
    # alive and processes nothing; the process supervisor (systemd, Kubernetes) starts it again.
    agent_supervisor=mode.CrashingSupervisor,
)
app.sensors.add(TopicSensor())
register_views(app)


def _bytes_topic(name: str) -> faust.TopicT:
    # Raw bytes in and out: undecodable input must reach our own code, and outputs are orjson bytes.
    return app.topic(name, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw")


raw_topic = _bytes_topic(settings.topic_raw)
enriched_topic = _bytes_topic(settings.topic_enriched)
deadletter_topic = _bytes_topic(settings.topic_deadletter)
alerts_topic = _bytes_topic(settings.topic_alerts)

# Importing an agents module registers its agents (and tables) on the app.
if "ingest" in settings.agent_roles:
    from .agents import ingest  # noqa: E402,F401
if "alerts" in settings.agent_roles:
    from .agents import alerts  # noqa: E402,F401
