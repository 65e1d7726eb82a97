"""Person, PersonIdentifier, PersonOrganization (who may see the record) and Coverage."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.identity.models import enum_column
from domain.models import Base, HasId, Timestamped


class Sex(StrEnum):
    FEMALE = "FEMALE"
    MALE = "MALE"
    OTHER = "OTHER"
    UNKNOWN = "UNKNOWN"


class IdentifierSystem(StrEnum):
    """Kinds of person identifier; values are matched exactly within a system."""

    CONSTITUENT_NUMBER = "CONSTITUENT_NUMBER"
    MEDICAID_ID = "MEDICAID_ID"
    MEDICARE_ID = "MEDICARE_ID"
    MEDICAL_RECORD_NUMBER = "MEDICAL_RECORD_NUMBER"
    MEMBER_ID = "MEMBER_ID"
    STATE_ID = "STATE_ID"
    OTHER = "OTHER"


class AccessReason(StrEnum):
    """Why an organisation may see a person's record."""

    REGISTERED = "REGISTERED"
    REFERRAL = "REFERRAL"
    AUTHORIZATION = "AUTHORIZATION"
    COVERAGE = "COVERAGE"


class CoverageStatus(StrEnum):
    ACTIVE = "ACTIVE"
    CANCELLED = "CANCELLED"
    ENTERED_IN_ERROR = "ENTERED_IN_ERROR"


class Person(HasId, Timestamped, Base):
    __tablename__ = "persons"
    __table_args__ = (Index("ix_persons_family_given", "family_name", "given_name"),)

    given_name: Mapped[str] = mapped_column(String(100))
    middle_name: Mapped[str | None] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[Sex] = mapped_column(enum_column(Sex), default=Sex.UNKNOWN)
    preferred_language: Mapped[str | None] = mapped_column(String(35))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    address_line1: Mapped[str | None] = mapped_column(String(200))
    address_line2: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str | None] = mapped_column(String(50))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(2))
    latitude: Mapped[float | None] = mapped_column()
    longitude: Mapped[float | None] = mapped_column()
    registered_by_organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id"), index=True
    )


class PersonIdentifier(HasId, Base):
    """An identifier as one organisation recorded it: unique within that organisation, so
    a duplicate check never reveals another organisation's records."""

    __tablename__ = "person_identifiers"
    __table_args__ = (
        UniqueConstraint("organization_id", "system", "value"),
        Index("ix_person_identifiers_value", "value"),
    )

    person_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), index=True
    )
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    system: Mapped[IdentifierSystem] = mapped_column(enum_column(IdentifierSystem))
    value: Mapped[str] = mapped_column(String(80))


class PersonOrganization(Base):
    """An organisation may see a person while a row links them (registration, referral...)."""

    __tablename__ = "person_organizations"

    person_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True
    )
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id"), primary_key=True, index=True
    )
    reason: Mapped[AccessReason] = mapped_column(enum_column(AccessReason))
    granted_at: Mapped[datetime] = mapped_column()


class Coverage(HasId, Timestamped, Base):
    """A person's membership in a payer's plan."""

    __tablename__ = "coverages"
    __table_args__ = (UniqueConstraint("person_id", "payer_organization_id", "member_id"),)

    person_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), index=True
    )
    payer_organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id"), index=True
    )
    member_id: Mapped[str] = mapped_column(String(80))
    group_number: Mapped[str | None] = mapped_column(String(80))
    plan_name: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    status: Mapped[CoverageStatus] = mapped_column(
        enum_column(CoverageStatus), default=CoverageStatus.ACTIVE
    )
