"""Reading cases: newest first, keyset-paged, each read audited."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from domain.audit.models import AuditAction, AuditEvent
from domain.cases import service as cases
from domain.cases.lifecycle import CaseType
from domain.cases.rules import CaseData
from domain.pagination import PageRequest
from tests.world import build_world


async def test_cases_page_newest_first_and_every_read_is_audited(orgs, uow_factory, clock):
    world = await build_world(orgs, uow_factory)
    numbers = []
    for _ in range(3):
        clock.advance(timedelta(minutes=1))
        async with uow_factory() as uow:
            made = await cases.create_case(
                uow=uow, actor=world.caseworker, data=CaseData(CaseType.ISSUE, world.steve)
            )
            numbers.append(made.number)
    seen, after = [], None
    for _ in range(3):
        async with uow_factory() as uow:
            page = await cases.list_cases(
                uow=uow,
                actor=world.caseworker,
                filter=cases.CaseFilter(),
                page=PageRequest(first=2, after=after),
                with_total=True,
            )
        seen += [c.number for c in page.items]
        assert page.total_count == 3
        if not page.has_next_page:
            break
        after = page.cursors[-1]
    assert seen == list(reversed(numbers))
    async with uow_factory() as uow:
        events = await uow.session.scalars(
            select(AuditEvent).where(
                AuditEvent.entity == "Case", AuditEvent.action == AuditAction.READ
            )
        )
        reads = [record for event in events for record in event.record_ids]
    # Each page read is one event naming the cases on it: every case read once.
    assert len(reads) == len(set(reads)) == 3
