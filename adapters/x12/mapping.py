"""The 278 and the domain, as tables: a `PartnerRequest` becomes a 278 request (005010X217) and a
278 response becomes a `PartnerAnswer`. The payer's side of the same mapping (a 278 request
read, a decision answered) is in `mapping_payer.py`.

Every value that needs a code goes through a table below; a request that cannot be said in X12
(no payer id, no member id, a benefit-catalog line) raises one `MappingError` listing all that
is missing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from types import MappingProxyType

from adapters.x12.builder import (
    GroupDraft,
    InterchangeDraft,
    PartyId,
    TransactionDraft,
    build_interchange,
)
from adapters.x12.codes import HCR_ACTIONS, REJECT_REASONS
from adapters.x12.envelope import Interchange, write_interchange
from adapters.x12.review import X217, ReviewTree
from adapters.x12.segments import DEFAULT_DELIMITERS, Delimiters, Segment
from adapters.x12.typed import (
    AAA,
    DMG,
    DTP,
    NM1,
    NO_COMPONENTS,
    SV1,
    SV2,
    TRN,
    UM,
    Composite,
    encode,
)
from adapters.x12.views import PatientEvent, ReviewLoop
from domain.authorizations.lifecycle import ReviewAction
from domain.partners.ports import (
    AnswerKind,
    LineAnswer,
    PartnerAnswer,
    PartnerLine,
    PartnerParty,
    PartnerRequest,
)

D = DEFAULT_DELIMITERS


def _table(pairs: dict[str, str]) -> Mapping[str, str]:
    return MappingProxyType(pairs)


# RequestCategory -> (UM01 request category, UM03 service type code)
CATEGORIES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "OUTPATIENT_SERVICE": ("HS", "1"),  # medical care
        "INPATIENT_ADMISSION": ("AR", "48"),  # hospital - inpatient
        "REFERRAL": ("SC", "3"),  # consultation
        "DME": ("HS", "12"),  # durable medical equipment purchase
        "DRUG": ("HS", "88"),  # pharmacy
        "HOME_HEALTH": ("HS", "42"),  # home health care
        "TRANSPORT": ("HS", "56"),  # medically related transportation
        "OTHER": ("HS", "1"),
    }
)
LEVELS_OF_SERVICE = _table({"EXPEDITED": "U", "STANDARD": "E"})  # UM06: urgent, elective
PROCEDURE_QUALIFIERS = _table({"CPT": "HC", "HCPCS": "HC"})  # SV101-1 / SV202-1
UNITS = _table({"DAY": "DA"})  # SV103 / SV204; every other unit is counted in units (UN)
GENDERS = _table({"FEMALE": "F", "MALE": "M"})  # DMG03; anything else is U
# The event's date: the admission date for an admission, else the event's date range.
ADMISSION_DATE = "435"
EVENT_DATES = _table({"AR": ADMISSION_DATE})
SERVICE_DATE, EVENT_PERIOD, CERTIFIED_PERIOD = "472", "AAH", "AAH"
PRINCIPAL_DIAGNOSIS, OTHER_DIAGNOSIS = "ABK", "ABF"  # ICD-10-CM
INSTITUTIONAL = frozenset({"INPATIENT_ADMISSION"})  # services on SV2, others on SV1
# HCR01 -> ReviewAction: the domain uses the X12 codes themselves.
ACTIONS: Mapping[str, ReviewAction] = MappingProxyType(
    {code: ReviewAction(code) for code in HCR_ACTIONS}
)
APPROVING = frozenset(
    {ReviewAction.CERTIFIED, ReviewAction.PARTIALLY_CERTIFIED, ReviewAction.MODIFIED}
)
ADMINISTRATIVE_REFERENCE = "NT"  # REF qualifier of the payer's own number for the review


class MappingError(Exception):
    """A request the 278 cannot carry; `problems` says every missing or unmappable value."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class X12Parties:
    """Who sends the interchange to whom, its control number and time (ISA/GS)."""

    sender_id: str
    receiver_id: str
    control_number: int
    at: datetime
    usage: str = "P"


def to_278_request(request: PartnerRequest, parties: X12Parties, *, originator: str) -> bytes:
    """The 278 request interchange for `request`; TRN02 (the trace) is the request number and
    TRN03 `originator` (the submitter's 10-character id)."""
    check_request(request)
    body = (
        Segment.of("BHT", "0007", "13", request.number, *stamp(parties.at)),
        *review_parties(request),
        *_event(request, originator),
        *(seg for n, line in enumerate(request.lines) for seg in _service(request, line, n)),
    )
    return write_interchange(envelope(body, parties))


