"""People: registration, scoped reads, audit of every read and change."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlalchemy import select

from domain.audit import service as audit
from domain.audit.models import AuditAction, AuditEvent
from domain.errors import DomainError, ErrorCode, ValidationErrors
from domain.identity.models import OrganizationKind, Role
from domain.pagination import PageRequest
from domain.people import service as people
from domain.people.models import AccessReason, IdentifierSystem
from domain.people.rules import Address, Identifier, PersonData

STEVE = PersonData(
    given_name="Steve",
    family_name="Marshall",
    birth_date=date(1971, 4, 2),
    address=Address(city="Cosville", latitude=40.0, longitude=-75.0),
    identifiers=(Identifier(IdentifierSystem.CONSTITUENT_NUMBER, "C-1001"),),
)


async def test_registered_person_is_visible_to_own_organization_only(orgs, uow_factory):
    agency = await orgs.organization("City of Cosville", OrganizationKind.AGENCY)
    other = await orgs.organization("Other Agency", OrganizationKind.AGENCY)
    connor = await orgs.user(agency, Role.CASEWORKER)
    stranger = await orgs.user(other, Role.CASEWORKER)
    async with uow_factory() as uow:
        steve = await people.create_person(uow=uow, actor=connor, data=STEVE)

    async with uow_factory() as uow:
        assert list(await people.get_persons(uow=uow, actor=connor, ids=[steve.id])) == [steve.id]
    async with uow_factory() as uow:
        assert await people.get_persons(uow=uow, actor=stranger, ids=[steve.id]) == {}
    async with uow_factory() as uow:
        page = await people.list_persons(
            uow=uow, actor=stranger, filter=people.PersonFilter(), page=PageRequest(first=10)
        )
        assert page.items == []


async def test_every_read_and_change_is_audited(orgs, uow_factory):
    agency = await orgs.organization("City of Cosville", OrganizationKind.AGENCY)
    connor = await orgs.user(agency, Role.CASEWORKER)
    async with uow_factory() as uow:
        steve = await people.create_person(uow=uow, actor=connor, data=STEVE)
    async with uow_factory() as uow:
        await people.get_persons(uow=uow, actor=connor, ids=[steve.id])
    async with uow_factory() as uow:
        await people.update_person(
            uow=uow, actor=connor, person_id=steve.id, data=PersonData("Steven", "Marshall")
        )
    async with uow_factory() as uow:
        events = (await uow.session.scalars(select(AuditEvent).order_by(AuditEvent.action))).all()
        seen = [(e.action, e.entity_id, e.actor_id, e.fields, e.correlation_id) for e in events]
    assert [row[:3] for row in seen] == [
        (AuditAction.CREATE, steve.id, connor.subject_id),
        (AuditAction.READ, steve.id, connor.subject_id),
        (AuditAction.UPDATE, steve.id, connor.subject_id),
    ]
    assert set(seen[2][3] or []) >= {"given_name", "birth_date", "identifiers"}
    assert all(row[4] == "test-correlation" for row in seen)


async def test_invalid_person_reports_every_problem_and_writes_nothing(orgs, uow_factory):
    agency = await orgs.organization("City of Cosville", OrganizationKind.AGENCY)
    connor = await orgs.user(agency, Role.CASEWORKER)
    bad = PersonData(
        given_name=" ",
        family_name="X",
        birth_date=date(2030, 1, 1),
        address=Address(latitude=95.0, longitude=0.0),
    )
    with pytest.raises(ValidationErrors) as caught:
        async with uow_factory() as uow:
            await people.create_person(uow=uow, actor=connor, data=bad)
    assert {(e.code, e.field) for e in caught.value.errors} == {
        (ErrorCode.REQUIRED, "givenName"),
        (ErrorCode.INVALID, "birthDate"),
        (ErrorCode.INVALID_COORDINATES, "address"),
    }
    async with uow_factory() as uow:
        page = await people.list_persons(
            uow=uow, actor=connor, filter=people.PersonFilter(), page=PageRequest(first=10)
        )
        assert page.items == []


async def test_duplicate_identifier_is_refused(orgs, uow_factory):
    agency = await orgs.organization("City of Cosville", OrganizationKind.AGENCY)
    connor = await orgs.user(agency, Role.CASEWORKER)
    async with uow_factory() as uow:
        await people.create_person(uow=uow, actor=connor, data=STEVE)
    with pytest.raises(DomainError) as caught:
        async with uow_factory() as uow:
            await people.create_person(uow=uow, actor=connor, data=STEVE)
    assert (caught.value.code, caught.value.field) == (ErrorCode.DUPLICATE, "identifiers.0")


async def test_list_persons_pages_by_name_with_cursors(orgs, uow_factory):
    agency = await orgs.organization("City of Cosville", OrganizationKind.AGENCY)
    connor = await orgs.user(agency, Role.CASEWORKER)
    names = [("Ann", "Baker"), ("Bob", "Baker"), ("Cy", "Adams"), ("Di", "Young"), ("Ed", "Baker")]
    for given, family in names:
        async with uow_factory() as uow:
            await people.create_person(uow=uow, actor=connor, data=PersonData(given, family))
    seen: list[tuple[str, str]] = []
    after = None
    while True:
        async with uow_factory() as uow:
            page = await people.list_persons(
                uow=uow,
                actor=connor,
                filter=people.PersonFilter(),
                page=PageRequest(first=2, after=after),
                with_total=True,
            )
        assert page.total_count == 5
        seen += [(p.family_name, p.given_name) for p in page.items]
        if not page.has_next_page:
            break
        after = page.cursors[-1]
    assert seen == sorted((f, g) for g, f in names)


async def test_coverage_needs_a_payer_and_a_sound_period(orgs, uow_factory):
    agency = await orgs.organization("City of Cosville", OrganizationKind.AGENCY)
    payer = await orgs.organization("Cosville Health Plan", OrganizationKind.PAYER)
    connor = await orgs.user(agency, Role.CASEWORKER)
    async with uow_factory() as uow:
        steve = await people.create_person(uow=uow, actor=connor, data=STEVE)
    good = people.CoverageData(payer, "M-1", "Gold", date(2026, 1, 1), date(2026, 12, 31))
    async with uow_factory() as uow:
        coverage = await people.add_coverage(uow=uow, actor=connor, person_id=steve.id, data=good)
    assert coverage.member_id == "M-1"
    with pytest.raises(DomainError) as caught:
        async with uow_factory() as uow:
            await people.add_coverage(
                uow=uow,
                actor=connor,
                person_id=steve.id,
                data=people.CoverageData(agency, "M-2", "Gold", date(2026, 1, 1)),
            )
    assert caught.value.code is ErrorCode.NOT_FOUND
    with pytest.raises(DomainError) as caught:
        async with uow_factory() as uow:
            await people.add_coverage(
                uow=uow,
                actor=connor,
                person_id=steve.id,
                data=people.CoverageData(payer, "M-3", "Gold", date(2026, 2, 1), date(2026, 1, 1)),
            )
    assert caught.value.code is ErrorCode.INVALID_PERIOD


async def test_concurrent_registrations_of_one_identifier_leave_exactly_one_person(
    orgs, uow_factory
):
    agency = await orgs.organization("City of Cosville", OrganizationKind.AGENCY)
    connor = await orgs.user(agency, Role.CASEWORKER)

    async def register() -> object:
        async with uow_factory() as uow:
            return await people.create_person(uow=uow, actor=connor, data=STEVE)

    results = await asyncio.gather(register(), register(), return_exceptions=True)

    failures = [r for r in results if isinstance(r, BaseException)]
    assert len(failures) == 1
    assert isinstance(failures[0], DomainError)
    assert failures[0].code in {ErrorCode.DUPLICATE, ErrorCode.CONFLICT}
    async with uow_factory() as uow:
        page = await people.list_persons(
            uow=uow, actor=connor, filter=people.PersonFilter(), page=PageRequest(first=10)
        )
    assert len(page.items) == 1


async def test_a_page_read_is_one_event_found_by_each_record_and_shown_to_whom_it_concerns(
    orgs, uow_factory
):
    """A list read is one audit event naming every person on the page; the trail finds it by
    any of them; another organisation's admin sees it for its own person only."""
    agency = await orgs.organization("City of Cosville", OrganizationKind.AGENCY)
    clinic = await orgs.organization("Cosville Clinic", OrganizationKind.PROVIDER)
    connor = await orgs.user(agency, Role.CASEWORKER)
    admin = await orgs.user(agency, Role.ADMIN)
    clinic_admin = await orgs.user(clinic, Role.ADMIN)
    made = []
    for name in ("Ann", "Bea", "Cy"):
        async with uow_factory() as uow:
            person = await people.create_person(
                uow=uow, actor=connor, data=PersonData(name, "Page")
            )
            made.append(person.id)
    async with uow_factory() as uow:  # the clinic sees Bea too (a referral, say)
        await people.grant_access(
            uow=uow, person_id=made[1], organization_id=clinic, reason=AccessReason.REFERRAL
        )
        await uow.commit()
    async with uow_factory() as uow:
        page = await people.list_persons(
            uow=uow, actor=connor, filter=people.PersonFilter(), page=PageRequest(first=10)
        )
    shown = [p.id for p in page.items]
    assert set(shown) == set(made)
    async with uow_factory() as uow:
        reads = (
            await uow.session.scalars(
                select(AuditEvent).where(AuditEvent.action == AuditAction.READ)
            )
        ).all()
        assert len(reads) == 1 and reads[0].entity_id is None
        assert reads[0].record_ids == shown  # in the order they were shown

    for person_id in made:  # the trail finds the event by each of its records
        async with uow_factory() as uow:
            found = await audit.list_audit_events(
                uow=uow,
                actor=admin,
                filter=audit.AuditFilter(entity_id=person_id, action=AuditAction.READ),
                page=PageRequest(first=10),
            )
        assert [e.record_ids for e in found.items] == [shown]
    async with uow_factory() as uow:
        nothing = await audit.list_audit_events(
            uow=uow,
            actor=admin,
            filter=audit.AuditFilter(entity_id=admin.subject_id),
            page=PageRequest(first=10),
        )
    assert nothing.items == []

    # The clinic's admin sees the agency's read of Bea, naming Bea alone.
    async with uow_factory() as uow:
        theirs = await audit.list_audit_events(
            uow=uow,
            actor=clinic_admin,
            filter=audit.AuditFilter(action=AuditAction.READ),
            page=PageRequest(first=10),
        )
    assert [e.record_ids for e in theirs.items] == [[made[1]]]
    async with uow_factory() as uow:
        theirs = await audit.list_audit_events(
            uow=uow,
            actor=clinic_admin,
            filter=audit.AuditFilter(entity_id=made[0]),
            page=PageRequest(first=10),
        )
    assert theirs.items == []
