"""Worker logging: Faust's text lines, or one JSON object a line (GEOWIRE_LOG_FORMAT=json) for log shippers.

In JSON mode every record carries `time`, `level`, `logger` and `message`, plus the fields a
caller passed with `extra=`; a dead letter's line carries `reason`, `error`, `topic`,
`partition` and `offset` as fields. Article bodies are never logged at info level or above.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

import orjson

from .settings import Settings

# Attributes every LogRecord has; anything else on a record came from `extra=` and is a field.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}

# The ingest agent's dead-letter line, "dead letter: %s (%s) from %s[%s]@%s", and what its arguments are.
_DEADLETTER_PREFIX = "dead letter:"
_DEADLETTER_FIELDS = ("reason", "error", "topic", "partition", "offset")


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, extra fields, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, value in vars(record).items():
            if name not in _STANDARD and not name.startswith("_"):
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode("utf-8")


class DeadLetterFields(logging.Filter):
    """Gives the dead-letter line its reason, error, topic, partition and offset as fields."""

    def filter(self, record: logging.LogRecord) -> bool:
        if (
            isinstance(record.msg, str)
            and record.msg.startswith(_DEADLETTER_PREFIX)
            and isinstance(record.args, tuple)
            and len(record.args) == len(_DEADLETTER_FIELDS)
            and not hasattr(record, "reason")  # the caller passed them with extra= already
        ):
            for name, value in zip(_DEADLETTER_FIELDS, record.args):
                setattr(record, name, value)
        return True


def logging_config(settings: Settings) -> dict[str, Any] | None:
    """The `logging.config.dictConfig` Faust's worker applies: None keeps Faust's own text format."""
    if settings.log_format != "json":
        return None
    return {
        "merge": True,  # mode merges this into its default config: root level and handler names stay
        "version": 1,
        "formatters": {"json": {"()": JsonFormatter}},
        "filters": {"deadletter": {"()": DeadLetterFields}},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": "json",
                "filters": ["deadletter"],
            },
        },
    }


def configure(settings: Settings) -> None:
    """Logging for geowire's commands that are not the Faust worker (`geowire sink`): same level and format."""
    level = "WARNING" if settings.log_level == "warn" else settings.log_level.upper()
    handler = logging.StreamHandler()
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
        handler.addFilter(DeadLetterFields())
    else:
        handler.setFormatter(logging.Formatter("[%(asctime)s] %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler], force=True)
