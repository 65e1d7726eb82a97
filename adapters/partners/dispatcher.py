"""The in-process outbox dispatcher of the embedded mode: woken by the outbox's events after
commit, and rescanning on an interval so that a missed wake-up only delays work. In production
Celery workers do the same with the same domain function (`domain.partners.outbox.dispatch`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from domain.partners.outbox import WAKE_EVENT, RetryPolicy, dispatch, due_message_ids
from domain.partners.ports import PartnerDirectory
from domain.uow import UnitOfWork

log = logging.getLogger(__name__)


class OutboxDispatcher:
    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        directory: PartnerDirectory,
        bus: Any,
        *,
        interval_seconds: float = 5.0,
        policy: RetryPolicy | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._directory = directory
        self._bus = bus
        self._interval = interval_seconds
        self._policy = policy or RetryPolicy()
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-dispatcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def run_once(self) -> int:
        """Dispatch every due row; how many were handled."""
        async with self._uow_factory() as uow:
            due = await due_message_ids(uow=uow)
        handled = 0
        for message_id in due:
            try:
                async with self._uow_factory() as uow:
                    if await dispatch(
                        uow=uow,
                        message_id=message_id,
                        directory=self._directory,
                        policy=self._policy,
                    ):
                        handled += 1
            except Exception:
                # One bad row must not stop the others; it stays PENDING and is retried.
                log.exception("outbox dispatch failed", extra={"message_id": str(message_id)})
        return handled

    async def _run(self) -> None:
        async with self._bus.subscribe(lambda e: e.name == WAKE_EVENT) as queue:
            waker = asyncio.create_task(self._forward(queue))
            try:
                while True:
                    await self.run_once()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self._interval)
                    self._wake.clear()
            finally:
                waker.cancel()

    async def _forward(self, queue: asyncio.Queue[Any]) -> None:
        while True:
            await queue.get()
            self._wake.set()
