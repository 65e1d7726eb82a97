"""AuditEvent: who read or changed which record, when, under which correlation id."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from domain.identity.models import enum_column
from domain.models import Base, HasId


class AuditAction(StrEnum):
    READ = "READ"
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DELETE = "DELETE"
    TRANSITION = "TRANSITION"


class AuditEvent(HasId, Base):
    """Holds ids and field names only, never the values of a person's data."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_entity", "entity", "entity_id"),
        Index("ix_audit_events_occurred_at_id", "occurred_at", "id"),
    )

    occurred_at: Mapped[datetime] = mapped_column()
    actor_id: Mapped[uuid.UUID] = mapped_column()
    actor_is_machine: Mapped[bool] = mapped_column(default=False)
    organization_id: Mapped[uuid.UUID] = mapped_column(index=True)
    action: Mapped[AuditAction] = mapped_column(enum_column(AuditAction))
    entity: Mapped[str] = mapped_column(String(80))
    entity_id: Mapped[uuid.UUID] = mapped_column()
    correlation_id: Mapped[str | None] = mapped_column(String(64))
    fields: Mapped[list[str] | None] = mapped_column(JSON)
