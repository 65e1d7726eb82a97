"""A provider office for prior-authorization tests: Northside Wellness Clinic with its
authorization coordinator Olive, the Cosville Health Plan reached by hand (MANUAL), and the
patient Maria Lopez with her coverage; plus a coordinator of another clinic."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from domain.authorizations import payer
from domain.authorizations.models import CodeSystem
from domain.authorizations.payer_rules import PayerRequestData, ServiceLineData
from domain.identity.models import OrganizationKind, Role
from domain.partners import service as partners
from domain.partners.models import Protocol
from domain.people import service as people
from domain.people.rules import PersonData


async def build_office(orgs, uow_factory) -> dict:
    clinic = await orgs.organization("Northside Wellness Clinic", OrganizationKind.PROVIDER)
    payer = await orgs.organization("Cosville Health Plan", OrganizationKind.PAYER)
    olive = await orgs.user(clinic, Role.AUTH_COORDINATOR)
    other_clinic = await orgs.organization("Elsewhere Clinic", OrganizationKind.PROVIDER)
    stranger = await orgs.user(other_clinic, Role.AUTH_COORDINATOR)
    async with uow_factory() as uow:
        await partners.create_trading_partner(
            uow=uow,
            payer_organization_id=payer,
            name="Cosville Health Plan portal",
            protocol=Protocol.MANUAL,
        )
        await uow.commit()
    async with uow_factory() as uow:
        maria = await people.create_person(
            uow=uow,
            actor=olive,
            data=PersonData(given_name="Maria", family_name="Lopez", birth_date=date(1980, 5, 1)),
        )
    async with uow_factory() as uow:
        coverage = await people.add_coverage(
            uow=uow,
            actor=olive,
            person_id=maria.id,
            data=people.CoverageData(payer, "CHP-1001", "Gold", date(2026, 1, 1)),
        )
    return {
        "olive": olive,
        "stranger": stranger,
        "payer": payer,
        "maria": maria.id,
        "coverage": coverage.id,
    }


async def submitted_payer_request(uow_factory, office, *lines):
    """Olive's request to the office's payer for Maria under her coverage, submitted: one CPT
    72148 line unless `lines` (ServiceLineData) are given."""
    lines = lines or (ServiceLineData(CodeSystem.CPT, "72148", Decimal(1)),)
    async with uow_factory() as uow:
        request = await payer.create_payer_request(
            uow=uow,
            actor=office["olive"],
            data=PayerRequestData(
                patient_id=office["maria"],
                payer_id=office["payer"],
                coverage_id=office["coverage"],
                lines=tuple(lines),
            ),
        )
    async with uow_factory() as uow:
        await payer.submit_request(uow=uow, actor=office["olive"], request_id=request.id)
    return request
