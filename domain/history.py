"""Status history of every lifecycle (cases, referral recipients, authorization requests...):
from, to, action, when, by whom and why, in one table the services append to."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from domain.audit.models import AuditAction
from domain.audit.service import record_access
from domain.identity.rules import Principal
from domain.models import Base, group_by
from domain.uow import UnitOfWork


class StatusChange(Base):
    """One transition; `from_status` is None for the status a record was created in. The key
    is a counter, not a UUID, so transitions made in the same instant keep their order."""

    __tablename__ = "status_changes"
    __table_args__ = (Index("ix_status_changes_entity", "entity", "entity_id", "id"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    entity: Mapped[str] = mapped_column(String(80))
    entity_id: Mapped[uuid.UUID] = mapped_column()
    from_status: Mapped[str | None] = mapped_column(String(40))
    to_status: Mapped[str] = mapped_column(String(40))
    action: Mapped[str | None] = mapped_column(String(40))
    changed_at: Mapped[datetime] = mapped_column()
    changed_by_id: Mapped[uuid.UUID | None] = mapped_column()
    changed_by_organization_id: Mapped[uuid.UUID | None] = mapped_column()
    reason: Mapped[str | None] = mapped_column(Text)

    def copy(self) -> StatusChange:
        """The same step as a new row (a new key)."""
        names = [c.key for c in StatusChange.__table__.columns if c.key != "id"]
        return StatusChange(**{name: getattr(self, name) for name in names})


async def record_status(
    *,
    uow: UnitOfWork,
    actor: Principal | None,
    entity: str,
    entity_id: uuid.UUID,
    from_status: StrEnum | None,
    to_status: StrEnum,
    action: StrEnum | None = None,
    reason: str | None = None,
    audit: bool = True,
) -> None:
    """Append a transition to the history and, for a person's actor, to the audit trail.
    `actor` None is the system itself (expiry, a partner's answer applied by a worker)."""
    uow.session.add(
        StatusChange(
            **status_values(
                actor=actor,
                entity=entity,
                entity_id=entity_id,
                from_status=from_status,
                to_status=to_status,
                action=action,
                reason=reason,
                at=uow.clock.now(),
            )
        )
    )
    if audit and actor is not None and from_status is not None:
        await record_access(
            uow=uow,
            actor=actor,
            action=AuditAction.TRANSITION,
            entity=entity,
            entity_ids=[entity_id],
            fields=["status"],
        )


def status_values(
    *,
    actor: Principal | None,
    entity: str,
    entity_id: uuid.UUID,
    from_status: StrEnum | None,
    to_status: StrEnum,
    action: StrEnum | None = None,
    reason: str | None = None,
    at: datetime,
) -> dict[str, Any]:
    """A transition's row as `record_status` appends it, without its key (the counter's)."""
    return {
        "entity": entity,
        "entity_id": entity_id,
        "from_status": None if from_status is None else from_status.value,
        "to_status": to_status.value,
        "action": None if action is None else action.value,
        "changed_at": at,
        "changed_by_id": None if actor is None else actor.subject_id,
        "changed_by_organization_id": None if actor is None else actor.organization_id,
        "reason": reason,
    }


async def history_by_entity_ids(
    *, uow: UnitOfWork, entity: str, entity_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[StatusChange]]:
    """For a DataLoader: each record's transitions, oldest first; the caller already read the
    records through a scoped path."""
    if not entity_ids:
        return {}
    query = (
        select(StatusChange)
        .where(StatusChange.entity == entity, StatusChange.entity_id.in_(set(entity_ids)))
        .order_by(StatusChange.id)
    )
    rows = await uow.session.scalars(query)
    return group_by(rows, entity_ids, lambda row: row.entity_id)
