"""What a worker process needs, built once per process: its own event loop, database engine,
partner adapters, the rate limiter shared through Redis, its metrics, and the follow-up engine
that uses them. Celery runs tasks synchronously; each runs on this loop."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from prometheus_client import CollectorRegistry

from adapters.fhir.notifier import HttpSubscriptionNotifier
from adapters.partners.directory import PartnerRegistry
from adapters.partners.dispatcher import OutboxDispatcher, in_flight, polling_policy
from adapters.partners.followup_metrics import FollowUpMetrics
from adapters.partners.limits import LocalRateLimiter, RedisRateLimiter
from db.engine import create_engine
from db.uow import Database
from domain.clock import Clock, SystemClock
from domain.partners.outbox import RetryPolicy
from settings import Settings

T = TypeVar("T")


class WorkerRuntime:
    def __init__(self, settings: Settings, *, clock: Clock | None = None) -> None:
        self.settings = settings
        self.loop = asyncio.new_event_loop()
        self.database = Database(
            create_engine(settings),
            clock=clock or SystemClock(),
            bus=None,
            max_concurrent_units=settings.database_pool_size + settings.database_max_overflow,
        )
        self.partners = PartnerRegistry()
        self.notifier = HttpSubscriptionNotifier.from_settings(settings)
        self.policy = RetryPolicy()
        self.registry = CollectorRegistry()
        self.metrics = FollowUpMetrics(self.registry)
        self.limiter = (
            RedisRateLimiter(settings.redis_url) if settings.redis_url else LocalRateLimiter()
        )
        self.engine = OutboxDispatcher(
            self.database.uow_factory("worker"),
            self.partners,
            None,
            expiry_seconds=settings.expiry_scan_seconds,
            policy=self.policy,
            polling=polling_policy(settings),
            limiter=self.limiter,
            metrics=self.metrics,
            horizon_seconds=settings.rate_limit_horizon_seconds,
            max_in_flight=in_flight(settings),
            network_alert_days=settings.network_alert_days,
            notifier=self.notifier,
        )

    def run(self, job: Callable[[], Awaitable[T]]) -> T:
        return self.loop.run_until_complete(job())

    def close(self) -> None:
        if isinstance(self.limiter, RedisRateLimiter):
            self.loop.run_until_complete(self.limiter.aclose())
        self.loop.run_until_complete(self.database.dispose())
        self.loop.close()
