"""Case (seed 003) and what hangs off it: participants, case user roles, nominees per case
component, benefit assignments, periodic reviews, the case's own timeline, ownership rules."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.cases.lifecycle import (
    BenefitAssignmentStatus,
    CaseReviewStatus,
    CaseStatus,
    CaseType,
)
from domain.catalog.models import UnitOfMeasure
from domain.identity.models import enum_column
from domain.models import Base, HasId, Timestamped


class ParticipantRole(StrEnum):
    PRIMARY_CLIENT = "PRIMARY_CLIENT"
    MEMBER = "MEMBER"  # e.g. another household member in an application group
    NOMINEE = "NOMINEE"  # receives payments for a case component
    REPRESENTATIVE = "REPRESENTATIVE"
    OTHER = "OTHER"


class CaseRole(StrEnum):
    OWNER = "OWNER"  # responsible for the case's information and maintenance
    SUPERVISOR = "SUPERVISOR"  # reviews and approves what is submitted for approval
    REVIEWER = "REVIEWER"  # periodic reviews; the owner unless someone else is assigned


class DeliveryMode(StrEnum):
    """Seed 002: the agency pays the client or a nominee (product delivery), or a third-party
    provider delivers and is paid (service delivery)."""

    PRODUCT = "PRODUCT"
    SERVICE = "SERVICE"


class OwnershipStrategy(StrEnum):
    CREATOR = "CREATOR"  # the user who creates the case (the default without a rule)
    USER = "USER"  # one named user, e.g. an intake worker or a queue's holder
    LEAST_LOADED = "LEAST_LOADED"  # the agency's caseworker owning the fewest open cases


DEFAULT_COMPONENT = "DEFAULT"


class Case(HasId, Timestamped, Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_organization_id_created_at", "organization_id", "created_at"),
    )

    number: Mapped[str] = mapped_column(String(32), unique=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    case_type: Mapped[CaseType] = mapped_column(enum_column(CaseType))
    status: Mapped[CaseStatus] = mapped_column(enum_column(CaseStatus))
    parent_case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id"), index=True)
    primary_client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id"), index=True)
    title: Mapped[str | None] = mapped_column(String(200))
    program: Mapped[str | None] = mapped_column(String(100))
    created_by_id: Mapped[uuid.UUID] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class CaseParticipant(HasId, Base):
    __tablename__ = "case_participants"
    __table_args__ = (UniqueConstraint("case_id", "person_id", "role"),)

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id"), index=True)
    role: Mapped[ParticipantRole] = mapped_column(enum_column(ParticipantRole))
    started_at: Mapped[datetime] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()


class CaseUserRole(HasId, Base):
    """Who holds a case role, and since when; an ended row is the role's history."""

    __tablename__ = "case_user_roles"
    __table_args__ = (Index("ix_case_user_roles_user_id_role", "user_id", "role"),)

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    role: Mapped[CaseRole] = mapped_column(enum_column(CaseRole))
    assigned_at: Mapped[datetime] = mapped_column()
    assigned_by_id: Mapped[uuid.UUID | None] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()


class CaseNominee(HasId, Base):
    """Who receives a case component's payments; the primary client when no row is current.
    Ended rows are the component's assignment history."""

    __tablename__ = "case_nominees"

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    component: Mapped[str] = mapped_column(String(80))
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id"))
    assigned_at: Mapped[datetime] = mapped_column()
    assigned_by_id: Mapped[uuid.UUID] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()


class BenefitAssignment(HasId, Timestamped, Base):
    """A benefit from the catalog assigned to a constituent on a case."""

    __tablename__ = "benefit_assignments"

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id"), index=True)
    benefit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("benefits.id"))
    quantity: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    unit_of_measure: Mapped[UnitOfMeasure] = mapped_column(enum_column(UnitOfMeasure))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    status: Mapped[BenefitAssignmentStatus] = mapped_column(enum_column(BenefitAssignmentStatus))
    delivery_mode: Mapped[DeliveryMode] = mapped_column(enum_column(DeliveryMode))
    component: Mapped[str] = mapped_column(String(80), default=DEFAULT_COMPONENT)
    notes: Mapped[str | None] = mapped_column(Text)
    assigned_by_id: Mapped[uuid.UUID] = mapped_column()


class CaseReview(HasId, Timestamped, Base):
    __tablename__ = "case_reviews"

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[CaseReviewStatus] = mapped_column(enum_column(CaseReviewStatus))
    notes: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime | None] = mapped_column()


class CaseEvent(HasId, Base):
    """The case's timeline (seed 003's events tab): what happened on it and to what it led;
    ids and codes only."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_case_id_occurred_at", "case_id", "occurred_at"),)

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(60))
    occurred_at: Mapped[datetime] = mapped_column()
    actor_id: Mapped[uuid.UUID | None] = mapped_column()
    related_entity: Mapped[str | None] = mapped_column(String(80))
    related_id: Mapped[uuid.UUID | None] = mapped_column()
    detail: Mapped[str | None] = mapped_column(String(200))


class CaseOwnershipRule(HasId, Timestamped, Base):
    """How an agency's new cases of one type get their owner (seed 003's ownership strategy)."""

    __tablename__ = "case_ownership_rules"
    __table_args__ = (UniqueConstraint("organization_id", "case_type"),)

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    case_type: Mapped[CaseType] = mapped_column(enum_column(CaseType))
    strategy: Mapped[OwnershipStrategy] = mapped_column(enum_column(OwnershipStrategy))
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
