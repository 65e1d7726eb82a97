"""In production the API processes do not dispatch: after each commit that wrote an outbox
message they wake a Celery worker, and beat's rescan catches any wake-up that was lost."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from celery import Celery

from domain.partners.queue import WAKE_EVENT

log = logging.getLogger(__name__)


class CeleryWaker:
    def __init__(self, bus: Any, celery: Celery) -> None:
        self._bus = bus
        self._celery = celery
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="celery-waker")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        async with self._bus.subscribe(lambda e: e.name == WAKE_EVENT) as queue:
            while True:
                event = await queue.get()
                try:
                    await asyncio.to_thread(
                        self._celery.send_task,
                        "carebridge.dispatch_outbox",
                        args=[str(event.entity_id)],
                    )
                except Exception:
                    # The message is in the database; beat's rescan sends it.
                    log.warning("could not wake a worker; the rescan will send it")
