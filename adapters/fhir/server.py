"""The inbound Da Vinci PAS server under /fhir, for provider organisations' and clearinghouses'
systems with PARTNER bearer tokens: `GET metadata`, `POST Claim/$submit` (new, update, cancel),
`POST Claim/$inquire`, `GET ClaimResponse?patient=&identifier=`. Requests are mapped by
`pas_inbound` to the domain's `receive_submission` / `find_submissions`; answers are PAS
Response Bundles built by `to_pas_response` from the request's current state, so what the payer
later decides (outbox, polling) is what `$inquire` and the search answer."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any

from fhir.resources.R4B.bundle import Bundle, BundleEntry
from fhir.resources.R4B.claim import Claim
from fhir.resources.R4B.coverage import Coverage
from fhir.resources.R4B.patient import Patient
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from adapters.fhir.capability import capability_statement
from adapters.fhir.ehr_mapping import period_of, to_date
from adapters.fhir.pas import to_pas_bundle, to_pas_response
from adapters.fhir.pas_codes import System
from adapters.fhir.pas_elements import identifier
from adapters.fhir.pas_errors import rejection_response
from adapters.fhir.pas_inbound import (
    BundleIndex,
    PasRequestError,
    from_pas_request,
    request_claim,
    trace_number,
)
from adapters.fhir.pas_response import items_json
from adapters.fhir.server_io import (
    FhirProblem,
    bearer_principal,
    document_response,
    echoing_document,
    echoing_response,
    fhir_response,
    inquiry_result,
    parse_bundle,
    parse_bundle_source,
    problem_response,
    read_body,
    request_uow,
)
from domain.authorizations.inbound import SubmissionState, find_submissions, receive_submission
from domain.errors import DomainError, ErrorCode
from domain.identity.rules import Principal
from domain.uow import UnitOfWork

log = logging.getLogger("carebridge.fhir")
Handler = Callable[[Request], Awaitable[Response]]
AUTHORIZATION_NUMBER = (
    "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-authorizationNumber"
)
# Domain errors that are the caller's, not the submission's: answered as HTTP.
_HTTP_ERRORS: dict[ErrorCode, tuple[int, str]] = {
    ErrorCode.UNAUTHENTICATED: (401, "login"),
    ErrorCode.FORBIDDEN: (403, "forbidden"),
    ErrorCode.CONFLICT: (409, "conflict"),
}


def pas_server_routes() -> list[BaseRoute]:
    """The PAS routes, relative to the /fhir mount."""
    return [
        Route("/metadata", _guarded(metadata, authenticate=False), methods=["GET"]),
        Route("/Claim/$submit", _guarded(submit), methods=["POST"]),
        Route("/Claim/$inquire", _guarded(inquire), methods=["POST"]),
        Route("/ClaimResponse", _guarded(search_claim_responses), methods=["GET"]),
    ]


def unsupported_fhir_routes() -> list[BaseRoute]:
    """Last in the /fhir mount: anything else is an unsupported operation (OperationOutcome)."""
    return [Route("/{rest:path}", _guarded(unsupported, authenticate=False), methods=_METHODS)]


_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def _guarded(handler: Handler, *, authenticate: bool = True) -> Handler:
    async def endpoint(request: Request) -> Response:
        try:
            if authenticate:
                request.state.principal = bearer_principal(request)
            return await handler(request)
        except FhirProblem as problem:
            return problem_response(problem)
        except PasRequestError as error:
            return problem_response(FhirProblem(400, error.code, error.message, error.expression))
        except DomainError as error:
            status, code = _HTTP_ERRORS.get(error.code, (400, "processing"))
            return problem_response(FhirProblem(status, code, error.message))

    return endpoint


async def metadata(request: Request) -> Response:
    return fhir_response(capability_statement(request.app.state.clock.now()))


async def unsupported(request: Request) -> Response:
    raise FhirProblem(
        404 if request.method == "GET" else 405,
        "not-supported",
        f"{request.method} /fhir/{request.path_params.get('rest', '')} is not supported here",
    )


async def _request_bundle(request: Request) -> Bundle:
    settings = request.app.state.settings
    body = await read_body(request, settings.fhir_max_bundle_bytes)
    return parse_bundle(body, settings.fhir_max_bundle_entries)


async def submit(request: Request) -> Response:
    """Take the submission in (or recognise a resend) and answer its current state."""
    settings = request.app.state.settings
    body = await read_body(request, settings.fhir_max_bundle_bytes)
    bundle, source = parse_bundle_source(body, settings.fhir_max_bundle_entries)
    submission = from_pas_request(bundle)
    now = request.app.state.clock.now()

    def prepare(state: SubmissionState) -> dict[str, Any] | None:
        # While the request is written: its answer, with a place held for its number.
        answer = _answer(bundle, state, now, _NUMBER_TO_COME)
        return echoing_document(answer, bundle, source, items_json(state.answer))

    try:
        async with request_uow(request) as uow:
            outcome = await receive_submission(
                uow=uow,
                actor=request.state.principal,
                submission=submission,
                with_details=False,
                meanwhile=prepare,
            )
    except DomainError as error:
        if error.code in _HTTP_ERRORS:
            raise
        return echoing_response(rejection_response(bundle, error, now=now), bundle, source)
    prepared = outcome.prepared
    if prepared is not None and _numbered(prepared, outcome.state.request.number):
        return document_response(prepared)
    answer = _answer(bundle, outcome.state, now)
    return echoing_response(answer, bundle, source, items_json(outcome.state.answer))


# What an answer prepared before its request is numbered holds in the number's place.
_NUMBER_TO_COME = "number-to-come"


def _answer(
    request_bundle: Bundle, state: SubmissionState, now: datetime, number: str | None = None
) -> Bundle:
    """The PAS Response Bundle echoing the request, with our request number (or `number`)
    added to the ClaimResponse's identifiers (the key for later inquiries)."""
    ours = identifier(System.REQUEST_NUMBER, number or state.request.number)
    return to_pas_response(request_bundle, state.answer, now=now, identifiers=[ours])


