"""The statements of `inbound_new`, built once at import with every value a bound parameter:
one read of everything a NEW submission needs (a resend's receipt, the payer by its identifier
with its trading partner, the sending organisation, the API client, the patient and coverage
by the payer's member id as the organisation may see them, whether the payer already may, and
up to four directory providers by NPI), each part an index lookup."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Uuid, and_, bindparam, exists, select

from domain.authorizations.models import SubmissionReceipt
from domain.identity.models import ApiClient, Organization, OrganizationKind
from domain.partners.models import TradingPartner
from domain.people.models import Coverage, Person, PersonOrganization
from domain.providers.models import Provider

PROVIDER_SLOTS = 4  # (requesting, servicing) x (practitioner's NPI, organisation's)

_ORGANIZATIONS = Organization.__table__
_PAYER = _ORGANIZATIONS.alias("payer")
_SENDER = _ORGANIZATIONS.alias("sender")
_PARTNER = TradingPartner.__table__
_COVERAGE = Coverage.__table__
_PERSON = Person.__table__
_LINKS = PersonOrganization.__table__
_PAYER_LINK = _LINKS.alias("payer_link")
_RECEIPT = SubmissionReceipt.__table__
_CLIENT = ApiClient.__table__


def _read_statement() -> Any:
    organization = bindparam("organization_id", type_=Uuid, required=True)
    visible = exists().where(
        _LINKS.c.person_id == _COVERAGE.c.person_id, _LINKS.c.organization_id == organization
    )
    providers = [Provider.__table__.alias(f"provider_{slot}") for slot in range(PROVIDER_SLOTS)]
    query = (
        select(
            _PAYER.c.id.label("payer_id"),
            _PAYER.c.name.label("payer_name"),
            _PAYER.c.payer_id.label("payer_identifier"),
            _PARTNER.c.id.label("partner_id"),
            _PARTNER.c.expedited_hours,
            _PARTNER.c.standard_days,
            _SENDER.c.name.label("sender_name"),
            _SENDER.c.npi.label("sender_npi"),
            _RECEIPT.c.id.label("receipt_id"),
            _CLIENT.c.id.label("api_client_id"),
            _COVERAGE.c.id.label("coverage_id"),
            _COVERAGE.c.member_id,
            _PERSON.c.id.label("person_id"),
            _PERSON.c.family_name,
            _PERSON.c.given_name,
            _PERSON.c.birth_date,
            _PERSON.c.sex,
            _PAYER_LINK.c.person_id.label("payer_sees_person"),
            *(
                column.label(f"provider_{slot}_{column.key}")
                for slot, table in enumerate(providers)
                for column in (table.c.id, table.c.name, table.c.npi)
            ),
        )
        .select_from(_PAYER)
        .outerjoin(
            _PARTNER,
            and_(_PARTNER.c.payer_organization_id == _PAYER.c.id, _PARTNER.c.active.is_(True)),
        )
        .outerjoin(_SENDER, _SENDER.c.id == organization)
        .outerjoin(
            _RECEIPT,
            and_(
                _RECEIPT.c.sender_organization_id == organization,
                _RECEIPT.c.channel == bindparam("channel", type_=_RECEIPT.c.channel.type),
                _RECEIPT.c.sender_reference == bindparam("reference", required=True),
            ),
        )
        .outerjoin(_CLIENT, _CLIENT.c.id == bindparam("api_client_id", type_=Uuid))
        .outerjoin(
            _COVERAGE,
            and_(
                _COVERAGE.c.payer_organization_id == _PAYER.c.id,
                _COVERAGE.c.member_id == bindparam("member_id", required=True),
                visible,
            ),
        )
        .outerjoin(_PERSON, _PERSON.c.id == _COVERAGE.c.person_id)
        .outerjoin(
            _PAYER_LINK,
            and_(
                _PAYER_LINK.c.person_id == _COVERAGE.c.person_id,
                _PAYER_LINK.c.organization_id == _PAYER.c.id,
            ),
        )
    )
    for slot, table in enumerate(providers):
        npi = bindparam(f"npi_{slot}", type_=table.c.npi.type)
        query = query.outerjoin(table, table.c.npi == npi)
    return query.where(
        _PAYER.c.kind == OrganizationKind.PAYER,
        _PAYER.c.payer_id == bindparam("payer_identifier", required=True),
    ).limit(1)


READ = _read_statement()
