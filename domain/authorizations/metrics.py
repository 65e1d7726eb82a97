"""The CMS-0057-F reporting figures of prior authorization: per payer and priority, how many
requests were decided, approved and denied, how long decisions took, and how many are overdue.
The payer's view covers the requests it decides; a provider's, those it made."""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from domain.authorizations.lifecycle import AuthorizationStatus
from domain.authorizations.models import AuthorizationRequest, AuthorizerKind, Priority
from domain.authorizations.worklist import WAITING
from domain.clock import require_aware
from domain.identity.rules import Principal
from domain.uow import UnitOfWork

APPROVED = frozenset(
    {AuthorizationStatus.APPROVED, AuthorizationStatus.MODIFIED, AuthorizationStatus.EXPIRED}
)
DENIED = frozenset({AuthorizationStatus.DENIED, AuthorizationStatus.UPHELD})


@dataclass(frozen=True, slots=True)
class DecisionFigures:
    payer_id: uuid.UUID
    priority: Priority
    submitted: int
    decided: int
    approved: int
    partially_approved: int
    denied: int
    overdue: int
    median_hours_to_decision: float | None
    p90_hours_to_decision: float | None

    @property
    def approval_rate(self) -> float | None:
        return (
            None if not self.decided else (self.approved + self.partially_approved) / self.decided
        )

    @property
    def denial_rate(self) -> float | None:
        return None if not self.decided else self.denied / self.decided


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile of sorted `values`."""
    if not values:
        return None
    rank = max(1, math.ceil(share * len(values)))
    return values[rank - 1]


def figures(
    rows: Iterable[
        tuple[
            uuid.UUID,
            Priority,
            AuthorizationStatus,
            datetime | None,
            datetime | None,
            datetime | None,
        ]
    ],
    now: datetime,
) -> list[DecisionFigures]:
    """Rows are (payer, priority, status, received_at, decided_at, decision_due_at)."""
    groups: dict[
        tuple[uuid.UUID, Priority],
        list[tuple[AuthorizationStatus, datetime | None, datetime | None, datetime | None]],
    ] = defaultdict(list)
    for payer, priority, status, received, decided, due in rows:
        groups[(payer, priority)].append((status, received, decided, due))
    result = []
    for (payer, priority), items in sorted(
        groups.items(), key=lambda kv: (str(kv[0][0]), kv[0][1].value)
    ):
        hours = sorted(
            (decided - received).total_seconds() / 3600
            for _, received, decided, _ in items
            if received and decided
        )
        result.append(
            DecisionFigures(
                payer_id=payer,
                priority=priority,
                submitted=sum(1 for _, received, _, _ in items if received),
                decided=len(hours),
                approved=sum(1 for s, *_ in items if s in APPROVED),
                partially_approved=sum(
                    1 for s, *_ in items if s is AuthorizationStatus.PARTIALLY_APPROVED
                ),
                denied=sum(1 for s, *_ in items if s in DENIED),
                overdue=sum(
                    1 for s, _, _, due in items if s in WAITING and due is not None and due < now
                ),
                median_hours_to_decision=percentile(hours, 0.5),
                p90_hours_to_decision=percentile(hours, 0.9),
            )
        )
    return result


async def decision_figures(
    *,
    uow: UnitOfWork,
    actor: Principal | None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[DecisionFigures]:
    """Payer requests received in [since, until); `actor` None is the operator's whole view."""
    require_aware(since, "since")
    require_aware(until, "until")
    query = select(
        AuthorizationRequest.authorizer_organization_id,
        AuthorizationRequest.priority,
        AuthorizationRequest.status,
        AuthorizationRequest.received_at,
        AuthorizationRequest.decided_at,
        AuthorizationRequest.decision_due_at,
    ).where(
        AuthorizationRequest.authorizer_kind == AuthorizerKind.PAYER,
        AuthorizationRequest.received_at.is_not(None),
    )
    if actor is not None:
        query = query.where(
            or_(
                AuthorizationRequest.requesting_organization_id == actor.organization_id,
                AuthorizationRequest.authorizer_organization_id == actor.organization_id,
            )
        )
    if since:
        query = query.where(AuthorizationRequest.received_at >= since)
    if until:
        query = query.where(AuthorizationRequest.received_at < until)
    # Six narrow columns a row; a server-side cursor would need a transaction, and the read
    # path runs without one.
    rows = (await uow.session.execute(query)).all()
    return figures([tuple(row) for row in rows], uow.clock.now())
