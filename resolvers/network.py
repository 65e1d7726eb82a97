"""Provider network management: queries. Mutations: applications and credentialing in
network_applications; contracting, onboarding and recruiting in network_contracts."""

from __future__ import annotations

import uuid

import strawberry
from strawberry import relay
from strawberry.types import Info

from domain.identity.models import Role
from domain.network import adequacy, alerts, reads, recruiting
from domain.network import contracts as contracting
from domain.network.lifecycle import ApplicationStatus, NetworkStage, OutreachStatus
from domain.pagination import PageRequest
from resolvers.outcome import read, read_only
from schema.context import Context
from schema.network import (
    ContractChange,
    ContractTemplate,
    NetworkAlert,
    NetworkApplication,
    NetworkContract,
)
from schema.network_recruiting import NetworkGap, NetworkLead, RecruitmentCampaign
from schema.permissions import signed_in
from schema.provider360 import Provider360
from schema.relay import Connection, decode_global_id, page_request, selects

NETWORK = (Role.NETWORK_STAFF,)
APPLICANT = (Role.PROVIDER_STAFF,)
EITHER = (Role.NETWORK_STAFF, Role.PROVIDER_STAFF)


@strawberry.input
class NetworkApplicationFilter:
    status: ApplicationStatus | None = None
    stage: NetworkStage | None = None


@strawberry.input
class NetworkLeadFilter:
    campaign_id: relay.GlobalID | None = None
    outreach_status: OutreachStatus | None = None


@strawberry.type
class NetworkQuery:
    @strawberry.field(
        extensions=signed_in(*EITHER),
        description="The network's applications (an applicant sees their own), newest first.",
    )
    async def network_applications(
        self,
        info: Info[Context, None],
        filter: NetworkApplicationFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[NetworkApplication]:
        given = filter or NetworkApplicationFilter()
        criteria = reads.ApplicationFilter(status=given.status, stage=given.stage)
        request = page_request(info.context, first, after)
        with_total = selects(info, "totalCount")
        page = await read(
            info,
            lambda uow, actor: reads.list_applications(
                uow=uow, actor=actor, filter=criteria, page=request, with_total=with_total
            ),
        )
        return Connection.from_page(page, NetworkApplication.from_model)

    @strawberry.field(extensions=signed_in(*EITHER))
    async def network_application(
        self, info: Info[Context, None], id: relay.GlobalID
    ) -> NetworkApplication | None:
        key = decode_global_id(id, "NetworkApplication", "id")
        found = await info.context.loaders.network_application.load(key)
        return NetworkApplication.from_model(found) if found else None

    @strawberry.field(extensions=signed_in(*EITHER))
    async def network_contract(
        self, info: Info[Context, None], id: relay.GlobalID
    ) -> NetworkContract | None:
        key = decode_global_id(id, "NetworkContract", "id")
        found = await info.context.loaders.network("NetworkContract").load(key)
        return NetworkContract.from_model(found) if found else None

    @strawberry.field(
        extensions=signed_in(*NETWORK), description="What changed between two contract versions."
    )
    async def contract_version_diff(
        self,
        info: Info[Context, None],
        contract_id: relay.GlobalID,
        from_version: int,
        to_version: int,
    ) -> list[ContractChange]:
        key = decode_global_id(contract_id, "NetworkContract", "contractId")
        changes = await read_only(
            info,
            lambda uow, actor: contracting.contract_version_diff(
                uow=uow,
                actor=actor,
                contract_id=key,
                from_version=from_version,
                to_version=to_version,
            ),
        )
        return [ContractChange(path=c.path, before=c.before, after=c.after) for c in changes]

    @strawberry.field(extensions=signed_in(*NETWORK))
    async def contract_templates(self, info: Info[Context, None]) -> list[ContractTemplate]:
        rows = await read_only(
            info, lambda uow, actor: reads.list_contract_templates(uow=uow, actor=actor)
        )
        return [ContractTemplate.from_model(t) for t in rows]

    @strawberry.field(
        extensions=signed_in(*NETWORK),
        description="Each adequacy target against the in-network providers, largest gap first.",
    )
    async def network_gaps(self, info: Info[Context, None]) -> list[NetworkGap]:
        gaps = await read_only(info, lambda uow, actor: adequacy.network_gaps(uow=uow, actor=actor))
        return [
            NetworkGap(
                specialty_code=g.target.specialty_code,
                specialty_display=g.target.specialty_display,
                area_name=g.target.area_name,
                latitude=g.target.latitude,
                longitude=g.target.longitude,
                radius_km=g.target.radius_km,
                target_count=g.target.target_count,
                in_network_count=g.in_network,
                gap=g.gap,
            )
            for g in gaps
        ]

    @strawberry.field(extensions=signed_in(*NETWORK))
    async def recruitment_campaigns(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> Connection[RecruitmentCampaign]:
        request = page_request(info.context, first, after)
        with_total = selects(info, "totalCount")
        page = await read_only(
            info,
            lambda uow, actor: recruiting.list_campaigns(
                uow=uow, actor=actor, page=request, with_total=with_total
            ),
        )
        return Connection.from_page(page, RecruitmentCampaign.from_model)

    @strawberry.field(extensions=signed_in(*NETWORK), description="Leads, newest first.")
    async def network_leads(
        self,
        info: Info[Context, None],
        filter: NetworkLeadFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[NetworkLead]:
        given = filter or NetworkLeadFilter()
        criteria = recruiting.LeadFilter(
            campaign_id=decode_global_id(given.campaign_id, "RecruitmentCampaign", "campaignId")
            if given.campaign_id
            else None,
            status=given.outreach_status,
        )
        request = page_request(info.context, first, after)
        with_total = selects(info, "totalCount")
        page = await read_only(
            info,
            lambda uow, actor: recruiting.list_leads(
                uow=uow, actor=actor, filter=criteria, page=request, with_total=with_total
            ),
        )
        return Connection.from_page(page, NetworkLead.from_model)

    @strawberry.field(extensions=signed_in(*NETWORK), description="Newest first.")
    async def network_alerts(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> Connection[NetworkAlert]:
        request: PageRequest = page_request(info.context, first, after)
        with_total = selects(info, "totalCount")
        page = await read_only(
            info,
            lambda uow, actor: alerts.list_network_alerts(
                uow=uow, actor=actor, page=request, with_total=with_total
            ),
        )
        return Connection.from_page(page, NetworkAlert.from_model)

    @strawberry.field(
        extensions=signed_in(*EITHER),
        description="A provider's application, credentials, contracts, locations, services,"
        " referrals, authorizations and payments, in one read.",
    )
    async def provider360(
        self, info: Info[Context, None], provider_id: relay.GlobalID
    ) -> Provider360:
        key = decode_global_id(provider_id, "Provider", "providerId")
        found = await read(
            info, lambda uow, actor: reads.provider_360(uow=uow, actor=actor, provider_id=key)
        )
        return Provider360.from_model(found)


def _key(gid: relay.GlobalID) -> uuid.UUID:
    return decode_global_id(gid, "NetworkApplication", "applicationId")


def _credential(gid: relay.GlobalID) -> uuid.UUID:
    return decode_global_id(gid, "NetworkCredential", "credentialId")
