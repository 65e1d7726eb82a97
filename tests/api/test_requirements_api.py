"""A payer's staff manage its prior-authorization rules; a coordinator asks whether the
services of a request need authorization, and with what documentation."""

from __future__ import annotations

from strawberry.relay import to_base64

from domain.identity.models import OrganizationKind, Role

CREATE = """mutation($input: CreateAuthorizationRuleInput!) { createAuthorizationRule(input: $input) {
  rule { id codeFrom codeTo requirement documentation } errors { code field } } }"""
CHECK = """query($input: AuthorizationRequiredInput!) { isAuthorizationRequired(input: $input) {
  sequence requirement documentation reason } }"""


async def test_payer_rules_answer_per_line(app_client, orgs):
    payer = await orgs.organization("Cosville Health Plan", OrganizationKind.PAYER)
    pat = await orgs.user(payer, Role.NETWORK_STAFF)
    clinic = await orgs.organization("Northside Wellness Clinic", OrganizationKind.PROVIDER)
    olive = await orgs.user(clinic, Role.AUTH_COORDINATOR)
    for rule in (
        {
            "codeSystem": "CPT",
            "codeFrom": "70010",
            "codeTo": "76499",
            "requirement": "REQUIRED",
            "documentation": ["Clinical notes"],
            "description": "Advanced imaging",
        },
        {
            "codeSystem": "CPT",
            "codeFrom": "97110",
            "codeTo": "97110",
            "requirement": "REQUIRED",
            "quantityOver": "6",
            "documentation": ["PT plan of care"],
        },
        {
            "codeSystem": "CPT",
            "codeFrom": "97110",
            "codeTo": "97110",
            "requirement": "NOT_REQUIRED",
        },
    ):
        body = (await app_client.data(CREATE, {"input": rule}, as_=pat))["createAuthorizationRule"]
        assert body["errors"] == []
    bad = (
        await app_client.data(
            CREATE,
            {
                "input": {
                    "codeSystem": "CPT",
                    "codeFrom": "76499",
                    "codeTo": "70010",
                    "requirement": "REQUIRED",
                }
            },
            as_=pat,
        )
    )["createAuthorizationRule"]
    assert [(e["code"], e["field"]) for e in bad["errors"]] == [("INVALID", "codeTo")]
    not_payer = await app_client.execute(
        CREATE,
        {
            "input": {
                "codeSystem": "CPT",
                "codeFrom": "70010",
                "codeTo": "70010",
                "requirement": "REQUIRED",
            }
        },
        as_=olive,
    )
    assert not_payer["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    answer = await app_client.data(
        CHECK,
        {
            "input": {
                "payerId": to_base64("Organization", str(payer)),
                "diagnoses": ["M54.16"],
                "lines": [
                    {"codeSystem": "CPT", "serviceCode": "72148"},
                    {"codeSystem": "CPT", "serviceCode": "97110", "quantity": "12"},
                    {"codeSystem": "CPT", "serviceCode": "97110", "quantity": "4"},
                    {"codeSystem": "HCPCS", "serviceCode": "E0601"},
                ],
            }
        },
        as_=olive,
    )
    assert [(a["requirement"], a["documentation"]) for a in answer["isAuthorizationRequired"]] == [
        ("REQUIRED", ["Clinical notes"]),
        ("REQUIRED", ["PT plan of care"]),
        ("NOT_REQUIRED", []),
        ("UNKNOWN", []),
    ]
