"""Knowledge-base and taxonomy updates without downtime: `kill -HUP <worker>` reloads them.

The new `Enricher` is built in a thread, off the event loop, so messages keep flowing meanwhile;
then `app.enricher` is replaced in one assignment, so a batch sees the old or the new knowledge,
never a mix. A file that does not load keeps the old knowledge and logs the file and line.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any, Callable

from .enrich import Enricher
from .enrich.datafile import DataFileError
from .metrics import observe_reload
from .settings import Settings

log = logging.getLogger(__name__)


class KnowledgeReloader:
    """Rebuilds the enricher on request, one reload at a time, and swaps it into `target.enricher`."""

    def __init__(self, target: Any, settings: Settings, build: Callable[[Settings], Enricher]) -> None:
        self.target = target
        self.settings = settings
        self.build = build
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task] = set()

    async def reload(self) -> bool:
        """Load the knowledge files again; True when the new knowledge is in use."""
        async with self._lock:
            loop = asyncio.get_running_loop()
            try:
                enricher = await loop.run_in_executor(None, self.build, self.settings)
            except DataFileError as exc:
                observe_reload(False)
                log.error(
                    "knowledge reload failed, keeping the knowledge loaded before: %s", exc,
                    extra={"file": exc.path, "line": exc.line, "error": exc.reason},
                )
                return False
            except Exception as exc:  # any other failure must not stop the worker either
                observe_reload(False)
                log.exception("knowledge reload failed, keeping the knowledge loaded before: %s", exc)
                return False
            self.target.enricher = enricher
            observe_reload(True)
            log.info("knowledge reloaded: %d knowledge-base records", len(enricher.kb))
            return True

    def request(self) -> None:
        """Start a reload from a signal handler; keeps a reference so the task is not collected."""
        task = asyncio.get_running_loop().create_task(self.reload())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def install(self, loop: asyncio.AbstractEventLoop) -> None:
        """Reload on SIGHUP."""
        loop.add_signal_handler(signal.SIGHUP, self.request)
