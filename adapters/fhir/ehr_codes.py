"""The code systems and code maps the EHR intake reads: one table per concept."""

from __future__ import annotations

from domain.authorizations.intake import Priority, ServiceCodeSystem

NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
ICD10CM_SYSTEM = "http://hl7.org/fhir/sid/icd-10-cm"
CPT_SYSTEM = "http://www.ama-assn.org/go/cpt"
HCPCS_SYSTEM = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
X12_SERVICE_TYPE_SYSTEM = "https://codesystem.x12.org/005010/1365"
PLACE_OF_SERVICE_SYSTEM = (
    "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set"
)
IDENTIFIER_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0203"
COVERAGE_CLASS_SYSTEM = "http://terminology.hl7.org/CodeSystem/coverage-class"
CONDITION_CLINICAL_SYSTEM = "http://terminology.hl7.org/CodeSystem/condition-clinical"
SNOMED_SYSTEM = "http://snomed.info/sct"

# Service codes by system URL, in order of preference when an order carries several codings.
# HCPCS is published under several URLs; all of these are seen in US implementation guides.
SERVICE_CODE_SYSTEMS: dict[str, ServiceCodeSystem] = {
    CPT_SYSTEM: ServiceCodeSystem.CPT,
    HCPCS_SYSTEM: ServiceCodeSystem.HCPCS,
    "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets": ServiceCodeSystem.HCPCS,
    "urn:oid:2.16.840.1.113883.6.285": ServiceCodeSystem.HCPCS,
    X12_SERVICE_TYPE_SYSTEM: ServiceCodeSystem.SERVICE_TYPE,
}
_PREFERENCE = (ServiceCodeSystem.CPT, ServiceCodeSystem.HCPCS, ServiceCodeSystem.SERVICE_TYPE)


def service_code_rank(system: ServiceCodeSystem) -> int:
    return _PREFERENCE.index(system)


# Procedure modifiers travel in ServiceRequest.orderDetail, coded in the CPT or HCPCS system
# (CPT modifiers such as 59, HCPCS level II modifiers such as GP, RT) or HL7's modifier system.
MODIFIER_SYSTEMS = frozenset(
    {
        CPT_SYSTEM,
        HCPCS_SYSTEM,
        "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
        "http://terminology.hl7.org/CodeSystem/modifiers",
    }
)

# FHIR request priority -> authorization priority; absent means routine.
PRIORITIES: dict[str, Priority] = {
    "routine": Priority.STANDARD,
    "urgent": Priority.EXPEDITED,
    "asap": Priority.EXPEDITED,
    "stat": Priority.EXPEDITED,
}

MEMBER_ID_TYPE = "MB"
GROUP_CLASS = "group"
PLAN_CLASS = "plan"
