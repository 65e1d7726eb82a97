"""Deadline alerts: the scan finds decisions, information requests, appeals and peer-to-peer
reviews due soon or overdue, raises each alert once (a repeated scan raises nothing), and
tells the request's organisations through events the worklist subscriptions carry."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from adapters.eventbus import InMemoryEventBus
from adapters.partners.directory import PartnerRegistry
from adapters.partners.dispatcher import OutboxDispatcher
from db.uow import Database
from domain.authorizations.deadlines import DeadlineAlert, DeadlineKind, DeadlineStage
from domain.authorizations.lifecycle import AuthorizationStatus
from domain.authorizations.models import (
    Appeal,
    AppealStatus,
    AuthorizationRequest,
    InformationRequest,
    InformationRequestStatus,
    PeerToPeer,
    PeerToPeerStatus,
)
from tests.followup_support import submit_requests
from tests.office import build_office


async def test_each_deadline_is_alerted_once_due_soon_then_overdue(orgs, engine, clock):
    bus = InMemoryEventBus()
    database = Database(engine, clock=clock, bus=bus)
    factory = database.uow_factory("test")
    office = await build_office(orgs, factory)
    soon, late, far, decided = await submit_requests(office, factory, 4)
    now = clock.now()
    async with factory() as uow:
        for request_id, due, status in (
            (soon, now + timedelta(hours=2), AuthorizationStatus.PENDED),
            (late, now - timedelta(hours=1), AuthorizationStatus.PENDED),
            (far, now + timedelta(days=3), AuthorizationStatus.PENDED),
            (decided, now - timedelta(hours=1), AuthorizationStatus.APPROVED),
        ):
            request = await uow.session.get(AuthorizationRequest, request_id)
            request.decision_due_at, request.status = due, status
        uow.session.add_all(
            [
                InformationRequest(
                    request_id=far,
                    requested="Imaging report",
                    due_at=now + timedelta(hours=3),
                    status=InformationRequestStatus.OPEN,
                    requested_at=now,
                ),
                InformationRequest(
                    request_id=far,
                    requested="Answered already",
                    due_at=now - timedelta(hours=3),
                    status=InformationRequestStatus.ANSWERED,
                    requested_at=now,
                ),
                Appeal(
                    request_id=decided,
                    reason="Medically necessary",
                    expedited=False,
                    status=AppealStatus.OPEN,
                    submitted_at=now - timedelta(days=30),
                    due_at=now - timedelta(minutes=5),
                ),
                PeerToPeer(
                    request_id=decided,
                    proposed_times=[],
                    contact_name="Dr. Test",
                    contact_phone="555-0100",
                    status=PeerToPeerStatus.REQUESTED,
                    requested_at=now,
                    due_at=now + timedelta(hours=20),
                ),
            ]
        )
        await uow.commit()
    worker = OutboxDispatcher(factory, PartnerRegistry(), bus)
    async with bus.subscribe(lambda e: e.name.startswith("authorization_request.deadline")) as q:
        assert await worker.raise_deadlines() == 5
        assert await worker.raise_deadlines() == 0  # nothing new: nothing raised again
        events = [q.get_nowait() for _ in range(q.qsize())]
    assert sorted(
        (e.entity_id, e.payload["deadline"], e.payload["stage"]) for e in events
    ) == sorted(
        [
            (soon, "DECISION", "DUE_SOON"),
            (late, "DECISION", "OVERDUE"),
            (far, "INFORMATION_REQUEST", "DUE_SOON"),
            (decided, "APPEAL", "OVERDUE"),
            (decided, "PEER_TO_PEER", "DUE_SOON"),
        ]
    )
    clinic = office["olive"].organization_id
    assert all(clinic in e.organization_ids and e.entity == "AuthorizationRequest" for e in events)

    # Time passes: what was due soon is now overdue, alerted once more; the rest stays quiet.
    clock.advance(timedelta(hours=4))
    assert await worker.raise_deadlines() == 2
    assert await worker.raise_deadlines() == 0
    async with factory() as uow:
        alerts = (await uow.session.scalars(select(DeadlineAlert))).all()
    overdue = {(a.subject_id, a.kind) for a in alerts if a.stage is DeadlineStage.OVERDUE}
    assert (soon, DeadlineKind.DECISION) in overdue and len(alerts) == 7
