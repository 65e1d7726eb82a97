"""The Celery app: Redis as broker (the database stays the source of truth, the broker only
carries wake-ups), acknowledgement after the work so a killed worker's task is delivered again,
and beat's schedule of scans."""

from __future__ import annotations

import uuid
from typing import Any

import billiard
from celery import Celery
from prometheus_client import start_http_server

from domain.partners.outbox import due_message_ids
from domain.partners.subscriptions import queue_heartbeats
from settings import Settings
from tasks.runtime import WorkerRuntime


def create_celery(settings: Settings, runtime: WorkerRuntime | None = None) -> Celery:
    """The app with its tasks; `runtime` is built lazily in each worker process."""
    if not settings.redis_url:
        raise ValueError("Celery workers need CAREBRIDGE_REDIS_URL (the embedded mode needs none)")
    app = Celery("carebridge", broker=settings.redis_url, set_as_current=False)
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
            "poll-due": {
                "task": "carebridge.poll_due",
                "schedule": settings.outbox_scan_seconds,
            },
            "raise-deadlines": {
                "task": "carebridge.raise_deadlines",
                "schedule": settings.expiry_scan_seconds,
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
            holder["runtime"] = runtime = WorkerRuntime(settings)
            if settings.worker_metrics_port:
                _serve_metrics(runtime, settings.worker_metrics_port)
        return holder["runtime"]

    _register(app, current)
    return app


def _serve_metrics(runtime: WorkerRuntime, port: int) -> None:
    """This worker process's /metrics: process i of a prefork pool serves on port + i."""
    index = getattr(billiard.current_process(), "index", 0) or 0
    start_http_server(port + int(index), addr="0.0.0.0", registry=runtime.registry)  # noqa: S104


def _register(app: Celery, current: Any) -> None:
    @app.task(name="carebridge.dispatch_outbox", shared=False)
    def dispatch_outbox(message_id: str) -> str | None:
        """Send one outbox message once its partner's limits allow (nothing if it is not due,
        another worker holds it, or the limit deferred it to a later rescan)."""
        runtime = current()

        async def job() -> str | None:
            status = await runtime.engine.dispatch_one(uuid.UUID(message_id))
            return None if status is None else status.value

        result: str | None = runtime.run(job)
        return result

    @app.task(name="carebridge.scan_outbox", shared=False)
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
            app.send_task("carebridge.dispatch_outbox", args=[str(message_id)])
        return len(ids)

    @app.task(name="carebridge.poll_due", shared=False)
    def poll_due() -> int:
        """Ask the partners about the requests whose poll is due, at each partner's pace."""
        asked: int = current().run(current().engine.poll_due)
        return asked

    @app.task(name="carebridge.raise_deadlines", shared=False)
    def raise_deadlines() -> int:
        """Due-soon and overdue alerts, each raised once."""
        raised: int = current().run(current().engine.raise_deadlines)
        return raised

    @app.task(name="carebridge.expire_due", shared=False)
    def expire_due() -> tuple[int, int]:
        """Referral recipients past their date to respond, approvals past their period."""
        totals: tuple[int, int] = current().run(current().engine.expire_due)
        return totals

    @app.task(name="carebridge.alert_network_expiry", shared=False)
    def alert_network_expiry() -> int:
        """Expiring credentials and re-credentialing due dates raise network alerts."""
        runtime = current()
        raised: int = runtime.run(
            lambda: runtime.engine.alert_network_expiry(runtime.settings.network_alert_days)
        )
        return raised
