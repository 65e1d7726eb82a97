"""What a partner is told of a request (`answers.snapshot`), read from a real database: the
payer with its payer id, the requester and servicing provider with their NPIs, the patient."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from domain.authorizations import payer
from domain.authorizations.answers import snapshot
from domain.authorizations.models import AuthorizationRequest, CodeSystem
from domain.authorizations.payer_rules import DiagnosisData, PayerRequestData, ServiceLineData
from domain.identity.models import Organization
from domain.partners.models import TradingPartner
from domain.partners.ports import PartnerParty
from domain.people.models import Person, Sex
from domain.providers.models import Provider, ProviderKind
from tests.office import build_office


async def make_request(uow_factory, office, **data):
    async with uow_factory() as uow:
        request = await payer.create_payer_request(
            uow=uow,
            actor=office["olive"],
            data=PayerRequestData(
                patient_id=office["maria"],
                payer_id=office["payer"],
                coverage_id=office["coverage"],
                lines=(ServiceLineData(CodeSystem.CPT, "72148", Decimal(1)),),
                diagnoses=(DiagnosisData("M54.16"), DiagnosisData("M51.26")),
                **data,
            ),
        )
        return request.id


async def test_the_snapshot_names_the_payer_the_requesting_organisation_and_the_patient(
    orgs, uow_factory
):
    office = await build_office(orgs, uow_factory)
    request_id = await make_request(uow_factory, office)
    async with uow_factory() as uow:
        request = await uow.session.get(AuthorizationRequest, request_id)
        cosville = await uow.session.get(Organization, office["payer"])
        clinic = await uow.session.get(Organization, request.requesting_organization_id)
        cosville.payer_id, clinic.npi = "COSV1", "1234567893"
        (await uow.session.get(Person, office["maria"])).sex = Sex.FEMALE
        await uow.commit()
    async with uow_factory() as uow:
        told = await snapshot(uow, await uow.session.get(AuthorizationRequest, request_id))
    assert told.payer == PartnerParty("Cosville Health Plan", "COSV1")
    assert told.requester == PartnerParty("Northside Wellness Clinic", "1234567893")
    assert told.servicing_provider is None
    assert (told.member_id, told.patient_birth_date, told.patient_sex) == (
        "CHP-1001",
        date(1980, 5, 1),
        "FEMALE",
    )
    assert told.diagnoses == ("M54.16", "M51.26")  # the principal first


async def test_the_snapshot_prefers_the_requesting_provider_and_names_the_servicing_one(
    orgs, uow_factory, clock
):
    office = await build_office(orgs, uow_factory)
    async with uow_factory() as uow:
        clinic_id = await uow.session.scalar(
            select(Organization.id).where(Organization.name == "Northside Wellness Clinic")
        )
        common = {
            "organization_id": clinic_id,
            "created_at": clock.now(),
            "updated_at": clock.now(),
        }
        watson = Provider(
            kind=ProviderKind.PRACTITIONER, name="Susan Watson", npi="1982736450", **common
        )
        imaging = Provider(
            kind=ProviderKind.ORGANIZATION, name="Northside Imaging", npi="1467543210", **common
        )
        uow.session.add_all([watson, imaging])
        await uow.commit()
        ids = watson.id, imaging.id
    request_id = await make_request(
        uow_factory, office, requesting_provider_id=ids[0], servicing_provider_id=ids[1]
    )
    async with uow_factory() as uow:
        told = await snapshot(uow, await uow.session.get(AuthorizationRequest, request_id))
        partner = await uow.session.scalar(select(TradingPartner))
        partner.endpoint_url = "https://payer.example/soap/core"
        options = partner.adapter_options()
    assert told.requester == PartnerParty("Susan Watson", "1982736450")
    assert told.servicing_provider == PartnerParty("Northside Imaging", "1467543210")
    assert options["endpoint_url"] == "https://payer.example/soap/core"
