"""Da Vinci PAS (2.2.1, accepting 2.0.1): the canonical URLs, code systems and the code tables
between the domain's words and PAS's codes, in one place. The builders in `pas_request`,
`pas_response` and the reader in `pas_answer` look codes up here and nowhere else."""

from __future__ import annotations

from domain.authorizations.lifecycle import ReviewAction

_SD = "http://hl7.org/fhir/us/davinci-pas/StructureDefinition"
_X12 = "https://codesystem.x12.org/005010"


class Profile:
    REQUEST_BUNDLE = f"{_SD}/profile-pas-request-bundle"
    INQUIRY_REQUEST_BUNDLE = f"{_SD}/profile-pas-inquiry-request-bundle"
    RESPONSE_BUNDLE = f"{_SD}/profile-pas-response-bundle"
    CLAIM = f"{_SD}/profile-claim"
    CLAIM_UPDATE = f"{_SD}/profile-claim-update"
    CLAIM_INQUIRY = f"{_SD}/profile-claim-inquiry"
    CLAIM_RESPONSE = f"{_SD}/profile-claimresponse"
    SUBSCRIBER = f"{_SD}/profile-subscriber"
    COVERAGE = f"{_SD}/profile-coverage"
    INSURER = f"{_SD}/profile-insurer"
    REQUESTOR = f"{_SD}/profile-requestor"
    PRACTITIONER = f"{_SD}/profile-practitioner"


class Ext:
    REVIEW_ACTION = f"{_SD}/extension-reviewAction"
    REVIEW_ACTION_CODE = f"{_SD}/extension-reviewActionCode"
    REQUEST_TYPE = f"{_SD}/extension-serviceItemRequestType"
    CERTIFICATION_TYPE = f"{_SD}/extension-certificationType"
    ITEM_PRE_AUTH_PERIOD = f"{_SD}/extension-itemPreAuthPeriod"
    ITEM_PRE_AUTH_ISSUE_DATE = f"{_SD}/extension-itemPreAuthIssueDate"
    ITEM_AUTHORIZED_DETAIL = f"{_SD}/extension-itemAuthorizedDetail"
    ADMINISTRATION_REFERENCE_NUMBER = f"{_SD}/extension-administrationReferenceNumber"
    ERROR_PATH = f"{_SD}/extension-errorPath"
    ERROR_ELEMENT = f"{_SD}/extension-errorElement"
    # sub-extensions of reviewAction (2.2.1 names the code slice `code`; examples use the URL)
    NUMBER = "number"
    REASON_CODE = "reasonCode"
    CODE = "code"


class System:
    REVIEW_ACTION = f"{_X12}/306"
    REQUEST_TYPE = f"{_X12}/1525"
    CERTIFICATION_TYPE = f"{_X12}/1322"
    SERVICE_TYPE = f"{_X12}/1365"
    ENTITY_IDENTIFIER = f"{_X12}/98"
    REJECT_REASON = f"{_X12}/901"
    HEALTH_CARE_SERVICES_DECISION_REASON = f"{_X12}/4000"
    CPT = "http://www.ama-assn.org/go/cpt"
    HCPCS = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
    BENEFIT = "urn:carebridge:benefit"
    ICD10_CM = "http://hl7.org/fhir/sid/icd-10-cm"
    NPI = "http://hl7.org/fhir/sid/us-npi"
    PLACE_OF_SERVICE = (
        "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set"
    )
    PRIORITY = "http://terminology.hl7.org/CodeSystem/processpriority"
    CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"
    ADJUDICATION = "http://terminology.hl7.org/CodeSystem/adjudication"
    IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
    CARE_TEAM_ROLE = "http://terminology.hl7.org/CodeSystem/claimcareteamrole"
    BUNDLE_IDENTIFIER = "urn:ietf:rfc:3986"
    # our request numbers, echoed by the payer in ClaimResponse.identifier and used by $inquire
    REQUEST_NUMBER = "urn:carebridge:authorization-request-number"
    MEMBER_ID = "urn:carebridge:member-id"


# The X12 306 action codes are the domain's ReviewAction values.
REVIEW_ACTIONS: dict[str, ReviewAction] = {action.value: action for action in ReviewAction}
REVIEW_ACTION_DISPLAY: dict[ReviewAction, str] = {
    ReviewAction.CERTIFIED: "Certified in total",
    ReviewAction.PARTIALLY_CERTIFIED: "Certified - partial",
    ReviewAction.NOT_CERTIFIED: "Not Certified",
    ReviewAction.PENDED: "Pending",
    ReviewAction.MODIFIED: "Modified",
    ReviewAction.CANCELLED: "Cancelled",
    ReviewAction.CONTACT_PAYER: "Contact Payer",
    ReviewAction.NO_ACTION_REQUIRED: "No Action Required",
}
PRODUCT_SYSTEMS: dict[str, str] = {
    "CPT": System.CPT,
    "HCPCS": System.HCPCS,
    "SERVICE_TYPE": System.SERVICE_TYPE,
    "BENEFIT": System.BENEFIT,
}
# The examples use http:// for the HCPCS system; both are read back as HCPCS.
PRODUCT_CODE_SYSTEMS: dict[str, str] = {
    **{url: name for name, url in PRODUCT_SYSTEMS.items()},
    "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets": "HCPCS",
}
PRIORITIES: dict[str, str] = {"STANDARD": "normal", "EXPEDITED": "stat"}
# category -> (X12 1525 request type, X12 1365 service type, claim type)
CATEGORIES: dict[str, tuple[str, str, str]] = {
    "OUTPATIENT_SERVICE": ("HS", "1", "professional"),
    "INPATIENT_ADMISSION": ("AR", "48", "institutional"),
    "REFERRAL": ("SC", "3", "professional"),
    "DME": ("HS", "12", "professional"),
    "DRUG": ("HS", "88", "pharmacy"),
    "HOME_HEALTH": ("HS", "42", "professional"),
    "TRANSPORT": ("HS", "56", "professional"),
    "OTHER": ("HS", "1", "professional"),
}
GENDERS: dict[str, str] = {
    "FEMALE": "female",
    "MALE": "male",
    "OTHER": "other",
    "UNKNOWN": "unknown",
}
CERTIFICATION_INITIAL = "I"
CERTIFICATION_CANCEL = "3"
# ClaimResponse.outcome values that say "taken in, not decided yet"
UNDECIDED_OUTCOMES = frozenset({"queued", "partial"})
