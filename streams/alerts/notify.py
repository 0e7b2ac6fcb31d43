"""Notifiers: tell people about new alerts (a log line, a webhook POST), without ever slowing the stream.

Each notifier has its own bounded queue and its own background task: `Dispatcher.submit` only puts
the alert in the queues and returns at once. A delivery that still fails after its retries (with
exponential backoff), or an alert that finds a queue full, is handed to `on_undeliverable`, which
the worker turns into a dead letter with reason `undeliverable`. Only new alerts are notified;
updates of a story reach the alerts topic but page nobody again.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Awaitable, Callable, Protocol

import aiohttp
import orjson

from ..settings import Settings

log = logging.getLogger(__name__)

MAX_BACKOFF = 60.0
Undeliverable = Callable[[dict, str], Awaitable[None]]
Sleep = Callable[[float], Awaitable[None]]


class DeliveryError(Exception):
    """One attempt to notify failed; the message says why."""


class Notifier(Protocol):
    name: str
    retries: int

    async def deliver(self, alert: dict) -> None:
        """Deliver once; raise DeliveryError (or any exception) when it did not work."""


@dataclass
class LogNotifier:
    """Writes one warning line per new alert: its severity, id and summary."""

    name: str = "log"
    retries: int = 0
    logger: logging.Logger = field(default_factory=lambda: logging.getLogger("streams.alerts"))

    async def deliver(self, alert: dict) -> None:
        self.logger.warning("ALERT [%s] %s: %s", alert["severity"], alert["id"], alert["summary"])


@dataclass
class WebhookNotifier:
    """POSTs the alert as JSON; any 2xx answer is a delivery, anything else a failed attempt."""

    url: str
    timeout: float = 10.0
    retries: int = 4
    name: str = "webhook"
    _session: aiohttp.ClientSession | None = None

    async def deliver(self, alert: dict) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        headers = {"Content-Type": "application/json", "Idempotency-Key": f"{alert['id']}/{alert['revision']}"}
        try:
            async with self._session.post(self.url, data=orjson.dumps(alert), headers=headers) as response:
                if not 200 <= response.status < 300:
                    body = (await response.text())[:200]
                    raise DeliveryError(f"HTTP {response.status} from {self.url}: {body}")
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise DeliveryError(f"{type(exc).__name__} posting to {self.url}: {exc}") from None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def backoff_delays(retries: int, first: float, cap: float = MAX_BACKOFF) -> list[float]:
    """Seconds to wait before each retry: first, 2x first, 4x first... at most `cap`."""
    return [min(first * 2 ** i, cap) for i in range(retries)]


async def deliver_with_retries(notifier: Notifier, alert: dict, delays: list[float], sleep: Sleep = asyncio.sleep) -> str | None:
    """Deliver with one retry per delay; None when delivered, else the last error."""
    error = None
    for attempt in range(len(delays) + 1):
        if attempt:
            await sleep(delays[attempt - 1])
        try:
            await notifier.deliver(alert)
            return None
        except Exception as exc:  # a notifier's failure must never reach the stream
            error = f"{notifier.name}: attempt {attempt + 1} of {len(delays) + 1} failed: {exc}"
            log.info("%s (alert %s)", error, alert["id"])
    return error


class Dispatcher:
    """Bounded queues in front of the notifiers, drained by background tasks (`run`)."""

    def __init__(self, notifiers: list[Notifier], queue_size: int, backoff: float, on_undeliverable: Undeliverable) -> None:
        self.notifiers = notifiers
        self.queue_size = queue_size
        self.backoff = backoff
        self.on_undeliverable = on_undeliverable
        self._queues: list[asyncio.Queue] = []
        self._background: set[asyncio.Task] = set()

    @property
    def enabled(self) -> bool:
        return bool(self.notifiers)

    def submit(self, alert: dict) -> None:
        """Queue a new alert for every notifier; never waits."""
        for notifier, queue in zip(self.notifiers, self._queues_for_loop()):
            try:
                queue.put_nowait(alert)
            except asyncio.QueueFull:
                self._later(self.on_undeliverable(alert, f"{notifier.name}: {self.queue_size} alerts already wait for delivery"))

    async def run(self) -> None:
        """Deliver queued alerts until cancelled, one task per notifier."""
        queues = self._queues_for_loop()
        await asyncio.gather(*(self._drain(n, q) for n, q in zip(self.notifiers, queues)))

    async def _drain(self, notifier: Notifier, queue: asyncio.Queue) -> None:
        delays = backoff_delays(notifier.retries, self.backoff)
        while True:
            alert = await queue.get()
            try:
                error = await deliver_with_retries(notifier, alert, delays)
                if error is not None:
                    log.warning("alert %s is undeliverable: %s", alert["id"], error)
                    await self.on_undeliverable(alert, error)
            except Exception:  # keep draining whatever one alert did
                log.exception("notifying alert %s failed", alert.get("id"))
            finally:
                queue.task_done()

    async def join(self) -> None:
        """Wait until every queued alert was delivered or handed to on_undeliverable."""
        for queue in self._queues_for_loop():
            await queue.join()
        while self._background:
            await asyncio.gather(*self._background)

    def _queues_for_loop(self) -> list[asyncio.Queue]:
        # Created on first use, inside the worker's running loop.
        if not self._queues:
            self._queues = [asyncio.Queue(maxsize=self.queue_size) for _ in self.notifiers]
        return self._queues

    def _later(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)


def notifiers_from(settings: Settings) -> list[Notifier]:
    """The notifiers the settings switch on (none by default)."""
    found: list[Notifier] = []
    if settings.alert_log_notify:
        found.append(LogNotifier())
    if settings.alert_webhook_url:
        found.append(WebhookNotifier(settings.alert_webhook_url, settings.alert_webhook_timeout, settings.alert_webhook_retries))
    return found
