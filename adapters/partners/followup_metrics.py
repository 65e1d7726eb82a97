"""The follow-up engine's own metrics, counted where the work runs (the API process in the
embedded mode; each Celery worker otherwise, served by `carebridge worker --metrics-port`).
Labels are bounded: task names, outcomes and partner names, never a request's identifier."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

LAG_BUCKETS = (0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, float("inf"))


class FollowUpMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.tasks = Counter(
            "carebridge_followup_tasks_total",
            "Follow-up work items by task (dispatch, poll, expire, deadlines) and outcome "
            "(done, skipped, deferred, error)",
            ["task", "outcome"],
            registry=registry,
        )
        self.poll_lag = Histogram(
            "carebridge_poll_lag_seconds",
            "Seconds between a request's next_poll_at and the poll that asked its partner",
            ["partner"],
            buckets=LAG_BUCKETS,
            registry=registry,
        )
        self.deadline_alerts = Counter(
            "carebridge_deadline_alerts_raised_total",
            "Deadline alerts raised (each once: due soon, then overdue)",
            registry=registry,
        )
        self.limited = Counter(
            "carebridge_partner_rate_limited_total",
            "Calls a partner's rate limit delayed past the current scan (rescheduled, not lost)",
            ["partner", "operation"],
            registry=registry,
        )
