"""GraphQL types of recruiting: campaigns, leads and network gaps."""

from __future__ import annotations

import datetime
import uuid
from typing import Self

import strawberry
from strawberry import relay
from strawberry.types import Info

from domain.network import lifecycle as lc
from domain.network import models
from schema.network import (
    copy,
    network_nodes,
)


@strawberry.type(description="A recruitment campaign.")
class RecruitmentCampaign(relay.Node):
    id: relay.NodeID[str]
    code: str = strawberry.field(description="What outreach links carry to the interest form")
    name: str
    description: str | None
    specialty_code: str | None
    area_name: str | None
    status: models.CampaignStatus
    created_at: datetime.datetime

    @classmethod
    def from_model(cls, m: models.RecruitmentCampaign) -> Self:
        return copy(cls, m, id=str(m.id))

    resolve_nodes = network_nodes("RecruitmentCampaign")


@strawberry.type(description="A prospective provider and the outreach to them.")
class NetworkLead(relay.Node):
    id: relay.NodeID[str]
    source: models.LeadSource
    outreach_status: lc.OutreachStatus
    stage: lc.NetworkStage
    name: str
    practice_name: str | None
    npi: str | None
    email: str
    phone: str | None
    specialty_code: str | None
    postal_code: str | None
    message: str | None
    outreach_note: str | None
    last_contacted_at: datetime.datetime | None
    interest_at: datetime.datetime | None
    created_at: datetime.datetime
    campaign_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field
    async def campaign(self, info: Info) -> RecruitmentCampaign | None:
        if self.campaign_id is None:
            return None
        found = await info.context.loaders.network("RecruitmentCampaign").load(self.campaign_id)
        return RecruitmentCampaign.from_model(found) if found else None

    @classmethod
    def from_model(cls, m: models.Lead) -> Self:
        return copy(cls, m, id=str(m.id), outreach_status=m.status)

    resolve_nodes = network_nodes("NetworkLead")


@strawberry.type(description="A specialty and area against the network's target.")
class NetworkGap:
    specialty_code: str
    specialty_display: str
    area_name: str
    latitude: float
    longitude: float
    radius_km: float
    target_count: int
    in_network_count: int
    gap: int
