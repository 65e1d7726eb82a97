"""Referral and agency authorization on a real database: the caseworker refers Steve to three
providers, they answer, one is authorized and the others close."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from domain.authorizations import agency
from domain.authorizations import service as authorizations
from domain.authorizations.lifecycle import AuthorizationStatus, ReviewAction
from domain.authorizations.rules import LineData, LineDecision
from domain.cases import benefits
from domain.cases import service as cases
from domain.cases.lifecycle import BenefitAssignmentStatus, CaseAction, CaseStatus, CaseType
from domain.cases.models import DeliveryMode
from domain.cases.rules import BenefitAssignmentData, CaseData
from domain.errors import DomainError, ErrorCode, ValidationErrors
from domain.history import StatusChange
from domain.people.models import PersonOrganization
from domain.providers.models import Provider
from domain.referrals import readers as referral_readers
from domain.referrals import service as referrals
from domain.referrals.lifecycle import ReferralRecipientStatus
from domain.referrals.models import ReferralAuthorizationStatus, ReferralStatus
from domain.referrals.rules import ReferralData
from tests.conftest import NOW
from tests.world import World, build_world

POLICY = agency.AgencyPolicy(supervisor_threshold=Decimal("5000"))


@pytest.fixture
async def world(orgs, uow_factory) -> World:
    return await build_world(orgs, uow_factory)


async def open_case_with_benefit(world: World, uow_factory, quantity: str = "10"):
    async with uow_factory() as uow:
        case = await cases.create_case(
            uow=uow,
            actor=world.caseworker,
            data=CaseData(CaseType.INTEGRATED, world.steve, title="Steve's care plan"),
        )
    async with uow_factory() as uow:
        assignment = await benefits.assign_benefit(
            uow=uow,
            actor=world.caseworker,
            case_id=case.id,
            data=BenefitAssignmentData(
                world.steve,
                world.grief,
                Decimal(quantity),
                date(2026, 1, 20),
                date(2026, 6, 30),
                DeliveryMode.SERVICE,
            ),
        )
    return case, assignment


async def refer(world: World, uow_factory, assignment_id, providers=None):
    async with uow_factory() as uow:
        return await referrals.create_referral(
            uow=uow,
            actor=world.caseworker,
            data=ReferralData(
                benefit_assignment_id=assignment_id,
                provider_ids=tuple(providers or world.providers),
                reason="Grief counselling after his wife's death",
                respond_by=NOW + timedelta(days=7),
                consent_given=True,
            ),
        )


async def recipients_of(world, uow_factory, referral_id):
    async with uow_factory() as uow:
        found = await referral_readers.recipients_by_referral_ids(
            uow=uow, actor=world.caseworker, referral_ids=[referral_id]
        )
    return {r.provider_id: r for r in found[referral_id]}


async def accept_and_request(world, uow_factory, recipient_id, staff, quantity="10"):
    async with uow_factory() as uow:
        await referrals.respond_to_referral(
            uow=uow, actor=staff, recipient_id=recipient_id, accept=True
        )
    async with uow_factory() as uow:
        return await authorizations.create_agency_request(
            uow=uow,
            actor=staff,
            data=authorizations.AgencyRequestData(
                referral_recipient_id=recipient_id, lines=(LineData(Decimal(quantity)),)
            ),
        )


async def lines_of(uow_factory, request_id):
    async with uow_factory() as uow:
        return (await authorizations.lines_by_request_ids(uow=uow, request_ids=[request_id]))[
            request_id
        ]


async def approve(world, uow_factory, request_id, actor=None, rate=None):
    line = (await lines_of(uow_factory, request_id))[0]
    async with uow_factory() as uow:
        return await agency.record_agency_determination(
            uow=uow,
            actor=actor or world.caseworker,
            request_id=request_id,
            decisions=(LineDecision(line.id, ReviewAction.CERTIFIED, rate=rate),),
            policy=POLICY,
        )


async def test_the_preferred_provider_is_authorized_and_the_others_close(world, uow_factory):
    _case, assignment = await open_case_with_benefit(world, uow_factory)
    referral = await refer(world, uow_factory, assignment.id)
    by_provider = await recipients_of(world, uow_factory, referral.id)
    grief_care, harbor, riverside = (by_provider[p] for p in world.providers)

    async with uow_factory() as uow:
        await referrals.respond_to_referral(
            uow=uow,
            actor=world.staff[1],
            recipient_id=harbor.id,
            accept=False,
            reason="No openings",
        )
    first = await accept_and_request(world, uow_factory, grief_care.id, world.staff[0])
    second = await accept_and_request(world, uow_factory, riverside.id, world.staff[2])
    assert first.status is second.status is AuthorizationStatus.SUBMITTED

    decided = await approve(world, uow_factory, first.id)

    assert decided.status is AuthorizationStatus.APPROVED
    line = (await lines_of(uow_factory, first.id))[0]
    assert line.review_action is ReviewAction.CERTIFIED
    assert line.approved_quantity == Decimal("10.00") and line.rate == Decimal("80.00")
    assert line.authorization_number and line.authorization_number.startswith("AUTH-2026-")
    async with uow_factory() as uow:
        other = await uow.session.get(type(second), second.id)
        found = await referral_readers.get_referrals(
            uow=uow, actor=world.caseworker, ids=[referral.id]
        )
        steady = await uow.session.get(type(assignment), assignment.id)
        loads = dict((await uow.session.execute(select(Provider.id, Provider.current_load))).all())
    assert other.status is AuthorizationStatus.NOT_SELECTED
    assert found[referral.id].authorization_status is ReferralAuthorizationStatus.AUTHORIZED
    assert found[referral.id].status is ReferralStatus.CLOSED
    assert steady.status is BenefitAssignmentStatus.ACTIVE
    assert loads[world.providers[0]] == 1 and loads[world.providers[2]] == 0


async def test_a_declined_provider_loses_sight_of_the_constituent(world, uow_factory):
    _, assignment = await open_case_with_benefit(world, uow_factory)
    referral = await refer(world, uow_factory, assignment.id)
    harbor = (await recipients_of(world, uow_factory, referral.id))[world.providers[1]]
    async with uow_factory() as uow:
        with pytest.raises(DomainError) as no_reason:
            await referrals.respond_to_referral(
                uow=uow, actor=world.staff[1], recipient_id=harbor.id, accept=False, reason=" "
            )
    assert no_reason.value.code is ErrorCode.REQUIRED
    async with uow_factory() as uow:
        await referrals.respond_to_referral(
            uow=uow, actor=world.staff[1], recipient_id=harbor.id, accept=False, reason="Full"
        )
        links = set(
            await uow.session.scalars(
                select(PersonOrganization.organization_id).where(
                    PersonOrganization.person_id == world.steve
                )
            )
        )
    assert world.provider_orgs[1] not in links and world.provider_orgs[0] in links


async def test_a_provider_cannot_answer_another_providers_referral(world, uow_factory):
    _, assignment = await open_case_with_benefit(world, uow_factory)
    referral = await refer(world, uow_factory, assignment.id)
    harbor = (await recipients_of(world, uow_factory, referral.id))[world.providers[1]]
    async with uow_factory() as uow:
        with pytest.raises(DomainError) as denied:
            await referrals.respond_to_referral(
                uow=uow, actor=world.staff[0], recipient_id=harbor.id, accept=True
            )
    assert denied.value.code is ErrorCode.NOT_FOUND


async def test_a_provider_at_capacity_cannot_be_chosen(world, uow_factory):
    _, assignment = await open_case_with_benefit(world, uow_factory)
    first = await refer(world, uow_factory, assignment.id, [world.providers[2]])
    riverside = (await recipients_of(world, uow_factory, first.id))[world.providers[2]]
    async with uow_factory() as uow:
        await referrals.respond_to_referral(
            uow=uow, actor=world.staff[2], recipient_id=riverside.id, accept=True
        )
    with pytest.raises(ValidationErrors) as full:
        await refer(world, uow_factory, assignment.id, [world.providers[0], world.providers[2]])
    assert [(e.code, e.field) for e in full.value.errors] == [
        (ErrorCode.AT_CAPACITY, "providerIds.1")
    ]


async def test_an_approval_above_the_threshold_needs_the_case_supervisor(world, uow_factory):
    _, assignment = await open_case_with_benefit(world, uow_factory)
    referral = await refer(world, uow_factory, assignment.id, [world.providers[0]])
    recipient = (await recipients_of(world, uow_factory, referral.id))[world.providers[0]]
    request = await accept_and_request(world, uow_factory, recipient.id, world.staff[0])

    with pytest.raises(DomainError) as refused:
        await approve(world, uow_factory, request.id, rate=Decimal("600"))
    assert refused.value.code is ErrorCode.SUPERVISOR_REQUIRED

    decided = await approve(
        world, uow_factory, request.id, actor=world.supervisor, rate=Decimal("600")
    )
    assert decided.status is AuthorizationStatus.APPROVED


async def test_closing_the_case_withdraws_unanswered_providers_and_cancels_requests(
    world, uow_factory
):
    case, assignment = await open_case_with_benefit(world, uow_factory)
    referral = await refer(world, uow_factory, assignment.id)
    by_provider = await recipients_of(world, uow_factory, referral.id)
    request = await accept_and_request(
        world, uow_factory, by_provider[world.providers[0]].id, world.staff[0]
    )

    async with uow_factory() as uow:
        closed = await cases.transition_case(
            uow=uow, actor=world.caseworker, case_id=case.id, action=CaseAction.CLOSE
        )
    assert closed.status is CaseStatus.CLOSED
    after = await recipients_of(world, uow_factory, referral.id)
    assert after[world.providers[1]].status is ReferralRecipientStatus.WITHDRAWN
    async with uow_factory() as uow:
        cancelled = await uow.session.get(type(request), request.id)
        load = await uow.session.scalar(
            select(Provider.current_load).where(Provider.id == world.providers[0])
        )
        history = await uow.session.scalar(
            select(func.count()).where(StatusChange.entity_id == request.id)
        )
    assert cancelled.status is AuthorizationStatus.CANCELLED and load == 0
    assert history == 4  # DRAFT, SUBMITTING, SUBMITTED, CANCELLED


async def test_two_providers_authorized_at_once_end_with_exactly_one(world, uow_factory):
    """Two caseworkers approve two providers of one referral in the same instant."""
    _, assignment = await open_case_with_benefit(world, uow_factory)
    referral = await refer(world, uow_factory, assignment.id, world.providers[:2])
    by_provider = await recipients_of(world, uow_factory, referral.id)
    requests = [
        await accept_and_request(world, uow_factory, by_provider[p].id, staff)
        for p, staff in zip(world.providers[:2], world.staff[:2], strict=True)
    ]
    other_caseworker = world.supervisor

    outcomes = await asyncio.gather(
        approve(world, uow_factory, requests[0].id),
        approve(world, uow_factory, requests[1].id, actor=other_caseworker),
        return_exceptions=True,
    )

    won = [o for o in outcomes if not isinstance(o, BaseException)]
    lost = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(won) == 1 and len(lost) == 1
    assert isinstance(lost[0], DomainError)
    assert lost[0].code in (ErrorCode.ILLEGAL_TRANSITION, ErrorCode.CONFLICT)
    async with uow_factory() as uow:
        statuses = sorted([(await uow.session.get(type(r), r.id)).status for r in requests])
    assert statuses == sorted([AuthorizationStatus.APPROVED, AuthorizationStatus.NOT_SELECTED])


async def test_unanswered_providers_expire_after_their_date(world, uow_factory, clock):
    _, assignment = await open_case_with_benefit(world, uow_factory)
    referral = await refer(world, uow_factory, assignment.id, world.providers[:2])
    harbor = (await recipients_of(world, uow_factory, referral.id))[world.providers[1]]
    async with uow_factory() as uow:
        await referrals.respond_to_referral(
            uow=uow, actor=world.staff[1], recipient_id=harbor.id, accept=True
        )

    clock.advance(timedelta(days=8))
    async with uow_factory() as uow:
        assert await referrals.expire_overdue_recipients(uow=uow) == 1
    async with uow_factory() as uow:
        assert await referrals.expire_overdue_recipients(uow=uow) == 0

    after = await recipients_of(world, uow_factory, referral.id)
    assert after[world.providers[0]].status is ReferralRecipientStatus.EXPIRED
    assert after[world.providers[1]].status is ReferralRecipientStatus.ACCEPTED


async def test_an_answer_after_the_date_to_respond_is_refused(world, uow_factory, clock):
    _, assignment = await open_case_with_benefit(world, uow_factory)
    referral = await refer(world, uow_factory, assignment.id, world.providers[:1])
    grief_care = (await recipients_of(world, uow_factory, referral.id))[world.providers[0]]
    clock.advance(timedelta(days=7, seconds=1))
    async with uow_factory() as uow:
        with pytest.raises(DomainError) as late:
            await referrals.respond_to_referral(
                uow=uow, actor=world.staff[0], recipient_id=grief_care.id, accept=True
            )
    assert late.value.code is ErrorCode.RESPONSE_OVERDUE


async def test_the_providers_are_told_how_the_referral_ended_for_them(world, engine, clock):
    from db.uow import Database

    class Recording:
        events: list = []

        async def publish(self, events):
            self.events.extend(events)

    bus = Recording()
    factory = Database(engine, clock=clock, bus=bus).uow_factory("t")
    _, assignment = await open_case_with_benefit(world, factory)
    referral = await refer(world, factory, assignment.id, world.providers[:2])
    by_provider = await recipients_of(world, factory, referral.id)
    winner = await accept_and_request(
        world, factory, by_provider[world.providers[0]].id, world.staff[0]
    )
    await accept_and_request(world, factory, by_provider[world.providers[1]].id, world.staff[1])
    bus.events.clear()

    await approve(world, factory, winner.id)

    told = {e.name: e.organization_ids for e in bus.events if e.entity == "Referral"}
    assert told["referral.authorized"] == (world.agency, world.provider_orgs[0])
    assert told["referral.not_selected"] == (world.agency, world.provider_orgs[1])


async def test_the_embedded_worker_expires_what_is_due(world, uow_factory, clock):
    from adapters.partners.directory import PartnerRegistry
    from adapters.partners.dispatcher import OutboxDispatcher

    _, assignment = await open_case_with_benefit(world, uow_factory)
    await refer(world, uow_factory, assignment.id, world.providers[:2])
    worker = OutboxDispatcher(uow_factory, PartnerRegistry(), bus=None)
    assert await worker.expire_due() == (0, 0)
    clock.advance(timedelta(days=8))
    assert await worker.expire_due() == (2, 0)