def envelope(
    body: tuple[Segment, ...],
    parties: X12Parties,
    delimiters: Delimiters = D,
    version: str = X217,
) -> Interchange:
    draft = InterchangeDraft(
        PartyId(parties.sender_id),
        PartyId(parties.receiver_id),
        parties.control_number,
        parties.at,
        (
            GroupDraft(
                "HI",
                parties.sender_id,
                parties.receiver_id,
                version,
                parties.control_number,
                (TransactionDraft("278", body),),
            ),
        ),
        usage=parties.usage,
    )
    return build_interchange(draft, delimiters=delimiters)


def stamp(at: datetime) -> tuple[str, str]:
    return at.strftime("%Y%m%d"), at.strftime("%H%M")


def check_request(request: PartnerRequest) -> None:
    problems = []
    if request.payer is None or not request.payer.identifier:
        problems.append("the payer has no payer id")
    if request.requester is None or not request.requester.identifier:
        problems.append("the requesting provider has no NPI")
    if not request.member_id:
        problems.append("the patient has no member id for this payer")
    if request.category not in CATEGORIES:
        problems.append(f"category {request.category} has no X12 request category")
    problems += [
        f"line {line.sequence}: {line.code_system} codes cannot be sent in a 278"
        for line in request.lines
        if line.code_system not in PROCEDURE_QUALIFIERS or not line.service_code
    ]
    if problems:
        raise MappingError(problems)


def _party(entity: str, party: PartnerParty, id_qualifier: str) -> Segment:
    name = NM1(entity, "2", party.name[:60], id_qualifier=id_qualifier, id=party.identifier or "")
    return encode(name, D)


def review_parties(request: PartnerRequest) -> list[Segment]:
    """HL 20, 21 and 22: the payer (UMO), the requester and the subscriber, with DMG."""
    assert request.payer and request.requester  # checked
    birth = request.patient_birth_date
    subscriber = NM1(
        "IL", "1", request.patient_family_name[:60], request.patient_given_name[:35],
        id_qualifier="MI", id=request.member_id or "",
    )  # fmt: skip
    segments = [
        Segment.of("HL", "1", "", "20", "1"),
        _party("X3", request.payer, "PI"),
        Segment.of("HL", "2", "1", "21", "1"),
        _party("1P", request.requester, "XX"),
        Segment.of("HL", "3", "2", "22", "1"),
        encode(subscriber, D),
    ]
    if birth:
        gender = GENDERS.get(request.patient_sex or "", "U")
        segments.append(encode(DMG("D8", birth.strftime("%Y%m%d"), gender), D))
    return segments


def _event(request: PartnerRequest, originator: str) -> list[Segment]:
    category, service_type = CATEGORIES[request.category]
    level = LEVELS_OF_SERVICE.get(request.priority, "")
    facility = _facility(request.lines[0].place_of_service if request.lines else None)
    segments = [
        Segment.of("HL", "4", "3", "EV", "1" if request.lines else "0"),
        encode(TRN("1", request.number, originator[:10]), D),
        encode(UM(category, "I", service_type, facility, level_of_service=level), D),
    ]
    starts = [line.requested_start for line in request.lines if line.requested_start]
    ends = [line.requested_end or line.requested_start for line in request.lines]
    if starts:
        qualifier = EVENT_DATES.get(category, EVENT_PERIOD)
        segments.append(dated(qualifier, min(starts), max(e for e in ends if e)))
    if request.diagnoses:
        codes = [
            f"{PRINCIPAL_DIAGNOSIS if n == 0 else OTHER_DIAGNOSIS}{D.component}{_icd(code)}"
            for n, code in enumerate(request.diagnoses[:12])
        ]
        segments.append(Segment.of("HI", *codes))
    if request.servicing_provider and request.servicing_provider.identifier:
        segments.append(_party("SJ", request.servicing_provider, "XX"))
    return segments


def _icd(code: str) -> str:
    """ICD-10-CM is sent without its dot (M54.16 -> M5416)."""
    return code.replace(".", "")


def _facility(place_of_service: str | None) -> Composite:
    return Composite((place_of_service, "B")) if place_of_service else NO_COMPONENTS


def dated(qualifier: str, start: date, end: date | None) -> Segment:
    if end is None or end == start:
        return Segment.of("DTP", qualifier, "D8", start.strftime("%Y%m%d"))
    return Segment.of("DTP", qualifier, "RD8", f"{start:%Y%m%d}-{end:%Y%m%d}")


