"""Counters the agents report to; exposed for Prometheus by the worker's web server.

Agents call the `observe_*` functions; they must stay cheap (no I/O) because they run per message.
"""

from __future__ import annotations

from .ingest import Outcome


def observe_outcome(outcome: Outcome, seconds: float) -> None:
    """One raw message processed: enriched or dead-lettered, and how long enrichment took."""


def observe_alert(alert: dict, created: bool) -> None:
    """One alert published: newly created, or an update of an existing one."""
