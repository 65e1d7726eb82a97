"""/metrics shows the follow-up engine: outbox depth and the oldest row's age, due polls,
open deadlines, and each partner's recent outcomes and latency; labels carry no identifiers."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select
from strawberry.relay import to_base64

from domain.partners.models import Exchange
from tests.followup_support import eventually, point_partner_at, submit_requests
from tests.office import build_office

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


async def test_metrics_show_the_outbox_polls_deadlines_and_partners(app_client, orgs, uow_factory):
    office = await build_office(orgs, uow_factory)
    # Nothing listens on port 9: every attempt fails and is retried later.
    await point_partner_at(uow_factory, "http://127.0.0.1:9/fhir")
    first, _second = await submit_requests(office, uow_factory, 2)

    async def attempted() -> bool:
        async with uow_factory() as uow:
            return (await uow.session.scalar(select(func.count(Exchange.id)))) >= 2

    await eventually(attempted)
    app_client.clock.advance(timedelta(seconds=60))
    scraped = (await app_client.http.get("/metrics")).text
    assert 'carebridge_outbox_messages{kind="SUBMIT",status="PENDING"} 2.0' in scraped
    age = re.search(r"^carebridge_outbox_oldest_pending_age_seconds (\S+)$", scraped, re.M)
    assert age is not None and float(age.group(1)) >= 60
    assert 'carebridge_partner_error_ratio_recent{partner="Cosville Health Plan portal"} 1.0' in (
        scraped
    )
    assert re.search(
        r'^carebridge_partner_exchanges_recent\{operation="SUBMIT",outcome="RETRYING",'
        r'partner="Cosville Health Plan portal"\} [1-9]',
        scraped,
        re.M,
    )
    assert re.search(
        r'^carebridge_deadlines_open\{kind="DECISION",stage="DUE_SOON"\} ', scraped, re.M
    )
    assert (
        "carebridge_polls_due " in scraped and "carebridge_poll_oldest_due_age_seconds" in scraped
    )
    assert 'carebridge_followup_tasks_total{outcome="done",task="dispatch"}' in scraped
    followup = [
        line
        for line in scraped.splitlines()
        if re.match(r"carebridge_(outbox|poll|partner|deadline|followup)", line)
    ]
    assert followup and not any(UUID.search(line) for line in followup)

    # GraphQL lists each attempt with its outcome and reason.
    query = "query($id: ID!) { authorizationRequest(id: $id) { status exchanges { direction operation outcome detail } } }"
    found = (
        await app_client.data(
            query, {"id": to_base64("AuthorizationRequest", str(first))}, as_=office["olive"]
        )
    )["authorizationRequest"]
    assert found["status"] == "SUBMITTING" and found["exchanges"]
    assert all(
        e["direction"] == "OUTBOUND"
        and e["operation"] == "SUBMIT"
        and e["outcome"] == "RETRYING"
        and "could not be reached" in e["detail"]
        for e in found["exchanges"]
    )


async def test_the_request_shows_its_deadline_alerts(app_client, orgs, uow_factory):
    from adapters.partners.directory import PartnerRegistry
    from adapters.partners.dispatcher import OutboxDispatcher
    from domain.authorizations.models import AuthorizationRequest

    office = await build_office(orgs, uow_factory)
    [request_id] = await submit_requests(office, uow_factory, 1)
    async with uow_factory() as uow:
        request = await uow.session.get(AuthorizationRequest, request_id)
        request.decision_due_at = app_client.clock.now() - timedelta(minutes=1)
        await uow.commit()
    assert await OutboxDispatcher(uow_factory, PartnerRegistry(), None).raise_deadlines() == 1
    query = (
        "query($id: ID!) { authorizationRequest(id: $id) { deadlineAlerts { kind stage dueAt } } }"
    )
    gid = to_base64("AuthorizationRequest", str(request_id))
    found = (await app_client.data(query, {"id": gid}, as_=office["olive"]))["authorizationRequest"]
    assert [(a["kind"], a["stage"]) for a in found["deadlineAlerts"]] == [("DECISION", "OVERDUE")]
    # Another clinic cannot read the request, nor so its alerts.
    other = await app_client.data(query, {"id": gid}, as_=office["stranger"])
    assert other["authorizationRequest"] is None
