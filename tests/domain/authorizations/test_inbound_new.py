"""The lean path of a NEW submission (`inbound_new`) against the general path it stands in for:
the same rows in every table, the same events, the same answer and details, in one read and
one INSERT per table (no UPDATE, nothing read back); and the cases it leaves to the general
path are still answered as before."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from sqlalchemy import delete, event, select, update

from db.uow import Database
from domain.authorizations.documents import Document
from domain.authorizations.inbound import (
    InboundChannel,
    InboundSubmission,
    receive_submission,
)
from domain.authorizations.intake import IntakeOrganization, IntakeProvider
from domain.authorizations.models import AttachmentKind, Priority, SubmissionReceipt
from domain.errors import DomainError, ErrorCode
from domain.numbers import NumberSequence
from domain.people.models import PersonOrganization
from domain.registry import metadata
from tests.inbound_support import CLINIC_NPI, build_partner_world, intake, paula, service
from tests.recording_bus import RecordingBus
from tests.world import npi

OTHER_NPI = npi("166666666")


@pytest.fixture
def bus() -> RecordingBus:
    return RecordingBus()


@pytest.fixture
def uow_factory(engine, clock, bus):
    return Database(engine, clock=clock, bus=bus).uow_factory("test-correlation")


@pytest.fixture
async def world(orgs, uow_factory):
    return await build_partner_world(orgs, uow_factory, provider_npis=[OTHER_NPI])


def submission(reference: str, **changes: Any) -> InboundSubmission:
    services = (
        service("72148", start=date(2026, 12, 12)),
        replace(
            service("97110", start=date(2026, 12, 10), quantity="6"),
            modifiers=("gp",),
            servicing_provider=IntakeProvider(
                practitioner=None, organization=IntakeOrganization(None, "Rehab", OTHER_NPI)
            ),
        ),
    )
    return InboundSubmission(
        intake=changes.pop("intake", None) or intake(services=services),
        sender_reference=reference,
        channel=InboundChannel.FHIR_PAS,
        payer_identifier="CHP01",
        priority=Priority.EXPEDITED,
        trace_number=f"trace-{reference}",
        attachments=(Document(AttachmentKind.CLINICAL_NOTE, " Note ", "text/plain", b"pain"),),
        **changes,
    )


async def snapshot(uow_factory) -> dict[str, list[dict[str, Any]]]:
    async with uow_factory() as uow:
        found = {}
        for table in metadata.sorted_tables:
            rows = (await uow.session.execute(select(table))).mappings().all()
            found[table.name] = [dict(row) for row in rows]
        return found


def written(before: dict, after: dict) -> dict[str, list[tuple[Any, ...]]]:
    """The rows each table gained, each new key (and fresh random value) named by the table
    it keys; the history's counter key, the request number and the submission's own
    reference, trace number and fingerprint left out (they differ by design)."""
    fresh = {name: [r for r in rows if r not in before[name]] for name, rows in after.items()}
    kept = {
        v for rows in before.values() for r in rows for v in r.values() if isinstance(v, uuid.UUID)
    }
    keys = {r["id"]: name for name, rows in fresh.items() for r in rows if "id" in r}

    def named(value: Any) -> Any:
        if isinstance(value, uuid.UUID) and value not in kept:
            return f"<{keys.get(value, 'fresh')}>"
        return value

    skipped = {"number", "sender_reference", "fingerprint", "trace_number"}
    return {
        name: sorted(
            tuple(
                (key, repr(named(value)))
                for key, value in sorted(row.items())
                if key not in skipped and (name, key) != ("status_changes", "id")
            )
            for row in rows
        )
        for name, rows in fresh.items()
        if name != "number_sequences"  # its one row counts on
    }


async def test_a_lean_submission_writes_exactly_the_rows_of_the_general_path(
    world, uow_factory, engine, bus
):
    await receive(uow_factory, world.ehr, submission("registers-the-patient"), lean=False)
    await forget_payer_access(uow_factory, world)  # so that each path grants it anew
    before = await snapshot(uow_factory)
    general = await receive(uow_factory, world.ehr, submission("general"), lean=False)
    middle = await snapshot(uow_factory)
    await forget_payer_access(uow_factory, world)
    ready = await snapshot(uow_factory)
    general_events = [e.name for e in bus.events]
    bus.events.clear()
    with count_statements(engine) as statements:
        lean = await receive(uow_factory, world.ehr, submission("lean"), lean=True)
    after = await snapshot(uow_factory)

    rows = written(before, middle)
    assert {name: len(found) for name, found in rows.items() if found} == {
        "audit_events": 3,
        "authorization_attachments": 1,
        "authorization_diagnoses": 1,
        "authorization_lines": 2,
        "authorization_requests": 1,
        "outbox_messages": 1,
        "person_organizations": 1,
        "status_changes": 2,
        "submission_receipts": 1,
    }
    assert written(ready, after) == rows
    assert (
        [e.name for e in bus.events]
        == general_events[-2:]
        == [
            "authorization_request.submitting",
            "outbox.enqueued",
        ]
    )
    assert lean.state.answer == general.state.answer
    assert lean.state.sender_reference == "lean" and lean.created
    assert replace(lean.state.partner_request, request_id=None, number=None) == replace(
        general.state.partner_request, request_id=None, number=None
    )
    assert lean.request.number != general.request.number
    async with uow_factory() as uow:
        receipt = await uow.session.scalar(
            select(SubmissionReceipt).where(SubmissionReceipt.sender_reference == "lean")
        )
    assert receipt.fingerprint == submission("lean").fingerprint()
    assert receipt.trace_number == "trace-lean"
    verbs = [s.split(None, 1)[0].upper() for s in statements]
    assert verbs.count("SELECT") == 1 and "UPDATE" not in verbs
    assert verbs[0] == "SELECT"
    tables = sum(1 for found in rows.values() if found)
    # The read, then on PostgreSQL one statement taking the number and inserting every row
    # (its own transaction); elsewhere the number, then one INSERT per table.
    assert len(statements) == (2 if engine.dialect.name == "postgresql" else 2 + tables)


async def test_the_general_path_takes_what_the_lean_path_leaves(world, uow_factory):
    first = await receive(uow_factory, world.ehr, submission("first"))  # a patient to register
    again = await receive(uow_factory, world.ehr, submission("first"))  # a resend
    assert first.created and again.duplicate and again.request.id == first.request.id
    hub = await receive(
        uow_factory,
        world.clearinghouse,
        submission(
            "from-the-hub",
            intake=intake(services=(service(requesting=paula()),)),
            requester=IntakeProvider(None, IntakeOrganization(None, "Clinic", CLINIC_NPI)),
        ),
    )
    assert hub.created and hub.request.requesting_organization_id == world.clinic
    assert hub.request.patient_id == first.request.patient_id


async def forget_payer_access(uow_factory, world) -> None:
    async with uow_factory() as uow:
        await uow.session.execute(
            delete(PersonOrganization).where(PersonOrganization.organization_id == world.payer)
        )
        await uow.commit()


async def receive(uow_factory, actor, sent, *, lean: bool = True):
    async with uow_factory() as uow:
        return await receive_submission(uow=uow, actor=actor, submission=sent, lean=lean)


class count_statements:
    def __init__(self, engine) -> None:
        self.engine = engine.sync_engine
        self.statements: list[str] = []

    def _record(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement.strip())

    def __enter__(self) -> list[str]:
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self.statements

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)


async def test_a_lean_write_that_loses_a_race_writes_nothing_and_says_conflict(world, uow_factory):
    await receive(uow_factory, world.ehr, submission("first"))
    await receive(uow_factory, world.ehr, submission("second"))  # lean: the patient is known
    async with uow_factory() as uow:  # the next number is one already taken, as in a race
        await uow.session.execute(update(NumberSequence).values(last_value=1))
        await uow.commit()
    before = await snapshot(uow_factory)
    with pytest.raises(DomainError) as raised:
        await receive(uow_factory, world.ehr, submission("third"))
    assert raised.value.code is ErrorCode.CONFLICT
    after = await snapshot(uow_factory)
    assert after == before
