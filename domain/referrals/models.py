"""Referral of a constituent, for an assigned benefit, to one or more providers at once, and
each provider's recipient record."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.identity.models import enum_column
from domain.models import Base, HasId, Timestamped
from domain.referrals.lifecycle import ReferralRecipientStatus


class Urgency(StrEnum):
    ROUTINE = "ROUTINE"
    URGENT = "URGENT"
    EMERGENCY = "EMERGENCY"


class ReferralStatus(StrEnum):
    OPEN = "OPEN"  # providers are answering or the caseworker is choosing
    CLOSED = "CLOSED"  # a provider was authorized, every answer is in, or the case closed


class ReferralAuthorizationStatus(StrEnum):
    """How far the agency's authorization of the referral has come (seed 000 step 3)."""

    SUBMITTED = "SUBMITTED"  # a provider asked for authorization
    IN_REVIEW = "IN_REVIEW"  # the caseworker is reviewing (a request is pended)
    AUTHORIZED = "AUTHORIZED"  # one provider was authorized
    REJECTED = "REJECTED"  # every request ended without an authorization


class Referral(HasId, Timestamped, Base):
    __tablename__ = "referrals"
    __table_args__ = (
        Index("ix_referrals_organization_id_created_at", "organization_id", "created_at"),
    )

    number: Mapped[str] = mapped_column(String(32), unique=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), index=True)
    benefit_assignment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("benefit_assignments.id"), index=True
    )
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id"), index=True)
    benefit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("benefits.id"))
    referred_by_id: Mapped[uuid.UUID] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    urgency: Mapped[Urgency] = mapped_column(enum_column(Urgency))
    notes: Mapped[str | None] = mapped_column(Text)
    consent_given: Mapped[bool] = mapped_column()
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    respond_by: Mapped[datetime] = mapped_column()
    status: Mapped[ReferralStatus] = mapped_column(enum_column(ReferralStatus))
    authorization_status: Mapped[ReferralAuthorizationStatus | None] = mapped_column(
        enum_column(ReferralAuthorizationStatus)
    )
    closed_at: Mapped[datetime | None] = mapped_column()
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class ReferralRecipient(HasId, Timestamped, Base):
    """One provider's copy of a referral and its answer. `provider_organization_id` is the
    organisation whose staff may see and answer it."""

    __tablename__ = "referral_recipients"
    __table_args__ = (
        UniqueConstraint("referral_id", "provider_id"),
        Index("ix_referral_recipients_org_status", "provider_organization_id", "status"),
        Index("ix_referral_recipients_status_respond_by", "status", "respond_by"),
    )

    referral_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), index=True
    )
    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("providers.id"))
    provider_organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    status: Mapped[ReferralRecipientStatus] = mapped_column(enum_column(ReferralRecipientStatus))
    respond_by: Mapped[datetime] = mapped_column()
    responded_at: Mapped[datetime | None] = mapped_column()
    responded_by_id: Mapped[uuid.UUID | None] = mapped_column()
    decline_reason: Mapped[str | None] = mapped_column(Text)
    counts_toward_load: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
