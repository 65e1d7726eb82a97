"""A request we sent, asked about with a 278 inquiry (005010X215): the same parties as the
request (payer, requester, subscriber), and a patient event that names the review by its trace
number (TRN02, the request number our 278 request carried), the payer's reference (REF*NT)
when it gave one, and the requested dates."""

from __future__ import annotations

from adapters.x12.envelope import write_interchange
from adapters.x12.mapping import (
    CATEGORIES,
    SERVICE_DATE,
    X12Parties,
    check_request,
    dated,
    envelope,
    review_parties,
    stamp,
)
from adapters.x12.review import X215
from adapters.x12.segments import DEFAULT_DELIMITERS, Segment
from adapters.x12.typed import TRN, UM, encode
from domain.partners.ports import PartnerRequest

ADMINISTRATIVE_REFERENCE = "NT"


def to_278_inquiry(request: PartnerRequest, parties: X12Parties, *, originator: str) -> bytes:
    """The X215 inquiry interchange about `request` (as `to_278_request` sent it)."""
    check_request(request)
    category, service_type = CATEGORIES[request.category]
    event = [
        Segment.of("HL", "4", "3", "EV", "0"),
        encode(TRN("1", request.number, originator[:10]), DEFAULT_DELIMITERS),
        encode(UM(category, "I", service_type), DEFAULT_DELIMITERS),
    ]
    if request.payer_reference:
        event.append(Segment.of("REF", ADMINISTRATIVE_REFERENCE, request.payer_reference))
    starts = [line.requested_start for line in request.lines if line.requested_start]
    ends = [line.requested_end or line.requested_start for line in request.lines]
    if starts:
        event.append(dated(SERVICE_DATE, min(starts), max(e for e in ends if e)))
    body = (
        Segment.of("BHT", "0007", "13", request.number, *stamp(parties.at)),
        *review_parties(request),
        *event,
    )
    return write_interchange(envelope(body, parties, version=X215))
