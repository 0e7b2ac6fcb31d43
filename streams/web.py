"""The worker's operational web views: `/health`, `/ready` and `/metrics` on Faust's web server.

`/health` answers 200 while the process runs; `/ready` answers 200 only when the worker can do its
job (broker reachable, partitions assigned, knowledge loaded) and 503 with the reasons otherwise;
`/metrics` is the Prometheus text exposition of `streams.metrics`.
"""

from __future__ import annotations

import logging
from typing import Any

import faust
from faust import web

from . import metrics

log = logging.getLogger(__name__)


def broker_connected(app: faust.App) -> bool:
    """True when the consumer knows its group coordinator (aiokafka forgets it when the broker is lost)."""
    try:
        client = app.consumer._thread._consumer  # type: ignore[attr-defined]
    except AttributeError:
        return False
    if client is None:
        return False
    return client._coordinator.coordinator_id is not None and bool(client._client.cluster.brokers())


def readiness(app: faust.App) -> dict[str, Any]:
    """The checks `/ready` reports, each true or false, and `ready` when all of them hold."""
    joined = app.rebalancing_count > 0 and not app.rebalancing
    try:
        assigned = len(app.consumer.assignment()) if joined else 0
    except Exception:  # the consumer thread has not started yet
        assigned = 0
    checks = {
        "broker_connected": broker_connected(app),
        "partitions_assigned": joined,
        "knowledge_loaded": getattr(app, "enricher", None) is not None,
    }
    return {"ready": all(checks.values()), "checks": checks, "assigned_partitions": assigned}


def register_views(app: faust.App) -> None:
    """Add the operational views to the app's web server."""

    @app.page("/health")
    class Health(web.View):
        async def get(self, request: web.Request) -> web.Response:
            return self.json({"status": "up", "app_id": app.conf.id})

    @app.page("/ready")
    class Ready(web.View):
        async def get(self, request: web.Request) -> web.Response:
            state = readiness(app)
            return self.json(state, status=200 if state["ready"] else 503)

    @app.page("/metrics")
    class Metrics(web.View):
        async def get(self, request: web.Request) -> web.Response:
            try:
                await metrics.refresh_lag(app)
            except Exception as exc:  # lag is best effort: the counters must still be served
                log.warning("consumer lag unavailable: %s", exc)
            return self.bytes(metrics.exposition(), content_type=metrics.CONTENT_TYPE)
