"""What we answer a partner that sent us a 278: the request's current state as a 278 response
(each service's determination, HCR A4 while the payer has not decided, our request number as
REF*NT), or an AAA when the domain refused the submission. One table maps the inbound
service's typed rejections (`ErrorCode`) to AAA03 reject reasons, AAA04 follow-up actions and
the loop at fault."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from types import MappingProxyType

from adapters.x12.mapping import X12Parties
from adapters.x12.mapping_payer import Rejection, to_278_response
from adapters.x12.review import ReviewTree
from domain.authorizations.inbound import SubmissionState
from domain.authorizations.intake import RequestedService
from domain.authorizations.lifecycle import ReviewAction
from domain.errors import DomainError, ErrorCode
from domain.partners.ports import AnswerKind, LineAnswer

PAYER, REQUESTER, SUBSCRIBER, EVENT = "20", "21", "22", "EV"  # HL03 of the loop at fault
E = ErrorCode
# ErrorCode -> (AAA03 reject reason, AAA04 follow-up action, loop). Codes not listed are not
# about the submission's content (authorisation, conflicts, limits): the envelope answers them.
AAA_BY_ERROR: Mapping[ErrorCode, Rejection] = MappingProxyType(
    {
        E.PAYER_UNKNOWN: Rejection("79", "C", PAYER),  # invalid participant identification
        E.NO_TRADING_PARTNER: Rejection("42", "P", PAYER),  # unable to respond now
        E.PROVIDER_NOT_RECOGNIZED: Rejection("51", "C", REQUESTER),  # provider not on file
        E.INVALID_NPI: Rejection("43", "C", REQUESTER),  # invalid/missing provider id
        E.MEMBER_NOT_FOUND: Rejection("72", "C", SUBSCRIBER),  # invalid/missing member id
        E.COVERAGE_INACTIVE: Rejection("75", "C", SUBSCRIBER),  # subscriber not found
        E.NOTHING_REQUESTED: Rejection("AG", "C", EVENT),  # invalid/missing procedure codes
        E.ORIGINAL_NOT_FOUND: Rejection("AA", "C", EVENT),  # authorization number not found
        E.REFERENCE_REUSED: Rejection("33", "C", EVENT),  # input errors
        E.ILLEGAL_TRANSITION: Rejection("33", "N", EVENT),  # no longer changeable
        E.INVALID_PERIOD: Rejection("56", "C", EVENT),  # inappropriate date
        E.INVALID: Rejection("33", "C", EVENT),
        E.REQUIRED: Rejection("15", "C", EVENT),  # required application data missing
        E.LIMIT_EXCEEDED: Rejection("33", "C", EVENT),
        E.NOT_FOUND: Rejection("15", "C", EVENT),
    }
)
# The payer's own AAA, as our outbound mapping records it ("AAA 72: ..."), is passed on.
_PAYER_REASON = re.compile(r"AAA (\w{2})\b")


def rejection_for(error: DomainError) -> Rejection | None:
    return AAA_BY_ERROR.get(error.code)


def to_inbound_response(
    review: ReviewTree,
    parties: X12Parties,
    state: SubmissionState,
    services: Sequence[RequestedService],
) -> bytes:
    """The 278 response to `review` for where its request stands; `services` are the review's
    services in document order (as `to_inbound_submission` read them), each answered by the
    request line with the same code and dates (the domain orders its lines by date)."""
    answer = state.answer
    number = state.request.number
    if answer.kind is AnswerKind.REJECTED:
        found = _PAYER_REASON.search(answer.reason or "")
        rejection = Rejection(found.group(1) if found else "15", "C")
        return to_278_response(review, parties, rejection=rejection, payer_reference=number)
    lines = _aligned(answer.lines, state, services)
    return to_278_response(review, parties, lines=lines, payer_reference=number)


def _aligned(
    answers: tuple[LineAnswer, ...], state: SubmissionState, services: Sequence[RequestedService]
) -> tuple[LineAnswer, ...]:
    by_sequence = {a.sequence: a for a in answers}
    unused = list(state.partner_request.lines)
    aligned = []
    for position, service in enumerate(services, start=1):
        match = next(
            (
                line
                for line in unused
                if line.service_code == service.code
                and line.requested_start == service.occurrence.start
            ),
            unused[0] if unused else None,
        )
        if match is None:
            continue
        unused.remove(match)
        found = by_sequence.get(match.sequence) or LineAnswer(position, ReviewAction.PENDED)
        aligned.append(replace(found, sequence=position))
    return tuple(aligned)
