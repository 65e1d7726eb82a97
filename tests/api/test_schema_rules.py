"""Rules every field of the API keeps, checked on the schema itself so new fields cannot
forget them; and what a client sees when something unexpected breaks."""

from __future__ import annotations

import pytest
from strawberry.permission import PermissionExtension

from domain.identity.models import OrganizationKind, Role
from domain.people import service as people
from schema.api import Mutation, Query, Subscription
from schema.permissions import IsAuthenticated


@pytest.mark.parametrize(
    "root", [Query, Mutation, Subscription], ids=["Query", "Mutation", "Subscription"]
)
def test_every_root_field_requires_a_token(root):
    definition = root.__strawberry_definition__
    unguarded = [
        field.name
        for field in definition.fields
        if not any(
            isinstance(extension, PermissionExtension)
            and any(isinstance(p, IsAuthenticated) for p in extension.permissions)
            for extension in field.extensions
        )
    ]
    assert unguarded == []


def test_every_mutation_answers_a_payload_with_errors():
    for field in Mutation.__strawberry_definition__.fields:
        payload = field.type
        names = {f.python_name for f in payload.__strawberry_definition__.fields}
        assert payload.__name__.endswith("Payload") and "errors" in names, field.name


async def test_an_unexpected_failure_is_masked_with_a_correlation_id(app_client, orgs, monkeypatch):
    agency = await orgs.organization("City of Cosville", OrganizationKind.AGENCY)
    connor = await orgs.user(agency, Role.CASEWORKER)

    async def broken(**_kwargs):
        raise RuntimeError("database password is hunter2 and Steve lives at 12 Elm St")

    monkeypatch.setattr(people, "list_persons", broken)
    response = await app_client.post(
        "{ persons { totalCount } }", as_=connor, headers={"X-Correlation-ID": "trace-12345678"}
    )
    body = response.json()
    error = body["errors"][0]
    assert error["extensions"] == {"code": "INTERNAL", "correlationId": "trace-12345678"}
    assert "hunter2" not in response.text and "Elm" not in response.text
    assert "Traceback" not in response.text
