"""A 278 request for review (005010X217) a partner sent us, as the domain's `InboundSubmission`
(`domain/authorizations/inbound.py`), by the same tables `mapping.py` sends with, read the
other way: UM01/UM03 -> request category, UM06 -> priority, SV1/SV2 units, DMG03 genders, HI
qualifiers. UM02 says whether it is a new request, an update or a cancellation.

The sender's reference and trace number are the patient event's trace (TRN02 of 2000E; a
revision or cancellation comes with a trace of its own, as the TR3 has it): the same trace
again is a resend and answers the request already made. An update or cancellation names the earlier
review by REF*BB (the authorization number) or REF*NT (the administrative reference we
answered: our request number), else by its own trace."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from types import MappingProxyType

from adapters.x12.mapping import (
    ADMINISTRATIVE_REFERENCE,
    ADMISSION_DATE,
    CATEGORIES,
    EVENT_PERIOD,
    GENDERS,
    LEVELS_OF_SERVICE,
    OTHER_DIAGNOSIS,
    PRINCIPAL_DIAGNOSIS,
    SERVICE_DATE,
    UNITS,
)
from adapters.x12.review import Transaction278
from adapters.x12.typed import DTP, NM1, UM
from adapters.x12.views import PartyView, PatientEvent, ReviewLoop, ServiceLine
from domain.authorizations.inbound import InboundChannel, InboundSubmission
from domain.authorizations.intake import (
    EhrIntake,
    Identifier,
    IntakeCoverage,
    IntakeDiagnosis,
    IntakeFacility,
    IntakeOrganization,
    IntakePatient,
    IntakePractitioner,
    IntakeProvider,
    Period,
    Priority,
    RequestedService,
    ServiceCodeSystem,
)
from domain.authorizations.models import CertificationType, RequestCategory
from domain.authorizations.models import Priority as RequestPriority


def _inverse(table: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType({code: name for name, code in table.items()})


# (UM01, UM03) -> category; then UM01 alone (the first category sending it wins).
CATEGORY_BY_CODES: Mapping[tuple[str, str], RequestCategory] = MappingProxyType(
    {codes: RequestCategory(name) for name, codes in reversed(list(CATEGORIES.items()))}
)
CATEGORY_BY_UM01: Mapping[str, RequestCategory] = MappingProxyType(
    {"AR": RequestCategory.INPATIENT_ADMISSION, "SC": RequestCategory.REFERRAL}
)
PRIORITIES: Mapping[str, Priority] = MappingProxyType(
    {code: Priority(name) for name, code in LEVELS_OF_SERVICE.items()} | {"03": Priority.EXPEDITED}
)  # UM06: U urgent, 03 emergency; E elective and the rest standard
CERTIFICATIONS: Mapping[str, CertificationType] = MappingProxyType(
    {
        "I": CertificationType.NEW,
        "1": CertificationType.NEW,
        "2": CertificationType.UPDATE,
        "4": CertificationType.UPDATE,
        "S": CertificationType.UPDATE,
        "3": CertificationType.CANCEL,
    }
)  # fmt: skip  UM02: I initial, 1 appeal, 2 / 4 / S revised, extension, revised; 3 cancel
UNIT_NAMES = {**_inverse(UNITS), "VS": "visit", "DY": "day", "HS": "hour"}  # SV1/SV2/HSD
FHIR_GENDERS = {code: name.lower() for name, code in GENDERS.items()} | {"U": "unknown"}
ICD10 = frozenset({PRINCIPAL_DIAGNOSIS, OTHER_DIAGNOSIS})  # ICD-9 (BK, BF) is not kept
PROCEDURE_SYSTEMS = MappingProxyType({"HC": (ServiceCodeSystem.CPT, ServiceCodeSystem.HCPCS)})
NPI, MEMBER_ID = "XX", "MI"  # NM108
EARLIER_REVIEW = ("BB", ADMINISTRATIVE_REFERENCE)  # REF qualifiers naming the earlier review
EVENT_DATES = (ADMISSION_DATE, EVENT_PERIOD, SERVICE_DATE)


def to_inbound_submission(review: Transaction278) -> InboundSubmission:
    """The submission `review` asks for: its first patient event with its services."""
    event = review.events[0]
    um = event.um
    category = _category(um.request_category if um else "", um.service_type if um else "")
    priority = PRIORITIES.get(um.level_of_service if um else "", Priority.STANDARD)
    certification = CERTIFICATIONS.get(um.certification_type if um else "", CertificationType.NEW)
    requester = _provider(review.requester)
    diagnoses = _diagnoses(event)
    services = _services(event, priority, requester, [d.code for d in diagnoses])
    traces = event.trace_numbers
    trace = traces[0].reference if traces else review.reference
    # each party looked up, and its NM1 decoded, once
    umo, subscriber, dependent = review.umo, review.subscriber, review.dependent
    payer = umo.name if umo else None
    patient = _patient(review, dependent or subscriber)
    coverage = _coverage(subscriber, payer, dependent is None)
    return InboundSubmission(
        intake=EhrIntake(patient, coverage, diagnoses, services),
        sender_reference=trace,
        trace_number=trace,
        channel=InboundChannel.X12_278,
        payer_identifier=(payer.id or None) if payer else None,
        payer_name=(payer.last_name or None) if payer else None,
        priority=RequestPriority(priority.value),
        certification=certification,
        related_reference=_earlier(event) if certification is not CertificationType.NEW else None,
        requester=requester,
        category=category,
        notes="; ".join(event.messages)[:4000] or None,
    )


def _category(request_category: str, service_type: str) -> RequestCategory:
    return CATEGORY_BY_CODES.get(
        (request_category, service_type),
        CATEGORY_BY_UM01.get(request_category, RequestCategory.OUTPATIENT_SERVICE),
    )


def _patient(review: Transaction278, person: PartyView | None) -> IntakePatient:
    """The patient: `person` (the dependent, else the subscriber)."""
    name = person.name if person else None
    demographics = person.demographics if person else None
    return IntakePatient(
        ehr_id=f"x12:{review.reference}",
        identifiers=(),
        family_name=(name.last_name or None) if name else None,
        given_names=tuple(n for n in ((name.first_name, name.middle_name) if name else ()) if n),
        birth_date=read_date(demographics.birth_date) if demographics else None,
        gender=FHIR_GENDERS.get(demographics.gender, "unknown") if demographics else None,
    )


def _coverage(
    subscriber: PartyView | None, umo: NM1 | None, is_subscriber: bool
) -> tuple[IntakeCoverage, ...]:
    """The subscriber's coverage with the UMO (`umo`: its NM1), when its NM108 is MI."""
    name = subscriber.name if subscriber else None
    if name is None or name.id_qualifier != MEMBER_ID or not name.id:
        return ()
    payer = umo.id if umo else ""
    return (
        IntakeCoverage(
            ehr_id=f"x12:{name.id}",
            status="active",  # the payer checks eligibility; an AAA says otherwise
            payer_name=(umo.last_name or None) if umo else None,
            payer_identifier=Identifier(None, payer) if payer else None,
            member_id=name.id,
            subscriber_id=name.id,
            group_id=None,
            group_name=None,
            plan_name=None,
            period=Period(),
            relationship="self" if is_subscriber else None,
            order=1,
        ),
    )


