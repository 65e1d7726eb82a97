"""A made-up 278 inquiry (005010X215): no public sample exists. Every name, number and
identifier below is invented for the tests."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.x12.builder import (
    GroupDraft,
    InterchangeDraft,
    PartyId,
    TransactionDraft,
    build_interchange,
)
from adapters.x12.envelope import write_interchange
from adapters.x12.segments import Segment

AT = datetime(2026, 1, 15, 15, 0, tzinfo=UTC)
INQUIRY_BODY = (
    Segment.of("BHT", "0007", "13", "SYNTHETIC-INQ-1", "20260115", "1500"),
    Segment.of("HL", "1", "", "20", "1"),
    Segment.of("NM1", "X3", "2", "SYNTHETIC HEALTH PLAN", "", "", "", "", "PI", "SYN00001"),
    Segment.of("HL", "2", "1", "21", "1"),
    Segment.of("NM1", "1P", "1", "TESTDOCTOR", "ALEX", "", "", "", "XX", "1234567893"),
    Segment.of("HL", "3", "2", "22", "1"),
    Segment.of("NM1", "IL", "1", "SAMPLEPATIENT", "ROBIN", "", "", "", "MI", "SYNMEMBER01"),
    Segment.of("DMG", "D8", "19800101", "F"),
    Segment.of("HL", "4", "3", "EV", "0"),
    Segment.of("TRN", "1", "SYN-TRACE-0001", "9000000001"),
    Segment.of("UM", "HS", "I"),
    Segment.of("REF", "BB", "SYNAUTH0001"),
    Segment.of("DTP", "472", "RD8", "20260101-20260131"),
)


def synthetic_interchange(
    body: tuple[Segment, ...] = INQUIRY_BODY, version: str = "005010X215", code: str = "278"
) -> bytes:
    draft = InterchangeDraft(
        PartyId("SYNSENDER"),
        PartyId("SYNRECEIVER"),
        424242,
        AT,
        (
            GroupDraft(
                "HI", "SYNSENDER", "SYNRECEIVER", version, 77, (TransactionDraft(code, body),)
            ),
        ),
        usage="T",
    )
    return write_interchange(build_interchange(draft))
