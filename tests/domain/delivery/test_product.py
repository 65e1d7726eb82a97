"""Product delivery: the agency pays an active PRODUCT benefit to the case component's
nominee, in instalments on the nominee's delivery pattern, once each."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from domain.cases import benefits, members
from domain.cases import service as cases
from domain.cases.lifecycle import BenefitAssignmentAction, CaseType
from domain.cases.models import DeliveryMode, ParticipantRole
from domain.cases.rules import BenefitAssignmentData, CaseData
from domain.catalog import service as catalog
from domain.catalog.models import BenefitCategory, UnitOfMeasure
from domain.catalog.rules import BenefitData
from domain.delivery import service as delivery
from domain.delivery.models import DeliveryFrequency, DeliveryMethod, PayeeKind
from domain.people import service as people
from domain.people.rules import PersonData
from tests.domain.delivery.conftest import run_payments

SPRING = (date(2026, 2, 1), date(2026, 4, 30))


async def mileage_for_steve(world, uow_factory, dollars="300"):
    """Steve's case with a mileage reimbursement of `dollars` over February to April."""
    async with uow_factory() as uow:
        mileage = await catalog.create_benefit(
            uow=uow,
            actor=world.supervisor,
            data=BenefitData(
                "MILEAGE",
                "Mileage reimbursement",
                "Reimbursement",
                BenefitCategory.MONETARY,
                UnitOfMeasure.DOLLAR,
            ),
        )
    async with uow_factory() as uow:
        case = await cases.create_case(
            uow=uow, actor=world.caseworker, data=CaseData(CaseType.INTEGRATED, world.steve)
        )
    async with uow_factory() as uow:
        assignment = await benefits.assign_benefit(
            uow=uow,
            actor=world.caseworker,
            case_id=case.id,
            data=BenefitAssignmentData(
                world.steve, mileage.id, Decimal(dollars), *SPRING, DeliveryMode.PRODUCT
            ),
        )
    async with uow_factory() as uow:
        await benefits.transition_benefit_assignment(
            uow=uow,
            actor=world.caseworker,
            assignment_id=assignment.id,
            action=BenefitAssignmentAction.ACTIVATE,
        )
    return case, assignment


async def month(world, uow_factory, number):
    end = {2: 28, 3: 31, 4: 30}[number]
    return (
        await run_payments(world, uow_factory, (date(2026, number, 1), date(2026, number, end)))
    ).payments


async def test_the_primary_client_is_paid_monthly_by_eft_when_nothing_else_is_set(
    world, uow_factory
):
    await mileage_for_steve(world, uow_factory)

    (february,) = await month(world, uow_factory, 2)

    assert (february.payee_kind, february.payee_person_id, february.provider_id) == (
        PayeeKind.NOMINEE,
        world.steve,
        None,
    )
    assert (february.delivery_method, february.total_amount) == (
        DeliveryMethod.EFT,
        Decimal("100.00"),
    )
    assert await month(world, uow_factory, 2) == []
    assert [p.total_amount for p in await month(world, uow_factory, 3)] == [Decimal("100.00")]


async def test_the_nominee_is_paid_on_their_delivery_pattern(world, uow_factory):
    case, assignment = await mileage_for_steve(world, uow_factory, dollars="100")
    async with uow_factory() as uow:
        daughter = await people.create_person(
            uow=uow,
            actor=world.caseworker,
            data=PersonData(given_name="Ann", family_name="Marshall"),
        )
    async with uow_factory() as uow:
        await members.add_case_participant(
            uow=uow,
            actor=world.caseworker,
            case_id=case.id,
            person_id=daughter.id,
            role=ParticipantRole.MEMBER,
        )
    async with uow_factory() as uow:
        await members.assign_nominee(
            uow=uow,
            actor=world.caseworker,
            case_id=case.id,
            component=assignment.component,
            person_id=daughter.id,
        )
    async with uow_factory() as uow:
        await delivery.set_delivery_pattern(
            uow=uow,
            actor=world.caseworker,
            case_id=case.id,
            component=assignment.component,
            method=DeliveryMethod.CHECK,
            frequency=DeliveryFrequency.WEEKLY,
        )

    paid = [p for number in (2, 3, 4) for p in await month(world, uow_factory, number)]

    assert {(p.payee_person_id, p.delivery_method, p.payee_name) for p in paid} == {
        (daughter.id, DeliveryMethod.CHECK, "Ann Marshall")
    }
    # 13 weekly instalments from 1 February to 26 April: 7.69 each, the last 7.72; exact in sum
    assert sum(p.total_amount for p in paid) == Decimal("100.00")
    assert [p.total_amount for p in paid] == [Decimal("30.76"), Decimal("38.45"), Decimal("30.79")]


async def test_a_changed_frequency_spreads_what_is_left_and_never_pays_twice(world, uow_factory):
    case, assignment = await mileage_for_steve(world, uow_factory)
    (february,) = await month(world, uow_factory, 2)
    async with uow_factory() as uow:
        await delivery.set_delivery_pattern(
            uow=uow,
            actor=world.caseworker,
            case_id=case.id,
            component=assignment.component,
            method=DeliveryMethod.EFT,
            frequency=DeliveryFrequency.BIWEEKLY,
        )
    rest = [p for number in (3, 4) for p in await month(world, uow_factory, number)]
    assert february.total_amount + sum(p.total_amount for p in rest) == Decimal("300.00")
