"""The CMS-0057-F prior-authorization figures as Prometheus gauges, refreshed from the
database when /metrics is scraped (at most every `ttl_seconds`, so a busy scraper does not
become a load test)."""

from __future__ import annotations

import time
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Gauge

from domain.authorizations.metrics import decision_figures
from domain.uow import UnitOfWork

FIGURES = {
    "submitted": "Payer requests submitted",
    "decided": "Payer requests decided",
    "approved": "Payer requests approved (fully, modified or since expired)",
    "partially_approved": "Payer requests partially approved",
    "denied": "Payer requests denied (including appeals upheld)",
    "overdue": "Payer requests waiting past their decision due time",
    "median_hours_to_decision": "Median hours from submission to decision",
    "p90_hours_to_decision": "90th percentile hours from submission to decision",
}


class PriorAuthorizationReport:
    def __init__(self, registry: CollectorRegistry, ttl_seconds: float = 30.0) -> None:
        self._gauges = {
            name: Gauge(
                f"carebridge_prior_authorization_{name}",
                help_text,
                ["payer_id", "priority"],
                registry=registry,
            )
            for name, help_text in FIGURES.items()
        }
        self._ttl = ttl_seconds
        self._refreshed = -float("inf")

    async def refresh(self, uow_factory: Callable[[], UnitOfWork]) -> None:
        if time.monotonic() - self._refreshed < self._ttl:
            return
        async with uow_factory() as uow:
            rows = await decision_figures(uow=uow, actor=None)
        for gauge in self._gauges.values():
            gauge.clear()
        for row in rows:
            labels = {"payer_id": str(row.payer_id), "priority": row.priority.value}
            for name, gauge in self._gauges.items():
                value = getattr(row, name)
                if value is not None:
                    gauge.labels(**labels).set(value)
        self._refreshed = time.monotonic()