def _numbered(document: dict[str, Any], number: str) -> bool:
    """`number` in the place the prepared answer `document` holds for it, if it does."""
    entries = document.get("entry") or ()
    response = entries[0].get("resource") if entries else None
    if not isinstance(response, dict) or response.get("resourceType") != "ClaimResponse":
        return False
    held = [
        found
        for found in response.get("identifier") or ()
        if found.get("system") == System.REQUEST_NUMBER and found.get("value") == _NUMBER_TO_COME
    ]
    if len(held) != 1:  # the request itself named such an identifier: make the answer anew
        return False
    held[0]["value"] = number
    return True


async def inquire(request: Request) -> Response:
    """The current state of the requests the inquiry names: Parameters of Bundles (2.2.x), or
    one Bundle for a client that pins 2.0.1 in meta.profile."""
    bundle = await _request_bundle(request)
    claim = request_claim(bundle)
    now = request.app.state.clock.now()
    async with request_uow(request) as uow:
        found = await _inquired(uow, request.state.principal, bundle, claim)
    answers = [_answer(bundle, state, now) for state in found]
    if _pins_2_0_1(bundle, claim):
        return fhir_response(_single_bundle(bundle, answers, now))
    return fhir_response(inquiry_result(answers))


async def _inquired(
    uow: UnitOfWork, actor: Principal, bundle: Bundle, claim: Claim
) -> list[SubmissionState]:
    """By the Claim's identifiers (sender reference, trace number, our number), else by the
    items' authorization numbers, else by the member id and the service dates."""
    found: dict[uuid.UUID, SubmissionState] = {}
    for value in [i.value for i in claim.identifier or () if i.value]:
        by_reference = await find_submissions(uow=uow, actor=actor, sender_reference=value)
        by_number = await find_submissions(uow=uow, actor=actor, number=value)
        for state in (*by_reference, *by_number):
            found.setdefault(state.request.id, state)
    numbers = {
        e.valueString
        for item in claim.item or ()
        for e in item.extension or ()
        if e.url == AUTHORIZATION_NUMBER and e.valueString
    }
    for number in numbers if not found else ():
        for state in await find_submissions(uow=uow, actor=actor, authorization_number=number):
            found.setdefault(state.request.id, state)
    member = _member_id(bundle, claim)
    if not found and member:
        start, end = _service_dates(claim)
        states = await find_submissions(
            uow=uow, actor=actor, member_id=member, service_from=start, service_to=end
        )
        found.update((state.request.id, state) for state in states)
    return list(found.values())


