"""The exchange log: one row per attempt to talk to a partner, with how long it took and how it
went (codes only, never a message's content)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime

from domain.partners.models import Exchange, ExchangeOutcome
from domain.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Attempt:
    """When an attempt started, by the clock (for people) and the monotonic timer (for its
    duration)."""

    started_at: datetime
    began: float

    @classmethod
    def start(cls, uow: UnitOfWork) -> Attempt:
        return cls(uow.clock.now(), time.monotonic())


def log_exchange(
    uow: UnitOfWork,
    attempt: Attempt,
    *,
    request_id: uuid.UUID,
    partner_id: uuid.UUID,
    operation: str,
    outcome: ExchangeOutcome,
    detail: str,
    idempotency_key: uuid.UUID | None = None,
    direction: str = "OUTBOUND",
) -> None:
    uow.session.add(
        Exchange(
            request_id=request_id,
            partner_id=partner_id,
            direction=direction,
            operation=operation,
            idempotency_key=idempotency_key,
            outcome=outcome,
            started_at=attempt.started_at,
            duration_ms=int((time.monotonic() - attempt.began) * 1000),
            detail=detail[:500],
        )
    )
