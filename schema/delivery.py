"""GraphQL types of service delivery: service authorizations, schedules, sessions,
disbursements, provider payments with their lines and corrections, provider contracts."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Self

import strawberry
from strawberry import relay
from strawberry.types import Info

from domain.delivery import authorized, models, rules
from domain.delivery.lifecycle import (
    ContractAction,
    ContractStatus,
    CorrectionStatus,
    DisbursementStatus,
    PaymentAction,
    PaymentStatus,
    SessionStatus,
)
from domain.delivery.models import (
    Attendance,
    ContractKind,
    CorrectionKind,
    PaymentLineKind,
    RateSource,
    Recurrence,
)
from schema.authorizations import AuthorizationRequest
from schema.cases import person_or_none, status_history
from schema.catalog import Benefit, UnitOfMeasure
from schema.history import StatusChange
from schema.people import Person
from schema.providers import Provider
from schema.relay import load_nodes

if TYPE_CHECKING:
    from schema.payments import ProviderPayment

for enum in (
    SessionStatus,
    DisbursementStatus,
    PaymentStatus,
    PaymentAction,
    ContractStatus,
    ContractAction,
    CorrectionStatus,
    Attendance,
    ContractKind,
    CorrectionKind,
    PaymentLineKind,
    RateSource,
    Recurrence,
):
    strawberry.enum(enum)


async def benefit_of(info: Info, benefit_id: uuid.UUID | None) -> Benefit | None:
    if benefit_id is None:
        return None
    return Benefit.from_model(await info.context.loaders.benefit.load(benefit_id))


async def provider_of(info: Info, provider_id: uuid.UUID) -> Provider:
    return Provider.from_model(await info.context.loaders.provider.load(provider_id))


@strawberry.type(description="What an approved authorization line lets a provider deliver.")
class ServiceAuthorization(relay.Node):
    id: relay.NodeID[str]
    authorization_number: str | None
    unit_of_measure: UnitOfMeasure
    authorized_quantity: Decimal
    used_quantity: Decimal = strawberry.field(description="Disbursed by attendance")
    committed_quantity: Decimal = strawberry.field(
        description="Enrolled and not yet attended, plus disbursed"
    )
    remaining_quantity: Decimal = strawberry.field(description="Authorized minus committed")
    period_start: datetime.date | None
    period_end: datetime.date | None
    rate: Decimal | None
    currency: str
    person_id: strawberry.Private[uuid.UUID]
    benefit_id: strawberry.Private[uuid.UUID]
    provider_id: strawberry.Private[uuid.UUID]
    request_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def person(self, info: Info) -> Person | None:
        return await person_or_none(info, self.person_id)

    @strawberry.field
    async def benefit(self, info: Info) -> Benefit | None:
        return await benefit_of(info, self.benefit_id)

    @strawberry.field
    async def provider(self, info: Info) -> Provider:
        return await provider_of(info, self.provider_id)

    @strawberry.field
    async def authorization_request(self, info: Info) -> AuthorizationRequest | None:
        found = await info.context.loaders.authorization_request.load(self.request_id)
        return AuthorizationRequest.from_model(found) if found else None

    @classmethod
    def from_model(cls, m: authorized.ServiceAuthorization) -> Self:
        return cls(
            id=str(m.id),
            authorization_number=m.authorization_number,
            unit_of_measure=m.unit_of_measure,
            authorized_quantity=m.authorized_quantity,
            used_quantity=m.used_quantity,
            committed_quantity=m.committed_quantity,
            remaining_quantity=m.remaining_quantity,
            period_start=m.period_start,
            period_end=m.period_end,
            rate=m.rate,
            currency=m.currency,
            person_id=m.person_id,
            benefit_id=m.benefit_id,
            provider_id=m.provider_id,
            request_id=m.request_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return await load_nodes(
            info.context.loaders.service_authorization, node_ids, cls.from_model
        )


@strawberry.type(description="A provider's recurring sessions of one benefit.")
class BenefitSchedule:
    id: strawberry.ID
    name: str
    default_quantity: Decimal
    unit_of_measure: UnitOfMeasure
    max_participants: int
    recurrence: Recurrence
    first_session_start: datetime.datetime
    first_session_end: datetime.datetime
    benefit_id: strawberry.Private[uuid.UUID]
    provider_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def benefit(self, info: Info) -> Benefit | None:
        return await benefit_of(info, self.benefit_id)

    @strawberry.field
    async def provider(self, info: Info) -> Provider:
        return await provider_of(info, self.provider_id)

    @classmethod
    def from_model(cls, m: models.BenefitSchedule) -> Self:
        return cls(
            id=strawberry.ID(str(relay.GlobalID("BenefitSchedule", str(m.id)))),
            name=m.name,
            default_quantity=m.default_quantity,
            unit_of_measure=m.unit_of_measure,
            max_participants=m.max_participants,
            recurrence=m.recurrence,
            first_session_start=m.first_session_start,
            first_session_end=m.first_session_end,
            benefit_id=m.benefit_id,
            provider_id=m.provider_id,
        )


@strawberry.type(description="One occurrence of a schedule, with its roster's counts.")
class BenefitSession(relay.Node):
    id: relay.NodeID[str]
    sequence: int
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    status: SessionStatus
    enrolled_count: int
    attendee_count: int = strawberry.field(description="PRESENT or PARTIAL")
    absentee_count: int = strawberry.field(description="ABSENT or EXCUSED")
    key: strawberry.Private[uuid.UUID]
    schedule_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="Attendees over the recorded roster; null before attendance.")
    def attendance_rate(self) -> Decimal | None:
        return rules.attendance_rate(self.attendee_count, self.absentee_count)

    @strawberry.field
    async def schedule(self, info: Info) -> BenefitSchedule:
        return BenefitSchedule.from_model(
            await info.context.loaders.schedule.load(self.schedule_id)
        )

    @strawberry.field(description="The roster: the provider sees all, an agency its own people.")
    async def disbursements(self, info: Info) -> list[Disbursement]:
        rows = await info.context.loaders.disbursements_by_session.load(self.key)
        return [Disbursement.from_model(r) for r in rows]

    @strawberry.field
    async def status_history(self, info: Info) -> list[StatusChange]:
        return await status_history(info, "BenefitSession", self.key)

    @classmethod
    def from_model(cls, m: models.BenefitSession) -> Self:
        return cls(
            id=str(m.id),
            key=m.id,
            sequence=m.sequence,
            starts_at=m.starts_at,
            ends_at=m.ends_at,
            status=m.status,
            enrolled_count=m.enrolled_count,
            attendee_count=m.attendee_count,
            absentee_count=m.absentee_count,
            schedule_id=m.schedule_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return await load_nodes(info.context.loaders.benefit_session, node_ids, cls.from_model)


@strawberry.type(description="What one session enrollment delivers and costs.")
class Disbursement(relay.Node):
    id: relay.NodeID[str]
    enrollment_id: strawberry.ID = strawberry.field(
        description="The session enrollment, for recordAttendance"
    )
    service_date: datetime.date
    unit_of_measure: UnitOfMeasure
    planned_quantity: Decimal
    disbursed_quantity: Decimal | None
    rate: Decimal | None
    rate_source: RateSource | None
    amount: Decimal | None
    currency: str
    status: DisbursementStatus
    paid_quantity: Decimal | None = strawberry.field(description="As paid; never changed after")
    paid_amount: Decimal | None
    key: strawberry.Private[uuid.UUID]
    enrollment_key: strawberry.Private[uuid.UUID]
    person_id: strawberry.Private[uuid.UUID]
    benefit_id: strawberry.Private[uuid.UUID]
    session_id: strawberry.Private[uuid.UUID]
    payment_id: strawberry.Private[uuid.UUID | None]
    line_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def attendance(self, info: Info) -> Attendance | None:
        return (await info.context.loaders.enrollment.load(self.enrollment_key)).attendance

    @strawberry.field
    async def person(self, info: Info) -> Person | None:
        return await person_or_none(info, self.person_id)

    @strawberry.field
    async def benefit(self, info: Info) -> Benefit | None:
        return await benefit_of(info, self.benefit_id)

    @strawberry.field
    async def session(self, info: Info) -> BenefitSession | None:
        found = await info.context.loaders.benefit_session.load(self.session_id)
        return BenefitSession.from_model(found) if found else None

    @strawberry.field(description="The payment that paid it, once paid.")
    async def payment(
        self, info: Info
    ) -> Annotated[ProviderPayment, strawberry.lazy("schema.payments")] | None:
        from schema.payments import ProviderPayment

        if self.payment_id is None:
            return None
        found = await info.context.loaders.provider_payment.load(self.payment_id)
        return ProviderPayment.from_model(found) if found else None

    @strawberry.field
    def service_authorization_id(self) -> strawberry.ID:
        return strawberry.ID(str(relay.GlobalID("ServiceAuthorization", str(self.line_id))))

    @strawberry.field
    async def status_history(self, info: Info) -> list[StatusChange]:
        return await status_history(info, "Disbursement", self.key)

    @classmethod
    def from_model(cls, m: models.Disbursement) -> Self:
        return cls(
            id=str(m.id),
            key=m.id,
            enrollment_id=strawberry.ID(
                str(relay.GlobalID("SessionEnrollment", str(m.enrollment_id)))
            ),
            enrollment_key=m.enrollment_id,
            service_date=m.service_date,
            unit_of_measure=m.unit_of_measure,
            planned_quantity=m.planned_quantity,
            disbursed_quantity=m.disbursed_quantity,
            rate=m.rate,
            rate_source=m.rate_source,
            amount=m.amount,
            currency=m.currency,
            status=m.current_status,
            paid_quantity=m.paid_quantity,
            paid_amount=m.paid_amount,
            person_id=m.person_id,
            benefit_id=m.benefit_id,
            session_id=m.session_id,
            payment_id=m.payment_id,
            line_id=m.authorization_line_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return await load_nodes(info.context.loaders.disbursement, node_ids, cls.from_model)
