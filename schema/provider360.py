"""The Provider 360 view as GraphQL."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, Self

import strawberry

from schema.network import (
    DocumentRequest,
    NetworkApplication,
    NetworkContract,
    NetworkCredential,
    OnboardingTask,
    copy,
)
from schema.providers import Provider


@strawberry.type
class StatusCount:
    status: str
    count: int


@strawberry.type
class ReferralSummary:
    referral_number: str
    recipient_status: str
    created_at: datetime.datetime


@strawberry.type
class PaymentsSummary:
    count: int
    total_amount: Decimal
    paid_amount: Decimal
    last_period_end: datetime.date | None


@strawberry.type(description="Everything about one provider, read at once.")
class Provider360:
    provider: Provider
    application: NetworkApplication | None
    credentials: list[NetworkCredential]
    document_requests: list[DocumentRequest]
    contracts: list[NetworkContract]
    onboarding_tasks: list[OnboardingTask]
    referrals_by_status: list[StatusCount]
    recent_referrals: list[ReferralSummary]
    authorizations_by_status: list[StatusCount]
    payments: PaymentsSummary

    @classmethod
    def from_model(cls, m: Any) -> Self:
        provider = Provider.from_model(m.provider)
        provider.prefetched = {
            "locations": m.locations,
            "specialties": m.specialties,
            "services": m.services,
            "languages": m.languages,
        }
        return cls(
            provider=provider,
            application=NetworkApplication.from_model(m.application) if m.application else None,
            credentials=[NetworkCredential.from_model(c) for c in m.credentials],
            document_requests=[DocumentRequest.from_model(r) for r in m.document_requests],
            contracts=[NetworkContract.from_model(c, m.versions[c.id]) for c in m.contracts],
            onboarding_tasks=[OnboardingTask.from_model(t) for t in m.onboarding_tasks],
            referrals_by_status=[StatusCount(status=s.status, count=s.count) for s in m.referrals],
            recent_referrals=[
                ReferralSummary(
                    referral_number=r.number,
                    recipient_status=r.status.value,
                    created_at=r.created_at,
                )
                for r in m.recent_referrals
            ],
            authorizations_by_status=[
                StatusCount(status=s.status, count=s.count) for s in m.authorizations
            ],
            payments=copy(PaymentsSummary, m.payments),
        )
