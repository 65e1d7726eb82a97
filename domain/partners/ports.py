"""The TradingPartner port: what the domain asks of any way of reaching a payer (MANUAL, FHIR
PAS, X12 278 over CORE), in domain terms. Adapters in `adapters/partners/` implement it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from domain.authorizations.lifecycle import ReviewAction


@dataclass(frozen=True, slots=True)
class PartnerLine:
    sequence: int
    code_system: str
    service_code: str | None
    modifiers: tuple[str, ...]
    quantity: Decimal
    unit_of_measure: str
    requested_start: date | None
    requested_end: date | None
    place_of_service: str | None


@dataclass(frozen=True, slots=True)
class PartnerParty:
    """An organisation or practitioner named to the partner: its name and identifier (the
    payer's id for the payer, the NPI for a provider)."""

    name: str
    identifier: str | None = None


@dataclass(frozen=True, slots=True)
class PartnerRequest:
    """What a partner needs to know of a request: ids, codes and the patient's coverage.
    `diagnoses` are ICD-10-CM codes, the principal one first."""

    request_id: uuid.UUID
    number: str
    priority: str
    category: str
    member_id: str | None
    patient_family_name: str
    patient_given_name: str
    patient_birth_date: date | None
    diagnoses: tuple[str, ...]
    lines: tuple[PartnerLine, ...]
    payer_reference: str | None = None
    # Who is asked and who asks, as a PAS Claim names them (insurer, provider, careTeam).
    payer_identifier: str | None = None
    payer_name: str | None = None
    requester_name: str | None = None
    requester_npi: str | None = None
    requesting_provider_name: str | None = None
    requesting_provider_npi: str | None = None
    servicing_provider_name: str | None = None
    servicing_provider_npi: str | None = None
    patient_sex: str | None = None
    submitted_at: datetime | None = None
    # The same parties as one value each, as a 278 names them (UMO, requester, servicing).
    payer: PartnerParty | None = None
    requester: PartnerParty | None = None  # the requesting provider, else organisation
    servicing_provider: PartnerParty | None = None


@dataclass(frozen=True, slots=True)
class LineAnswer:
    sequence: int
    review_action: ReviewAction
    approved_quantity: Decimal | None = None
    approved_start: date | None = None
    approved_end: date | None = None
    authorization_number: str | None = None
    reason_codes: tuple[str, ...] = ()
    notes: str | None = None


class AnswerKind(StrEnum):
    RECEIVED = "RECEIVED"  # taken in, not decided: the request is SUBMITTED
    DECIDED = "DECIDED"  # per-line answers (A4 on every line is pended)
    REJECTED = "REJECTED"  # could not be processed (X12 AAA, PAS outcome=error): not a denial
    CANCELLED = "CANCELLED"  # a cancellation was accepted


@dataclass(frozen=True, slots=True)
class PartnerAnswer:
    kind: AnswerKind
    payer_reference: str | None = None
    lines: tuple[LineAnswer, ...] = field(default_factory=tuple)
    reason: str | None = None
    answered_at: datetime | None = None  # when the partner made this answer, if it says


class PartnerError(Exception):
    """The partner could not be reached or failed; `retryable` says whether trying again later
    may succeed (timeouts, 5xx, busy) or not (refused credentials, a malformed exchange)."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable


class TradingPartnerPort(Protocol):
    async def submit(
        self, request: PartnerRequest, *, idempotency_key: uuid.UUID
    ) -> PartnerAnswer: ...

    async def inquire(self, request: PartnerRequest) -> PartnerAnswer: ...

    async def cancel(
        self, request: PartnerRequest, *, idempotency_key: uuid.UUID
    ) -> PartnerAnswer: ...

    async def provide_information(
        self, request: PartnerRequest, *, idempotency_key: uuid.UUID
    ) -> PartnerAnswer: ...


class PartnerDirectory(Protocol):
    """The adapter for a protocol, configured for one partner."""

    def for_partner(self, protocol: str, options: dict[str, object]) -> TradingPartnerPort: ...


class NoticeKind(StrEnum):
    """What a push to a subscription is (the backport's SubscriptionStatus.type)."""

    HANDSHAKE = "handshake"
    HEARTBEAT = "heartbeat"
    EVENT = "event-notification"


@dataclass(frozen=True, slots=True)
class SubscriptionNotice:
    """One push to a subscriber's endpoint, in domain terms: for an event, the request as it
    stands (`request`, `answer`) and the event's number. `notice_id` is the same on every
    attempt, so a resend is recognisable. `sealed_headers` are opened only by the notifier."""

    notice_id: uuid.UUID
    kind: NoticeKind
    subscription_id: uuid.UUID
    topic: str
    endpoint: str
    sealed_headers: str | None
    status: str
    events_since_start: int
    occurred_at: datetime
    event_number: int | None = None
    request: PartnerRequest | None = None
    answer: PartnerAnswer | None = None


class SubscriptionNotifier(Protocol):
    """Delivers notices to subscribers' endpoints; raises PartnerError when it could not
    (`retryable` as for partners)."""

    async def notify(self, notice: SubscriptionNotice) -> None: ...
