"""Use cases on people: register, change, find and read (every read audited), coverage."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, exists, func, or_, select

from domain.audit.models import AuditAction
from domain.audit.service import record_access
from domain.errors import DomainError, ErrorCode, not_found
from domain.events import DomainEvent
from domain.identity.models import Organization, OrganizationKind, Role
from domain.identity.rules import Principal, require_role
from domain.models import group_by, keyset_after
from domain.pagination import Page, PageRequest, decode_cursor, page_from_rows
from domain.people.models import (
    AccessReason,
    Coverage,
    Person,
    PersonIdentifier,
    PersonOrganization,
)
from domain.people.rules import PersonData, check_coverage, check_person
from domain.uow import UnitOfWork

REGISTRARS = (Role.CASEWORKER, Role.CASE_SUPERVISOR, Role.AUTH_COORDINATOR, Role.PROVIDER_STAFF)
READERS = (*REGISTRARS, Role.NETWORK_STAFF, Role.PARTNER)


def visible_to(actor: Principal) -> Any:
    """A WHERE clause: the person is linked to the actor's organisation."""
    return exists().where(
        PersonOrganization.person_id == Person.id,
        PersonOrganization.organization_id == actor.organization_id,
    )


async def grant_access(
    *, uow: UnitOfWork, person_id: uuid.UUID, organization_id: uuid.UUID, reason: AccessReason
) -> None:
    """Let an organisation see a person (idempotent); callers are other areas' services."""
    existing = await uow.session.get(PersonOrganization, (person_id, organization_id))
    if existing is None:
        uow.session.add(
            PersonOrganization(
                person_id=person_id,
                organization_id=organization_id,
                reason=reason,
                granted_at=uow.clock.now(),
            )
        )


async def revoke_access(
    *, uow: UnitOfWork, person_id: uuid.UUID, organization_id: uuid.UUID, reason: AccessReason
) -> None:
    """End an organisation's sight of a person if it was granted for `reason` only (a provider
    that declined a referral no longer needs the constituent's record)."""
    existing = await uow.session.get(PersonOrganization, (person_id, organization_id))
    if existing is not None and existing.reason is reason:
        await uow.session.delete(existing)


def _person_columns(data: PersonData) -> dict[str, Any]:
    address = data.address
    return {
        "given_name": data.given_name.strip(),
        "middle_name": data.middle_name,
        "family_name": data.family_name.strip(),
        "birth_date": data.birth_date,
        "sex": data.sex,
        "preferred_language": data.preferred_language,
        "phone": data.phone,
        "email": data.email,
        "address_line1": address.line1,
        "address_line2": address.line2,
        "city": address.city,
        "state": address.state,
        "postal_code": address.postal_code,
        "country": address.country.upper() if address.country else None,
        "latitude": address.latitude,
        "longitude": address.longitude,
    }


async def _check_identifiers_free(
    uow: UnitOfWork, actor: Principal, data: PersonData, person_id: uuid.UUID | None = None
) -> None:
    """Unique among the identifiers the actor's organisation recorded (and only there)."""
    for index, identifier in enumerate(data.identifiers):
        query = select(PersonIdentifier.person_id).where(
            PersonIdentifier.organization_id == actor.organization_id,
            PersonIdentifier.system == identifier.system,
            PersonIdentifier.value == identifier.value.strip(),
        )
        owner = (await uow.session.execute(query)).scalar_one_or_none()
        if owner is not None and owner != person_id:
            raise DomainError(
                ErrorCode.DUPLICATE,
                f"A person with this {identifier.system.value} is already registered",
                f"identifiers.{index}",
            )


async def create_person(*, uow: UnitOfWork, actor: Principal, data: PersonData) -> Person:
    """Register a person; the actor's organisation may see the record from now on."""
    person = await register_person(uow=uow, actor=actor, data=data)
    await uow.commit()
    return person


