"""TradingPartner (how a payer is reached), the transactional outbox, and the Exchange log."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.identity.models import enum_column
from domain.models import Base, HasId, Timestamped


class Protocol(StrEnum):
    MANUAL = "MANUAL"  # portal, phone or fax: the coordinator records what the payer said
    FHIR_PAS = "FHIR_PAS"  # Da Vinci PAS Claim/$submit
    X12_CORE = "X12_CORE"  # X12 278 in the CAQH CORE SOAP envelope


class TradingPartner(HasId, Timestamped, Base):
    """How one payer is reached. Decision time frames default to CMS-0057-F's (72 hours
    expedited, 7 days standard) unless the partner's own are set."""

    __tablename__ = "trading_partners"
    __table_args__ = (UniqueConstraint("payer_organization_id"),)

    payer_organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    name: Mapped[str] = mapped_column(String(200))
    protocol: Mapped[Protocol] = mapped_column(enum_column(Protocol))
    endpoint_url: Mapped[str | None] = mapped_column(String(500))
    expedited_hours: Mapped[int | None] = mapped_column()
    standard_days: Mapped[int | None] = mapped_column()
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(default=True)

    def adapter_options(self) -> dict[str, Any]:
        """What the protocol adapter is configured with: the options and the endpoint URL."""
        return {**(self.options or {}), "endpoint_url": self.endpoint_url}


class OutboxKind(StrEnum):
    SUBMIT = "SUBMIT"
    CANCEL = "CANCEL"
    PROVIDE_INFO = "PROVIDE_INFO"


class OutboxStatus(StrEnum):
    PENDING = "PENDING"
    SENT = "SENT"
    FAILED = "FAILED"  # given up after its retries; the request shows the reason


class OutboxMessage(HasId, Base):
    """Work for a partner, written in the same transaction as the change that needs it, so a
    lost wake-up or a crashed worker delays it but never loses it."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_status_next_attempt_at", "status", "next_attempt_at"),
    )

    kind: Mapped[OutboxKind] = mapped_column(enum_column(OutboxKind))
    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("authorization_requests.id"), index=True
    )
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("trading_partners.id"))
    idempotency_key: Mapped[uuid.UUID] = mapped_column(unique=True)
    status: Mapped[OutboxStatus] = mapped_column(enum_column(OutboxStatus))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()


class ExchangeOutcome(StrEnum):
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    RETRYING = "RETRYING"


class Exchange(HasId, Base):
    """One attempt to talk to a partner, in or out: what, when, how long, how it went. Ids and
    codes only, never the message's content."""

    __tablename__ = "exchanges"
    __table_args__ = (
        Index("ix_exchanges_request_id_started_at", "request_id", "started_at"),
        Index("ix_exchanges_started_at", "started_at"),
    )

    request_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("authorization_requests.id"))
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("trading_partners.id"))
    direction: Mapped[str] = mapped_column(String(8))  # OUTBOUND | INBOUND
    operation: Mapped[str] = mapped_column(String(40))
    idempotency_key: Mapped[uuid.UUID | None] = mapped_column()
    outcome: Mapped[ExchangeOutcome] = mapped_column(enum_column(ExchangeOutcome))
    started_at: Mapped[datetime] = mapped_column()
    duration_ms: Mapped[int] = mapped_column()
    detail: Mapped[str | None] = mapped_column(String(500))
