"""Seed 004 end to end, as the authorization coordinator, over HTTP: import from the simulated
EHR (real HTTP) -> requirement check -> documents -> submit to a MANUAL payer -> pended ->
information requested and provided -> partially approved -> claim within the approved units ->
the denied line appealed -> overturned."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager
from strawberry.relay import to_base64

from adapters.simulator.ehr import EhrSimulator
from domain.identity import service as identity
from domain.identity.models import OrganizationKind, Role
from domain.partners import service as partners
from domain.partners.models import Protocol
from server import create_app
from tests.adapters.ehr_support import MRN, serving
from tests.api.conftest import GraphQLClient
from tests.api.test_payer_authorization import mutate, wait_for, wait_for_status


@pytest.fixture
async def ehr_app_client(engine, settings, clock) -> AsyncIterator[GraphQLClient]:
    async with serving(EhrSimulator().app()) as root:
        configured = settings.model_copy(update={"ehr_base_url": f"{root}/fhir"})
        app = create_app(configured, clock=clock)
        async with (
            LifespanManager(app) as manager,
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=manager.app), base_url="http://carebridge.test"
            ) as http,
        ):
            yield GraphQLClient(http=http, settings=configured, clock=clock, app=app)


async def test_from_the_ehr_to_an_overturned_appeal(ehr_app_client, orgs, uow_factory):
    api = ehr_app_client
    clinic = await orgs.organization("Northside Wellness Clinic", OrganizationKind.PROVIDER)
    olive = await orgs.user(clinic, Role.AUTH_COORDINATOR)
    async with uow_factory() as uow:
        payer = await identity.create_organization(
            uow=uow, name="Evergreen Health Plan", kind=OrganizationKind.PAYER, payer_id="EVG01"
        )
        await partners.create_trading_partner(
            uow=uow,
            payer_organization_id=payer.id,
            name="Evergreen portal",
            protocol=Protocol.MANUAL,
        )
        await uow.commit()

    imported = await mutate(
        api,
        "mutation($input: ImportFromEhrInput!) { importFromEhr(input: $input) { authorizationRequest { id status priority "
        "patient { givenName familyName identifiers { value } coverages { memberId } } authorizer { name } "
        "diagnoses { code } lines { id serviceCode modifiers quantity unitOfMeasure } } errors { code field message } } }",
        {"identifierSystem": MRN, "identifierValue": "NWC-100871"},
        olive,
        "importFromEhr",
    )
    draft = imported["authorizationRequest"]
    assert draft["status"] == "DRAFT" and draft["authorizer"] == {"name": "Evergreen Health Plan"}
    assert draft["patient"]["familyName"] == "Whitfield"
    assert draft["patient"]["coverages"] == [{"memberId": "EVG987654321"}]
    assert [
        (line["serviceCode"], line["quantity"], line["modifiers"]) for line in draft["lines"]
    ] == [
        ("97110", "12.00", ["GP"]),
        ("97140", "8.00", ["GP"]),
    ]

    check = await api.data(
        "query($input: AuthorizationRequiredInput!) { isAuthorizationRequired(input: $input) { requirement } }",
        {
            "input": {
                "payerId": to_base64("Organization", str(payer.id)),
                "lines": [{"codeSystem": "CPT", "serviceCode": "97110", "quantity": "12"}],
            }
        },
        as_=olive,
    )
    assert check["isAuthorizationRequired"] == [
        {"requirement": "UNKNOWN"}
    ]  # the plan has no rules yet

    await mutate(
        api,
        "mutation($input: AttachDocumentInput!) { attachDocument(input: $input) { errors { code } } }",
        {
            "requestId": draft["id"],
            "document": {
                "kind": "CLINICAL_NOTE",
                "title": "PT plan of care",
                "contentType": "text/plain",
                "contentBase64": base64.b64encode(b"plan of care").decode(),
            },
        },
        olive,
        "attachDocument",
    )
    await mutate(
        api,
        "mutation($input: SubmitAuthorizationRequestInput!) { submitAuthorizationRequest(input: $input) { errors { code } } }",
        {"id": draft["id"]},
        olive,
        "submitAuthorizationRequest",
    )
    submitted = await wait_for_status(api, draft["id"], olive, "SUBMITTED")
    first, second = (line["id"] for line in submitted["lines"])

    decide = "mutation($input: RecordDeterminationInput!) { recordDetermination(input: $input) { authorizationRequest { status } errors { code field message } } }"
    await mutate(
        api,
        decide,
        {
            "requestId": draft["id"],
            "payerReference": "EVG-PA-1",
            "lines": [
                {"lineId": first, "reviewAction": "PENDED"},
                {"lineId": second, "reviewAction": "PENDED"},
            ],
        },
        olive,
        "recordDetermination",
    )
    asked = await mutate(
        api,
        "mutation($input: RecordInformationRequestInput!) { recordInformationRequest(input: $input) { informationRequest { id } errors { code } } }",
        {"requestId": draft["id"], "requested": "Functional outcome scores"},
        olive,
        "recordInformationRequest",
    )
    await mutate(
        api,
        "mutation($input: ProvideAdditionalInformationInput!) { provideAdditionalInformation(input: $input) { errors { code } } }",
        {
            "requestId": draft["id"],
            "informationRequestId": asked["informationRequest"]["id"],
            "response": "LEFS 38/80 attached",
            "documents": [
                {
                    "kind": "CLINICAL_NOTE",
                    "title": "LEFS",
                    "contentType": "text/plain",
                    "contentBase64": base64.b64encode(b"38/80").decode(),
                }
            ],
        },
        olive,
        "provideAdditionalInformation",
    )
    partial = await mutate(
        api,
        decide,
        {
            "requestId": draft["id"],
            "lines": [
                {
                    "lineId": first,
                    "reviewAction": "PARTIALLY_CERTIFIED",
                    "approvedQuantity": "8",
                    "authorizationNumber": "EVG-A-77",
                },
                {"lineId": second, "reviewAction": "NOT_CERTIFIED", "reasonCodes": ["0U"]},
            ],
        },
        olive,
        "recordDetermination",
    )
    assert partial["authorizationRequest"]["status"] == "PARTIALLY_APPROVED"

    claim = await mutate(
        api,
        "mutation($input: SubmitClaimReferenceInput!) { submitClaimReference(input: $input) { authorizationRequest { lines { usedQuantity } } errors { code field } } }",
        {
            "requestId": draft["id"],
            "claimId": "CLM-2026-0001",
            "lines": [{"lineId": first, "unitsUsed": "4", "serviceDate": "2026-02-02"}],
        },
        olive,
        "submitClaimReference",
    )
    assert claim["authorizationRequest"]["lines"][0]["usedQuantity"] == "4.00"

    appeal = await mutate(
        api,
        "mutation($input: AppealDeterminationInput!) { appealDetermination(input: $input) { appeal { id } errors { code } } }",
        {"requestId": draft["id"], "reason": "Manual therapy is part of the plan of care"},
        olive,
        "appealDetermination",
    )
    overturned = await mutate(
        api,
        "mutation($input: RecordAppealOutcomeInput!) { recordAppealOutcome(input: $input) { authorizationRequest { status } errors { code field message } } }",
        {
            "appealId": appeal["appeal"]["id"],
            "outcome": "OVERTURNED",
            "lines": [
                {"lineId": second, "reviewAction": "CERTIFIED", "authorizationNumber": "EVG-A-78"}
            ],
        },
        olive,
        "recordAppealOutcome",
    )
    assert (
        overturned["authorizationRequest"]["status"] == "PARTIALLY_APPROVED"
    )  # line 1 stays partial
    final = await wait_for(api, draft["id"], olive, lambda r: len(r["exchanges"]) == 2)
    assert [h["toStatus"] for h in final["statusHistory"]] == [
        "DRAFT",
        "SUBMITTING",
        "SUBMITTED",
        "PENDED",
        "INFO_REQUESTED",
        "PENDED",
        "PARTIALLY_APPROVED",
        "APPEALED",
        "PARTIALLY_APPROVED",
    ]


async def test_an_unreachable_ehr_is_a_retryable_typed_error(app_client, orgs):
    clinic = await orgs.organization("Northside Wellness Clinic", OrganizationKind.PROVIDER)
    olive = await orgs.user(clinic, Role.AUTH_COORDINATOR)
    payload = (
        await app_client.data(
            'mutation { importFromEhr(input: {patientId: "maria-lopez"}) { authorizationRequest { id } errors { code } } }',
            as_=olive,
        )
    )["importFromEhr"]
    assert payload == {"authorizationRequest": None, "errors": [{"code": "EHR_UNAVAILABLE"}]}
