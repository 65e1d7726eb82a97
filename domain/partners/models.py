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
    # Pushes to a partner's subscription endpoint (no trading partner involved).
    HANDSHAKE = "HANDSHAKE"
    NOTIFICATION = "NOTIFICATION"
    HEARTBEAT = "HEARTBEAT"


SUBSCRIPTION_KINDS = frozenset(
    {OutboxKind.HANDSHAKE, OutboxKind.NOTIFICATION, OutboxKind.HEARTBEAT}
)


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
    # A partner's message names its request and trading partner; a subscription's push names
    # its subscription, and for a NOTIFICATION the request and the event's number.
    request_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("authorization_requests.id"), index=True
    )
    partner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("trading_partners.id"))
    subscription_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("partner_subscriptions.id"), index=True
    )
    event_number: Mapped[int | None] = mapped_column()
    idempotency_key: Mapped[uuid.UUID] = mapped_column(unique=True)
    status: Mapped[OutboxStatus] = mapped_column(enum_column(OutboxStatus))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()


class SubscriptionStatus(StrEnum):
    """The R4 Subscription's status as the Subscriptions Backport uses it."""

    REQUESTED = "requested"  # created; the handshake has not been delivered yet
    ACTIVE = "active"
    ERROR = "error"  # the last delivery failed; retries go on, the reason is kept
    OFF = "off"  # deleted by its owner: nothing more is sent


class PartnerSubscription(HasId, Timestamped, Base):
    """A sending system's (an API client's) subscription to a topic, R4 Subscriptions
    Backport style: rest-hook, full-resource, filtered by the requesting organisations'
    identifiers. Its headers are kept sealed (encrypted); events are numbered from 1."""

    __tablename__ = "partner_subscriptions"
    __table_args__ = (
        Index("ix_partner_subscriptions_organization_status", "organization_id", "status"),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    api_client_id: Mapped[uuid.UUID] = mapped_column()  # the sending system that owns it
    topic: Mapped[str] = mapped_column(String(500))
    filter_identifiers: Mapped[list[str]] = mapped_column(JSON, default=list)
    endpoint: Mapped[str] = mapped_column(String(1000))
    header_names: Mapped[list[str]] = mapped_column(JSON, default=list)
    sealed_headers: Mapped[str | None] = mapped_column(Text)
    heartbeat_seconds: Mapped[int | None] = mapped_column()
    reason: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[SubscriptionStatus] = mapped_column(enum_column(SubscriptionStatus))
    events_since_start: Mapped[int] = mapped_column(default=0, server_default="0")
    error_count: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(String(500))
    last_sent_at: Mapped[datetime | None] = mapped_column()


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
