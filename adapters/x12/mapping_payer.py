"""The payer's side of the 278 mapping (what a simulated clearinghouse or an X12 payer needs):
a 278 request read into what a payer decides on, and a decision answered as the 278 response.

The response is the request echoed loop by loop, as the TR3 and its examples do: BHT02 becomes
11, TRN01 1 (current) becomes 2 (referenced), and each decided loop gets its HCR (with REF*NT
and the certified period) after its UM; a request that cannot be processed gets AAA instead."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from adapters.x12.envelope import write_interchange
from adapters.x12.hierarchy import HLNode
from adapters.x12.mapping import (
    ADMINISTRATIVE_REFERENCE,
    CERTIFIED_PERIOD,
    X12Parties,
    envelope,
)
from adapters.x12.review import ReviewTree, Transaction278
from adapters.x12.segments import Segment
from domain.partners.ports import LineAnswer

PENDED = "A4"
FURTHER_UPDATES, NO_FURTHER_UPDATES = "19", "18"  # BHT06


@dataclass(frozen=True, slots=True)
class RequestedService:
    sequence: int  # 1.. in document order (the event itself when there are no services)
    procedure_code: str  # SV1/SV2/SV3 procedure, "" when none is given
    quantity: str


@dataclass(frozen=True, slots=True)
class ReviewRequested:
    """What a payer decides on: the trace (TRN02 of the patient event), the member and the
    services asked for."""

    trace_number: str
    reference: str  # BHT03
    member_id: str
    services: tuple[RequestedService, ...]


@dataclass(frozen=True, slots=True)
class Rejection:
    """An AAA: the request could not be processed (AAA03 reason, AAA04 follow-up action)."""

    reason: str
    follow_up: str = "C"
    level: str = "EV"  # HL03 of the loop at fault: 20 payer, 21 requester, 22 subscriber, EV


def read_review_request(review: Transaction278) -> ReviewRequested:
    events = review.events
    trace = next((t.reference for e in events for t in e.trace_numbers), "")
    services = tuple(
        RequestedService(n, s.procedure.code if s.procedure else "", s.requested_quantity[0])
        for n, s in enumerate(review.services, start=1)
    )
    patient = review.patient
    return ReviewRequested(trace, review.reference, patient.member_id if patient else "", services)


def to_278_response(
    review: ReviewTree,
    parties: X12Parties,
    *,
    lines: tuple[LineAnswer, ...] = (),
    rejection: Rejection | None = None,
    payer_reference: str | None = None,
) -> bytes:
    """The 278 response to `review` (a request for review, X217, or an inquiry, X215, answered
    in its own version): `lines` decide the services by sequence (line 1 decides
    the event when it has no services), or `rejection` refuses the whole event."""
    by_sequence = {line.sequence: line for line in lines}
    pended = any(line.review_action.value == PENDED for line in lines)
    header = review.header
    body = [
        Segment.of(
            "BHT", "0007", "11", header.reference, parties.at.strftime("%Y%m%d"),
            parties.at.strftime("%H%M"), FURTHER_UPDATES if pended else NO_FURTHER_UPDATES,
        )
    ]  # fmt: skip
    services = 0
    for node in review.hierarchy.nodes:
        decision: list[Segment] = []
        if rejection is not None:
            if node.level == rejection.level:
                decision = _rejected(rejection)
        elif node.level == "EV":
            has_services = any(child.level == "SS" for child in node.walk())
            event_line = None if has_services else by_sequence.get(1)
            decision = _decided(event_line, payer_reference)
        elif node.level == "SS":
            services += 1
            decision = _decided(by_sequence.get(services), None)
        body += _echoed(node, decision)
    # Echoed composites keep the request's component separator: write with its delimiters.
    return write_interchange(envelope(tuple(body), parties, review.delimiters, review.version))


def _echoed(node: HLNode, decision: list[Segment]) -> list[Segment]:
    """The node's segments with TRN referenced and `decision` after its UM (AAA after TRN)."""
    own = [_referenced(s) for s in node.segments]
    parties = [s for party in node.parties for s in party.segments]
    if node.level not in ("EV", "SS"):  # 2010A-D: the AAA closes the level's party loop
        return [node.hl, *own, *parties, *decision]
    anchor = "TRN" if decision and decision[0].id == "AAA" else "UM"
    at = next((i + 1 for i, s in enumerate(own) if s.id == anchor), 0)
    own[at:at] = decision
    return [node.hl, *own, *parties]


def _referenced(segment: Segment) -> Segment:
    if segment.id == "TRN" and segment.element(1) == "1":
        return Segment("TRN", ("2", *segment.elements[1:]))
    return segment


def _decided(line: LineAnswer | None, payer_reference: str | None) -> list[Segment]:
    """HCR, REF*NT (the payer's reference, given at the event) and the certified period."""
    segments = []
    if line is not None:
        reason = line.reason_codes[0] if line.reason_codes else ""
        number = line.authorization_number or ""
        segments.append(Segment.of("HCR", line.review_action.value, number, reason))
    if payer_reference:
        segments.append(Segment.of("REF", ADMINISTRATIVE_REFERENCE, payer_reference))
    if line is not None and line.approved_start:
        segments.append(_period(line.approved_start, line.approved_end or line.approved_start))
    return segments


def _period(start: date, end: date) -> Segment:
    return Segment.of("DTP", CERTIFIED_PERIOD, "RD8", f"{start:%Y%m%d}-{end:%Y%m%d}")


def _rejected(rejection: Rejection) -> list[Segment]:
    return [Segment.of("AAA", "N", "", rejection.reason, rejection.follow_up)]
