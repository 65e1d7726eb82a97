"""Inputs, filters and payloads of the delivery queries and mutations."""

from __future__ import annotations

import datetime
from decimal import Decimal

import strawberry
from strawberry import relay

from domain.delivery.lifecycle import (
    ContractAction,
    DisbursementStatus,
    PaymentAction,
    PaymentStatus,
    SessionStatus,
)
from domain.delivery.models import (
    Attendance,
    ContractKind,
    DeliveryFrequency,
    DeliveryMethod,
    Recurrence,
)
from schema.delivery import BenefitSchedule, BenefitSession, Disbursement
from schema.errors import UserError
from schema.payments import DeliveryPattern, ProviderContract, ProviderPayment


@strawberry.input
class BenefitSessionFilter:
    schedule_id: strawberry.ID | None = None
    benefit_id: relay.GlobalID | None = None
    status: SessionStatus | None = None
    starts_after: datetime.datetime | None = None


@strawberry.input
class DisbursementFilter:
    case_id: relay.GlobalID | None = None
    person_id: relay.GlobalID | None = None
    session_id: relay.GlobalID | None = None
    service_authorization_id: relay.GlobalID | None = None
    status: DisbursementStatus | None = None


@strawberry.input
class ProviderPaymentFilter:
    status: PaymentStatus | None = None
    provider_id: relay.GlobalID | None = None
    period_start: datetime.date | None = None


@strawberry.input
class CreateBenefitScheduleInput:
    service_authorization_id: relay.GlobalID
    name: str
    default_quantity: Decimal = strawberry.field(description="Units each session delivers")
    max_participants: int
    first_session_start: datetime.datetime
    first_session_end: datetime.datetime
    recurrence: Recurrence = Recurrence.WEEKLY


@strawberry.type
class CreateBenefitSchedulePayload:
    schedule: BenefitSchedule | None
    errors: list[UserError]


@strawberry.input
class CreateBenefitSessionsInput:
    schedule_id: strawberry.ID
    count: int = strawberry.field(description="How many more occurrences, 1..100")


@strawberry.type
class CreateBenefitSessionsPayload:
    sessions: list[BenefitSession] | None
    errors: list[UserError]


@strawberry.input
class CancelBenefitSessionInput:
    id: relay.GlobalID
    reason: str | None = None


@strawberry.type
class CancelBenefitSessionPayload:
    session: BenefitSession | None
    errors: list[UserError]


@strawberry.input
class EnrollInSessionsInput:
    service_authorization_id: relay.GlobalID
    session_ids: list[relay.GlobalID]
    quantity_per_session: Decimal | None = strawberry.field(
        default=None, description="The schedule's default quantity when omitted"
    )


@strawberry.type
class EnrollInSessionsPayload:
    disbursements: list[Disbursement] | None
    errors: list[UserError]


@strawberry.input
class AttendanceInput:
    enrollment_id: strawberry.ID
    attendance: Attendance
    units: Decimal | None = strawberry.field(default=None, description="PARTIAL only")


@strawberry.input
class RecordAttendanceInput:
    session_id: relay.GlobalID
    records: list[AttendanceInput]


@strawberry.type
class RecordAttendancePayload:
    session: BenefitSession | None
    errors: list[UserError]


@strawberry.input
class RunProviderPaymentsInput:
    period_start: datetime.date
    period_end: datetime.date


@strawberry.type
class RunProviderPaymentsPayload:
    payments: list[ProviderPayment] | None
    disbursements_paid: int | None
    disbursements_held: int | None = strawberry.field(description="Sent to manual approval")
    errors: list[UserError]


@strawberry.input
class ReviewDisbursementsInput:
    disbursement_ids: list[relay.GlobalID]
    approve: bool
    reason: str | None = None


@strawberry.type
class ReviewDisbursementsPayload:
    disbursements: list[Disbursement] | None
    errors: list[UserError]


@strawberry.input
class TransitionProviderPaymentInput:
    id: relay.GlobalID
    action: PaymentAction
    reason: str | None = None


@strawberry.type
class TransitionProviderPaymentPayload:
    provider_payment: ProviderPayment | None
    errors: list[UserError]


@strawberry.input
class ContractServiceInput:
    benefit_id: relay.GlobalID
    rate: Decimal | None = strawberry.field(default=None, description="Per unit (UTILIZATION)")


@strawberry.input
class CreateProviderContractInput:
    provider_id: relay.GlobalID
    kind: ContractKind
    period_start: datetime.date
    period_end: datetime.date
    services: list[ContractServiceInput]
    flat_amount: Decimal | None = strawberry.field(default=None, description="FLAT_RATE only")


@strawberry.input
class TransitionProviderContractInput:
    id: strawberry.ID
    action: ContractAction
    reason: str | None = None


@strawberry.type
class ProviderContractPayload:
    contract: ProviderContract | None
    errors: list[UserError]


@strawberry.input
class SetDeliveryPatternInput:
    case_id: relay.GlobalID
    component: str = strawberry.field(description="The case component, e.g. a benefit's code")
    method: DeliveryMethod
    frequency: DeliveryFrequency


@strawberry.type
class SetDeliveryPatternPayload:
    delivery_pattern: DeliveryPattern | None
    errors: list[UserError]
