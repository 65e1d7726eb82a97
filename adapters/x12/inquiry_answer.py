"""Answering a 278 inquiry (005010X215) about a review the same partner requested: the inquiry
names it by authorization number (REF*BB), by our request number (REF*NT, which our 278
responses carry), by the original trace number (TRN02), or by member and dates; the answer is
the inquiry echoed with the request's current determinations (X215 response, HCR per loop), or
an AAA when no request of this partner matches."""

from __future__ import annotations

from typing import Any

from adapters.x12.answer_inbound import EVENT
from adapters.x12.inquiry import Inquiry278
from adapters.x12.mapping import X12Parties
from adapters.x12.mapping_inbound import read_date
from adapters.x12.mapping_payer import Rejection, to_278_response
from domain.authorizations.inbound import SubmissionState
from domain.authorizations.lifecycle import ReviewAction
from domain.partners.ports import AnswerKind, LineAnswer

AUTHORIZATION_NUMBER, ADMINISTRATIVE_REFERENCE = "BB", "NT"
NOT_FOUND = Rejection("AA", "C", EVENT)  # authorization number not found
SERVICE_DATES = ("472", "AAH", "435")


def inquiry_filters(inquiry: Inquiry278) -> dict[str, Any]:
    """The search the inquiry asks for: the most precise key it gives (authorization number,
    request number, trace), else member and dates; with the member id when it is given."""
    event = inquiry.events[0] if inquiry.events else None
    references = {r.qualifier: r.value for loop in (*inquiry.events, *inquiry.services)
                  for r in loop.references if r.value}  # fmt: skip
    patient = inquiry.patient
    filters: dict[str, Any] = (
        {"member_id": patient.member_id} if patient and patient.member_id else {}
    )
    if AUTHORIZATION_NUMBER in references:
        return filters | {"authorization_number": references[AUTHORIZATION_NUMBER]}
    if ADMINISTRATIVE_REFERENCE in references:
        return filters | {"number": references[ADMINISTRATIVE_REFERENCE]}
    if inquiry.trace_numbers:
        return filters | {"sender_reference": inquiry.trace_numbers[0]}
    dtp = next((d for q in SERVICE_DATES if event and (d := event.date(q))), None)
    if dtp is not None:
        filters |= {
            "service_from": read_date(dtp.start),
            "service_to": read_date(dtp.end or dtp.start),
        }
    return filters


def to_inquiry_response(
    inquiry: Inquiry278, parties: X12Parties, found: list[SubmissionState]
) -> bytes:
    """The X215 response: the newest matching request's status, or AAA AA when none matches."""
    if not found:
        return to_278_response(inquiry, parties, rejection=NOT_FOUND)
    state = found[0]
    number = state.request.number
    answer = state.answer
    if answer.kind is AnswerKind.REJECTED:
        rejection = Rejection("15", "C")
        return to_278_response(inquiry, parties, rejection=rejection, payer_reference=number)
    lines = answer.lines or (LineAnswer(1, ReviewAction.PENDED),)
    if not inquiry.services:  # the event answers for the whole request
        lines = (_summary(lines),)
    return to_278_response(inquiry, parties, lines=lines, payer_reference=number)


def _summary(lines: tuple[LineAnswer, ...]) -> LineAnswer:
    """One answer for the request: pended while any line is, else its first line's."""
    pended = next((line for line in lines if line.review_action is ReviewAction.PENDED), None)
    chosen = pended or lines[0]
    return LineAnswer(
        1,
        chosen.review_action,
        approved_quantity=chosen.approved_quantity,
        approved_start=chosen.approved_start,
        approved_end=chosen.approved_end,
        authorization_number=chosen.authorization_number,
        reason_codes=chosen.reason_codes,
        notes=chosen.notes,
    )
