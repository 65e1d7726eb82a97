"""The embedded mode's worker, inside the API process: the outbox dispatcher, woken by the
outbox's events after commit and rescanning on an interval so that a missed wake-up only delays
work, and the expiry of referral recipients and approvals on their dates. In production Celery
workers run the same domain functions."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from domain.authorizations.after_decision import expire_authorizations
from domain.partners.outbox import WAKE_EVENT, RetryPolicy, dispatch, due_message_ids
from domain.partners.polling import PollingPolicy, due_polls, poll_request
from domain.partners.ports import PartnerDirectory
from domain.referrals.service import expire_overdue_recipients
from domain.uow import UnitOfWork
from settings import Settings

log = logging.getLogger(__name__)


def polling_policy(settings: Settings) -> PollingPolicy:
    """The follow-up polling policy the settings ask for."""
    return PollingPolicy(
        initial=timedelta(seconds=settings.poll_initial_seconds),
        max_interval=timedelta(seconds=settings.poll_max_interval_seconds),
    )


class OutboxDispatcher:
    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        directory: PartnerDirectory,
        bus: Any,
        *,
        interval_seconds: float = 5.0,
        expiry_seconds: float = 300.0,
        policy: RetryPolicy | None = None,
        polling: PollingPolicy | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._directory = directory
        self._bus = bus
        self._interval = interval_seconds
        self._policy = policy or RetryPolicy()
        self._polling = polling or PollingPolicy()
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._expiry_every = expiry_seconds
        self._last_expiry = -float("inf")

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
                        polling=self._polling,
                    ):
                        handled += 1
            except Exception:
                # One bad row must not stop the others; it stays PENDING and is retried.
                log.exception("outbox dispatch failed", extra={"message_id": str(message_id)})
        return handled

    async def poll_due(self) -> int:
        """Ask the partners about every request whose poll is due; how many were asked."""
        async with self._uow_factory() as uow:
            due = await due_polls(uow=uow)
        asked = 0
        for request_id in due:
            try:
                async with self._uow_factory() as uow:
                    if await poll_request(
                        uow=uow,
                        request_id=request_id,
                        directory=self._directory,
                        policy=self._polling,
                    ):
                        asked += 1
            except Exception:
                log.exception("poll failed", extra={"request_id": str(request_id)})
        return asked

    async def expire_due(self) -> tuple[int, int]:
        """Referral recipients past their date to respond, approvals past their period: how
        many of each expired (in batches, until none is left)."""
        totals = [0, 0]
        for index, job in enumerate((expire_overdue_recipients, expire_authorizations)):
            while True:
                async with self._uow_factory() as uow:
                    done = await job(uow=uow)
                totals[index] += done
                if done == 0:
                    break
        return totals[0], totals[1]

    async def _maybe_expire(self) -> None:
        loop = asyncio.get_running_loop()
        if loop.time() - self._last_expiry < self._expiry_every:
            return
        self._last_expiry = loop.time()
        try:
            await self.expire_due()
        except Exception:
            log.exception("expiry scan failed")

    async def _run(self) -> None:
        async with self._bus.subscribe(lambda e: e.name == WAKE_EVENT) as queue:
            waker = asyncio.create_task(self._forward(queue))
            try:
                while True:
                    await self.run_once()
                    await self.poll_due()
                    await self._maybe_expire()
                    # asyncio.timeout, not wait_for: on Python 3.11 wait_for loses a
                    # cancellation that arrives as the wake-up does, and stop() then hangs.
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(self._interval):
                            await self._wake.wait()
                    self._wake.clear()
            finally:
                waker.cancel()

    async def _forward(self, queue: asyncio.Queue[Any]) -> None:
        while True:
            await queue.get()
            self._wake.set()
