"""The demo's network story (seed 001, its start): Nina, the agency's network staff, wants two
cardiologists within 25 km of Cosville, runs the campaign CARDIO-COSVILLE-2026 with Dr. Leila
Zamadi as its target, and keeps a specialist agreement template to contract from. The rest —
Dr. Zamadi's interest form, application, credentialing, contract and onboarding — is the
walk-through of docs/network.md."""

from __future__ import annotations

from collections.abc import Callable

from domain.identity.rules import Principal
from domain.network import adequacy, contracts, recruiting
from domain.uow import UnitOfWork

CAMPAIGN = "CARDIO-COSVILLE-2026"
TEMPLATE = """PARTICIPATING PROVIDER AGREEMENT {{contract_number}} (version {{version}})
between {{network_name}} and {{provider_name}} (NPI {{provider_npi}}), tier {{tier}},
effective {{effective_date}} through {{end_date}}.

Covered services:
{{covered_services}}

Compensation:
{{payment_terms}}

Special terms:
{{clauses}}
"""


async def load_network_story(uow_factory: Callable[[], UnitOfWork], nina: Principal) -> None:
    """Through the domain services, as Nina would do it."""
    async with uow_factory() as uow:
        await adequacy.set_adequacy_target(
            uow=uow,
            actor=nina,
            data=adequacy.TargetData(
                "207RC0000X", "Cardiology", "Cosville", 39.9526, -75.1652, 25.0, 2
            ),
        )
    async with uow_factory() as uow:
        campaign = await recruiting.create_campaign(
            uow=uow,
            actor=nina,
            code=CAMPAIGN,
            name="Cosville cardiology",
            description="Cardiologists for Center City and the river wards",
            specialty_code="207RC0000X",
            area_name="Cosville",
        )
    async with uow_factory() as uow:
        await recruiting.add_campaign_target(
            uow=uow,
            actor=nina,
            campaign_id=campaign.id,
            data=recruiting.LeadData(
                name="Dr. Leila Zamadi",
                email="leila.zamadi@zamadi-heart.example",
                practice_name="Zamadi Heart Clinic",
                specialty_code="207RC0000X",
            ),
        )
    async with uow_factory() as uow:
        await contracts.create_contract_template(
            uow=uow, actor=nina, name="Specialist agreement", body=TEMPLATE
        )
