"""What a worker process needs, built once per process: its own event loop, database engine
and partner adapters. Celery runs tasks synchronously; each runs on this loop."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from adapters.fhir.notifier import HttpSubscriptionNotifier
from adapters.partners.directory import PartnerRegistry
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
        self.database = Database(create_engine(settings), clock=clock or SystemClock(), bus=None)
        self.partners = PartnerRegistry()
        self.notifier = HttpSubscriptionNotifier.from_settings(settings)
        self.policy = RetryPolicy()

    def run(self, job: Callable[[], Awaitable[T]]) -> T:
        return self.loop.run_until_complete(job())

    def close(self) -> None:
        self.loop.run_until_complete(self.database.dispose())
        self.loop.close()
