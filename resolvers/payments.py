"""The agency's side of delivery: provider payments (runs, approvals, issue, cancel) and
provider contracts; `providerPayments` for the agency and the paid provider."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from domain.cases.rules import CASE_WORKERS
from domain.delivery import reads
from domain.delivery import service as delivery
from domain.delivery.access import CONTRACT_MANAGERS, PAYMENT_RUNNERS, READERS
from domain.delivery.rules import ContractData
from resolvers.outcome import perform, read_only
from schema.context import Context
from schema.delivery import Disbursement
from schema.delivery_inputs import (
    CreateProviderContractInput,
    ProviderContractPayload,
    ProviderPaymentFilter,
    ReviewDisbursementsInput,
    ReviewDisbursementsPayload,
    RunProviderPaymentsInput,
    RunProviderPaymentsPayload,
    SetDeliveryPatternInput,
    SetDeliveryPatternPayload,
    TransitionProviderContractInput,
    TransitionProviderPaymentInput,
    TransitionProviderPaymentPayload,
)
from schema.payments import DeliveryPattern, ProviderContract, ProviderPayment
from schema.permissions import signed_in
from schema.relay import Connection, decode_global_id, page_request, selects


def _payment_filter(given: ProviderPaymentFilter | None) -> reads.PaymentFilter:
    if given is None:
        return reads.PaymentFilter()
    return reads.PaymentFilter(
        status=given.status,
        provider_id=decode_global_id(given.provider_id, "Provider", "filter.providerId")
        if given.provider_id
        else None,
        period_start=given.period_start,
    )


def _contract(input: CreateProviderContractInput) -> ContractData:
    return ContractData(
        provider_id=decode_global_id(input.provider_id, "Provider", "providerId"),
        kind=input.kind,
        period_start=input.period_start,
        period_end=input.period_end,
        services=tuple(
            (decode_global_id(s.benefit_id, "Benefit", f"services.{i}.benefitId"), s.rate)
            for i, s in enumerate(input.services)
        ),
        flat_amount=input.flat_amount,
    )


@strawberry.type
class PaymentsQuery:
    @strawberry.field(
        extensions=signed_in(*READERS),
        description="Your agency's payments, or the payments to your provider organisation.",
    )
    async def provider_payments(
        self,
        info: Info[Context, None],
        filter: ProviderPaymentFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ProviderPayment]:
        criteria, request = _payment_filter(filter), page_request(info.context, first, after)
        page = await read_only(
            info,
            lambda uow, actor: reads.list_payments(
                uow=uow,
                actor=actor,
                filter=criteria,
                page=request,
                with_total=selects(info, "totalCount"),
            ),
        )
        return Connection.from_page(page, ProviderPayment.from_model)


@strawberry.type
class PaymentsMutation:
    @strawberry.mutation(
        extensions=signed_in(*PAYMENT_RUNNERS),
        description="Pay each provider what is due up to the period's end; safe to run again.",
    )
    async def run_provider_payments(
        self, info: Info[Context, None], input: RunProviderPaymentsInput
    ) -> RunProviderPaymentsPayload:
        outcome = await perform(
            info,
            lambda uow, actor: delivery.run_provider_payments(
                uow=uow,
                actor=actor,
                period_start=input.period_start,
                period_end=input.period_end,
            ),
        )
        return RunProviderPaymentsPayload(
            payments=outcome.map(lambda r: [ProviderPayment.from_model(p) for p in r.payments]),
            disbursements_paid=outcome.map(lambda r: r.run.disbursements_paid),
            disbursements_held=outcome.map(lambda r: r.run.disbursements_held),
            errors=outcome.errors,
        )

    @strawberry.mutation(
        extensions=signed_in(*PAYMENT_RUNNERS),
        description="Approve or reject disbursements the approval check held.",
    )
    async def review_disbursements(
        self, info: Info[Context, None], input: ReviewDisbursementsInput
    ) -> ReviewDisbursementsPayload:
        outcome = await perform(
            info,
            lambda uow, actor: delivery.review_disbursements(
                uow=uow,
                actor=actor,
                disbursement_ids=[
                    decode_global_id(d, "Disbursement", f"disbursementIds.{i}")
                    for i, d in enumerate(input.disbursement_ids)
                ],
                approve=input.approve,
                reason=input.reason,
            ),
        )
        return ReviewDisbursementsPayload(
            disbursements=outcome.map(lambda rows: [Disbursement.from_model(d) for d in rows]),
            errors=outcome.errors,
        )

    @strawberry.mutation(extensions=signed_in(*PAYMENT_RUNNERS))
    async def transition_provider_payment(
        self, info: Info[Context, None], input: TransitionProviderPaymentInput
    ) -> TransitionProviderPaymentPayload:
        outcome = await perform(
            info,
            lambda uow, actor: delivery.transition_provider_payment(
                uow=uow,
                actor=actor,
                payment_id=decode_global_id(input.id, "ProviderPayment", "id"),
                action=input.action,
                reason=input.reason,
            ),
        )
        return TransitionProviderPaymentPayload(
            provider_payment=outcome.map(ProviderPayment.from_model), errors=outcome.errors
        )

    @strawberry.mutation(extensions=signed_in(*CONTRACT_MANAGERS))
    async def create_provider_contract(
        self, info: Info[Context, None], input: CreateProviderContractInput
    ) -> ProviderContractPayload:
        outcome = await perform(
            info,
            lambda uow, actor: delivery.create_provider_contract(
                uow=uow, actor=actor, data=_contract(input)
            ),
        )
        return ProviderContractPayload(
            contract=outcome.map(ProviderContract.from_model), errors=outcome.errors
        )

    @strawberry.mutation(extensions=signed_in(*CONTRACT_MANAGERS))
    async def transition_provider_contract(
        self, info: Info[Context, None], input: TransitionProviderContractInput
    ) -> ProviderContractPayload:
        outcome = await perform(
            info,
            lambda uow, actor: delivery.transition_provider_contract(
                uow=uow,
                actor=actor,
                contract_id=decode_global_id(input.id, "ProviderContract", "id"),
                action=input.action,
                reason=input.reason,
            ),
        )
        return ProviderContractPayload(
            contract=outcome.map(ProviderContract.from_model), errors=outcome.errors
        )

    @strawberry.mutation(
        extensions=signed_in(*CASE_WORKERS),
        description="How a case component's nominee is paid (product delivery).",
    )
    async def set_delivery_pattern(
        self, info: Info[Context, None], input: SetDeliveryPatternInput
    ) -> SetDeliveryPatternPayload:
        outcome = await perform(
            info,
            lambda uow, actor: delivery.set_delivery_pattern(
                uow=uow,
                actor=actor,
                case_id=decode_global_id(input.case_id, "Case", "caseId"),
                component=input.component,
                method=input.method,
                frequency=input.frequency,
            ),
        )
        return SetDeliveryPatternPayload(
            delivery_pattern=outcome.map(DeliveryPattern.from_model), errors=outcome.errors
        )
