"""The worklist answered as JSON built by PostgreSQL in one statement (schema/worklist_plan.py)
gives exactly what the general resolvers give: the same JSON, key for key and in the same
order, the same cursors and errors, and the same audit trail. On SQLite both clients take the
general path (the comparisons still hold)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, select, update

from domain.audit.models import AuditEvent
from domain.authorizations import payer
from domain.authorizations.lifecycle import AuthorizationStatus, ReviewAction
from domain.authorizations.models import (
    AuthorizationLine,
    AuthorizationRequest,
    CodeSystem,
    Priority,
)
from domain.authorizations.payer_rules import DiagnosisData, PayerRequestData, ServiceLineData
from domain.people import service as people
from domain.people.models import PersonOrganization
from domain.people.rules import PersonData
from tests.api.conftest import graphql_client
from tests.office import build_office

EVERY_FIELD = """
query Worklist($first: Int!, $after: String, $order: WorklistOrder!, $filter: WorklistFilter) {
  authorizationRequests(first: $first, after: $after, orderBy: $order, filter: $filter) {
    __typename
    count: totalCount
    edges {
      __typename
      cursor
      node {
        __typename id number authorizerKind status priority category notes receivedAt
        decisionDueAt decidedAt createdAt updatedAt payerReference submittedAt overdue
        ...Who
        payer: authorizer { __typename id name kind npi payerId active }
        requester { name ... on Node { id } }
        lines {
          __typename id sequence codeSystem serviceCode modifiers description quantity
          unitOfMeasure requestedStart requestedEnd placeOfService requestedRate reviewAction
          reviewActionCode approvedQuantity approvedStart approvedEnd authorizationNumber
          reasonCodes reviewerNotes rate currency usedQuantity decidedAt
          code: reviewActionCode
        }
        diagnoses { __typename sequence code display }
        again: number
      }
    }
    pageInfo { __typename hasNextPage hasPreviousPage startCursor endCursor }
    totalCount
  }
}
fragment Who on AuthorizationRequest {
  patient { __typename id givenName middleName familyName birthDate sex preferredLanguage
            phone email createdAt updatedAt }
  number
}
"""

BENCH_SHAPE = """query($first: Int!) { authorizationRequests(
  filter: {statuses: [SUBMITTED, PENDED, INFO_REQUESTED]}, orderBy: DECISION_DUE, first: $first
) { edges { node { id number status priority decisionDueAt patient { givenName familyName }
  authorizer { name } diagnoses { code }
  lines { serviceCode quantity reviewActionCode approvedQuantity authorizationNumber } } } } }"""


@pytest.fixture
async def general_client(engine, settings, clock):
    """The same app with the compiled worklist turned off: the general resolvers."""
    general = settings.model_copy(update={"compiled_worklist": False})
    async with graphql_client(general, clock) as client:
        yield client


@pytest.fixture
async def office(orgs, uow_factory, clock):
    office = await build_office(orgs, uow_factory)
    async with uow_factory() as uow:
        ken = await people.create_person(
            uow=uow,
            actor=office["olive"],
            data=PersonData(
                given_name="Ken",
                middle_name='O"Brien \\ Ünal',
                family_name="Tanaka\nSmith",
                birth_date=date(1931, 2, 3),
                phone="+1 555 0100",
                email="ken@example.test",
                preferred_language="ja",
            ),
        )
    office["ken"] = ken.id
    async with uow_factory() as uow:
        hidden = await people.create_person(
            uow=uow, actor=office["olive"], data=PersonData(given_name="Hana", family_name="Mori")
        )
    office["hidden"] = hidden.id
    now = clock.now()
    numbers = []
    for index in range(7):
        patient = (office["maria"], office["ken"], office["hidden"])[index % 3]
        async with uow_factory() as uow:
            request = await payer.create_payer_request(
                uow=uow,
                actor=office["olive"],
                data=PayerRequestData(
                    patient_id=patient,
                    payer_id=office["payer"],
                    priority=Priority.EXPEDITED if index % 2 else Priority.STANDARD,
                    notes=None if index % 2 else f"Call 'back' — «{index}»",
                    diagnoses=(DiagnosisData("M54.16", "Radiculopathy"), DiagnosisData("I10")),
                    lines=(
                        ServiceLineData(
                            CodeSystem.CPT,
                            "72148",
                            Decimal("1.5"),
                            modifiers=("RT", "59"),
                            requested_start=date(2026, 3, 1),
                            requested_end=date(2026, 3, 31),
                            place_of_service="11",
                            description="MRI lumbar",
                        ),
                        ServiceLineData(CodeSystem.HCPCS, "E0601", Decimal(12)),
                    ),
                ),
            )
            numbers.append(request.number)
            status = list(AuthorizationStatus)[index % len(AuthorizationStatus)]
            due = None if index == 3 else now + timedelta(hours=index * 7 - 20, microseconds=index)
            await uow.session.execute(
                update(AuthorizationRequest)
                .where(AuthorizationRequest.id == request.id)
                .values(
                    status=status,
                    decision_due_at=due,
                    received_at=now - timedelta(days=1),
                    payer_reference=f"PR-{index}" if index % 3 else None,
                    decided_at=now - timedelta(seconds=index) if index % 2 else None,
                )
            )
            if index % 2:
                await uow.session.execute(
                    update(AuthorizationLine)
                    .where(AuthorizationLine.request_id == request.id)
                    .values(
                        review_action=list(ReviewAction)[index % len(ReviewAction)],
                        approved_quantity=Decimal("1.25"),
                        approved_start=date(2026, 3, 2),
                        approved_end=date(2026, 4, 30),
                        authorization_number=f"AUTH-{index}",
                        reason_codes=["N290", "M127"],
                        reviewer_notes="Ok\tpartially",
                        used_quantity=Decimal("0.5"),
                        rate=Decimal("120.5"),
                        requested_rate=Decimal("99.99"),
                        decided_at=now + timedelta(microseconds=123),
                    )
                )
            await uow.commit()
    async with uow_factory() as uow:  # Hana's record is no longer the clinic's to see
        await uow.session.execute(
            delete(PersonOrganization).where(PersonOrganization.person_id == office["hidden"])
        )
        await uow.commit()
    office["numbers"] = numbers
    return office


async def _audit(uow_factory) -> Counter:
    async with uow_factory() as uow:
        # `fields` as stored: SQL NULL and JSON null differ to a query on the trail.
        stored = AuditEvent.fields.is_(None).label("sql_null")
        rows = (await uow.session.execute(select(AuditEvent, stored))).all()
        found = Counter(
            (
                e.entity,
                tuple(sorted(e.record_ids)),  # one event per kind of record read
                e.action,
                e.actor_id,
                e.organization_id,
                repr(e.fields),
                null,
                e.id.version,  # time-ordered (7) on both paths
                e.id.int >> 80 == int(e.occurred_at.timestamp() * 1000),
            )
            for e, null in rows
        )
        await uow.session.execute(delete(AuditEvent))
        await uow.commit()
    return found


async def _both(app_client, general_client, uow_factory, query, variables, actor):
    """Both answers as JSON text (key order kept) and the audit events each wrote."""
    await _audit(uow_factory)
    with app_client.count_statements() as statements:
        compiled = await app_client.execute(query, variables, as_=actor)
    compiled_audit = await _audit(uow_factory)
    general = await general_client.execute(query, variables, as_=actor)
    general_audit = await _audit(uow_factory)
    assert json.dumps(compiled) == json.dumps(general)
    assert compiled_audit == general_audit, (compiled_audit, general_audit)
    return compiled, statements, compiled_audit


@pytest.mark.parametrize("order", ["DECISION_DUE", "NEWEST"])
async def test_every_plain_field_is_written_as_the_general_resolvers_write_it(
    app_client, general_client, office, uow_factory, is_postgres, order
):
    variables = {"first": 4, "order": order}
    body, statements, audit = await _both(
        app_client, general_client, uow_factory, EVERY_FIELD, variables, office["olive"]
    )
    connection = body["data"]["authorizationRequests"]
    assert connection["count"] == connection["totalCount"] == 7
    assert connection["pageInfo"]["hasNextPage"] is True
    assert len(connection["edges"]) == 4
    if is_postgres:
        assert len(statements) == 2  # the page with its audit; the count

    # The next page from the cursor, on both paths.
    after = connection["pageInfo"]["endCursor"]
    body, _, more_audit = await _both(
        app_client,
        general_client,
        uow_factory,
        EVERY_FIELD,
        variables | {"after": after},
        office["olive"],
    )
    rest = body["data"]["authorizationRequests"]
    assert len(rest["edges"]) == 3
    assert rest["pageInfo"] == rest["pageInfo"] | {"hasNextPage": False, "hasPreviousPage": True}
    nodes = [e["node"] for e in connection["edges"] + rest["edges"]]
    assert {n["number"] for n in nodes} == set(office["numbers"])
    assert [n["patient"] is None for n in nodes].count(True) == 2  # Hana's: no longer visible
    assert any(n["patient"] and n["patient"]["middleName"] == 'O"Brien \\ Ünal' for n in nodes)
    assert {n["lines"][0]["modifiers"] == ["RT", "59"] for n in nodes} == {True}
    # The requests shown and the patients shown (never Hana) were audited.
    audited = audit + more_audit
    entities: Counter = Counter()
    for entity, ids, *_ in audited.elements():
        entities[entity] += len(ids)
    assert entities["AuthorizationRequest"] == 7
    assert entities["Person"] >= 2
    assert office["hidden"] not in {i for _, ids, *_ in audited for i in ids}
    # One event per page and kind of record, on both paths.
    assert Counter(entity for entity, *_ in audited.elements()) == {
        "AuthorizationRequest": 2,
        "Person": 2,
    }


async def test_the_bench_query_is_one_statement_with_the_same_answer_and_audit(
    app_client, general_client, office, uow_factory, is_postgres
):
    _, statements, audit = await _both(
        app_client, general_client, uow_factory, BENCH_SHAPE, {"first": 50}, office["olive"]
    )
    assert sum(audit.values()) > 0
    assert {(event[7], event[8]) for event in audit} == {(7, True)}  # UUIDv7 of occurred_at
    if is_postgres:
        assert len(statements) == 1
        assert "INSERT INTO audit_events" in statements[0]


@pytest.mark.parametrize(
    "query",
    [
        # Filters, on both paths.
        """query($f: WorklistFilter) { authorizationRequests(filter: $f, first: 5) {
           edges { node { number priority overdue } } } }""",
        # Something the database does not build (coverages, assignee): the general path.
        """query { authorizationRequests(first: 3) { edges { node { number
           patient { givenName coverages { memberId payer { name } } } assignee { id } } } } }""",
        # A directive: the general path.
        """query($no: Boolean = true) { authorizationRequests(first: 3) { edges { node {
           number notes @skip(if: $no) } } } }""",
        # No node at all, only the page's cursors.
        """query { authorizationRequests(first: 2) { edges { cursor }
           pageInfo { endCursor hasNextPage } } }""",
    ],
)
async def test_other_selections_give_the_same_answer(
    app_client, general_client, office, uow_factory, query
):
    variables = {"f": {"priority": "EXPEDITED", "text": "ar"}}
    await _both(app_client, general_client, uow_factory, query, variables, office["olive"])


@pytest.mark.parametrize(
    "query",
    [
        # Edges without a cursor come whole from the database, with their own aliases and
        # __typename, and the page's cursors still come beside them.
        """query { authorizationRequests(first: 3) { list: edges { kind: __typename
           n: node { number patient { familyName } } }
           pageInfo { hasNextPage startCursor endCursor } } }""",
        # All of them: no next page.
        """query { authorizationRequests(first: 50) { edges { node { number } }
           pageInfo { hasNextPage } } }""",
    ],
)
async def test_edges_built_whole_by_the_database_are_the_same(
    app_client, general_client, office, uow_factory, is_postgres, query
):
    body, statements, audit = await _both(
        app_client, general_client, uow_factory, query, {}, office["olive"]
    )
    connection = body["data"]["authorizationRequests"]
    edges = connection.get("list", connection.get("edges"))
    assert len(edges) == min(3 if "first: 3" in query else 50, 7)
    assert connection["pageInfo"]["hasNextPage"] is ("first: 3" in query)
    assert sum(audit.values()) > 0
    if is_postgres:
        assert len(statements) == 1


async def test_errors_and_other_organisations_are_the_same_on_both_paths(
    app_client, general_client, office, uow_factory
):
    too_many, _, audit = await _both(
        app_client, general_client, uow_factory, BENCH_SHAPE, {"first": 0}, office["olive"]
    )
    assert too_many["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"
    assert not audit
    bad_cursor, _, _ = await _both(
        app_client,
        general_client,
        uow_factory,
        EVERY_FIELD,
        {"first": 2, "order": "NEWEST", "after": "not-a-cursor"},
        office["olive"],
    )
    assert bad_cursor["errors"][0]["extensions"]["code"] == "INVALID"
    theirs, _, _ = await _both(
        app_client, general_client, uow_factory, BENCH_SHAPE, {"first": 50}, office["stranger"]
    )
    assert theirs["data"]["authorizationRequests"]["edges"] == []
    anonymous = await app_client.execute(BENCH_SHAPE, {"first": 5})
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
