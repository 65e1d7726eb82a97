"""A 278 response a trading partner pushes to us (005010X217, BHT02 11) for a request we sent
it: what it says, read by the very mapping that reads a polled answer (`to_partner_answer`, so
a pushed A1 and a polled A1 mean the same), when the partner made it (BHT04/BHT05), which of
our requests it names, and where a 999 points when it names none of ours.

Our 278 request carries its trace in the patient event as TRN*1*<request number>*<originator>;
the response returns it as TRN*2 (referenced), and may add the payer's own trace (TRN*1) and
its reference for the review (REF*NT). A trace is ours only with our originator in TRN03."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from adapters.x12.errors import ProblemCode, X12Problem
from adapters.x12.mapping import ADMINISTRATIVE_REFERENCE, to_partner_answer
from adapters.x12.review import Transaction278
from adapters.x12.segments import Segment
from adapters.x12.typed import BHT
from domain.partners.ports import PartnerAnswer

REFERENCED_TRACE = "2"  # TRN01: a trace number of the request being answered


@dataclass(frozen=True, slots=True)
class PushedResponse:
    """The answer, and the trace numbers of ours that it names (the payer's reference, if
    any, travels in the answer)."""

    answer: PartnerAnswer
    traces: tuple[str, ...]


def read_pushed(response: Transaction278, *, originator: str) -> PushedResponse:
    """What `response` says about the request of ours it names; `originator` is our TRN03
    (no check of TRN03 when it is empty)."""
    answer = replace(to_partner_answer(response), answered_at=made_at(response.header))
    traces = tuple(
        dict.fromkeys(
            segment.element(2)
            for segment, _loop in _naming(response)
            if segment.id == "TRN" and (not originator or segment.element(3) == originator)
        )
    )
    return PushedResponse(answer, traces)


def made_at(header: BHT) -> datetime | None:
    """BHT04 and BHT05 (HHMM, HHMMSS, HHMMSSD or HHMMSSDD) as UTC: X12 gives no offset, and
    only the order of one partner's answers matters. None when either is unreadable."""
    digits = header.time
    try:
        at = datetime.strptime(header.date + digits[:6].ljust(6, "0"), "%Y%m%d%H%M%S")
    except ValueError:
        return None
    hundredths = int(digits[6:8].ljust(2, "0")) if digits[6:8].isdigit() else 0
    return at.replace(tzinfo=UTC) + timedelta(milliseconds=10 * hundredths)


def unknown_request(response: Transaction278) -> list[X12Problem]:
    """Where the 999 says the response names no request of ours: at each trace (TRN02) and
    payer's reference (REF02) it gives, or where the patient event's trace is missing."""
    naming = _naming(response)
    if not naming:
        event = response.events[0].node.hl if response.events else response.transaction.trailer
        text = "A pushed 278 response names our request by its trace (TRN*2, loop 2000E)"
        return [
            X12Problem(
                ProblemCode.REQUIRED_SEGMENT_MISSING, text, event.position + 1, "TRN", loop="2000E"
            )
        ]
    return [
        X12Problem(
            ProblemCode.UNKNOWN_REFERENCE,
            f"{segment.id}02 names no request sent to this trading partner",
            segment.position,
            segment.id,
            2,
            loop=loop,
            value=segment.element(2),
        )
        for segment, loop in naming
    ]


def unknown_payer(response: Transaction278) -> list[X12Problem]:
    """Where the 999 says the UMO (2010A NM109) is no payer this client pushes for."""
    umo = response.umo
    if umo is None:  # the HL tree's checks require it: no problem to point at
        return []
    name = umo.party.name
    text = "NM109 is no payer this client pushes answers for"
    problem = X12Problem(
        ProblemCode.UNKNOWN_REFERENCE, text, name.position, "NM1", 9, loop=umo.loop,
        value=name.element(9),
    )  # fmt: skip
    return [problem]


def _naming(response: Transaction278) -> list[tuple[Segment, str]]:
    """The segments that may name our request, with their loop: the referenced traces of the
    patient event and its services, and the payer's reference for the review."""
    found = []
    for event in response.events:
        for node in (event.node, *(service.node for service in event.services)):
            for segment in node.segments:
                trace = segment.id == "TRN" and segment.element(1) == REFERENCED_TRACE
                reference = segment.id == "REF" and segment.element(1) == ADMINISTRATIVE_REFERENCE
                if (trace or reference) and segment.element(2):
                    found.append((segment, node.loop))
    return found
