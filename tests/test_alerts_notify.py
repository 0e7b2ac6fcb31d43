"""Notifiers: a webhook on a local HTTP server that fails at first, backoff, and a stream that never waits."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from streams.alerts.notify import Dispatcher, LogNotifier, WebhookNotifier, backoff_delays, deliver_with_retries

ALERT = {"id": "a1", "revision": 1, "severity": "high", "summary": "Something happened", "rule": "r"}


async def serve(statuses: list[int]):
    """A server on 127.0.0.1 answering POST /hook with `statuses` in turn (then 200); returns (url, bodies, runner)."""
    bodies: list[tuple[bytes, str]] = []

    async def handle(request: web.Request) -> web.Response:
        bodies.append((await request.read(), request.headers.get("Idempotency-Key", "")))
        return web.Response(status=statuses.pop(0) if statuses else 200)

    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    return f"http://127.0.0.1:{port}/hook", bodies, runner


def test_backoff_doubles_up_to_a_cap() -> None:
    assert backoff_delays(5, 1.0, cap=10) == [1.0, 2.0, 4.0, 8.0, 10]
    assert backoff_delays(0, 1.0) == []


def test_webhook_is_retried_with_backoff_until_the_server_accepts() -> None:
    async def run():
        url, bodies, runner = await serve([503, 500])
        slept: list[float] = []

        async def sleep(seconds: float) -> None:
            slept.append(seconds)

        hook = WebhookNotifier(url, timeout=5, retries=3)
        try:
            error = await deliver_with_retries(hook, ALERT, backoff_delays(3, 0.5), sleep)
        finally:
            await hook.close()
            await runner.cleanup()
        return error, bodies, slept

    error, bodies, slept = asyncio.run(run())
    assert error is None
    assert len(bodies) == 3 and all(body == b'{"id":"a1","revision":1,"severity":"high","summary":"Something happened","rule":"r"}' for body, _ in bodies)
    assert {key for _, key in bodies} == {"a1/1"}
    assert slept == [0.5, 1.0]


def test_webhook_gives_up_after_its_retries_with_the_last_error() -> None:
    async def run():
        url, bodies, runner = await serve([500] * 10)
        hook = WebhookNotifier(url, timeout=5, retries=2)
        try:
            return await deliver_with_retries(hook, ALERT, [0.0, 0.0]), len(bodies)
        finally:
            await hook.close()
            await runner.cleanup()

    error, attempts = asyncio.run(run())
    assert attempts == 3
    assert error.startswith("webhook: attempt 3 of 3 failed: HTTP 500 from http://127.0.0.1:")


def test_unreachable_webhook_is_a_failed_attempt_not_a_crash() -> None:
    hook = WebhookNotifier("http://127.0.0.1:9/hook", timeout=2, retries=0)

    async def run():
        try:
            return await deliver_with_retries(hook, ALERT, [])
        finally:
            await hook.close()

    assert "ClientConnectorError" in asyncio.run(run())


class Stuck:
    """A notifier that never answers."""

    name = "stuck"
    retries = 0

    async def deliver(self, alert: dict) -> None:
        await asyncio.Event().wait()


def test_submit_never_waits_and_a_full_queue_makes_alerts_undeliverable() -> None:
    undeliverable: list[tuple[str, str]] = []

    async def on_undeliverable(alert: dict, error: str) -> None:
        undeliverable.append((alert["id"], error))

    async def run():
        dispatcher = Dispatcher([Stuck()], queue_size=2, backoff=0.01, on_undeliverable=on_undeliverable)
        runner = asyncio.ensure_future(dispatcher.run())
        await asyncio.sleep(0)
        loop = asyncio.get_running_loop()
        started = loop.time()
        for i in range(5):  # one taken by the stuck delivery, two queued, two refused
            dispatcher.submit({**ALERT, "id": f"a{i}"})
            await asyncio.sleep(0)
        took = loop.time() - started
        await asyncio.sleep(0.05)
        runner.cancel()
        return took

    took = asyncio.run(run())
    assert took < 0.1
    assert [alert_id for alert_id, _ in undeliverable] == ["a3", "a4"]
    assert "2 alerts already wait for delivery" in undeliverable[0][1]


def test_a_failing_delivery_is_handed_over_and_the_next_alert_still_delivered(caplog) -> None:
    undeliverable: list[str] = []

    async def on_undeliverable(alert: dict, error: str) -> None:
        undeliverable.append(alert["id"])

    class FailsFirst:
        name, retries, calls = "flaky", 1, []

        async def deliver(self, alert: dict) -> None:
            self.calls.append(alert["id"])
            if alert["id"] == "bad":
                raise RuntimeError("refused")

    async def run():
        dispatcher = Dispatcher([FailsFirst(), LogNotifier()], queue_size=10, backoff=0.001, on_undeliverable=on_undeliverable)
        runner = asyncio.ensure_future(dispatcher.run())
        dispatcher.submit({**ALERT, "id": "bad"})
        dispatcher.submit({**ALERT, "id": "good"})
        await asyncio.wait_for(dispatcher.join(), 5)
        runner.cancel()

    with caplog.at_level(logging.WARNING, logger="streams.alerts"):
        asyncio.run(run())
    assert undeliverable == ["bad"]
    assert FailsFirst.calls == ["bad", "bad", "good"]
    assert "ALERT [high] good: Something happened" in caplog.text
