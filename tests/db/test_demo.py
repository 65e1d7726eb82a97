"""The demo story: Connor's case for Steve, grief counselling referred to three providers."""

from __future__ import annotations

from sqlalchemy import select

from db.seed import demo
from domain.authorizations.lifecycle import AuthorizationStatus
from domain.authorizations.models import AuthorizationRequest
from domain.cases.models import Case
from domain.referrals.models import Referral, ReferralRecipient


async def test_the_demo_has_one_referral_accepted_declined_and_pending(uow_factory):
    await demo.load_demo(uow_factory)
    async with uow_factory() as uow:
        case = (await uow.session.scalars(select(Case))).one()
        referral = (await uow.session.scalars(select(Referral))).one()
        answers = sorted(
            r.status.value for r in await uow.session.scalars(select(ReferralRecipient))
        )
        request = (await uow.session.scalars(select(AuthorizationRequest))).one()
    assert case.title == "Steve Marshall's care plan" and referral.case_id == case.id
    assert answers == ["ACCEPTED", "DECLINED", "PENDING"]
    assert request.status is AuthorizationStatus.SUBMITTED
    assert await demo.load_demo(uow_factory) == "demo data already loaded"
