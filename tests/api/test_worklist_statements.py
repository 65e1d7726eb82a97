"""The worklist reads a page and its nested records in a fixed number of statements, however
many rows the page has (no N+1)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.authorizations import payer
from domain.authorizations.models import CodeSystem
from domain.authorizations.payer_rules import DiagnosisData, PayerRequestData, ServiceLineData
from tests.office import build_office

WORKLIST = """query($first: Int!) { authorizationRequests(first: $first) { totalCount edges { node {
  number status priority decisionDueAt overdue
  patient { givenName familyName identifiers { value } coverages { memberId payer { name } } }
  authorizer { name } requester { name } assignee { displayName }
  diagnoses { code } lines { serviceCode quantity reviewActionCode approvedQuantity authorizationNumber }
  informationRequests { status } attachments { title } exchanges { outcome }
} } } }"""


@pytest.fixture
async def office(orgs, uow_factory):
    return await build_office(orgs, uow_factory)


async def _seed(uow_factory, office, count):
    for _ in range(count):
        async with uow_factory() as uow:
            await payer.create_payer_request(
                uow=uow,
                actor=office["olive"],
                data=PayerRequestData(
                    patient_id=office["maria"],
                    payer_id=office["payer"],
                    coverage_id=office["coverage"],
                    diagnoses=(DiagnosisData("M54.16"),),
                    lines=(
                        ServiceLineData(CodeSystem.CPT, "72148", Decimal(1)),
                        ServiceLineData(CodeSystem.CPT, "97110", Decimal(12)),
                    ),
                ),
            )


async def test_the_worklist_runs_the_same_statements_for_10_or_50_rows(
    app_client, office, uow_factory
):
    await _seed(uow_factory, office, 50)
    counts = []
    for first in (10, 50):
        with app_client.count_statements() as statements:
            data = await app_client.data(WORKLIST, {"first": first}, as_=office["olive"])
        assert len(data["authorizationRequests"]["edges"]) == first
        counts.append(len(statements))
    assert counts[0] == counts[1]
    assert (
        data["authorizationRequests"]["edges"][0]["node"]["patient"]["coverages"][0]["payer"][
            "name"
        ]
        == "Cosville Health Plan"
    )
