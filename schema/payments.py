"""GraphQL types of provider payments, their lines and corrections, and provider contracts."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Self

import strawberry
from strawberry import relay
from strawberry.types import Info

from domain.delivery import lifecycle, models
from domain.delivery.lifecycle import (
    ContractStatus,
    CorrectionStatus,
    PaymentAction,
    PaymentStatus,
)
from domain.delivery.models import (
    ContractKind,
    CorrectionKind,
    DeliveryFrequency,
    DeliveryMethod,
    PayeeKind,
    PaymentLineKind,
)
from schema.cases import person_or_none
from schema.catalog import Benefit
from schema.delivery import benefit_of, provider_of
from schema.people import Person
from schema.providers import Provider
from schema.relay import load_nodes

for enum in (PayeeKind, DeliveryMethod, DeliveryFrequency):
    strawberry.enum(enum)


@strawberry.type(description="Disbursements of one benefit, a flat rate, or a correction.")
class ProviderPaymentLine:
    kind: PaymentLineKind
    amount: Decimal
    quantity: Decimal | None
    disbursement_count: int
    due_date: datetime.date | None = strawberry.field(description="Of a PRODUCT instalment")
    description: str | None
    benefit_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field
    async def benefit(self, info: Info) -> Benefit | None:
        return await benefit_of(info, self.benefit_id)

    @classmethod
    def from_model(cls, m: models.ProviderPaymentLine) -> Self:
        return cls(
            kind=m.kind,
            amount=m.amount,
            quantity=m.quantity,
            disbursement_count=m.disbursement_count,
            due_date=m.due_date,
            description=m.description,
            benefit_id=m.benefit_id,
        )


@strawberry.type(description="Too much or too little paid, found after the payment.")
class PaymentCorrection:
    kind: CorrectionKind
    amount: Decimal = strawberry.field(description="Signed: negative for an overpayment")
    quantity_delta: Decimal
    status: CorrectionStatus
    reason: str | None
    created_at: datetime.datetime

    @classmethod
    def from_model(cls, m: models.PaymentCorrection) -> Self:
        return cls(
            kind=m.kind,
            amount=m.amount,
            quantity_delta=m.quantity_delta,
            status=m.status,
            reason=m.reason,
            created_at=m.created_at,
        )


@strawberry.type(description="What an agency pays one provider for one period.")
class ProviderPayment(relay.Node):
    id: relay.NodeID[str]
    number: str
    status: PaymentStatus
    period_start: datetime.date
    period_end: datetime.date
    payee_kind: PayeeKind
    delivery_method: DeliveryMethod | None = strawberry.field(description="A nominee's")
    payee_name: str
    total_amount: Decimal
    currency: str
    created_at: datetime.datetime
    issued_at: datetime.datetime | None
    key: strawberry.Private[uuid.UUID]
    provider_id: strawberry.Private[uuid.UUID | None]
    person_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="What may happen next.")
    def allowed_actions(self) -> list[PaymentAction]:
        return [a for s, a in lifecycle.PAYMENT_TRANSITIONS if s == self.status]

    @strawberry.field(description="The provider paid (service delivery).")
    async def provider(self, info: Info) -> Provider | None:
        return None if self.provider_id is None else await provider_of(info, self.provider_id)

    @strawberry.field(description="The nominee paid (product delivery), if you may see them.")
    async def nominee(self, info: Info) -> Person | None:
        return None if self.person_id is None else await person_or_none(info, self.person_id)

    @strawberry.field
    async def lines(self, info: Info) -> list[ProviderPaymentLine]:
        rows = await info.context.loaders.lines_by_payment.load(self.key)
        return [ProviderPaymentLine.from_model(r) for r in rows]

    @strawberry.field(description="Over- and underpayments found after this payment.")
    async def corrections(self, info: Info) -> list[PaymentCorrection]:
        rows = await info.context.loaders.corrections_by_payment.load(self.key)
        return [PaymentCorrection.from_model(r) for r in rows]

    @classmethod
    def from_model(cls, m: models.ProviderPayment) -> Self:
        return cls(
            id=str(m.id),
            key=m.id,
            number=m.number,
            status=m.status,
            period_start=m.period_start,
            period_end=m.period_end,
            payee_kind=m.payee_kind,
            delivery_method=m.delivery_method,
            payee_name=m.payee_name,
            total_amount=m.total_amount,
            currency=m.currency,
            created_at=m.created_at,
            issued_at=m.issued_at,
            provider_id=m.provider_id,
            person_id=m.payee_person_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return await load_nodes(info.context.loaders.provider_payment, node_ids, cls.from_model)


@strawberry.type(description="An agency's contract with a provider.")
class ProviderContract:
    id: strawberry.ID
    number: str
    kind: ContractKind
    status: ContractStatus
    period_start: datetime.date
    period_end: datetime.date
    flat_amount: Decimal | None
    currency: str

    @classmethod
    def from_model(cls, m: models.ProviderContract) -> Self:
        return cls(
            id=strawberry.ID(str(relay.GlobalID("ProviderContract", str(m.id)))),
            number=m.number,
            kind=m.kind,
            status=m.status,
            period_start=m.period_start,
            period_end=m.period_end,
            flat_amount=m.flat_amount,
            currency=m.currency,
        )


@strawberry.type(description="How a case component's nominee is paid.")
class DeliveryPattern:
    id: strawberry.ID
    component: str
    method: DeliveryMethod
    frequency: DeliveryFrequency
    set_at: datetime.datetime

    @classmethod
    def from_model(cls, m: models.DeliveryPattern) -> Self:
        return cls(
            id=strawberry.ID(str(relay.GlobalID("DeliveryPattern", str(m.id)))),
            component=m.component,
            method=m.method,
            frequency=m.frequency,
            set_at=m.set_at,
        )
