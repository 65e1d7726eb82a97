"""Recruiting: campaigns with their target providers, leads from the public interest form,
outreach, and the invitation to apply that opens a provider organisation's portal account
and a draft application. Adequacy targets and network gaps are in `adequacy`."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from domain.errors import DomainError, ErrorCode, ErrorCollector, not_found
from domain.identifiers import is_valid_npi
from domain.identity import service as identity
from domain.identity.models import OrganizationKind, Role, User
from domain.identity.rules import Principal
from domain.models import keyset_after
from domain.network.access import LEAD, network_event, require_network_staff, step
from domain.network.lifecycle import (
    ApplicationStatus,
    NetworkStage,
    OutreachAction,
    OutreachStatus,
)
from domain.network.models import (
    Application,
    CampaignStatus,
    Lead,
    LeadSource,
    RecruitmentCampaign,
)
from domain.network.rules import CAMPAIGN_CODE, check_email
from domain.numbers import next_number
from domain.pagination import Page, PageRequest, decode_cursor, page_from_rows
from domain.providers.rules import TAXONOMY_CODE
from domain.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class LeadData:
    name: str
    email: str
    practice_name: str | None = None
    npi: str | None = None
    phone: str | None = None
    specialty_code: str | None = None
    postal_code: str | None = None
    message: str | None = None


async def create_campaign(
    *,
    uow: UnitOfWork,
    actor: Principal,
    code: str,
    name: str,
    description: str | None = None,
    specialty_code: str | None = None,
    area_name: str | None = None,
) -> RecruitmentCampaign:
    """A recruitment campaign; `code` is what its outreach links carry to the interest form."""
    require_network_staff(actor)
    errors = ErrorCollector()
    code = code.strip().upper()
    if not CAMPAIGN_CODE.fullmatch(code):
        errors.add(ErrorCode.INVALID, "3-40 letters, digits or dashes", "code")
    if not name.strip() or len(name) > 200:
        errors.add(ErrorCode.REQUIRED, "Name the campaign", "name")
    if specialty_code is not None and not TAXONOMY_CODE.fullmatch(specialty_code):
        errors.add(ErrorCode.INVALID, "Use a NUCC taxonomy code", "specialtyCode")
    errors.check_lengths({"areaName": area_name}, {"areaName": 200})
    errors.raise_if_any()
    if await uow.session.scalar(
        select(RecruitmentCampaign.id).where(RecruitmentCampaign.code == code)
    ):
        raise DomainError(ErrorCode.DUPLICATE, "A campaign with this code exists", "code")
    now = uow.clock.now()
    campaign = RecruitmentCampaign(
        organization_id=actor.organization_id,
        code=code,
        name=name.strip(),
        description=description,
        specialty_code=specialty_code,
        area_name=area_name,
        status=CampaignStatus.ACTIVE,
        created_by_id=actor.subject_id,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(campaign)
    await uow.session.flush()
    await uow.commit()
    return campaign


def check_lead(data: LeadData) -> None:
    errors = ErrorCollector()
    errors.check_lengths(
        {
            "name": data.name,
            "practiceName": data.practice_name,
            "phone": data.phone,
            "postalCode": data.postal_code,
            "message": data.message,
        },
        {"name": 200, "practiceName": 200, "phone": 40, "postalCode": 20, "message": 2000},
    )
    if not data.name.strip():
        errors.add(ErrorCode.REQUIRED, "Give your name", "name")
    try:
        check_email(data.email, "email")
    except DomainError as error:
        errors.add(error.code, error.message, error.field)
    if data.npi is not None and not is_valid_npi(data.npi):
        errors.add(ErrorCode.INVALID_NPI, "An NPI is 10 digits with a valid check digit", "npi")
    if data.specialty_code is not None and not TAXONOMY_CODE.fullmatch(data.specialty_code):
        errors.add(
            ErrorCode.INVALID, "Use a NUCC taxonomy code such as 207RC0000X", "specialtyCode"
        )
    errors.raise_if_any()


async def add_campaign_target(
    *, uow: UnitOfWork, actor: Principal, campaign_id: uuid.UUID, data: LeadData
) -> Lead:
    """A provider the campaign reaches out to."""
    require_network_staff(actor)
    campaign = await _own_campaign(uow, actor, campaign_id)
    check_lead(data)
    lead = _new_lead(uow, campaign, data, LeadSource.TARGET, OutreachStatus.NEW)
    await uow.session.flush()
    await uow.commit()
    return lead


async def submit_interest(*, uow: UnitOfWork, campaign_code: str, data: LeadData) -> Lead:
    """The public interest form (no sign-in): a target of the campaign becomes INTERESTED,
    anyone else becomes a new lead; the network's staff are told."""
    check_lead(data)
    campaign = await uow.session.scalar(
        select(RecruitmentCampaign).where(
            RecruitmentCampaign.code == campaign_code.strip().upper(),
            RecruitmentCampaign.status == CampaignStatus.ACTIVE,
        )
    )
    if campaign is None:
        raise not_found("Campaign", "campaign")
    email = data.email.strip().lower()
    lead = await uow.session.scalar(
        select(Lead).where(Lead.campaign_id == campaign.id, Lead.email == email).with_for_update()
    )
    if lead is None:
        lead = _new_lead(uow, campaign, data, LeadSource.INTEREST_FORM, OutreachStatus.INTERESTED)
    else:
        await step(uow, None, "outreach", lead, LEAD, OutreachAction.EXPRESS_INTEREST)
        lead.message = data.message or lead.message
        lead.npi = data.npi or lead.npi
        lead.phone = data.phone or lead.phone
        lead.practice_name = data.practice_name or lead.practice_name
    lead.interest_at = uow.clock.now()
    await uow.session.flush()
    uow.record(
        network_event(uow, "network_lead.interested", LEAD, lead.id, campaign.organization_id)
    )
    await uow.commit()
    return lead