def _service(request: PartnerRequest, line: PartnerLine, index: int) -> list[Segment]:
    service_type = CATEGORIES[request.category][1]
    qualifier = PROCEDURE_QUALIFIERS[line.code_system]
    procedure = Composite((qualifier, line.service_code or "", *line.modifiers[:4]))
    unit, quantity = UNITS.get(line.unit_of_measure, "UN"), _quantity(line.quantity)
    service = (
        SV2("", procedure, "", unit, quantity)
        if request.category in INSTITUTIONAL
        else SV1(procedure, "", unit, quantity)
    )
    segments = [
        Segment.of("HL", str(5 + index), "4", "SS", "0"),
        encode(UM("HS", "I", service_type, _facility(line.place_of_service)), D),
    ]
    if line.requested_start:
        segments.append(dated(SERVICE_DATE, line.requested_start, line.requested_end))
    segments.append(encode(service, D))
    return segments


def _quantity(value: Decimal) -> str:
    return format(value.normalize(), "f")


# --- 278 response -> PartnerAnswer ---------------------------------------------------------


def to_partner_answer(review: ReviewTree) -> PartnerAnswer:
    """What the payer's 278 response says: REJECTED on any AAA, else per-line decisions
    (one line per 2000F service, in order; the event's HCR for lines without their own, or the
    only line when there are no services), else RECEIVED."""
    rejections = [aaa for level in review.levels for aaa in level.rejections]
    reference = _payer_reference(review)
    if rejections:
        return PartnerAnswer(AnswerKind.REJECTED, reference, reason=_rejection_reason(rejections))
    lines = [line for event in review.events for line in event_answers(event)]
    if not lines:
        return PartnerAnswer(AnswerKind.RECEIVED, reference)
    return PartnerAnswer(AnswerKind.DECIDED, reference, tuple(lines))


@dataclass(frozen=True, slots=True)
class ReviewDecisions:
    """The decisions of one patient event: its own HCR, and each service's."""

    event: LineAnswer | None
    services: tuple[LineAnswer | None, ...]


def review_decisions(event: PatientEvent) -> ReviewDecisions:
    services = event.services
    return ReviewDecisions(
        _line_answer(1, (event,)), tuple(_line_answer(n, (s,)) for n, s in enumerate(services, 1))
    )


def event_answers(event: PatientEvent) -> list[LineAnswer]:
    """One answer per service, which takes the event's HCR when it has none of its own."""
    if not event.services:
        answer = _line_answer(1, (event,))
        return [answer] if answer else []
    found = (_line_answer(n, (s, event)) for n, s in enumerate(event.services, start=1))
    return [answer for answer in found if answer]


def _line_answer(sequence: int, loops: tuple[ReviewLoop, ...]) -> LineAnswer | None:
    """The decision of the first of `loops` that has one; values are read from the innermost
    loop that gives them (the service, then its event)."""
    hcr = next((loop.decision for loop in loops if loop.decision), None)
    if hcr is None or hcr.action not in ACTIONS:
        return None
    action = ACTIONS[hcr.action]
    approving = action in APPROVING
    period = next(filter(None, (_period(loop) for loop in loops)), None)
    quantity = next(filter(None, (_approved_quantity(loop) for loop in loops)), None)
    return LineAnswer(
        sequence,
        action,
        approved_quantity=quantity if approving else None,
        approved_start=_date(period.start) if period and approving else None,
        approved_end=_date(period.end) if period and approving else None,
        authorization_number=hcr.review_number or None,
        reason_codes=(hcr.reason,) if hcr.reason else (),
        notes="; ".join(m for loop in loops for m in loop.messages) or None,
    )


def _period(loop: ReviewLoop) -> DTP | None:
    return loop.date(CERTIFIED_PERIOD) or loop.date(SERVICE_DATE) or loop.date(ADMISSION_DATE)


def _approved_quantity(loop: ReviewLoop) -> Decimal | None:
    hsd = loop.quantity
    text = hsd.quantity if hsd and hsd.quantity else ""
    if not text:
        sv1, sv2 = loop.first(SV1), loop.first(SV2)
        text = (sv1.quantity if sv1 else "") or (sv2.quantity if sv2 else "")
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


def _date(text: str) -> date | None:
    try:
        return datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return None


def _payer_reference(review: ReviewTree) -> str | None:
    found = [e.reference(ADMINISTRATIVE_REFERENCE) for e in review.events]
    return next((r for r in found if r), None)


def _rejection_reason(rejections: list[AAA]) -> str:
    return "; ".join(
        f"AAA {aaa.reject_reason}: {REJECT_REASONS.get(aaa.reject_reason, 'unknown reason')}"
        for aaa in rejections
    )
