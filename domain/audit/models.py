"""AuditEvent: who read or changed which record, when, under which correlation id."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Index, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.identity.models import enum_column
from domain.models import Base, HasId


class AuditAction(StrEnum):
    READ = "READ"
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DELETE = "DELETE"
    TRANSITION = "TRANSITION"


# The records of an event that concerns several (a page of a list), as the hex of their ids:
# a JSON array on SQLite, JSONB with a GIN index on PostgreSQL (`@>` finds an id).
ENTITY_IDS = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


class AuditEvent(HasId, Base):
    """Holds ids and field names only, never the values of a person's data.

    An event concerns one record (`entity_id`) or, like a FHIR AuditEvent of a query, several
    of one kind read at once (`entity_ids`: a page of a list, read in one go); exactly one of
    the two is set. `record_ids` gives them alike."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_entity", "entity", "entity_id"),
        Index("ix_audit_events_occurred_at_id", "occurred_at", "id"),
        Index(
            "ix_audit_events_entity_ids",
            "entity_ids",
            postgresql_using="gin",
            postgresql_ops={"entity_ids": "jsonb_path_ops"},
        ),
        CheckConstraint("(entity_id IS NULL) <> (entity_ids IS NULL)", name="one_or_many"),
    )

    occurred_at: Mapped[datetime] = mapped_column()
    actor_id: Mapped[uuid.UUID] = mapped_column()
    actor_is_machine: Mapped[bool] = mapped_column(default=False)
    organization_id: Mapped[uuid.UUID] = mapped_column(index=True)
    action: Mapped[AuditAction] = mapped_column(enum_column(AuditAction))
    entity: Mapped[str] = mapped_column(String(80))
    entity_id: Mapped[uuid.UUID | None] = mapped_column()
    entity_ids: Mapped[list[str] | None] = mapped_column(ENTITY_IDS)
    correlation_id: Mapped[str | None] = mapped_column(String(64))
    fields: Mapped[list[str] | None] = mapped_column(JSON)

    @property
    def record_ids(self) -> list[uuid.UUID]:
        """Every record the event concerns, in the order they were read (for a reader outside
        the actor's organisation, only those of its own people: see `shown_to`)."""
        if self.entity_id is not None:
            return [self.entity_id]
        ids = [uuid.UUID(hex_id) for hex_id in self.entity_ids or ()]
        shown = getattr(self, "_shown", None)
        return ids if shown is None else [i for i in ids if i in shown]

    def shown_to(self, records: set[uuid.UUID]) -> None:
        """Only these of its records are named to this reader (not stored)."""
        self._shown = records
