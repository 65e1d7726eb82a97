"""Business rejections of an inbound submission as PAS says them (NOTES §7, X12 AAA): HTTP
200, a Response Bundle whose ClaimResponse has outcome=error and one `error` per problem,
coded in X12 901 reject reasons with the follow-up action (X12 889) and the FHIRPath of the
request element at fault. One table from the domain's ErrorCodes; X12 answers use the same
901 codes in AAA03."""

from __future__ import annotations

from datetime import datetime

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.claimresponse import ClaimResponse, ClaimResponseError

from adapters.fhir.pas_codes import Ext, System
from adapters.fhir.pas_elements import concept, extension
from adapters.fhir.pas_response import to_pas_response
from domain.errors import DomainError, ErrorCode, ValidationErrors
from domain.partners.ports import AnswerKind, PartnerAnswer

FOLLOW_UP_SYSTEM = "https://codesystem.x12.org/005010/889"
ERROR_FOLLOW_UP = (
    "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-errorFollowupAction"
)
# ErrorCode -> (X12 901 reject reason, X12 889 follow-up action: C correct and resubmit,
# N resubmission not allowed, R resubmission allowed, Y do not resubmit; wait)
REJECT_REASONS: dict[ErrorCode, tuple[str, str]] = {
    ErrorCode.PAYER_UNKNOWN: ("79", "C"),  # invalid participant identification
    ErrorCode.MEMBER_NOT_FOUND: ("72", "C"),  # invalid / missing subscriber id
    ErrorCode.COVERAGE_INACTIVE: ("75", "C"),  # subscriber / insured not found
    ErrorCode.PROVIDER_NOT_RECOGNIZED: ("51", "C"),  # provider not on file
    ErrorCode.NOTHING_REQUESTED: ("AG", "C"),  # invalid / missing procedure code
    ErrorCode.ORIGINAL_NOT_FOUND: ("AA", "C"),  # authorization number not found
    ErrorCode.REFERENCE_REUSED: ("33", "C"),  # input errors
    ErrorCode.NO_TRADING_PARTNER: ("42", "R"),  # unable to respond at current time
    ErrorCode.ILLEGAL_TRANSITION: ("33", "N"),
    ErrorCode.INVALID_NPI: ("43", "C"),  # invalid / missing provider identification
    ErrorCode.INVALID_PERIOD: ("57", "C"),  # invalid / missing dates of service
}
DEFAULT_REASON = ("33", "C")
# The domain's field names -> where the element is in a PAS Request Bundle.
FIELD_PATHS: dict[str, str] = {
    "payerIdentifier": "Claim.insurer",
    "coverage.memberId": "Claim.insurance.coverage",
    "coverage.status": "Claim.insurance.coverage",
    "coverage.period": "Claim.insurance.coverage",
    "requestingProvider": "Claim.careTeam",
    "servicingProvider": "Claim.careTeam",
    "requester": "Claim.provider",
    "services": "Claim.item",
    "relatedReference": "Claim.related",
    "senderReference": "Bundle.identifier",
}


def rejection_response(request: Bundle, error: DomainError, *, now: datetime) -> Bundle:
    """The Response Bundle saying why the submission was not taken in."""
    problems = error.errors if isinstance(error, ValidationErrors) else [error]
    answer = PartnerAnswer(AnswerKind.REJECTED, reason="; ".join(p.message for p in problems))
    bundle = to_pas_response(request, answer, now=now)
    response = (bundle.entry or [])[0].resource
    assert isinstance(response, ClaimResponse)
    response.error = [_error(problem) for problem in problems]
    return bundle


def _error(problem: DomainError) -> ClaimResponseError:
    reason, follow_up = REJECT_REASONS.get(problem.code, DEFAULT_REASON)
    extensions = [
        extension(ERROR_FOLLOW_UP, valueCodeableConcept=concept(FOLLOW_UP_SYSTEM, follow_up))
    ]
    path = _path(problem.field)
    if path:
        extensions.append(extension(Ext.ERROR_PATH, valueString=path))
    code = concept(System.REJECT_REASON, reason)
    code.text = f"{problem.code}: {problem.message}"
    return ClaimResponseError(extension=extensions, code=code)


def _path(field: str | None) -> str | None:
    if not field:
        return None
    head, _, rest = field.partition(".")
    index = rest.split(".", 1)[0]
    if head in ("services", "lines", "attachments") and index.isdigit():
        return f"Claim.{'supportingInfo' if head == 'attachments' else 'item'}[{index}]"
    return FIELD_PATHS.get(field) or FIELD_PATHS.get(head)
