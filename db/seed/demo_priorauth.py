"""The demo's prior-authorization story (seed 004): Olive, the coordinator at Northside
Wellness Clinic, has submitted an MRI and a course of physical therapy for her patient Maria
Lopez to the Cosville Health Plan, which speaks FHIR PAS. The embedded dispatcher sends the
request when the demo starts, to the simulated PAS payer the demo serves itself: the MRI is
approved at once, the physical therapy is pended, and the embedded worker's follow-up inquiry
gets it approved about half a minute later. The Evergreen Health Plan, the payer of the
simulated EHR's patients, is reached by hand (MANUAL), so `importFromEhr` works at once and
Olive records what Evergreen says."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from domain.authorizations import payer
from domain.authorizations.models import CodeSystem, Priority, RequestCategory
from domain.authorizations.payer_rules import DiagnosisData, PayerRequestData, ServiceLineData
from domain.catalog.models import UnitOfMeasure
from domain.identity import service as identity
from domain.identity.models import OrganizationKind
from domain.identity.rules import Principal
from domain.partners import service as partners
from domain.partners.models import Protocol, TradingPartner
from domain.people import service as people
from domain.people.models import IdentifierSystem, Sex
from domain.people.rules import Identifier, PersonData
from domain.uow import UnitOfWork

EVERGREEN = "Evergreen Health Plan"  # the payer on the simulated EHR's coverages
# The simulated PAS payer the demo serves itself; `carebridge demo` points it at its own port.
DEMO_PAS_URL = "http://127.0.0.1:8000/simulator/pas/fhir"


async def point_demo_partners(uow_factory: Callable[[], UnitOfWork], simulator_root: str) -> None:
    """The demo's simulated partners are served by the demo itself, wherever it listens."""
    async with uow_factory() as uow:
        for partner in await uow.session.scalars(select(TradingPartner)):
            if partner.endpoint_url and "/simulator/pas/fhir" in partner.endpoint_url:
                partner.endpoint_url = f"{simulator_root}/pas/fhir"
        await uow.commit()


async def load_prior_authorization_story(
    uow_factory: Callable[[], UnitOfWork], olive: Principal, payer_id: uuid.UUID
) -> None:
    async with uow_factory() as uow:
        evergreen = await identity.create_organization(
            uow=uow, name=EVERGREEN, kind=OrganizationKind.PAYER, payer_id="EVG01"
        )
        await partners.create_trading_partner(
            uow=uow,
            payer_organization_id=payer_id,
            name="Cosville Health Plan PAS endpoint",
            protocol=Protocol.FHIR_PAS,
            endpoint_url=DEMO_PAS_URL,
        )
        await partners.create_trading_partner(
            uow=uow,
            payer_organization_id=evergreen.id,
            name="Evergreen Health Plan provider portal",
            protocol=Protocol.MANUAL,
        )
        await uow.commit()
    async with uow_factory() as uow:
        maria = await people.create_person(
            uow=uow,
            actor=olive,
            data=PersonData(
                given_name="Maria",
                family_name="Lopez",
                birth_date=date(1979, 9, 23),
                sex=Sex.FEMALE,
                preferred_language="es",
                # Her record number in the clinic's EHR, so importFromEhr finds her again.
                identifiers=(Identifier(IdentifierSystem.MEDICAL_RECORD_NUMBER, "NWC-100234"),),
            ),
        )
        today = uow.clock.now().date()
    async with uow_factory() as uow:
        coverage = await people.add_coverage(
            uow=uow,
            actor=olive,
            person_id=maria.id,
            data=people.CoverageData(
                payer_id, "CHP-7730415", "Cosville Health Plan Silver", date(today.year, 1, 1)
            ),
        )
    async with uow_factory() as uow:
        request = await payer.create_payer_request(
            uow=uow,
            actor=olive,
            data=PayerRequestData(
                patient_id=maria.id,
                payer_id=payer_id,
                coverage_id=coverage.id,
                priority=Priority.STANDARD,
                category=RequestCategory.OUTPATIENT_SERVICE,
                diagnoses=(DiagnosisData("M54.16", "Radiculopathy, lumbar region"),),
                lines=(
                    ServiceLineData(
                        CodeSystem.CPT,
                        "72148",
                        Decimal(1),
                        UnitOfMeasure.UNIT,
                        requested_start=today + timedelta(days=3),
                        requested_end=today + timedelta(days=33),
                        place_of_service="22",
                        description="MRI lumbar spine without contrast",
                    ),
                    ServiceLineData(
                        CodeSystem.CPT,
                        "97110",
                        Decimal(12),
                        UnitOfMeasure.VISIT,
                        ("GP",),
                        requested_start=today + timedelta(days=7),
                        requested_end=today + timedelta(days=97),
                        place_of_service="11",
                        description="Therapeutic exercise",
                    ),
                ),
            ),
        )
    async with uow_factory() as uow:
        await payer.submit_request(uow=uow, actor=olive, request_id=request.id)
