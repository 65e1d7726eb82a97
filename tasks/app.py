"""The Celery app: Redis as broker (the database stays the source of truth, the broker only
carries wake-ups), acknowledgement after the work so a killed worker's task is delivered again,
and beat's schedule of scans."""

from __future__ import annotations

import uuid
from typing import Any

from celery import Celery

from adapters.partners.dispatcher import OutboxDispatcher, polling_policy
from domain.partners.outbox import dispatch, due_message_ids
from domain.partners.subscriptions import queue_heartbeats
from settings import Settings
from tasks.runtime import WorkerRuntime


def create_celery(settings: Settings, runtime: WorkerRuntime | None = None) -> Celery:
    """The app with its tasks; `runtime` is built lazily in each worker process."""
    if not settings.redis_url:
        raise ValueError("Celery workers need CAREBRIDGE_REDIS_URL (the embedded mode needs none)")
    app = Celery("carebridge", broker=settings.redis_url)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue="carebridge",
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        timezone="UTC",
        beat_schedule={
            "scan-outbox": {
                "task": "carebridge.scan_outbox",
                "schedule": settings.outbox_scan_seconds,
            },
            "expire-due": {
                "task": "carebridge.expire_due",
                "schedule": settings.expiry_scan_seconds,
            },
            "alert-network-expiry": {
                "task": "carebridge.alert_network_expiry",
                "schedule": settings.expiry_scan_seconds,
            },
        },
    )
    holder: dict[str, WorkerRuntime] = {}
    if runtime is not None:
        holder["runtime"] = runtime

    def current() -> WorkerRuntime:
        if "runtime" not in holder:
            holder["runtime"] = WorkerRuntime(settings)
        return holder["runtime"]

    _register(app, current)
    return app


def _register(app: Celery, current: Any) -> None:
    @app.task(name="carebridge.dispatch_outbox")
    def dispatch_outbox(message_id: str) -> str | None:
        """Send one outbox message (nothing if it is not due or another worker holds it)."""

        runtime = current()

        async def job() -> str | None:
            async with runtime.database.uow_factory("worker")() as uow:
                status = await dispatch(
                    uow=uow,
                    message_id=uuid.UUID(message_id),
                    directory=runtime.partners,
                    policy=runtime.policy,
                    polling=polling_policy(runtime.settings),
                    notifier=runtime.notifier,
                )
            return None if status is None else status.value

        result: str | None = runtime.run(job)
        return result

    @app.task(name="carebridge.scan_outbox")
    def scan_outbox() -> int:
        """Beat's rescan: heartbeats for quiet subscriptions, then every due message, so a lost
        wake-up only delays work."""
        runtime = current()

        async def due() -> list[Any]:
            async with runtime.database.uow_factory("worker")() as uow:
                await queue_heartbeats(uow=uow)
            async with runtime.database.uow_factory("worker")() as uow:
                return await due_message_ids(uow=uow, limit=500)

        ids = runtime.run(due)
        for message_id in ids:
            dispatch_outbox(str(message_id))
        return len(ids)

    @app.task(name="carebridge.poll_due")
    def poll_due() -> int:
        """Ask the partners about the requests whose poll is due."""
        runtime = current()
        worker = OutboxDispatcher(
            runtime.database.uow_factory("worker"),
            runtime.partners,
            None,
            polling=polling_policy(runtime.settings),
        )
        asked: int = runtime.run(worker.poll_due)
        return asked

    @app.task(name="carebridge.expire_due")
    def expire_due() -> tuple[int, int]:
        """Referral recipients past their date to respond, approvals past their period."""
        runtime = current()
        worker = OutboxDispatcher(runtime.database.uow_factory("worker"), runtime.partners, None)
        totals: tuple[int, int] = runtime.run(worker.expire_due)
        return totals

    @app.task(name="carebridge.alert_network_expiry")
    def alert_network_expiry() -> int:
        """Expiring credentials and re-credentialing due dates raise network alerts."""
        runtime = current()
        worker = OutboxDispatcher(runtime.database.uow_factory("worker"), runtime.partners, None)
        raised: int = runtime.run(
            lambda: worker.alert_network_expiry(runtime.settings.network_alert_days)
        )
        return raised
