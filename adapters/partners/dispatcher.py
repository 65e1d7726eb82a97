"""The follow-up engine: outbox dispatch and status polling under each partner's rate limits,
and the periodic jobs (expiry, deadline alerts). The embedded mode runs it inside the API
process (woken by the outbox's events after commit, rescanning on an interval so a missed
wake-up only delays work); in production Celery workers call the same methods, with the
limits shared in Redis.

Every call to a partner first reserves a slot from the partner's rate limit (at most
`horizon_seconds` ahead: the call waits for it) and then holds one of its concurrent calls. A
call whose slot is further away is put back: an outbox row is deferred, a poll is due again
as it was. So a busy partner delays work, spread evenly over time, and never loses any."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

from adapters.partners.followup_metrics import FollowUpMetrics
from adapters.partners.limits import LocalRateLimiter, concurrent_call
from domain.authorizations.after_decision import expire_authorizations
from domain.authorizations.deadlines import raise_deadline_alerts
from domain.errors import DomainError
from domain.network.alerts import scan_network_expiry
from domain.partners.limits import PartnerLimits, RateLimiter
from domain.partners.models import OutboxStatus, TradingPartner
from domain.partners.outbox import (
    RetryPolicy,
    defer,
    dispatch,
    due_message,
    due_message_ids,
)
from domain.partners.polling import (
    PollClaim,
    PollingPolicy,
    claim_due_polls,
    poll_request,
    pollable_partners,
    unclaim_polls,
)
from domain.partners.ports import PartnerDirectory, SubscriptionNotifier
from domain.partners.queue import WAKE_EVENT
from domain.partners.subscriptions import queue_heartbeats
from domain.referrals.service import expire_overdue_recipients
from domain.uow import UnitOfWork
from settings import Settings

# True in the embedded worker's own tasks: what they do is not a request's (tests that count a
# request's SQL statements leave it out).
IN_BACKGROUND: ContextVar[bool] = ContextVar("carebridge_in_background", default=False)
log = logging.getLogger(__name__)

DEFAULT_CALL_SECONDS = 60.0  # a partner call's lease when its timeout is not configured


def polling_policy(settings: Settings) -> PollingPolicy:
    """The follow-up polling policy the settings ask for."""
    return PollingPolicy(
        initial=timedelta(seconds=settings.poll_initial_seconds),
        max_interval=timedelta(seconds=settings.poll_max_interval_seconds),
    )


def in_flight(settings: Settings) -> int:
    """Partner calls one process makes at once: SQLite takes one writer at a time (and a
    transaction that read before another's commit cannot write), so one there."""
    return 1 if settings.is_sqlite else 64


def limits_of(partner: TradingPartner) -> PartnerLimits:
    """The partner's limits; a record edited by hand into nonsense counts as unlimited (and is
    logged) rather than stopping its work."""
    try:
        return PartnerLimits.from_options(partner.options)
    except DomainError:
        log.warning("trading partner has invalid limits", extra={"partner": partner.name})
        return PartnerLimits()


def _lease_seconds(partner: TradingPartner) -> float:
    timeout = (partner.options or {}).get("timeout_seconds", DEFAULT_CALL_SECONDS)
    return (float(timeout) if isinstance(timeout, int | float) else DEFAULT_CALL_SECONDS) + 30


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
        network_alert_days: int = 60,
        notifier: SubscriptionNotifier | None = None,
        limiter: RateLimiter | None = None,
        metrics: FollowUpMetrics | None = None,
        horizon_seconds: float = 5.0,
        batch_size: int = 500,
        max_in_flight: int = 64,
    ) -> None:
        self._uow_factory = uow_factory
        self._directory = directory
        self._bus = bus
        self._interval = interval_seconds
        self._policy = policy or RetryPolicy()
        self._polling = polling or PollingPolicy()
        self._notifier = notifier
        self._limiter: RateLimiter = limiter or LocalRateLimiter()
        self._metrics = metrics
        self._horizon = horizon_seconds
        self._batch = batch_size
        self._in_flight = asyncio.Semaphore(max_in_flight)
        self._tasks: list[asyncio.Task[None]] = []
        self._wake = asyncio.Event()
        self._expiry_every = expiry_seconds
        self._last_expiry = -float("inf")
        self._network_alert_days = network_alert_days

    async def start(self) -> None:
        # The loops' tasks copy the context as it is here: their work is marked background.
        token = IN_BACKGROUND.set(True)
        try:
            self._tasks = [
                asyncio.create_task(self._run(), name="outbox-dispatcher"),
                asyncio.create_task(self._poll_loop(), name="follow-up-poller"),
            ]
        finally:
            IN_BACKGROUND.reset(token)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _count(self, task: str, outcome: str) -> None:
        if self._metrics is not None:
            self._metrics.tasks.labels(task, outcome).inc()

    # --- outbox ----------------------------------------------------------------------------

    async def run_once(self) -> int:
        """Dispatch every due row (paced by each partner's limits); how many were handled."""
        async with self._uow_factory() as uow:
            due = await due_message_ids(uow=uow, limit=self._batch)
        handled = await asyncio.gather(*(self._guarded_dispatch(m) for m in due))
        return sum(1 for status in handled if status is not None)

    async def _guarded_dispatch(self, message_id: Any) -> OutboxStatus | None:
        try:
            return await self.dispatch_one(message_id)
        except Exception:
            # One bad row must not stop the others; it stays PENDING and is retried.
            self._count("dispatch", "error")
            log.exception("outbox dispatch failed", extra={"message_id": str(message_id)})
            return None

    async def dispatch_one(self, message_id: Any) -> OutboxStatus | None:
        """Send one outbox message once its partner's limits allow; None when it was not due,
        another dispatcher holds it, or the partner's limit deferred it."""
        async with self._uow_factory() as uow:
            due = await due_message(uow=uow, message_id=message_id)
        if due is None:
            self._count("dispatch", "skipped")
            return None
        if due.partner is None:  # a subscription's push: the subscriber's endpoint, no limits
            async with self._in_flight, self._uow_factory() as uow:
                status = await self._dispatch(uow, message_id)
            self._count("dispatch", "skipped" if status is None else "done")
            return status
        partner = due.partner
        limits, key = limits_of(partner), str(partner.id)
        reservation = await self._limiter.reserve(key, limits, max_wait=self._horizon)
        if not reservation.granted:
            async with self._uow_factory() as uow:
                await defer(uow=uow, message_id=message_id, seconds=reservation.wait)
            self._limited(partner, "dispatch")
            self._count("dispatch", "deferred")
            return None
        await asyncio.sleep(reservation.wait)
        lease = _lease_seconds(partner)
        async with (
            self._in_flight,
            concurrent_call(self._limiter, key, limits, lease_seconds=lease),
            self._uow_factory() as uow,
        ):
            status = await self._dispatch(uow, message_id)
        self._count("dispatch", "skipped" if status is None else "done")
        return status

    async def _dispatch(self, uow: UnitOfWork, message_id: Any) -> OutboxStatus | None:
        return await dispatch(
            uow=uow,
            message_id=message_id,
            directory=self._directory,
            policy=self._policy,
            polling=self._polling,
            notifier=self._notifier,
        )

    def _limited(self, partner: TradingPartner, operation: str) -> None:
        if self._metrics is not None:
            self._metrics.limited.labels(partner.name, operation).inc()

    # --- polling ---------------------------------------------------------------------------

    async def queue_heartbeats(self) -> int:
        """Heartbeats for the quiet subscriptions that asked for them (sent by run_once)."""
        if self._notifier is None:
            return 0
        try:
            async with self._uow_factory() as uow:
                return await queue_heartbeats(uow=uow)
        except Exception:
            log.exception("heartbeat scan failed")
            return 0

    async def poll_due(self) -> int:
        """Ask the partners about every request whose poll is due, each partner at its own
        pace, until none is due or the partners' limits are booked up; how many were asked."""
        async with self._uow_factory() as uow:
            partners = await pollable_partners(uow=uow)
        asked = await asyncio.gather(*(self._poll_partner(p) for p in partners))
        return sum(asked)

    async def _poll_partner(self, partner: TradingPartner) -> int:
        limits, key = limits_of(partner), str(partner.id)
        lease = _lease_seconds(partner)
        asked = 0
        while True:
            size = min(self._batch, limits.calls_within(self._horizon, unlimited=self._batch))
            async with self._uow_factory() as uow:
                claimed = await claim_due_polls(
                    uow=uow,
                    partner_id=partner.id,
                    limit=size,
                    lease=timedelta(seconds=self._horizon + lease),
                )
            if not claimed:
                return asked
            runs: list[Awaitable[bool]] = []
            refused: list[PollClaim] = []
            for claim in claimed:
                reservation = await self._limiter.reserve(key, limits, max_wait=self._horizon)
                if reservation.granted:
                    runs.append(self._poll_one(partner, limits, claim, reservation.wait))
                else:
                    refused.append(claim)
            if refused:
                async with self._uow_factory() as uow:
                    await unclaim_polls(uow=uow, claims=refused)
                self._limited(partner, "poll")
            asked += sum(await asyncio.gather(*runs))
            if refused or len(claimed) < size:
                return asked

    async def _poll_one(
        self,
        partner: TradingPartner,
        limits: PartnerLimits,
        claim: PollClaim,
        wait: float,
    ) -> bool:
        try:
            await asyncio.sleep(wait)
            lease = _lease_seconds(partner)
            async with (
                self._in_flight,
                concurrent_call(self._limiter, str(partner.id), limits, lease_seconds=lease),
                self._uow_factory() as uow,
            ):
                if self._metrics is not None:
                    lag = (uow.clock.now() - claim.due_at).total_seconds()
                    self._metrics.poll_lag.labels(partner.name).observe(max(0.0, lag))
                status = await poll_request(
                    uow=uow,
                    request_id=claim.request_id,
                    directory=self._directory,
                    policy=self._polling,
                    claim=claim,
                )
        except Exception:
            # The claim lapses, so the poll is due again after its lease.
            self._count("poll", "error")
            log.exception("poll failed", extra={"request_id": str(claim.request_id)})
            return False
        self._count("poll", "skipped" if status is None else "done")
        return status is not None

    # --- periodic jobs ---------------------------------------------------------------------

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
        self._count("expire", "done")
        return totals[0], totals[1]

    async def alert_network_expiry(self, warn_days: int = 60) -> int:
        """Credentials past or near their expiry and re-credentialing coming due: how many
        alerts were raised (in batches, until none is left)."""
        raised = 0
        while True:
            async with self._uow_factory() as uow:
                done = await scan_network_expiry(uow=uow, warn_days=warn_days)
            raised += done
            if done == 0:
                return raised

    async def raise_deadlines(self) -> int:
        """Deadline alerts (due soon, overdue) for decisions, information requests, appeals
        and peer-to-peer reviews, in batches until none is new; how many were raised."""
        total = 0
        while True:
            async with self._uow_factory() as uow:
                raised = await raise_deadline_alerts(uow=uow)
            total += raised
            if raised == 0:
                break
        if self._metrics is not None:
            self._metrics.deadline_alerts.inc(total)
        self._count("deadlines", "done")
        return total

    async def _maybe_expire(self) -> None:
        loop = asyncio.get_running_loop()
        if loop.time() - self._last_expiry < self._expiry_every:
            return
        self._last_expiry = loop.time()
        try:
            await self.expire_due()
            await self.alert_network_expiry(self._network_alert_days)
        except Exception:
            self._count("expire", "error")
            log.exception("expiry scan failed")
        try:
            await self.raise_deadlines()
        except Exception:
            self._count("deadlines", "error")
            log.exception("deadline scan failed")

    async def _run(self) -> None:
        async with self._bus.subscribe(lambda e: e.name == WAKE_EVENT) as queue:
            waker = asyncio.create_task(self._forward(queue))
            try:
                while True:
                    await self.queue_heartbeats()
                    await self.run_once()
                    await self._maybe_expire()
                    # asyncio.timeout, not wait_for: on Python 3.11 wait_for loses a
                    # cancellation that arrives as the wake-up does, and stop() then hangs.
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(self._interval):
                            await self._wake.wait()
                    self._wake.clear()
            finally:
                waker.cancel()

    async def _poll_loop(self) -> None:
        """Polling in its own loop, so a long poll cycle never holds up the outbox."""
        while True:
            try:
                await self.poll_due()
            except Exception:
                self._count("poll", "error")
                log.exception("poll cycle failed")
            await asyncio.sleep(self._interval)

    async def _forward(self, queue: asyncio.Queue[Any]) -> None:
        while True:
            await queue.get()
            self._wake.set()
