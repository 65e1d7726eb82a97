"""Issue #10's "Done when", over real HTTP: Dr. Leila Zamadi from campaign lead to portal
application, credential verification (the licence board fails once, is run again, passes),
committee approval, a contract from a template, a negotiated second version, approval,
e-signature, activation, onboarding, and into `providers(search:)` as in network, where a
caseworker refers Steve Marshall to her and she accepts."""

from __future__ import annotations

import base64
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from strawberry.relay import from_base64

from domain.delivery.rates import fallback_rates
from domain.identity import service as identity
from domain.identity.models import Role
from tests.api.test_referral_workflow import REFER, RESPOND, gid
from tests.conftest import NOW
from tests.network_world import create_cardiac_rehab
from tests.world import build_world, npi

CARDIOLOGY = "207RC0000X"
CLINIC_NPI, LEILA_NPI = npi("191234567"), npi("178901234")
CAMPAIGN = "CARDIO-COSVILLE-2026"

GAPS = "{ networkGaps { specialtyCode areaName targetCount inNetworkCount gap } }"
LEADS = """query { networkLeads(filter: {outreachStatus: INTERESTED}) {
  edges { node { id name source outreachStatus stage campaign { code } } } } }"""
APPLICATION = """query($id: ID!) { networkApplication(id: $id) {
  id number status stage allowedActions practice { name npi } practitioners { name npi }
  documentRequests { id status message } documents { title sha256 }
  credentials { id kind subjectName status method source evidence attempts expiresOn verifiableAtSource }
  provider { id name networkStatus acceptingReferrals } practitionerProviders { id name kind networkStatus }
  contracts { id status } onboardingTasks { id kind status } recredentialingDueOn } }"""
CONTRACT = """query($id: ID!) { networkContract(id: $id) {
  id number status currentVersion signatureEnvelopeId signedByName signedByEmail signedDocumentHash
  allowedActions versions { number status tier documentHash document paymentTerms { kind amount }
  coveredServices { code } } } }"""
DIFF = """query($id: ID!) { contractVersionDiff(contractId: $id, fromVersion: 1, toVersion: 2) {
  path before after } }"""
SEARCH = """query($benefit: ID!) { providers(search: {text: "Zamadi", specialty: "207RC0000X",
  networkStatus: IN_NETWORK, benefitId: $benefit}) {
  edges { node { id name kind networkStatus acceptingReferrals } } } }"""
P360 = """query($id: ID!) { provider360(providerId: $id) {
  provider { name networkStatus locations { city } specialties { code } services { rate } languages }
  application { number status stage } credentials { kind status }
  contracts { number status versions { number status } } onboardingTasks { kind status }
  referralsByStatus { status count } recentReferrals { referralNumber recipientStatus }
  authorizationsByStatus { status count } payments { count totalAmount } } }"""

TEMPLATE_BODY = """PARTICIPATING PROVIDER AGREEMENT {{contract_number}} (version {{version}})
between {{network_name}} and {{provider_name}} (NPI {{provider_npi}}), tier {{tier}},
effective {{effective_date}} through {{end_date}}.
Covered services:
{{covered_services}}
Compensation:
{{payment_terms}}
Special terms:
{{clauses}}
"""


def node_key(global_id: str) -> uuid.UUID:
    return uuid.UUID(from_base64(global_id)[1])


def m(name: str, input_type: str, selection: str) -> str:
    return f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ {selection} errors {{ code field message }} }} }}"


async def ok(client, name, input_type, selection, input, actor):
    payload = (await client.data(m(name, input_type, selection), {"input": input}, as_=actor))[name]
    assert payload["errors"] == [], payload["errors"]
    return payload


async def refused(client, name, input_type, selection, input, actor):
    payload = (await client.data(m(name, input_type, selection), {"input": input}, as_=actor))[name]
    assert payload["errors"], payload
    return payload["errors"]


@pytest.fixture
async def cosville(orgs, uow_factory):
    world = await build_world(orgs, uow_factory)
    cindy = await orgs.user(world.agency, Role.NETWORK_STAFF)  # recruiting
    derek = await orgs.user(world.agency, Role.NETWORK_STAFF)  # credentialing
    connie = await orgs.user(world.agency, Role.NETWORK_STAFF)  # contracting
    nora = await orgs.user(world.agency, Role.NETWORK_STAFF)  # Connie's manager
    rehab = await create_cardiac_rehab(uow_factory, world.supervisor)
    return world, cindy, derek, connie, nora, rehab


