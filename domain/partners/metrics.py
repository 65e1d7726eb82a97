"""The follow-up engine's figures from the database, for /metrics: what waits in the outbox
and how long, how late polls are, open deadlines, and how each partner answered lately. Read
from the rows all processes share, so every API process reports the same cluster-wide view."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from domain.authorizations.deadlines import open_deadline_counts
from domain.authorizations.models import AuthorizationRequest
from domain.partners.models import (
    Exchange,
    ExchangeOutcome,
    OutboxMessage,
    OutboxStatus,
    TradingPartner,
)
from domain.partners.polling import POLLABLE
from domain.uow import UnitOfWork

RECENT = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class PartnerFigures:
    partner: str  # the partner's name (a handful per deployment: a bounded label)
    operation: str
    outcome: str
    count: int
    average_seconds: float
    max_seconds: float


@dataclass(slots=True)
class FollowUpFigures:
    outbox: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, status) -> rows
    oldest_pending_seconds: float = 0.0
    polls_due: int = 0
    oldest_due_poll_seconds: float = 0.0
    deadlines: dict[tuple[str, str], int] = field(default_factory=dict)
    partners: list[PartnerFigures] = field(default_factory=list)


def _age(now: datetime, since: datetime | None) -> float:
    return max(0.0, (now - since).total_seconds()) if since is not None else 0.0


async def followup_figures(*, uow: UnitOfWork) -> FollowUpFigures:
    now = uow.clock.now()
    figures = FollowUpFigures()
    rows = await uow.session.execute(
        select(OutboxMessage.kind, OutboxMessage.status, func.count())
        .where(OutboxMessage.status != OutboxStatus.SENT)
        .group_by(OutboxMessage.kind, OutboxMessage.status)
    )
    figures.outbox = {(kind.value, status.value): count for kind, status, count in rows}
    oldest = await uow.session.scalar(
        select(func.min(OutboxMessage.created_at)).where(
            OutboxMessage.status == OutboxStatus.PENDING
        )
    )
    figures.oldest_pending_seconds = _age(now, oldest)
    due = await uow.session.execute(
        select(func.count(), func.min(AuthorizationRequest.next_poll_at)).where(
            AuthorizationRequest.next_poll_at <= now, AuthorizationRequest.status.in_(POLLABLE)
        )
    )
    count, first_due = due.one()
    figures.polls_due, figures.oldest_due_poll_seconds = count, _age(now, first_due)
    figures.deadlines = await open_deadline_counts(uow=uow)
    recent = await uow.session.execute(
        select(
            TradingPartner.name,
            Exchange.operation,
            Exchange.outcome,
            func.count(),
            func.avg(Exchange.duration_ms),
            func.max(Exchange.duration_ms),
        )
        .join(TradingPartner, TradingPartner.id == Exchange.partner_id)
        .where(Exchange.started_at >= now - RECENT)
        .group_by(TradingPartner.name, Exchange.operation, Exchange.outcome)
    )
    figures.partners = [
        PartnerFigures(
            name,
            operation,
            outcome.value if isinstance(outcome, ExchangeOutcome) else str(outcome),
            n,
            float(avg or 0) / 1000,
            float(top or 0) / 1000,
        )
        for name, operation, outcome, n, avg, top in recent
    ]
    return figures