def _member_id(bundle: Bundle, claim: Claim) -> str | None:
    index = BundleIndex(bundle)
    for insurance in claim.insurance or ():
        coverage = index.get(insurance.coverage, claim)
        if isinstance(coverage, Coverage) and coverage.subscriberId:
            return str(coverage.subscriberId)
    patient = index.get(claim.patient, claim)
    if isinstance(patient, Patient):
        return next((i.value for i in patient.identifier or () if i.value), None)
    return None


def _service_dates(claim: Claim) -> tuple[date | None, date | None]:
    if claim.billablePeriod is not None:
        period = period_of(claim.billablePeriod)
        return period.start, period.end
    days = [d for item in claim.item or () if (d := to_date(item.servicedDate))]
    return (min(days), max(days)) if days else (None, None)


def _pins_2_0_1(bundle: Bundle, claim: Claim) -> bool:
    profiles = [
        *(bundle.meta.profile or [] if bundle.meta else []),
        *(claim.meta.profile or [] if claim.meta else []),
    ]
    return any(str(p).endswith("|2.0.1") for p in profiles)


def _single_bundle(request: Bundle, answers: list[Bundle], now: datetime) -> Bundle:
    """2.0.1: one Bundle holding every ClaimInquiryResponse (none when nothing matched)."""
    entries = [e for answer in answers for e in (answer.entry or [])[:1]]
    return Bundle(
        identifier=identifier(System.BUNDLE_IDENTIFIER, f"urn:uuid:{uuid.uuid4()}"),
        type="collection",
        timestamp=now,
        entry=entries or None,
    )


async def search_claim_responses(request: Request) -> Response:
    """`GET ClaimResponse?patient=<member id>&identifier=[system|]value`: a searchset of the
    partner's requests as ClaimResponses."""
    params = request.query_params
    patient = _token(params.get("patient"))
    wanted = _token(params.get("identifier"))
    if not patient and not wanted:
        raise FhirProblem(400, "required", "Search by patient (member id) or identifier")
    async with request_uow(request) as uow:
        actor = request.state.principal
        if wanted:
            found = await find_submissions(uow=uow, actor=actor, sender_reference=wanted)
            found = found or await find_submissions(uow=uow, actor=actor, number=wanted)
            found = found or await find_submissions(
                uow=uow, actor=actor, authorization_number=wanted
            )
        else:
            found = await find_submissions(uow=uow, actor=actor, member_id=patient)
    if patient and wanted:
        found = [s for s in found if s.partner_request.member_id == patient]
    now = request.app.state.clock.now()
    entries = []
    for state in found:
        rebuilt = to_pas_bundle(state.partner_request, bundle_id=state.request.id)
        answer = _answer(rebuilt, state, now)
        response = (answer.entry or [])[0]
        entries.append(
            BundleEntry(
                fullUrl=response.fullUrl, resource=response.resource, search={"mode": "match"}
            )
        )
    return fhir_response(
        Bundle(type="searchset", total=len(entries), timestamp=now, entry=entries or None)
    )


def _token(value: str | None) -> str | None:
    """A FHIR token or reference parameter's value: `system|value`, `Patient/x` -> the value."""
    if not value:
        return None
    value = value.rsplit("|", 1)[-1].rsplit("/", 1)[-1].strip()
    return value or None


__all__ = ["pas_server_routes", "trace_number", "unsupported_fhir_routes"]