def application_input(rehab_id, *, practitioner_npi: str = LEILA_NPI) -> dict:
    return {
        "practice": {
            "kind": "ORGANIZATION",
            "name": "Zamadi Heart Clinic",
            "npi": CLINIC_NPI,
            "phone": "+1 215 555 0142",
            "email": "office@zamadi-heart.example",
        },
        "practitioners": [
            {
                "name": "Dr. Leila Zamadi",
                "npi": practitioner_npi,
                "degree": "MD",
                "specialtyCode": CARDIOLOGY,
            }
        ],
        "locations": [
            {
                "name": "Zamadi Heart Clinic",
                "addressLine1": "12 Market St",
                "city": "Cosville",
                "state": "PA",
                "postalCode": "19106",
                "latitude": 39.9500,
                "longitude": -75.1600,
                "hours": [{"day": "MON", "opens": "08:00", "closes": "17:00"}],
            }
        ],
        "specialties": [
            {"code": CARDIOLOGY, "display": "Cardiovascular Disease", "isPrimary": True}
        ],
        "services": [{"benefitId": gid("Benefit", rehab_id), "rate": "120.00"}],
        "languages": ["en", "fa"],
        "credentials": [
            {
                "kind": "LICENSE",
                "subjectNpi": practitioner_npi,
                "number": "MD456789",
                "state": "PA",
                "issuer": "Pennsylvania State Board of Medicine",
                "expiresOn": "2027-12-31",
            },
            {
                "kind": "BOARD_CERTIFICATION",
                "subjectNpi": practitioner_npi,
                "issuer": "American Board of Internal Medicine",
                "number": "ABIM-CVD-2014",
                "expiresOn": "2030-12-31",
            },
            {
                "kind": "EDUCATION",
                "subjectNpi": practitioner_npi,
                "issuer": "Cosville University School of Medicine",
                "number": "MD 2008",
            },
            {
                "kind": "MALPRACTICE_INSURANCE",
                "issuer": "Keystone Mutual",
                "number": "KM-2026-0042",
                "expiresOn": "2026-12-31",
            },
        ],
    }


def terms(rehab_id, rate: str, tier: str, *, note: str | None = None, clauses=()) -> dict:
    return {
        "tier": tier,
        "periodStart": "2026-02-01",
        "periodEnd": "2028-01-31",
        "coveredServiceIds": [gid("Benefit", rehab_id)],
        "paymentTerms": [
            {"kind": "FEE_SCHEDULE", "benefitId": gid("Benefit", rehab_id), "amount": rate},
            {"kind": "PERCENT_OF_CHARGES", "percent": "80", "description": "unlisted services"},
        ],
        "clauses": [{"name": k, "text": v} for k, v in clauses],
        "changeNote": note,
    }