async def register_person(*, uow: UnitOfWork, actor: Principal, data: PersonData) -> Person:
    """`create_person` within a larger use case: the caller commits."""
    require_role(actor, *REGISTRARS)
    now = uow.clock.now()
    check_person(data, now.date())
    await _check_identifiers_free(uow, actor, data)
    person = Person(
        **_person_columns(data),
        registered_by_organization_id=actor.organization_id,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(person)
    await uow.session.flush()
    for identifier in data.identifiers:
        uow.session.add(
            PersonIdentifier(
                person_id=person.id,
                organization_id=actor.organization_id,
                system=identifier.system,
                value=identifier.value.strip(),
            )
        )
    await grant_access(
        uow=uow,
        person_id=person.id,
        organization_id=actor.organization_id,
        reason=AccessReason.REGISTERED,
    )
    await record_access(
        uow=uow, actor=actor, action=AuditAction.CREATE, entity="Person", entity_ids=[person.id]
    )
    uow.record(_event("person.created", person, actor, now))
    await uow.session.flush()  # so the rest of a larger use case sees the person as visible
    return person


async def update_person(
    *, uow: UnitOfWork, actor: Principal, person_id: uuid.UUID, data: PersonData
) -> Person:
    """Replace a person's demographics; the audit trail names the fields that changed."""
    require_role(actor, *REGISTRARS)
    person = await _load_visible(uow, actor, person_id)
    now = uow.clock.now()
    check_person(data, now.date())
    await _check_identifiers_free(uow, actor, data, person_id)
    changed = [k for k, v in _person_columns(data).items() if getattr(person, k) != v]
    for key, value in _person_columns(data).items():
        setattr(person, key, value)
    own_identifiers = select(PersonIdentifier).where(
        PersonIdentifier.person_id == person_id,
        PersonIdentifier.organization_id == actor.organization_id,
    )
    current = {(i.system, i.value): i for i in await uow.session.scalars(own_identifiers)}
    wanted = {(i.system, i.value.strip()) for i in data.identifiers}
    for pair, row in current.items():
        if pair not in wanted:
            await uow.session.delete(row)
    for system, value in wanted - current.keys():
        uow.session.add(
            PersonIdentifier(
                person_id=person_id,
                organization_id=actor.organization_id,
                system=system,
                value=value,
            )
        )
    if wanted != set(current):
        changed.append("identifiers")
    person.updated_at = now
    await record_access(
        uow=uow,
        actor=actor,
        action=AuditAction.UPDATE,
        entity="Person",
        entity_ids=[person_id],
        fields=changed,
    )
    uow.record(_event("person.updated", person, actor, now))
    await uow.commit()
    return person


async def get_persons(
    *, uow: UnitOfWork, actor: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Person]:
    """The visible persons among `ids` (others are simply absent), each read audited."""
    require_role(actor, *READERS)
    if not ids:
        return {}
    query = select(Person).where(Person.id.in_(set(ids)), visible_to(actor))
    persons = {p.id: p for p in await uow.session.scalars(query)}
    await record_access(
        uow=uow, actor=actor, action=AuditAction.READ, entity="Person", entity_ids=persons
    )
    await uow.commit()
    return persons


@dataclass(frozen=True, slots=True)
class PersonFilter:
    text: str | None = None
    identifier: str | None = None
    birth_date: date | None = None


def _filtered(query: Select[Any], filter: PersonFilter) -> Select[Any]:
    if filter.text:
        words = [w for w in filter.text.lower().split() if w][:5]
        for word in words:
            query = query.where(
                or_(
                    func.lower(Person.given_name).contains(word, autoescape=True),
                    func.lower(Person.family_name).contains(word, autoescape=True),
                )
            )
    if filter.identifier:
        query = query.where(
            exists().where(
                PersonIdentifier.person_id == Person.id,
                PersonIdentifier.value == filter.identifier.strip(),
            )
        )
    if filter.birth_date:
        query = query.where(Person.birth_date == filter.birth_date)
    return query


async def list_persons(
    *,
    uow: UnitOfWork,
    actor: Principal,
    filter: PersonFilter,
    page: PageRequest,
    with_total: bool = False,
) -> Page[Person]:
    """The people the actor's organisation may see, by name, each read audited."""
    require_role(actor, *READERS)
    base = _filtered(select(Person).where(visible_to(actor)), filter)
    query = base
    if page.after:
        # The cursor holds only the last person's id, never a name: the sort key is looked up.
        (last_id,) = decode_cursor(page.after, (uuid.UUID,))
        anchor = (Person.id == last_id, visible_to(actor))
        family = select(Person.family_name).where(*anchor).scalar_subquery()
        given = select(Person.given_name).where(*anchor).scalar_subquery()
        query = query.where(
            keyset_after(
                (Person.family_name, Person.given_name, Person.id), (family, given, last_id)
            )
        )
    query = query.order_by(Person.family_name, Person.given_name, Person.id).limit(page.first + 1)
    rows = (await uow.session.scalars(query)).all()
    result = page_from_rows(rows, page, lambda p: (p.id,))
    total = None
    if with_total:
        total = await uow.session.scalar(select(func.count()).select_from(base.subquery()))
    await record_access(
        uow=uow,
        actor=actor,
        action=AuditAction.READ,
        entity="Person",
        entity_ids=[p.id for p in result.items],
    )
    await uow.commit()
    return result.with_total(total)


async def identifiers_by_person_ids(
    *, uow: UnitOfWork, person_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[PersonIdentifier]]:
    """For a DataLoader: the caller already read the persons through a scoped path."""
    query = select(PersonIdentifier).where(PersonIdentifier.person_id.in_(set(person_ids)))
    rows = await uow.session.scalars(query.order_by(PersonIdentifier.system))
    return group_by(rows, person_ids, lambda row: row.person_id)


async def coverages_by_person_ids(
    *, uow: UnitOfWork, person_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Coverage]]:
    """For a DataLoader: the caller already read the persons through a scoped path."""
    query = select(Coverage).where(Coverage.person_id.in_(set(person_ids)))
    rows = await uow.session.scalars(query.order_by(Coverage.period_start.desc()))
    return group_by(rows, person_ids, lambda row: row.person_id)


