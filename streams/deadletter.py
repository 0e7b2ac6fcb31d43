"""Dead letters: what geowire publishes for a message it could not process, with the reason and the original bytes."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timezone

from . import __version__

DEADLETTER_SCHEMA = "deadletter/v1"


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a message came from: topic, partition, offset (None outside Kafka)."""

    topic: str
    partition: int | None = None
    offset: int | None = None


class Rejected(Exception):
    """Raised by ingest steps: this message is dead-lettered with `reason` and `error`."""

    def __init__(self, reason: str, error: str, article_id: str | None = None):
        super().__init__(f"{reason}: {error}")
        self.reason = reason
        self.error = error
        self.article_id = article_id


def deadletter(
    rejected: Rejected,
    value: bytes | None,
    key: bytes | None,
    origin: Origin,
    keep_bytes: int,
    now: datetime | None = None,
) -> dict:
    """The dead-letter record for one rejected message (schemas/deadletter.v1.json)."""
    value = value or b""
    kept = value[:keep_bytes]
    return {
        "schema": DEADLETTER_SCHEMA,
        "reason": rejected.reason,
        "error": rejected.error,
        "original": base64.b64encode(kept).decode("ascii"),
        "original_key": base64.b64encode(key).decode("ascii") if key is not None else None,
        "original_size": len(value),
        "truncated": len(kept) < len(value),
        "article_id": rejected.article_id,
        "source": {"topic": origin.topic, "partition": origin.partition, "offset": origin.offset},
        "at": (now or datetime.now(timezone.utc)).isoformat().replace("+00:00", "Z"),
        "geowire_version": __version__,
    }