async def test_dr_zamadi_goes_from_campaign_lead_to_in_network_and_receives_a_referral(
    network_server, cosville, uow_factory
):
    client = network_server
    world, cindy, derek, connie, nora, rehab = cosville

    # -- Recruiting: a gap, a campaign with Dr. Zamadi as target, her interest form -------------
    await ok(
        client,
        "setAdequacyTarget",
        "SetAdequacyTargetInput",
        "targetCount",
        {
            "specialtyCode": CARDIOLOGY,
            "specialtyDisplay": "Cardiology",
            "areaName": "Cosville",
            "latitude": 39.9526,
            "longitude": -75.1652,
            "radiusKm": 25,
            "targetCount": 2,
        },
        cindy,
    )
    gaps = (await client.data(GAPS, as_=cindy))["networkGaps"]
    assert gaps == [
        {
            "specialtyCode": CARDIOLOGY,
            "areaName": "Cosville",
            "targetCount": 2,
            "inNetworkCount": 0,
            "gap": 2,
        }
    ]
    campaign = (
        await ok(
            client,
            "createRecruitmentCampaign",
            "CreateRecruitmentCampaignInput",
            "campaign { id code status }",
            {
                "code": CAMPAIGN,
                "name": "Cosville cardiology",
                "specialtyCode": CARDIOLOGY,
                "areaName": "Cosville",
            },
            cindy,
        )
    )["campaign"]
    await ok(
        client,
        "addCampaignTarget",
        "AddCampaignTargetInput",
        "lead { id outreachStatus }",
        {
            "campaignId": campaign["id"],
            "lead": {
                "name": "Dr. Leila Zamadi",
                "email": "leila.zamadi@zamadi-heart.example",
                "specialtyCode": CARDIOLOGY,
            },
        },
        cindy,
    )

    bad = await client.http.post(
        "/network/interest", json={"campaign": CAMPAIGN, "name": "", "email": "nope"}
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"name", "email"}
    form = await client.http.post(
        "/network/interest",
        data={
            "campaign": CAMPAIGN,
            "name": "Dr. Leila Zamadi",
            "email": "Leila.Zamadi@zamadi-heart.example",
            "practiceName": "Zamadi Heart Clinic",
            "npi": LEILA_NPI,
            "message": "Happy to talk",
        },
    )
    assert form.status_code == 202, form.text
    leads = (await client.data(LEADS, as_=cindy))["networkLeads"]["edges"]
    assert [e["node"]["name"] for e in leads] == ["Dr. Leila Zamadi"]
    lead = leads[0]["node"]
    assert (lead["source"], lead["stage"], lead["campaign"]["code"]) == (
        "TARGET",
        "RECRUITING",
        CAMPAIGN,
    )
    await ok(
        client,
        "recordOutreach",
        "RecordOutreachInput",
        "lead { outreachStatus }",
        {"leadId": lead["id"], "action": "CONTACT", "note": "Call: she will apply"},
        cindy,
    )
    invited = await ok(
        client,
        "inviteLead",
        "InviteLeadInput",
        "lead { outreachStatus } application { id status stage } applicant { id } "
        "applicantOrganization { name kind }",
        {"leadId": lead["id"]},
        cindy,
    )
    assert invited["lead"]["outreachStatus"] == "INVITED"
    assert invited["applicantOrganization"] == {"name": "Zamadi Heart Clinic", "kind": "PROVIDER"}
    application_id = invited["application"]["id"]
    async with uow_factory() as uow:
        leila = await identity.principal_for_user(
            uow=uow,
            user_id=node_key(invited["applicant"]["id"]),
        )

    # -- Application on the portal ------------------------------------------------------------
    errors = await refused(
        client,
        "saveApplicationDraft",
        "SaveApplicationDraftInput",
        "application { id }",
        {
            "applicationId": application_id,
            "application": application_input(rehab, practitioner_npi="1234567890"),
        },
        leila,
    )
    assert "INVALID_NPI" in {e["code"] for e in errors}
    by_network = await client.execute(
        m("saveApplicationDraft", "SaveApplicationDraftInput", "application { id }"),
        {"input": {"applicationId": application_id, "application": application_input(rehab)}},
        as_=derek,
    )
    assert by_network["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    await ok(
        client,
        "saveApplicationDraft",
        "SaveApplicationDraftInput",
        "application { status }",
        {"applicationId": application_id, "application": application_input(rehab)},
        leila,
    )
    submitted = await ok(
        client,
        "submitApplication",
        "SubmitApplicationInput",
        "application { status stage }",
        {"applicationId": application_id},
        leila,
    )
    assert submitted["application"] == {"status": "SUBMITTED", "stage": "CREDENTIALING"}
    own = await client.data("{ networkApplications { edges { node { id } } } }", as_=world.staff[0])
    assert own["networkApplications"]["edges"] == []  # another provider sees nothing of hers

    # -- Credentialing -----------------------------------------------------------------------
    await ok(
        client,
        "startApplicationReview",
        "StartApplicationReviewInput",
        "application { status }",
        {"applicationId": application_id},
        derek,
    )
    asked = await ok(
        client,
        "requestApplicationDocuments",
        "RequestApplicationDocumentsInput",
        "documentRequest { id status }",
        {"applicationId": application_id, "message": "Please send the certificate of insurance"},
        derek,
    )
    request_id = asked["documentRequest"]["id"]
    seen = (await client.data(APPLICATION, {"id": application_id}, as_=leila))["networkApplication"]
    assert seen["status"] == "DOCUMENTS_REQUESTED"
    assert seen["documentRequests"] == [
        {"id": request_id, "status": "OPEN", "message": "Please send the certificate of insurance"}
    ]
    certificate = b"Certificate of insurance KM-2026-0042 (synthetic)"
    await ok(
        client,
        "uploadApplicationDocument",
        "UploadApplicationDocumentInput",
        "document { sha256 }",
        {
            "applicationId": application_id,
            "title": "Certificate of insurance",
            "contentType": "text/plain",
            "contentBase64": base64.b64encode(certificate).decode(),
            "requestId": request_id,
        },
        leila,
    )
    await ok(
        client,
        "answerDocumentRequest",
        "AnswerDocumentRequestInput",
        "documentRequest { status }",
        {"requestId": request_id, "answer": "Attached"},
        leila,
    )

    control = await client.http.post(
        "/simulator/verification/_control/failures", json={"source": "LICENSE_BOARD", "times": 1}
    )
    assert control.status_code == 200
    checklist = (await client.data(APPLICATION, {"id": application_id}, as_=derek))[
        "networkApplication"
    ]
    assert checklist["status"] == "IN_REVIEW"
    assert [c["kind"] for c in checklist["credentials"]] == [
        "NPI",
        "NPI",
        "SANCTIONS_CHECK",
        "LICENSE",
        "BOARD_CERTIFICATION",
        "EDUCATION",
        "MALPRACTICE_INSURANCE",
    ]
    run = m(
        "runCredentialVerification",
        "RunCredentialVerificationInput",
        "credential { status evidence attempts expiresOn source }",
    )
    licence = next(c for c in checklist["credentials"] if c["kind"] == "LICENSE")
    first = (await client.data(run, {"input": {"credentialId": licence["id"]}}, as_=derek))[
        "runCredentialVerification"
    ]
    assert (
        first["credential"]["status"] == "FAILED" and "HTTP 503" in first["credential"]["evidence"]
    )
    early = await refused(
        client,
        "recordCommitteeDecision",
        "RecordCommitteeDecisionInput",
        "application { status }",
        {"applicationId": application_id, "decision": "APPROVED"},
        derek,
    )
    assert early[0]["code"] == "CONFLICT"
    again = (await client.data(run, {"input": {"credentialId": licence["id"]}}, as_=derek))[
        "runCredentialVerification"
    ]
    assert again["credential"]["status"] == "VERIFIED" and again["credential"]["attempts"] == 2
    assert (
        again["credential"]["expiresOn"] == "2028-06-30"
        and again["credential"]["source"] == "LICENSE_BOARD"
    )
    for credential in checklist["credentials"]:
        if credential["kind"] == "LICENSE":
            continue
        if credential["verifiableAtSource"]:
            done = await client.data(run, {"input": {"credentialId": credential["id"]}}, as_=derek)
            assert done["runCredentialVerification"]["credential"]["status"] == "VERIFIED", done
        else:
            await ok(
                client,
                "verifyCredential",
                "VerifyCredentialInput",
                "credential { status }",
                {
                    "credentialId": credential["id"],
                    "verified": True,
                    "evidence": "Primary source letter seen by Derek Brooks",
                },
                derek,
            )
    approved = await ok(
        client,
        "recordCommitteeDecision",
        "RecordCommitteeDecisionInput",
        "application { status stage decision recredentialingDueOn provider { networkStatus } }",
        {
            "applicationId": application_id,
            "decision": "APPROVED",
            "notes": "Committee of 2026-01-15",
        },
        derek,
    )
    assert approved["application"] == {
        "status": "APPROVED",
        "stage": "CONTRACTING",
        "decision": "APPROVED",
        "recredentialingDueOn": "2029-01-15",
        "provider": {"networkStatus": "PENDING"},
    }

    # -- Contracting -------------------------------------------------------------------------
    wrong = await refused(
        client,
        "createContractTemplate",
        "CreateContractTemplateInput",
        "template { id }",
        {"name": "Broken", "body": "Hello {{doctor}}"},
        connie,
    )
    assert wrong[0]["code"] == "INVALID" and wrong[0]["field"] == "body"
    template = (
        await ok(
            client,
            "createContractTemplate",
            "CreateContractTemplateInput",
            "template { id mergeFields }",
            {"name": "Specialist agreement", "body": TEMPLATE_BODY},
            connie,
        )
    )["template"]
    assert "payment_terms" in template["mergeFields"]
    contract = (
        await ok(
            client,
            "draftContract",
            "DraftContractInput",
            "contract { id status currentVersion }",
            {
                "applicationId": application_id,
                "templateId": template["id"],
                "terms": terms(rehab, "110.00", "STANDARD"),
            },
            connie,
        )
    )["contract"]
    contract_id = contract["id"]
    await ok(
        client,
        "submitContractForApproval",
        "SubmitContractForApprovalInput",
        "contract { status }",
        {"contractId": contract_id},
        connie,
    )
    self_approval = await refused(
        client,
        "approveContract",
        "ApproveContractInput",
        "contract { status }",
        {"contractId": contract_id},
        connie,
    )
    assert self_approval[0]["code"] == "FORBIDDEN"
    await ok(
        client,
        "approveContract",
        "ApproveContractInput",
        "contract { status }",
        {"contractId": contract_id},
        nora,
    )
    # Dr. Zamadi's office negotiates a higher rate and a prior-authorization clause.
    revised = await ok(
        client,
        "reviseContract",
        "ReviseContractInput",
        "contract { status currentVersion }",
        {
            "contractId": contract_id,
            "terms": terms(
                rehab,
                "125.00",
                "PREFERRED",
                note="Rate agreed on the call of 2026-01-15",
                clauses=[
                    (
                        "prior_authorization",
                        "Cardiac rehab beyond 36 sessions needs prior authorization",
                    )
                ],
            ),
        },
        connie,
    )
    assert revised["contract"] == {"status": "DRAFT", "currentVersion": 2}
    diff = {
        c["path"]: (c["before"], c["after"])
        for c in (await client.data(DIFF, {"id": contract_id}, as_=connie))["contractVersionDiff"]
    }
    assert diff["tier"] == ("STANDARD", "PREFERRED")
    assert diff["paymentTerms.0.amount"] == ("110.00", "125.00")
    assert diff["clauses.prior_authorization"][0] is None
    await ok(
        client,
        "submitContractForApproval",
        "SubmitContractForApprovalInput",
        "contract { status }",
        {"contractId": contract_id},
        connie,
    )
    await ok(
        client,
        "approveContract",
        "ApproveContractInput",
        "contract { status }",
        {"contractId": contract_id},
        nora,
    )
    sent = await ok(
        client,
        "sendContractForSignature",
        "SendContractForSignatureInput",
        "contract { status signatureEnvelopeId }",
        {
            "contractId": contract_id,
            "signerName": "Dr. Leila Zamadi",
            "signerEmail": "leila.zamadi@zamadi-heart.example",
        },
        connie,
    )
    envelope = sent["contract"]["signatureEnvelopeId"]
    not_yet = await refused(
        client,
        "recordContractSignature",
        "RecordContractSignatureInput",
        "contract { status }",
        {"contractId": contract_id},
        connie,
    )
    assert not_yet[0]["message"] == "Not signed yet"
    signing = await client.http.post(
        f"/simulator/signature/envelopes/{envelope}/sign",
        json={"name": "Leila Zamadi, MD", "email": "leila.zamadi@zamadi-heart.example"},
    )
    assert signing.status_code == 200
    await ok(
        client,
        "recordContractSignature",
        "RecordContractSignatureInput",
        "contract { status }",
        {"contractId": contract_id},
        connie,
    )
    signed = (await client.data(CONTRACT, {"id": contract_id}, as_=connie))["networkContract"]
    assert signed["status"] == "SIGNED" and signed["signedByName"] == "Leila Zamadi, MD"
    assert [(v["number"], v["status"]) for v in signed["versions"]] == [
        (1, "SUPERSEDED"),
        (2, "SIGNED"),
    ]
    assert signed["signedDocumentHash"] == signed["versions"][1]["documentHash"]
    assert "Cardiac rehabilitation: 125.00 per unit" in signed["versions"][1]["document"]
    assert (
        "Zamadi Heart Clinic (NPI " + CLINIC_NPI + "), tier PREFERRED"
        in signed["versions"][1]["document"]
    )
    await ok(
        client,
        "activateContract",
        "ActivateContractInput",
        "contract { status }",
        {"contractId": contract_id},
        connie,
    )

    # The active contract's fee feeds the delivery rate priority (over the provider's 120.00).
    onboarding = (await client.data(APPLICATION, {"id": application_id}, as_=leila))[
        "networkApplication"
    ]
    practitioner = onboarding["practitionerProviders"][0]
    assert practitioner["name"] == "Dr. Leila Zamadi" and practitioner["kind"] == "PRACTITIONER"
    key = node_key(practitioner["id"])
    async with uow_factory() as uow:
        rates = await fallback_rates(
            uow, agency_id=world.agency, provider_id=key, benefit_id=rehab, day=date(2026, 3, 1)
        )
    assert rates.contract == Decimal("125.00") and rates.provider_service == Decimal("120.00")

    # -- Onboarding: not referable until the tasks are done ----------------------------------
    assert onboarding["stage"] == "ONBOARDING"
    assert sorted(t["kind"] for t in onboarding["onboardingTasks"]) == [
        "DIRECTORY_LISTING",
        "PORTAL_ACCESS",
        "TRAINING",
    ]
    assert (await client.data(SEARCH, {"benefit": gid("Benefit", rehab)}, as_=world.caseworker))[
        "providers"
    ]["edges"] == []
    case = (
        await ok(
            client,
            "createCase",
            "CreateCaseInput",
            "case { id }",
            {
                "caseType": "INTEGRATED",
                "primaryClientId": gid("Person", world.steve),
                "title": "Cardiac care",
            },
            world.caseworker,
        )
    )["case"]
    assignment = (
        await ok(
            client,
            "assignBenefit",
            "AssignBenefitInput",
            "benefitAssignment { id }",
            {
                "caseId": case["id"],
                "personId": gid("Person", world.steve),
                "benefitId": gid("Benefit", rehab),
                "quantity": "12",
                "periodStart": "2026-02-01",
                "periodEnd": "2026-06-30",
                "deliveryMode": "SERVICE",
            },
            world.caseworker,
        )
    )["benefitAssignment"]
    referral_input = {
        "benefitAssignmentId": assignment["id"],
        "providerIds": [practitioner["id"]],
        "reason": "Cardiac rehabilitation after his bypass",
        "consentGiven": True,
        "respondBy": (NOW + timedelta(days=5)).isoformat(),
        "urgency": "ROUTINE",
        "languages": ["en"],
    }
    early_referral = (await client.data(REFER, {"input": referral_input}, as_=world.caseworker))[
        "createReferral"
    ]
    assert [e["code"] for e in early_referral["errors"]] == ["NOT_ACCEPTING_REFERRALS"]
    tasks = {t["kind"]: t["id"] for t in onboarding["onboardingTasks"]}
    work = ("updateOnboardingTask", "UpdateOnboardingTaskInput", "task { status }")
    await ok(client, *work, {"taskId": tasks["DIRECTORY_LISTING"], "action": "COMPLETE"}, derek)
    await ok(client, *work, {"taskId": tasks["PORTAL_ACCESS"], "action": "COMPLETE"}, leila)
    assert (await refused(client, *work, {"taskId": tasks["TRAINING"], "action": "CANCEL"}, leila))[
        0
    ]["code"] == "FORBIDDEN"
    await ok(
        client,
        *work,
        {"taskId": tasks["TRAINING"], "action": "COMPLETE", "note": "Orientation done"},
        leila,
    )

    # -- In network: searchable, and referable -----------------------------------------------
    found = (await client.data(SEARCH, {"benefit": gid("Benefit", rehab)}, as_=world.caseworker))[
        "providers"
    ]["edges"]
    by_name = {e["node"]["name"]: e["node"] for e in found}
    assert by_name["Dr. Leila Zamadi"] == {
        "id": practitioner["id"],
        "name": "Dr. Leila Zamadi",
        "kind": "PRACTITIONER",
        "networkStatus": "IN_NETWORK",
        "acceptingReferrals": True,
    }
    referral = (
        await ok(
            client,
            "createReferral",
            "CreateReferralInput",
            "referral { number recipients { id status provider { name } } }",
            referral_input,
            world.caseworker,
        )
    )["referral"]
    recipient = referral["recipients"][0]
    assert recipient["provider"]["name"] == "Dr. Leila Zamadi" and recipient["status"] == "PENDING"
    answer = await client.data(
        RESPOND, {"input": {"recipientId": recipient["id"], "answer": "ACCEPT"}}, as_=leila
    )
    assert answer["respondToReferral"]["recipient"]["status"] == "ACCEPTED"

    gaps = (await client.data(GAPS, as_=cindy))["networkGaps"]
    assert (gaps[0]["inNetworkCount"], gaps[0]["gap"]) == (2, 0)
    view = (await client.data(P360, {"id": practitioner["id"]}, as_=cindy))["provider360"]
    assert view["provider"]["networkStatus"] == "IN_NETWORK" and view["provider"]["languages"] == [
        "en",
        "fa",
    ]
    assert view["application"]["stage"] == "ONGOING"
    assert {c["status"] for c in view["credentials"]} == {"VERIFIED"}
    assert view["contracts"][0]["status"] == "ACTIVE" and len(view["contracts"][0]["versions"]) == 2
    assert view["referralsByStatus"] == [{"status": "ACCEPTED", "count": 1}]
    assert view["recentReferrals"][0]["referralNumber"] == referral["number"]
    assert view["payments"]["count"] == 0 and Decimal(view["payments"]["totalAmount"]) == 0