@dataclass(frozen=True, slots=True)
class CoverageData:
    payer_organization_id: uuid.UUID
    member_id: str
    plan_name: str
    period_start: date
    period_end: date | None = None
    group_number: str | None = None


async def add_coverage(
    *, uow: UnitOfWork, actor: Principal, person_id: uuid.UUID, data: CoverageData
) -> Coverage:
    """Record a person's membership in a payer's plan."""
    coverage = await record_coverage(uow=uow, actor=actor, person_id=person_id, data=data)
    await uow.commit()
    return coverage


async def record_coverage(
    *, uow: UnitOfWork, actor: Principal, person_id: uuid.UUID, data: CoverageData
) -> Coverage:
    """`add_coverage` within a larger use case: the caller commits."""
    require_role(actor, *REGISTRARS)
    person = await _load_visible(uow, actor, person_id, field="personId")
    check_coverage(
        data.period_start, data.period_end, data.member_id, data.plan_name, data.group_number
    )
    payer = await uow.session.get(Organization, data.payer_organization_id)
    if payer is None or payer.kind is not OrganizationKind.PAYER:
        raise DomainError(ErrorCode.NOT_FOUND, "Payer not found", "payerId")
    duplicate = await uow.session.scalar(
        select(Coverage.id).where(
            Coverage.person_id == person.id,
            Coverage.payer_organization_id == payer.id,
            Coverage.member_id == data.member_id.strip(),
        )
    )
    if duplicate is not None:
        raise DomainError(ErrorCode.DUPLICATE, "This person already has this coverage", "memberId")
    now = uow.clock.now()
    coverage = Coverage(
        person_id=person.id,
        payer_organization_id=payer.id,
        member_id=data.member_id.strip(),
        group_number=data.group_number,
        plan_name=data.plan_name.strip(),
        period_start=data.period_start,
        period_end=data.period_end,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(coverage)
    await grant_access(
        uow=uow, person_id=person.id, organization_id=payer.id, reason=AccessReason.COVERAGE
    )
    person.updated_at = now
    await record_access(
        uow=uow,
        actor=actor,
        action=AuditAction.UPDATE,
        entity="Person",
        entity_ids=[person.id],
        fields=["coverages"],
    )
    uow.record(_event("person.coverage_added", person, actor, now))
    await uow.session.flush()
    return coverage


async def _load_visible(
    uow: UnitOfWork, actor: Principal, person_id: uuid.UUID, field: str = "id"
) -> Person:
    query = select(Person).where(Person.id == person_id, visible_to(actor))
    person = (await uow.session.scalars(query)).one_or_none()
    if person is None:
        raise not_found("Person", field)
    return person


def _event(name: str, person: Person, actor: Principal, now: Any) -> DomainEvent:
    return DomainEvent(
        name=name,
        entity="Person",
        entity_id=person.id,
        organization_ids=(actor.organization_id,),
        occurred_at=now,
    )