def _diagnoses(event: PatientEvent) -> tuple[IntakeDiagnosis, ...]:
    return tuple(
        IntakeDiagnosis(_icd10(d.code), None, f"x12:HI:{n}")
        for n, d in enumerate(event.diagnoses, start=1)
        if d.qualifier in ICD10 and d.code
    )


def _icd10(code: str) -> str:
    """M5416 -> M54.16: ICD-10-CM travels without its dot."""
    return f"{code[:3]}.{code[3:]}" if len(code) > 3 else code


def _services(
    event: PatientEvent,
    priority: Priority,
    requester: IntakeProvider | None,
    reasons: list[str],
) -> tuple[RequestedService, ...]:
    loops: tuple[ReviewLoop, ...] = event.services or (event,)
    servicing = _servicing(event)
    return tuple(
        _service(n, loop, event, priority, requester, servicing, reasons)
        for n, loop in enumerate(loops, start=1)
    )


def _service(
    sequence: int,
    loop: ReviewLoop,
    event: PatientEvent,
    priority: Priority,
    requester: IntakeProvider | None,
    servicing: IntakeProvider | None,
    reasons: list[str],
) -> RequestedService:
    um = loop.um or event.um
    code, system, modifiers = _procedure(loop, um)
    quantity, unit = _quantity(loop)
    facility_code = (um.facility.at(1) if um and um.facility.at(2) == "B" else "") or None
    own = _provider(loop.party()) if isinstance(loop, ServiceLine) else None
    return RequestedService(
        ehr_id=f"x12:SS:{sequence}",
        status="active",
        code=code,
        code_system=system,
        display=None,
        modifiers=modifiers,
        quantity=quantity,
        unit=unit,
        occurrence=_occurrence(loop, event),
        priority=priority,
        ehr_priority=None,
        category=None,
        reason_codes=tuple(reasons),
        requesting_provider=requester,
        servicing_provider=own or servicing,
        facility=IntakeFacility(None, None, None, None, facility_code) if facility_code else None,
    )


