"""Status history, shared by every lifecycle's GraphQL type."""

from __future__ import annotations

import datetime
from typing import Self

import strawberry

from domain import history


@strawberry.type(description="One lifecycle transition: from, to, by which action, when and why.")
class StatusChange:
    from_status: str | None
    to_status: str
    action: str | None
    changed_at: datetime.datetime
    reason: str | None
    by_your_organization: bool = strawberry.field(
        description="Whether someone of your organisation made the change (false for the system)"
    )

    @classmethod
    def from_model(cls, m: history.StatusChange, organization_id: object) -> Self:
        return cls(
            from_status=m.from_status,
            to_status=m.to_status,
            action=m.action,
            changed_at=m.changed_at,
            reason=m.reason,
            by_your_organization=m.changed_by_organization_id == organization_id,
        )
