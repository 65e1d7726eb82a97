"""Network management's edges over HTTP: the public interest form (validated, rate-limited,
writing nothing when refused), role and organisation scoping, Provider 360 without N+1, and
the HTTP adapters against the simulated sources and signature service."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from strawberry.relay import to_base64

from adapters.network.clients import HttpSignatureService, HttpVerificationSources
from domain.identity.models import OrganizationKind, Role
from domain.network import recruiting
from domain.network.models import CredentialKind, Lead, VerificationSourceKind
from domain.network.ports import SignatureRequest, SourceUnavailable, VerificationQuery
from tests.network_world import build_network

P360 = """query($id: ID!) { provider360(providerId: $id) {
  provider { name locations { city } specialties { code } services { rate benefit { code } } languages }
  application { number status stage }
  credentials { kind status evidence }
  documentRequests { status }
  contracts { number status versions { number status tier paymentTerms { kind amount } } }
  onboardingTasks { kind status }
  referralsByStatus { status count } recentReferrals { referralNumber }
  authorizationsByStatus { status count } payments { count totalAmount paidAmount } } }"""


def gid(kind: str, key) -> str:
    return to_base64(kind, str(key))


@pytest.fixture
async def net(orgs, uow_factory):
    return await build_network(orgs, uow_factory)


async def _leads(uow_factory) -> int:
    async with uow_factory() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(Lead)))


async def test_the_interest_form_validates_limits_and_writes_nothing_when_refused(
    app_client, net, uow_factory
):
    await net.run(recruiting.create_campaign, actor=net.staff, code="CARDIO-1", name="Cardiology")
    http = app_client.http
    malformed = await http.post(
        "/network/interest", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 400
    unknown = await http.post(
        "/network/interest", json={"campaign": "NOPE", "name": "A", "email": "a@b.example"}
    )
    assert unknown.status_code == 404
    invalid = await http.post(
        "/network/interest",
        json={"campaign": "CARDIO-1", "name": "Dr. A", "email": "a@b.example", "npi": "1234567890"},
    )
    assert invalid.status_code == 422 and invalid.json()["errors"][0]["code"] == "INVALID_NPI"
    assert await _leads(uow_factory) == 0
    # The default limit is 5 per minute per address: three were used above.
    for _ in range(2):
        accepted = await http.post(
            "/network/interest",
            json={"campaign": "cardio-1", "name": "Dr. A", "email": "a@b.example"},
        )
        assert accepted.status_code == 202
    limited = await http.post(
        "/network/interest", json={"campaign": "CARDIO-1", "name": "Dr. B", "email": "b@b.example"}
    )
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert await _leads(uow_factory) == 1  # the same person twice is one lead


async def test_applications_are_seen_only_by_their_network_and_their_applicant(
    app_client, net, orgs
):
    application_id, applicant = await net.submitted()
    other_agency = await orgs.organization("Elsewhere County", OrganizationKind.AGENCY)
    outsider = await orgs.user(other_agency, Role.NETWORK_STAFF)
    other_provider = await orgs.organization("Other Clinic", OrganizationKind.PROVIDER)
    stranger = await orgs.user(other_provider, Role.PROVIDER_STAFF)
    caseworker = await orgs.user(net.agency, Role.CASEWORKER)
    query = "query($id: ID!) { networkApplication(id: $id) { number status } }"
    variables = {"id": gid("NetworkApplication", application_id)}
    for who in (net.staff, applicant):
        seen = await app_client.data(query, variables, as_=who)
        assert seen["networkApplication"]["status"] == "IN_REVIEW"
    for who in (outsider, stranger):
        assert (await app_client.data(query, variables, as_=who))["networkApplication"] is None
    refused = await app_client.execute(query, variables, as_=caseworker)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    review = """mutation($input: RequestApplicationDocumentsInput!) {
      requestApplicationDocuments(input: $input) { documentRequest { id } errors { code field } } }"""
    payload = await app_client.data(
        review, {"input": {"applicationId": variables["id"], "message": "More"}}, as_=outsider
    )
    assert payload["requestApplicationDocuments"]["errors"] == [
        {"code": "NOT_FOUND", "field": "applicationId"}
    ]


async def test_provider_360_reads_in_the_same_statements_however_much_it_holds(app_client, net):
    small_app, _ = await net.contracted(versions=1)
    large_app, _ = await net.contracted(versions=4)
    counts = []
    for application_id in (small_app, large_app):
        from tests.domain.network.test_service import _application

        provider_id = (await _application(net, application_id)).provider_id
        with app_client.count_statements() as statements:
            view = (
                await app_client.data(P360, {"id": gid("Provider", provider_id)}, as_=net.staff)
            )["provider360"]
        counts.append(len(statements))
        assert view["application"]["stage"] == "ONBOARDING"
        assert view["provider"]["services"][0]["benefit"]["code"] == "CARDIAC-REHAB"
    assert len(view["contracts"][0]["versions"]) == 4
    assert counts[0] == counts[1], counts


async def test_the_http_adapters_speak_to_the_simulated_sources_and_signature_service(
    network_server,
):
    base = str(network_server.http.base_url).rstrip("/") + "/simulator"
    sources = HttpVerificationSources(f"{base}/verification")
    query = VerificationQuery(
        CredentialKind.LICENSE, "Dr. Excluded Person", "1234567893", "X9", "PA"
    )
    try:
        unknown = await sources.verify(VerificationSourceKind.LICENSE_BOARD, query)
        listed = await sources.verify(VerificationSourceKind.SANCTIONS_LIST, query)
        registry = await sources.verify(VerificationSourceKind.NPI_REGISTRY, query)
        await network_server.http.post(
            "/simulator/verification/_control/failures", json={"source": "NPI_REGISTRY", "times": 1}
        )
        with pytest.raises(SourceUnavailable):
            await sources.verify(VerificationSourceKind.NPI_REGISTRY, query)
    finally:
        await sources.aclose()
    assert not unknown.verified and "not on the board" in unknown.evidence
    assert not listed.verified and "1 match" in listed.evidence
    assert registry.verified and registry.reference == "NPPES 1234567893"
    signatures = HttpSignatureService(f"{base}/signature")
    try:
        envelope = await signatures.send(
            SignatureRequest("NCT-1 v1", "The text", "ignored", "Dr. Z", "z@zamadi.example")
        )
        assert not (await signatures.status(envelope)).completed
        await network_server.http.post(
            f"/simulator/signature/envelopes/{envelope}/sign", json={"email": "z@zamadi.example"}
        )
        done = await signatures.status(envelope)
    finally:
        await signatures.aclose()
    import hashlib

    assert done.completed and done.document_hash == hashlib.sha256(b"The text").hexdigest()
    assert done.signer_email == "z@zamadi.example" and done.signed_at.date() >= date(2026, 1, 1)
