"""The CMS-0057-F figures: per payer and priority, decided, approved, denied, time to decision
and overdue; queryable by the organisation and exported on /metrics."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.authorizations.metrics import percentile
from tests.api.test_payer_followup import decided
from tests.office import build_office

METRICS = """{ authorizationMetrics { payer { name } priority submitted decided approved
  partiallyApproved denied overdue approvalRate denialRate medianHoursToDecision } }"""


@pytest.fixture
async def office(orgs, uow_factory):
    return await build_office(orgs, uow_factory)


def test_percentiles_are_nearest_rank():
    assert percentile([], 0.5) is None
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.9) == 4.0


async def test_figures_per_payer_and_priority(app_client, office):
    await decided(app_client, office, ["CERTIFIED", "CERTIFIED"])
    await decided(app_client, office, ["NOT_CERTIFIED", "NOT_CERTIFIED"])
    await decided(app_client, office, ["CERTIFIED", "NOT_CERTIFIED"])
    app_client.clock.advance(timedelta(days=30))

    data = await app_client.data(METRICS, as_=office["olive"])
    assert data["authorizationMetrics"] == [
        {
            "payer": {"name": "Cosville Health Plan"},
            "priority": "STANDARD",
            "submitted": 3,
            "decided": 3,
            "approved": 1,
            "partiallyApproved": 1,
            "denied": 1,
            "overdue": 0,
            "approvalRate": pytest.approx(2 / 3),
            "denialRate": pytest.approx(1 / 3),
            "medianHoursToDecision": 0.0,
        }
    ]
    stranger = await app_client.data(METRICS, as_=office["stranger"])
    assert stranger["authorizationMetrics"] == []

    scraped = (await app_client.http.get("/metrics")).text
    assert 'carebridge_prior_authorization_denied{payer_id="' in scraped
    assert 'priority="STANDARD"} 1.0' in scraped
