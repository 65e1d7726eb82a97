"""A partner world for inbound submissions: a clinic whose EHR submits through an API client
(role PARTNER), a clearinghouse with its own client, a payer known by its payer id with a
trading partner, and the directory's providers by NPI."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from domain.authorizations.intake import (
    EhrIntake,
    Identifier,
    IntakeCoverage,
    IntakeDiagnosis,
    IntakePatient,
    IntakePractitioner,
    IntakeProvider,
    Period,
    Priority,
    RequestedService,
    ServiceCodeSystem,
)
from domain.authorizations.models import (
    AuthorizationAttachment,
    AuthorizationLine,
    AuthorizationRequest,
    SubmissionReceipt,
)
from domain.identity import service as identity
from domain.identity.models import OrganizationKind
from domain.identity.rules import Principal, principal_of
from domain.partners import service as partners
from domain.partners.models import OutboxMessage, Protocol
from domain.people.models import Coverage, Person
from domain.providers.models import NetworkStatus, Provider, ProviderKind
from tests.world import npi

CLINIC_NPI = npi("188888888")
PRACTITIONER_NPI = npi("177777777")
PAYER_ID = "CHP01"


@dataclass
class PartnerWorld:
    clinic: uuid.UUID
    ehr: Principal  # the clinic's EHR, an API client
    clearinghouse: Principal
    payer: uuid.UUID
    provider: uuid.UUID  # Dr. Paula Reyes, of the clinic


async def build_partner_world(
    orgs,
    uow_factory,
    *,
    protocol: Protocol = Protocol.MANUAL,
    endpoint_url: str | None = None,
    payer_id: str = PAYER_ID,
    provider_npis: Iterable[str] = (),
    options: dict[str, object] | None = None,
) -> PartnerWorld:
    clinic = await orgs.organization(
        "Northside Wellness Clinic", OrganizationKind.PROVIDER, npi=CLINIC_NPI
    )
    house = await orgs.organization("Hub Clearinghouse", OrganizationKind.CLEARINGHOUSE)
    payer = await orgs.organization(
        "Cosville Health Plan", OrganizationKind.PAYER, payer_id=payer_id
    )
    async with uow_factory() as uow:
        await partners.create_trading_partner(
            uow=uow,
            payer_organization_id=payer,
            name="Cosville Health Plan",
            protocol=protocol,
            endpoint_url=endpoint_url,
            options=options,
        )
        ehr = await identity.create_api_client(
            uow=uow,
            organization_id=clinic,
            name="Clinic EHR",
            client_id="clinic-ehr",
            secret="s3cret-s3cret",
        )
        hub = await identity.create_api_client(
            uow=uow, organization_id=house, name="Hub", client_id="hub", secret="s3cret-s3cret"
        )
        now = uow.clock.now()
        provider = Provider(
            organization_id=clinic,
            kind=ProviderKind.PRACTITIONER,
            name="Paula Reyes",
            npi=PRACTITIONER_NPI,
            network_status=NetworkStatus.IN_NETWORK,
            current_load=0,
            created_at=now,
            updated_at=now,
        )
        uow.session.add(provider)
        for index, extra in enumerate(
            dict.fromkeys(n for n in provider_npis if n != PRACTITIONER_NPI)
        ):
            uow.session.add(
                Provider(
                    organization_id=clinic,
                    kind=ProviderKind.PRACTITIONER,
                    name=f"Directory provider {index}",
                    npi=extra,
                    network_status=NetworkStatus.IN_NETWORK,
                    current_load=0,
                    created_at=now,
                    updated_at=now,
                )
            )
        await uow.session.flush()
        world = PartnerWorld(
            clinic=clinic,
            ehr=principal_of(ehr, OrganizationKind.PROVIDER, is_machine=True),
            clearinghouse=principal_of(hub, OrganizationKind.CLEARINGHOUSE, is_machine=True),
            payer=payer,
            provider=provider.id,
        )
        await uow.commit()
    return world


def paula(npi_value: str = PRACTITIONER_NPI) -> IntakeProvider:
    return IntakeProvider(
        practitioner=IntakePractitioner(None, "Reyes", ("Paula",), npi_value),
        organization=None,
    )


def service(
    code: str = "72148",
    *,
    start: date = date(2026, 12, 10),
    requesting: IntakeProvider | None = None,
    quantity: str = "1",
) -> RequestedService:
    return RequestedService(
        ehr_id="item-1",
        status="active",
        code=code,
        code_system=ServiceCodeSystem.CPT,
        display="MRI lumbar spine",
        modifiers=(),
        quantity=Decimal(quantity),
        unit=None,
        occurrence=Period(start, start),
        priority=Priority.STANDARD,
        ehr_priority=None,
        category=None,
        reason_codes=(),
        requesting_provider=requesting if requesting is not None else paula(),
        servicing_provider=None,
        facility=None,
    )


def intake(
    *,
    member_id: str | None = "CHP-1001",
    coverage_status: str = "active",
    coverage_period: Period = Period(date(2026, 1, 1), None),
    services: tuple[RequestedService, ...] | None = None,
    payer_id: str = PAYER_ID,
) -> EhrIntake:
    return EhrIntake(
        patient=IntakePatient(
            ehr_id="pat-1",
            identifiers=(Identifier("urn:member", member_id or "x", "MB"),),
            family_name="Lopez",
            given_names=("Maria",),
            birth_date=date(1980, 5, 1),
            gender="female",
        ),
        coverages=(
            IntakeCoverage(
                ehr_id="cov-1",
                status=coverage_status,
                payer_name="Cosville Health Plan",
                payer_identifier=Identifier(None, payer_id),
                member_id=member_id,
                subscriber_id=member_id,
                group_id=None,
                group_name=None,
                plan_name="Gold",
                period=coverage_period,
                relationship="self",
                order=1,
            ),
        ),
        diagnoses=(IntakeDiagnosis("M54.16", "Radiculopathy, lumbar region", "dx-1"),),
        requested_services=services if services is not None else (service(),),
    )


TABLES = (
    AuthorizationRequest,
    AuthorizationLine,
    AuthorizationAttachment,
    OutboxMessage,
    SubmissionReceipt,
    Person,
    Coverage,
)


async def row_counts(uow_factory) -> dict[str, int]:
    """How many rows each table an inbound submission writes holds."""
    async with uow_factory() as uow:
        return {
            table.__tablename__: await uow.session.scalar(select(func.count()).select_from(table))
            for table in TABLES
        }
