"""The CMS-0057-F reporting figures, for the organisation's own requests."""

from __future__ import annotations

import datetime

import strawberry
from strawberry.types import Info

from domain.authorizations.metrics import DecisionFigures, decision_figures
from domain.authorizations.models import Priority
from domain.authorizations.worklist import WORKLIST_ROLES
from domain.identity.rules import require_role
from resolvers.outcome import read_only
from schema.context import Context
from schema.identity import Organization
from schema.permissions import signed_in


@strawberry.type(description="Decisions of one payer at one priority (CMS-0057-F figures).")
class AuthorizationMetric:
    priority: Priority
    submitted: int
    decided: int
    approved: int
    partially_approved: int
    denied: int
    overdue: int
    approval_rate: float | None
    denial_rate: float | None
    median_hours_to_decision: float | None
    p90_hours_to_decision: float | None
    payer_key: strawberry.Private[object]

    @strawberry.field
    async def payer(self, info: Info) -> Organization:
        return Organization.from_model(await info.context.loaders.organization.load(self.payer_key))

    @classmethod
    def from_figures(cls, f: DecisionFigures) -> AuthorizationMetric:
        return cls(
            priority=f.priority,
            submitted=f.submitted,
            decided=f.decided,
            approved=f.approved,
            partially_approved=f.partially_approved,
            denied=f.denied,
            overdue=f.overdue,
            approval_rate=f.approval_rate,
            denial_rate=f.denial_rate,
            median_hours_to_decision=f.median_hours_to_decision,
            p90_hours_to_decision=f.p90_hours_to_decision,
            payer_key=f.payer_id,
        )


@strawberry.type
class ReportingQuery:
    @strawberry.field(
        extensions=signed_in(*WORKLIST_ROLES),
        description="Per payer and priority: volumes, approval and denial rates, time to"
        " decision, overdue; requests received in [since, until).",
    )
    async def authorization_metrics(
        self,
        info: Info[Context, None],
        since: datetime.datetime | None = None,
        until: datetime.datetime | None = None,
    ) -> list[AuthorizationMetric]:
        async def use_case(uow, actor):  # type: ignore[no-untyped-def]
            require_role(actor, *WORKLIST_ROLES)
            return await decision_figures(uow=uow, actor=actor, since=since, until=until)

        rows = await read_only(info, use_case)
        return [AuthorizationMetric.from_figures(r) for r in rows]