async def record_outreach(
    *,
    uow: UnitOfWork,
    actor: Principal,
    lead_id: uuid.UUID,
    action: OutreachAction,
    note: str | None,
) -> Lead:
    """A call or email to the lead, its interest, or its refusal."""
    require_network_staff(actor)
    if action in (OutreachAction.INVITE, OutreachAction.APPLY):
        raise DomainError(
            ErrorCode.INVALID, "Invite with inviteLead; leads apply themselves", "action"
        )
    lead = await _own_lead(uow, actor, lead_id)
    await step(uow, actor, "outreach", lead, LEAD, action, note)
    if action is OutreachAction.CONTACT:
        lead.last_contacted_at = uow.clock.now()
    lead.outreach_note = (note or "").strip()[:4000] or lead.outreach_note
    await uow.commit()
    return lead


@dataclass(frozen=True, slots=True)
class Invitation:
    lead: Lead
    application: Application
    user: User


async def invite_lead(
    *, uow: UnitOfWork, actor: Principal, lead_id: uuid.UUID, organization_name: str | None = None
) -> Invitation:
    """Give an interested lead a provider organisation, a portal user (PROVIDER_STAFF, the
    lead's email) and a draft application to this network."""
    require_network_staff(actor)
    lead = await _own_lead(uow, actor, lead_id)
    await step(uow, actor, "outreach", lead, LEAD, OutreachAction.INVITE)
    name = (organization_name or lead.practice_name or lead.name).strip()
    try:
        organization = await identity.create_organization(
            uow=uow, name=name, kind=OrganizationKind.PROVIDER, npi=None
        )
    except DomainError as error:
        raise DomainError(error.code, error.message, "organizationName") from None
    user = await identity.create_user(
        uow=uow,
        organization_id=organization.id,
        email=lead.email,
        display_name=lead.name,
        roles={Role.PROVIDER_STAFF},
    )
    now = uow.clock.now()
    application = Application(
        number=await next_number(uow=uow, prefix="NAP"),
        organization_id=actor.organization_id,
        provider_organization_id=organization.id,
        lead_id=lead.id,
        status=ApplicationStatus.DRAFT,
        stage=NetworkStage.RECRUITING,
        practice={"kind": "ORGANIZATION", "name": name, "npi": lead.npi, "email": lead.email},
        practitioners=[],
        locations=[],
        specialties=[],
        services=[],
        languages=[],
        created_by_id=actor.subject_id,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(application)
    lead.provider_organization_id = organization.id
    await uow.session.flush()
    uow.record(
        network_event(
            uow, "network_lead.invited", LEAD, lead.id, actor.organization_id, organization.id
        )
    )
    await uow.commit()
    return Invitation(lead, application, user)


@dataclass(frozen=True, slots=True)
class LeadFilter:
    campaign_id: uuid.UUID | None = None
    status: OutreachStatus | None = None


async def list_leads(
    *,
    uow: UnitOfWork,
    actor: Principal,
    filter: LeadFilter,
    page: PageRequest,
    with_total: bool = False,
) -> Page[Lead]:
    """The network's leads, newest first."""
    require_network_staff(actor)
    base = select(Lead).where(Lead.organization_id == actor.organization_id)
    if filter.campaign_id:
        base = base.where(Lead.campaign_id == filter.campaign_id)
    if filter.status:
        base = base.where(Lead.status == filter.status)
    return await _newest_first(uow, base, Lead, page, with_total)


async def list_campaigns(
    *, uow: UnitOfWork, actor: Principal, page: PageRequest, with_total: bool = False
) -> Page[RecruitmentCampaign]:
    require_network_staff(actor)
    base = select(RecruitmentCampaign).where(
        RecruitmentCampaign.organization_id == actor.organization_id
    )
    return await _newest_first(uow, base, RecruitmentCampaign, page, with_total)


async def get_campaigns(
    *, uow: UnitOfWork, actor: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, RecruitmentCampaign]:
    rows = await uow.session.scalars(
        select(RecruitmentCampaign).where(
            RecruitmentCampaign.id.in_(set(ids)),
            RecruitmentCampaign.organization_id == actor.organization_id,
        )
    )
    return {c.id: c for c in rows}


async def _newest_first(
    uow: UnitOfWork, base: Any, model: Any, page: PageRequest, with_total: bool
) -> Page[Any]:
    query = base
    if page.after:
        at, last = decode_cursor(page.after, (datetime, uuid.UUID))
        query = query.where(keyset_after((model.created_at, model.id), (at, last), descending=True))
    order = (model.created_at.desc(), model.id.desc())
    rows = (await uow.session.scalars(query.order_by(*order).limit(page.first + 1))).all()
    total = None
    if with_total:
        total = await uow.session.scalar(select(func.count()).select_from(base.subquery()))
    return page_from_rows(rows, page, lambda r: (r.created_at, r.id)).with_total(total)


def _new_lead(
    uow: UnitOfWork,
    campaign: RecruitmentCampaign,
    data: LeadData,
    source: LeadSource,
    status: OutreachStatus,
) -> Lead:
    now = uow.clock.now()
    lead = Lead(
        organization_id=campaign.organization_id,
        campaign_id=campaign.id,
        source=source,
        status=status,
        stage=NetworkStage.RECRUITING,
        name=data.name.strip(),
        practice_name=data.practice_name,
        npi=data.npi,
        email=data.email.strip().lower(),
        phone=data.phone,
        specialty_code=data.specialty_code or campaign.specialty_code,
        postal_code=data.postal_code,
        message=data.message,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(lead)
    return lead


async def _own_campaign(
    uow: UnitOfWork, actor: Principal, campaign_id: uuid.UUID
) -> RecruitmentCampaign:
    campaign = await uow.session.get(RecruitmentCampaign, campaign_id)
    if campaign is None or campaign.organization_id != actor.organization_id:
        raise not_found("Campaign", "campaignId")
    return campaign


async def _own_lead(uow: UnitOfWork, actor: Principal, lead_id: uuid.UUID) -> Lead:
    lead = await uow.session.scalar(
        select(Lead)
        .where(Lead.id == lead_id, Lead.organization_id == actor.organization_id)
        .with_for_update()
    )
    if lead is None:
        raise not_found("Lead", "leadId")
    return lead
