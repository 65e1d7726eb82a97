"""The CMS-0057-F prior-authorization figures and the follow-up engine's figures as Prometheus
gauges, refreshed from the database when /metrics is scraped (at most every `ttl_seconds`, so a
busy scraper does not become a load test)."""

from __future__ import annotations

import time
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Gauge

from domain.authorizations.metrics import decision_figures
from domain.partners.metrics import followup_figures
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


class _Report:
    """Gauges refreshed from the database at most every `ttl_seconds`."""

    _ttl: float
    _refreshed: float = -float("inf")

    async def refresh(self, uow_factory: Callable[[], UnitOfWork]) -> None:
        if time.monotonic() - self._refreshed < self._ttl:
            return
        async with uow_factory() as uow:
            await self._update(uow)
        self._refreshed = time.monotonic()

    async def _update(self, uow: UnitOfWork) -> None:
        raise NotImplementedError


class PriorAuthorizationReport(_Report):
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

    async def _update(self, uow: UnitOfWork) -> None:
        rows = await decision_figures(uow=uow, actor=None)
        for gauge in self._gauges.values():
            gauge.clear()
        for row in rows:
            labels = {"payer_id": str(row.payer_id), "priority": row.priority.value}
            for name, gauge in self._gauges.items():
                value = getattr(row, name)
                if value is not None:
                    gauge.labels(**labels).set(value)


class FollowUpReport(_Report):
    """Outbox depth and age, poll lag, open deadlines, and each partner's recent latency and
    outcomes. Labels: kinds, statuses, stages, partner names and operations; no identifiers."""

    def __init__(self, registry: CollectorRegistry, ttl_seconds: float = 15.0) -> None:
        def gauge(name: str, text: str, labels: tuple[str, ...] = ()) -> Gauge:
            return Gauge(f"carebridge_{name}", text, list(labels), registry=registry)

        self.outbox = gauge(
            "outbox_messages",
            "Outbox rows not yet sent, by kind and status (PENDING: waiting; FAILED: given up)",
            ("kind", "status"),
        )
        self.oldest = gauge(
            "outbox_oldest_pending_age_seconds", "Age of the oldest PENDING outbox row"
        )
        self.polls_due = gauge(
            "polls_due", "Requests whose follow-up poll is due and not yet asked"
        )
        self.poll_lag = gauge(
            "poll_oldest_due_age_seconds", "How long the most overdue follow-up poll has waited"
        )
        self.deadlines = gauge(
            "deadlines_open",
            "Open deadlines by kind and stage (DUE_SOON, OVERDUE)",
            ("kind", "stage"),
        )
        labels = ("partner", "operation", "outcome")
        self.exchanges = gauge(
            "partner_exchanges_recent",
            "Exchanges with each partner in the last 5 minutes, by operation and outcome",
            labels,
        )
        self.latency_avg = gauge(
            "partner_latency_recent_avg_seconds",
            "Average duration of the last 5 minutes' exchanges",
            labels,
        )
        self.latency_max = gauge(
            "partner_latency_recent_max_seconds",
            "Longest of the last 5 minutes' exchanges",
            labels,
        )
        self.errors = gauge(
            "partner_error_ratio_recent",
            "Share of each partner's last 5 minutes' exchanges that failed or will be retried",
            ("partner",),
        )
        self._ttl = ttl_seconds

    async def _update(self, uow: UnitOfWork) -> None:
        figures = await followup_figures(uow=uow)
        for metric in (
            self.outbox,
            self.deadlines,
            self.exchanges,
            self.latency_avg,
            self.latency_max,
            self.errors,
        ):
            metric.clear()
        for (kind, status), count in figures.outbox.items():
            self.outbox.labels(kind, status).set(count)
        self.oldest.set(figures.oldest_pending_seconds)
        self.polls_due.set(figures.polls_due)
        self.poll_lag.set(figures.oldest_due_poll_seconds)
        for (kind, stage), count in figures.deadlines.items():
            self.deadlines.labels(kind, stage).set(count)
        totals: dict[str, list[int]] = {}
        for row in figures.partners:
            labels = (row.partner, row.operation, row.outcome)
            self.exchanges.labels(*labels).set(row.count)
            self.latency_avg.labels(*labels).set(row.average_seconds)
            self.latency_max.labels(*labels).set(row.max_seconds)
            seen = totals.setdefault(row.partner, [0, 0])
            seen[0] += row.count
            seen[1] += row.count if row.outcome != "SUCCEEDED" else 0
        for partner, (count, failed) in totals.items():
            self.errors.labels(partner).set(failed / count if count else 0.0)