def _procedure(
    loop: ReviewLoop, um: UM | None
) -> tuple[str | None, ServiceCodeSystem | None, tuple[str, ...]]:
    """CPT (numeric) or HCPCS (a letter first) from SV1/SV2/SV3, else the UM03 service type
    (`um`: the loop's UM, else its event's)."""
    procedure = loop.procedure if isinstance(loop, ServiceLine) else None
    if procedure is not None and procedure.code and procedure.qualifier in PROCEDURE_SYSTEMS:
        cpt, hcpcs = PROCEDURE_SYSTEMS[procedure.qualifier]
        system = hcpcs if procedure.code[:1].isalpha() else cpt
        return procedure.code, system, procedure.modifiers
    if um and um.service_type:
        return um.service_type, ServiceCodeSystem.SERVICE_TYPE, ()
    return None, None, ()


def _quantity(loop: ReviewLoop) -> tuple[Decimal | None, str | None]:
    if isinstance(loop, ServiceLine):
        text, unit = loop.requested_quantity
    else:
        hsd = loop.quantity
        text, unit = (hsd.quantity, hsd.quantity_qualifier) if hsd else ("", "")
    try:
        quantity = Decimal(text) if text else None
    except InvalidOperation:
        quantity = None
    return quantity, UNIT_NAMES.get(unit)


def _occurrence(loop: ReviewLoop, event: PatientEvent) -> Period:
    for view in (loop, event):
        dates = view.dates  # decoded once: the first date of the first qualifier found
        dtp = next((d for q in EVENT_DATES for d in dates if d.qualifier == q), None)
        if dtp is not None:
            return _period(dtp)
    return Period()


def _period(dtp: DTP) -> Period:
    start = read_date(dtp.start)
    return Period(start, read_date(dtp.end) or start)


def _earlier(event: PatientEvent) -> str | None:
    found = (event.reference(qualifier) for qualifier in EARLIER_REVIEW)
    return next((value for value in found if value), None) or (
        event.trace_numbers[0].reference if event.trace_numbers else None
    )


def _provider(party: PartyView | None) -> IntakeProvider | None:
    if party is None:
        return None
    name = party.name
    npi = name.id if name.id_qualifier == NPI and name.id else None
    identifiers = (Identifier(name.id_qualifier, name.id),) if name.id else ()
    if name.entity_type == "1":
        practitioner = IntakePractitioner(
            None, name.last_name or None, tuple(n for n in (name.first_name,) if n), npi,
            identifiers,
        )  # fmt: skip
        return IntakeProvider(practitioner, None)
    organization = IntakeOrganization(None, name.last_name or None, npi, identifiers)
    return IntakeProvider(None, organization)


def _servicing(event: PatientEvent) -> IntakeProvider | None:
    """2010EA: the service provider (SJ) or the facility (FA), the first named."""
    party = event.party("SJ", "FA", "71", "72")
    return _provider(party)


def read_date(text: str) -> date | None:
    """A CCYYMMDD date, or None when absent or not a date. Eight ASCII digits are read by
    position (what `strptime` reads them as: its month and day then take two digits each);
    anything else goes to `strptime`."""
    try:
        if len(text) == 8 and text.isascii() and text.isdigit():
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        return datetime.strptime(text, "%Y%m%d").date() if text else None
    except ValueError:
        return None
