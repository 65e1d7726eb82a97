"""The demo stories: Connor's case for Steve, grief counselling referred to three providers;
Olive's prior authorization request to the payer."""

from __future__ import annotations

from sqlalchemy import select

from db.seed import demo
from domain.authorizations.lifecycle import AuthorizationStatus
from domain.authorizations.models import AuthorizationRequest, AuthorizerKind
from domain.cases.models import Case
from domain.network.models import Lead, RecruitmentCampaign
from domain.partners.models import OutboxMessage
from domain.referrals.models import Referral, ReferralRecipient


async def test_the_demo_has_one_referral_accepted_declined_and_pending(uow_factory):
    await demo.load_demo(uow_factory)
    async with uow_factory() as uow:
        case = (await uow.session.scalars(select(Case))).one()
        referral = (await uow.session.scalars(select(Referral))).one()
        answers = sorted(
            r.status.value for r in await uow.session.scalars(select(ReferralRecipient))
        )
        requests = {
            r.authorizer_kind: r for r in await uow.session.scalars(select(AuthorizationRequest))
        }
        outbox = (await uow.session.scalars(select(OutboxMessage))).one()
    assert case.title == "Steve Marshall's care plan" and referral.case_id == case.id
    assert answers == ["ACCEPTED", "DECLINED", "PENDING"]
    assert requests[AuthorizerKind.AGENCY].status is AuthorizationStatus.SUBMITTED
    # Olive's request to the payer waits in the outbox for the dispatcher the demo starts.
    assert requests[AuthorizerKind.PAYER].status is AuthorizationStatus.SUBMITTING
    assert outbox.request_id == requests[AuthorizerKind.PAYER].id
    async with uow_factory() as uow:
        campaign = (await uow.session.scalars(select(RecruitmentCampaign))).one()
        lead = (await uow.session.scalars(select(Lead))).one()
    # Nina's campaign has Dr. Zamadi as its target, not contacted yet (docs/network.md).
    assert campaign.code == "CARDIO-COSVILLE-2026" and lead.campaign_id == campaign.id
    assert (lead.name, lead.status.value) == ("Dr. Leila Zamadi", "NEW")
    assert await demo.load_demo(uow_factory) == "demo data already loaded"
