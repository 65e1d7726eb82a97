"""The HTTP edge: tokens, malformed and oversized requests, limits, health and metrics."""

from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import timedelta

import httpx
import jwt
import pytest
from asgi_lifespan import LifespanManager

from adapters.tokens import mint_token
from domain.identity.models import OrganizationKind, Role
from server import create_app
from tests.api.conftest import GraphQLClient


async def test_introspection_needs_no_token(app_client):
    body = await app_client.execute("{ __schema { queryType { name } } }")
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_every_other_operation_needs_a_token(app_client):
    body = await app_client.execute("{ persons { totalCount } }")
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    body = await app_client.execute(
        'mutation { createPerson(input: {person: {givenName: "A", familyName: "B"}}) { errors { code } } }'
    )
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_forged_token_is_refused_with_401(app_client, orgs):
    agency = await orgs.organization("City of Cosville", OrganizationKind.AGENCY)
    connor = await orgs.user(agency, Role.CASEWORKER)
    good = app_client.token(connor)
    header, payload, _signature = good.split(".")
    forged = jwt.encode(
        jwt.decode(good, options={"verify_signature": False}) | {"roles": ["ADMIN"]},
        "another-secret-of-at-least-thirty-two-bytes!!",
        algorithm="HS256",
    )
    for token in (forged, f"{header}.{payload}.", "not-a-token"):
        response = await app_client.http.post(
            "/graphql",
            json={"query": "{ me { subjectId } }"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 401
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert response.headers["www-authenticate"].startswith("Bearer")


async def test_expired_token_is_refused(app_client, orgs, clock):
    agency = await orgs.organization("City of Cosville", OrganizationKind.AGENCY)
    connor = await orgs.user(agency, Role.CASEWORKER)
    token = mint_token(app_client.settings, connor, clock.now(), ttl=timedelta(minutes=5))
    clock.advance(timedelta(minutes=10))
    response = await app_client.http.post(
        "/graphql",
        json={"query": "{ me { subjectId } }"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 401
    assert "expired" in response.json()["errors"][0]["message"]


async def test_malformed_json_is_a_clean_400(app_client):
    response = await app_client.http.post(
        "/graphql", content=b'{"query": "{ me {', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "INVALID"
    assert "Traceback" not in response.text


async def test_oversized_body_is_refused_before_parsing(app_client):
    padding = "x" * (app_client.settings.max_body_bytes + 1)
    response = await app_client.http.post(
        "/graphql", json={"query": "{ __typename }", "pad": padding}
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"


@pytest.fixture
async def limited_client(engine, settings, clock):
    """An app with tighter limits than the defaults, to test each limit at its edge."""
    async with AsyncExitStack() as stack:

        async def make(**limits: int) -> GraphQLClient:
            strict = settings.model_copy(update=limits)
            manager = await stack.enter_async_context(
                LifespanManager(create_app(strict, clock=clock))
            )
            transport = httpx.ASGITransport(app=manager.app)
            http = await stack.enter_async_context(
                httpx.AsyncClient(transport=transport, base_url="http://t")
            )
            return GraphQLClient(http=http, settings=strict, clock=clock)

        yield make


async def test_query_deeper_than_the_limit_is_refused(limited_client, orgs):
    strict_client = await limited_client(max_query_depth=2)
    agency = await orgs.organization("City of Cosville", OrganizationKind.AGENCY)
    connor = await orgs.user(agency, Role.CASEWORKER)
    assert "errors" not in await strict_client.execute(
        "{ me { organization { name } } }", as_=connor
    )
    body = await strict_client.execute("{ me { user { organization { name } } } }", as_=connor)
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]
    assert body.get("data") is None


async def test_too_many_aliases_are_refused(limited_client, orgs):
    strict_client = await limited_client(max_aliases=2)
    agency = await orgs.organization("City of Cosville", OrganizationKind.AGENCY)
    connor = await orgs.user(agency, Role.CASEWORKER)
    body = await strict_client.execute(
        "{ a: me { roles } b: me { roles } c: me { roles } }", as_=connor
    )
    assert "aliases" in body["errors"][0]["message"].lower()


async def test_costly_query_is_refused_and_page_sizes_count(limited_client, orgs):
    strict_client = await limited_client(max_query_cost=500)
    agency = await orgs.organization("City of Cosville", OrganizationKind.AGENCY)
    connor = await orgs.user(agency, Role.CASEWORKER)
    fields = "givenName familyName birthDate sex phone email"
    cheap = f"{{ persons(first: 10) {{ edges {{ node {{ {fields} }} }} }} }}"
    assert "errors" not in await strict_client.execute(cheap, as_=connor)
    costly = f"{{ persons(first: 100) {{ edges {{ node {{ {fields} }} }} }} }}"
    body = await strict_client.execute(costly, as_=connor)
    assert body["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"
    by_variable = f"query($n: Int) {{ persons(first: $n) {{ edges {{ node {{ {fields} }} }} }} }}"
    body = await strict_client.execute(by_variable, {"n": 10}, as_=connor)
    assert body["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"


async def test_page_size_is_capped(app_client, orgs):
    agency = await orgs.organization("City of Cosville", OrganizationKind.AGENCY)
    connor = await orgs.user(agency, Role.CASEWORKER)
    body = await app_client.execute("{ persons(first: 1000) { totalCount } }", as_=connor)
    assert body["errors"][0]["extensions"] == {"code": "LIMIT_EXCEEDED", "field": "first"}


async def test_bad_cursor_is_a_typed_error(app_client, orgs):
    agency = await orgs.organization("City of Cosville", OrganizationKind.AGENCY)
    connor = await orgs.user(agency, Role.CASEWORKER)
    body = await app_client.execute('{ persons(after: "!!nope") { totalCount } }', as_=connor)
    assert body["errors"][0]["extensions"] == {"code": "INVALID", "field": "after"}


async def test_responses_carry_a_correlation_id(app_client):
    response = await app_client.http.get("/healthz", headers={"X-Correlation-ID": "abc12345-trace"})
    assert response.headers["x-correlation-id"] == "abc12345-trace"
    response = await app_client.http.get("/healthz", headers={"X-Correlation-ID": "<script>"})
    assert response.headers["x-correlation-id"] != "<script>"


async def test_health_readiness_and_metrics(app_client):
    assert (await app_client.http.get("/healthz")).json() == {"status": "ok"}
    ready = await app_client.http.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] == "up"
    await app_client.execute("{ __typename }")
    metrics = await app_client.http.get("/metrics")
    assert (
        'carebridge_http_requests_total{method="POST",route="/graphql",status="200"}'
        in metrics.text
    )


async def test_syntax_and_validation_errors_say_the_input_is_invalid(app_client, orgs):
    agency = await orgs.organization("City of Cosville", OrganizationKind.AGENCY)
    connor = await orgs.user(agency, Role.CASEWORKER)
    for query in (
        "{ persons {",
        "{ persons { noSuchField } }",
        '{ persons(first: "ten") { totalCount } }',
    ):
        body = await app_client.execute(query, as_=connor)
        assert body.get("data") is None
        assert body["errors"][0]["extensions"]["code"] == "INVALID", body


async def test_every_limit_says_limit_exceeded(limited_client, orgs):
    agency = await orgs.organization("City of Cosville", OrganizationKind.AGENCY)
    connor = await orgs.user(agency, Role.CASEWORKER)
    client = await limited_client(max_query_depth=2, max_aliases=1, max_query_tokens=100)
    for query in (
        "{ me { user { organization { name } } } }",
        "{ a: me { roles } b: me { roles } }",
        "{ me { " + "roles " * 120 + "} }",
    ):
        body = await client.execute(query, as_=connor)
        assert body["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED", body


async def test_naive_times_in_filters_are_refused(app_client, orgs):
    agency = await orgs.organization("City of Cosville", OrganizationKind.AGENCY)
    admin = await orgs.user(agency, Role.ADMIN)
    body = await app_client.execute(
        '{ auditEvents(filter: {since: "2026-01-01T00:00:00"}) { totalCount } }', as_=admin
    )
    assert body["errors"][0]["extensions"] == {"code": "INVALID", "field": "since"}
    ok = await app_client.data(
        '{ auditEvents(filter: {since: "2026-01-01T00:00:00Z"}) { totalCount } }', as_=admin
    )
    assert ok["auditEvents"]["totalCount"] == 0
