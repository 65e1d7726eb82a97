"""The demo stories: Connor's case for Steve, grief counselling referred to three providers;
Dana's authorized grief counselling delivered in weekly sessions; Olive's prior authorization
request to the payer."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from db.seed import demo
from domain.authorizations.lifecycle import AuthorizationStatus
from domain.authorizations.models import AuthorizationRequest, AuthorizerKind
from domain.cases.models import Case
from domain.delivery.lifecycle import DisbursementStatus, SessionStatus
from domain.delivery.models import BenefitSession, Disbursement
from domain.network.models import Lead, RecruitmentCampaign
from domain.partners.models import OutboxMessage
from domain.referrals.models import Referral, ReferralRecipient


async def test_the_demo_has_one_referral_accepted_declined_and_pending(uow_factory):
    await demo.load_demo(uow_factory)
    async with uow_factory() as uow:
        case = (await uow.session.scalars(select(Case).where(Case.title.startswith("Steve")))).one()
        referral = (
            await uow.session.scalars(select(Referral).where(Referral.case_id == case.id))
        ).one()
        answers = sorted(
            r.status.value
            for r in await uow.session.scalars(
                select(ReferralRecipient).where(ReferralRecipient.referral_id == referral.id)
            )
        )
        requests = {
            (r.authorizer_kind, r.status): r
            for r in await uow.session.scalars(select(AuthorizationRequest))
        }
        outbox = (await uow.session.scalars(select(OutboxMessage))).one()
    assert case.title == "Steve Marshall's care plan"
    assert answers == ["ACCEPTED", "DECLINED", "PENDING"]
    assert set(requests) == {
        (AuthorizerKind.AGENCY, AuthorizationStatus.SUBMITTED),  # Steve's, waiting for Connor
        (AuthorizerKind.AGENCY, AuthorizationStatus.APPROVED),  # Dana's
        (AuthorizerKind.PAYER, AuthorizationStatus.SUBMITTING),
    }
    # Olive's request to the payer waits in the outbox for the dispatcher the demo starts.
    assert outbox.request_id == requests[AuthorizerKind.PAYER, AuthorizationStatus.SUBMITTING].id
    async with uow_factory() as uow:
        campaign = (await uow.session.scalars(select(RecruitmentCampaign))).one()
        lead = (await uow.session.scalars(select(Lead))).one()
    # Nina's campaign has Dr. Zamadi as its target, not contacted yet (docs/network.md).
    assert campaign.code == "CARDIO-COSVILLE-2026" and lead.campaign_id == campaign.id
    assert (lead.name, lead.status.value) == ("Dr. Leila Zamadi", "NEW")
    assert await demo.load_demo(uow_factory) == "demo data already loaded"


async def test_the_demo_has_sessions_with_attendance_to_record(uow_factory):
    await demo.load_demo(uow_factory)
    async with uow_factory() as uow:
        sessions = list(
            await uow.session.scalars(select(BenefitSession).order_by(BenefitSession.starts_at))
        )
        disbursements = {d.session_id: d for d in await uow.session.scalars(select(Disbursement))}
        now = uow.clock.now()
    assert [s.status for s in sessions] == [
        SessionStatus.COMPLETED,
        SessionStatus.COMPLETED,
        SessionStatus.SCHEDULED,  # past: its attendance is for the demo's user to record
        SessionStatus.SCHEDULED,
    ]
    assert sessions[2].starts_at < now < sessions[3].starts_at
    assert [disbursements[s.id].status for s in sessions] == [
        DisbursementStatus.APPROVED,  # no manual approval share: payable at once
        DisbursementStatus.APPROVED,
        DisbursementStatus.ENROLLED,
        DisbursementStatus.ENROLLED,
    ]
    # Grief Care's offering rate, one session each.
    assert [disbursements[s.id].amount for s in sessions[:2]] == [
        Decimal("80.00"),
        Decimal("80.00"),
    ]
