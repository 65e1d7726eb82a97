"""The demo's referral story (seed 000 steps 1-3): Connor opens an integrated case for Steve
Marshall, assigns grief counselling and refers him to three providers. Grief Care accepts and
asks for authorization (waiting for Connor), Harbor declines, Riverside has not answered."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from domain.authorizations import service as authorizations
from domain.authorizations.rules import LineData
from domain.cases import benefits
from domain.cases import service as cases
from domain.cases.lifecycle import CaseType
from domain.cases.models import BenefitAssignment, DeliveryMode
from domain.cases.rules import BenefitAssignmentData, CaseData
from domain.identity.rules import Principal
from domain.referrals import readers as referral_readers
from domain.referrals import service as referrals
from domain.referrals.models import Urgency
from domain.referrals.rules import ReferralData
from domain.uow import UnitOfWork

GRIEF_CARE = "Cosville Grief Care Center"
HARBOR = "Harbor Family Services"
RIVERSIDE = "Riverside Counseling Collective"
# Which demo user answers for which provider.
STORY_STAFF = {
    "grace@griefcare.example": GRIEF_CARE,
    "hal@harborfamily.example": HARBOR,
    "rita@riverside.example": RIVERSIDE,
}


@dataclass(frozen=True)
class ReferralStory:
    caseworker: Principal
    staff: dict[str, Principal]  # provider name -> its demo staff member
    grief_benefit: uuid.UUID
    providers: dict[str, uuid.UUID]
    steve: uuid.UUID


async def load_referral_story(uow_factory: Callable[[], UnitOfWork], story: ReferralStory) -> None:
    """Through the domain services, as the users would do it."""
    connor = story.caseworker
    assignment, today = await open_case_with_benefit(
        uow_factory,
        connor,
        story.steve,
        story.grief_benefit,
        title="Steve Marshall's care plan",
        quantity=Decimal(12),
        since=timedelta(0),
        until=timedelta(days=180),
        notes="Bereavement: his wife passed away recently",
    )
    async with uow_factory() as uow:
        referral = await referrals.create_referral(
            uow=uow,
            actor=connor,
            data=ReferralData(
                benefit_assignment_id=assignment.id,
                provider_ids=tuple(
                    story.providers[name] for name in (GRIEF_CARE, HARBOR, RIVERSIDE)
                ),
                reason="Grief counselling after the death of his wife",
                respond_by=today + timedelta(days=7),
                consent_given=True,
                urgency=Urgency.ROUTINE,
                languages=("en",),
            ),
        )
    await _answer(uow_factory, story, referral.id)


async def open_case_with_benefit(
    uow_factory: Callable[[], UnitOfWork],
    caseworker: Principal,
    person_id: uuid.UUID,
    benefit_id: uuid.UUID,
    *,
    title: str,
    quantity: Decimal,
    since: timedelta,
    until: timedelta,
    notes: str,
) -> tuple[BenefitAssignment, datetime]:
    """An integrated case for the person with the benefit assigned as a service, for the
    period from `since` before today to `until` after; the assignment and today."""
    async with uow_factory() as uow:
        case = await cases.create_case(
            uow=uow,
            actor=caseworker,
            data=CaseData(CaseType.INTEGRATED, person_id, title=title),
        )
        today = uow.clock.now()
    async with uow_factory() as uow:
        assignment = await benefits.assign_benefit(
            uow=uow,
            actor=caseworker,
            case_id=case.id,
            data=BenefitAssignmentData(
                person_id=person_id,
                benefit_id=benefit_id,
                quantity=quantity,
                period_start=(today - since).date(),
                period_end=(today + until).date(),
                delivery_mode=DeliveryMode.SERVICE,
                notes=notes,
            ),
        )
    return assignment, today


async def _answer(
    uow_factory: Callable[[], UnitOfWork], story: ReferralStory, referral_id: uuid.UUID
) -> None:
    async with uow_factory() as uow:
        found = await referral_readers.recipients_by_referral_ids(
            uow=uow, actor=story.caseworker, referral_ids=[referral_id]
        )
    by_provider = {r.provider_id: r.id for r in found[referral_id]}
    grief_care = by_provider[story.providers[GRIEF_CARE]]
    async with uow_factory() as uow:
        await referrals.respond_to_referral(
            uow=uow,
            actor=story.staff[HARBOR],
            recipient_id=by_provider[story.providers[HARBOR]],
            accept=False,
            reason="No openings for new clients this month",
        )
    async with uow_factory() as uow:
        await referrals.respond_to_referral(
            uow=uow, actor=story.staff[GRIEF_CARE], recipient_id=grief_care, accept=True
        )
    async with uow_factory() as uow:
        await authorizations.create_agency_request(
            uow=uow,
            actor=story.staff[GRIEF_CARE],
            data=authorizations.AgencyRequestData(
                referral_recipient_id=grief_care,
                lines=(LineData(Decimal(10), description="Weekly individual sessions"),),
                notes="Can start next week, Tuesdays at 10:00",
            ),
        )
