"""Is authorization required? The most specific rule of the payer that applies decides."""

from __future__ import annotations

import uuid
from decimal import Decimal

from domain.authorizations.models import CodeSystem, Requirement
from domain.authorizations.requirements import Rule, ServiceToCheck, check_requirements

MRI = Rule(
    uuid.uuid4(),
    CodeSystem.CPT,
    "70010",
    "76499",
    Requirement.REQUIRED,
    documentation=("Clinical notes", "Prior imaging"),
    description="Advanced imaging",
)
PT_FIRST_VISITS = Rule(uuid.uuid4(), CodeSystem.CPT, "97110", "97110", Requirement.NOT_REQUIRED)
PT_OVER_SIX = Rule(
    uuid.uuid4(),
    CodeSystem.CPT,
    "97110",
    "97110",
    Requirement.REQUIRED,
    quantity_over=Decimal(6),
    documentation=("PT plan of care",),
)
OFFICE_VISITS = Rule(uuid.uuid4(), CodeSystem.CPT, "99202", "99215", Requirement.NOT_REQUIRED)
CANCER_IMAGING = Rule(
    uuid.uuid4(),
    CodeSystem.CPT,
    "70010",
    "76499",
    Requirement.NOT_REQUIRED,
    diagnosis_prefixes=("C",),
)
RULES = [MRI, PT_FIRST_VISITS, PT_OVER_SIX, OFFICE_VISITS, CANCER_IMAGING]


def answers(services, diagnoses=()):
    return [
        (a.requirement, a.documentation) for a in check_requirements(RULES, services, diagnoses)
    ]


def test_each_line_gets_the_answer_of_its_most_specific_rule():
    assert answers(
        [
            ServiceToCheck(CodeSystem.CPT, "72148"),
            ServiceToCheck(CodeSystem.CPT, "97110", Decimal(4)),
            ServiceToCheck(CodeSystem.CPT, "97110", Decimal(12)),
            ServiceToCheck(CodeSystem.CPT, "99213"),
        ],
        ["M54.16"],
    ) == [
        (Requirement.REQUIRED, ("Clinical notes", "Prior imaging")),
        (Requirement.NOT_REQUIRED, ()),
        (Requirement.REQUIRED, ("PT plan of care",)),
        (Requirement.NOT_REQUIRED, ()),
    ]


def test_a_diagnosis_condition_overrides_the_broad_rule():
    assert answers([ServiceToCheck(CodeSystem.CPT, "72148")], ["C34.90"]) == [
        (Requirement.NOT_REQUIRED, ())
    ]


def test_services_no_rule_covers_are_unknown():
    result = check_requirements(
        RULES,
        [ServiceToCheck(CodeSystem.HCPCS, "E0601"), ServiceToCheck(CodeSystem.CPT, "10060")],
        [],
    )
    assert [(r.sequence, r.requirement, r.rule_id) for r in result] == [
        (1, Requirement.UNKNOWN, None),
        (2, Requirement.UNKNOWN, None),
    ]
