"""A NEW submission from a provider organisation's system for a patient it already knows by
the payer's member id: the hot path of `inbound.receive_submission`, in one read, then the
rows committed with the request number through `UnitOfWork.commit_rows` (one statement on
PostgreSQL, one per table on SQLite). Its rows, events and answer are the general path's
(match, draft, attach, hand to the partner, receipt), computed here with the same rules and
builders; nothing is inserted and then updated, and nothing written is read back.

Whatever else — a resend, a submission the general path refuses, an unknown payer, partner or
provider, a patient to find by record number or to register, a clearinghouse's submission —
answers None before anything is written, and the general path takes it (and answers or
refuses it as it always has)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain.audit.models import AuditAction, AuditEvent
from domain.audit.service import audit_row
from domain.authorizations.documents import attachment_values, check_document
from domain.authorizations.inbound_parts import (
    InboundSubmission,
    acting_for,
    coverage_in_force,
    receipt_values,
    request_data,
    requested_lines,
)
from domain.authorizations.inbound_sql import PROVIDER_SLOTS, READ
from domain.authorizations.inbound_state import SubmissionState
from domain.authorizations.intake import IntakeProvider
from domain.authorizations.intake_records import ordered_services, provider_npis
from domain.authorizations.lifecycle import (
    AuthorizationAction,
    AuthorizationStatus,
    ReviewAction,
    next_status,
)
from domain.authorizations.models import (
    AuthorizationAttachment,
    AuthorizationDiagnosis,
    AuthorizationLine,
    AuthorizationRequest,
    SubmissionReceipt,
)
from domain.authorizations.payer_rows import (
    decision_time_of,
    diagnosis_values,
    draft_values,
    line_values,
)
from domain.authorizations.payer_rules import (
    PayerRequestData,
    ServiceLineData,
    check_payer_request,
)
from domain.authorizations.service import ENTITY, request_event
from domain.errors import DomainError
from domain.history import StatusChange, status_values
from domain.identity.models import OrganizationKind
from domain.identity.rules import Principal
from domain.models import full_row, new_id
from domain.numbers import NextNumber
from domain.partners.models import OutboxKind, OutboxMessage
from domain.partners.ports import (
    AnswerKind,
    LineAnswer,
    PartnerAnswer,
    PartnerLine,
    PartnerParty,
    PartnerRequest,
)
from domain.partners.queue import message_values, wake_event
from domain.partners.subscription_rules import NOTIFYING_STATUSES
from domain.people.models import AccessReason, PersonOrganization, Sex
from domain.uow import UnitOfWork

# The draft's own write and the submission's: the version the general path leaves.
SUBMITTED_VERSION = 2
# A submitted request tells no subscriber (the general path's `notify_subscribers` queues
# nothing): were that to change, only the general path would know what to queue.
SUBMITTED_NOTIFIES = AuthorizationStatus.SUBMITTING in NOTIFYING_STATUSES


async def take_new_submission(
    uow: UnitOfWork,
    actor: Principal,
    submission: InboundSubmission,
    *,
    reference: str,
    with_details: bool,
    meanwhile: Callable[[SubmissionState], Any] | None = None,
) -> tuple[SubmissionState, Any] | None:
    """The NEW submission taken in and committed, with what `meanwhile` made of its state
    (without details, its request not yet numbered) while it was written; or None for the
    general path (before anything is written)."""
    checked = _checked(actor, submission)
    if checked is None:
        return None
    lines, payer_identifier, member_id = checked
    first = ordered_services(submission.intake)[0]
    asked = (first.requesting_provider, first.servicing_provider)
    parameters = _read_parameters(actor, submission, reference, payer_identifier, member_id, asked)
    # Index lookups and inserts: one plan fits every value (kept by the pooled connection).
    await uow.plan_statements("force_generic_plan")
    fingerprints: list[str] = []  # the receipt's, taken while the database reads
    rows = await uow.fetch_all(
        READ, parameters, meanwhile=lambda: fingerprints.append(submission.fingerprint())
    )
    fingerprint = fingerprints[0] if fingerprints else submission.fingerprint()
    found = rows[0] if rows else None
    providers = _providers(found, asked) if found is not None else None
    if found is None or providers is None:
        return None
    pended = tuple(LineAnswer(n, ReviewAction.PENDED) for n in range(1, len(lines) + 1))
    answer = PartnerAnswer(AnswerKind.DECIDED, None, pended)  # as inbound_state says of it
    prepared: list[Any] = []
    during = None
    if meanwhile is not None and not with_details:

        def during(request: AuthorizationRequest) -> None:
            prepared.append(meanwhile(SubmissionState(request, reference, None, answer)))

    request, data = await _taken(
        uow, actor, submission, lines, found, providers, reference, fingerprint, during
    )
    details = _details(request, data, found, providers) if with_details else None
    state = SubmissionState(request, reference, details, answer)
    return state, (prepared[0] if prepared else None)


async def _taken(
    uow: UnitOfWork,
    actor: Principal,
    submission: InboundSubmission,
    lines: tuple[ServiceLineData, ...],
    found: Any,
    providers: list[dict[str, Any] | None],
    reference: str,
    fingerprint: str,
    meanwhile: Callable[[AuthorizationRequest], None] | None,
) -> tuple[AuthorizationRequest, PayerRequestData]:
    """The general path's checks of what was found, then its rows written."""
    requesting, servicing = (p["id"] if p else None for p in providers)
    data = request_data(
        submission, found.payer_id, lines, found.person_id, found.coverage_id, requesting, servicing
    )
    check_payer_request(data)
    for index, document in enumerate(submission.attachments):
        check_document(
            document.title, document.content_type, document.content, f"attachments.{index}"
        )
    request = await _write(uow, actor, submission, data, found, reference, fingerprint, meanwhile)
    return request, data


def _checked(
    actor: Principal, submission: InboundSubmission
) -> tuple[tuple[ServiceLineData, ...], str, str] | None:
    """The lines, the payer identifier and the member id, unless the general path must say
    what is wrong (after its resend check) or find the requester by NPI (a clearinghouse)."""
    if actor.organization_kind is not OrganizationKind.PROVIDER or SUBMITTED_NOTIFIES:
        return None
    try:
        lines = requested_lines(submission.intake)
        coverage = coverage_in_force(submission.intake)
    except DomainError:
        return None
    asked = submission.payer_identifier or (
        coverage.payer_identifier.value if coverage.payer_identifier else None
    )
    if not asked or not coverage.member_id:
        return None  # a payer by name: the general path
    return lines, asked.strip(), coverage.member_id.strip()


def _read_parameters(
    actor: Principal,
    submission: InboundSubmission,
    reference: str,
    payer_identifier: str,
    member_id: str,
    asked: tuple[IntakeProvider | None, IntakeProvider | None],
) -> dict[str, Any]:
    npis = [npi for _, slot in _slots(asked) for npi in slot]
    return {
        "organization_id": actor.organization_id,
        "channel": submission.channel,
        "reference": reference,
        "api_client_id": actor.subject_id if actor.is_machine else None,
        "member_id": member_id,
        "payer_identifier": payer_identifier,
        **{f"npi_{slot}": npi for slot, npi in enumerate(npis)},
    }


def _slots(
    providers: tuple[IntakeProvider | None, IntakeProvider | None],
) -> list[tuple[int, list[str | None]]]:
    """Each provider's first slot and its two NPIs (practitioner's first), None-padded."""
    found = []
    for index, provider in enumerate(providers):
        npis: list[str | None] = list(provider_npis(provider)[:2])
        found.append((index * 2, npis + [None] * (2 - len(npis))))
    assert len(found) * 2 == PROVIDER_SLOTS
    return found


def _providers(
    found: Any, asked: tuple[IntakeProvider | None, IntakeProvider | None]
) -> list[dict[str, Any] | None] | None:
    """The directory's requesting and servicing providers, or None when the general path
    must answer: a resend (a receipt), no trading partner, no patient by member id, an NPI
    the directory does not know."""
    if found.receipt_id is not None or found.partner_id is None or found.person_id is None:
        return None
    providers = [_provider(found, slot, npis) for slot, npis in _slots(asked)]
    if any(p is None and provider_npis(a) for p, a in zip(providers, asked, strict=True)):
        return None
    return providers


def _provider(found: Any, first_slot: int, npis: list[str | None]) -> dict[str, Any] | None:
    """The directory's provider of the first NPI known, as `providers_by_npi` chooses."""
    for slot in range(first_slot, first_slot + 2):
        if npis[slot - first_slot] and getattr(found, f"provider_{slot}_id") is not None:
            return {key: getattr(found, f"provider_{slot}_{key}") for key in ("id", "name", "npi")}
    return None


async def _write(
    uow: UnitOfWork,
    actor: Principal,
    submission: InboundSubmission,
    data: PayerRequestData,
    found: Any,
    reference: str,
    fingerprint: str,
    meanwhile: Callable[[AuthorizationRequest], None] | None,
) -> AuthorizationRequest:
    """Every row of the general path, each table in one statement, in foreign-key order,
    committed with the request's number; `meanwhile` is given the request (its number still
    None) while they are written."""
    acting = acting_for(actor, actor.organization_id)
    now = uow.clock.now()
    request_id = new_id()
    submitting = next_status(AuthorizationStatus.DRAFT, AuthorizationAction.SUBMIT)
    due = now + decision_time_of(found.expedited_hours, found.standard_days, data.priority)
    values = {
        **draft_values(acting, data, NextNumber("AR", now.year), now),
        "id": request_id,
        "status": submitting,
        "trading_partner_id": found.partner_id,
        "received_at": now,
        "submitted_at": now,
        "decision_due_at": due,
        "version": SUBMITTED_VERSION,
    }
    audited = [
        (AuditAction.READ, "Person", found.person_id, None),
        (AuditAction.CREATE, ENTITY, request_id, None),
        (AuditAction.TRANSITION, ENTITY, request_id, ["status"]),
    ]
    audits = [
        audit_row(
            at=now,
            actor=acting,
            action=action,
            entity=entity,
            entity_ids=[entity_id],
            correlation_id=uow.correlation_id,
            fields=fields,
        )
        for action, entity, entity_id, fields in audited
    ]
    history = [
        (None, AuthorizationStatus.DRAFT, None),
        (AuthorizationStatus.DRAFT, submitting, AuthorizationAction.SUBMIT),
    ]
    message = message_values(
        OutboxKind.SUBMIT, now, request_id=request_id, partner_id=found.partner_id
    )
    tables: list[tuple[Any, list[dict[str, Any]]]] = [
        (AuthorizationRequest, [values]),
        (
            AuthorizationDiagnosis,
            [{"id": new_id(), **d} for d in diagnosis_values(request_id, data)],
        ),
        (AuthorizationLine, [{"id": new_id(), **line} for line in line_values(request_id, data)]),
        (
            AuthorizationAttachment,
            [attachment_values(acting, request_id, d, now) for d in submission.attachments],
        ),
        (
            StatusChange,
            [
                status_values(
                    actor=acting,
                    entity=ENTITY,
                    entity_id=request_id,
                    from_status=before,
                    to_status=after,
                    action=action,
                    at=now,
                )
                for before, after, action in history
            ],
        ),
        (
            AuditEvent,
            [row for row in audits if row is not None],
        ),
        (PersonOrganization, _payer_access(found, now)),
        (OutboxMessage, [message]),
        (
            SubmissionReceipt,
            [
                receipt_values(
                    submission,
                    request_id=request_id,
                    reference=reference,
                    fingerprint=fingerprint,
                    sender_organization_id=actor.organization_id,
                    api_client_id=found.api_client_id,
                    now=now,
                )
            ],
        ),
    ]
    # The answer's, never added to the session; numbered once the number is taken.
    request = _unsaved(AuthorizationRequest, {**values, "number": None})
    uow.record(request_event(request))  # which does not tell the number
    uow.record(wake_event(message["id"], OutboxKind.SUBMIT, now))
    number = await uow.commit_rows(
        [
            (model.__table__, [full_row(model.__table__, row) for row in rows])
            for model, rows in tables
        ],
        meanwhile=(lambda: meanwhile(request)) if meanwhile is not None else None,
    )
    assert number is not None  # the request's, taken with its rows
    request.number = number
    return request


def _unsaved(model: Any, values: dict[str, Any]) -> Any:
    """An instance of `model` holding `values`, as a row loaded from the database holds them
    (no change history), never to join a session: what the instrumented constructor makes,
    without its per-attribute events."""
    instance = model.__mapper__.class_manager.new_instance()
    instance.__dict__.update(values)
    return instance


def _payer_access(found: Any, now: Any) -> list[dict[str, Any]]:
    """The payer may see the patient from now on (`grant_access`), unless it already may."""
    if found.payer_sees_person is not None:
        return []
    return [
        {
            "person_id": found.person_id,
            "organization_id": found.payer_id,
            "reason": AccessReason.AUTHORIZATION,
            "granted_at": now,
        }
    ]


def _details(
    request: AuthorizationRequest,
    data: PayerRequestData,
    found: Any,
    providers: list[dict[str, Any] | None],
) -> PartnerRequest:
    """What `answers.snapshot` would read back of the request just written."""
    requesting, servicing = providers[0], providers[1] or providers[0]
    lines = line_values(request.id, data)
    return PartnerRequest(
        request_id=request.id,
        number=request.number,
        priority=request.priority.value,
        category=request.category.value,
        member_id=found.member_id,
        patient_family_name=found.family_name,
        patient_given_name=found.given_name,
        patient_birth_date=found.birth_date,
        diagnoses=tuple(d["code"] for d in diagnosis_values(request.id, data)),
        lines=tuple(
            PartnerLine(
                sequence=line["sequence"],
                code_system=line["code_system"].value,
                service_code=line["service_code"],
                modifiers=tuple(line["modifiers"]),
                quantity=line["quantity"],
                unit_of_measure=line["unit_of_measure"].value,
                requested_start=line["requested_start"],
                requested_end=line["requested_end"],
                place_of_service=line["place_of_service"],
            )
            for line in lines
        ),
        payer_reference=None,
        payer_identifier=found.payer_identifier,
        payer_name=found.payer_name,
        requester_name=found.sender_name,
        requester_npi=found.sender_npi,
        requesting_provider_name=requesting["name"] if requesting else None,
        requesting_provider_npi=requesting["npi"] if requesting else None,
        servicing_provider_name=servicing["name"] if servicing else None,
        servicing_provider_npi=servicing["npi"] if servicing else None,
        patient_sex=Sex(found.sex).value,
        submitted_at=request.submitted_at,
        payer=PartnerParty(found.payer_name, found.payer_identifier),
        requester=PartnerParty(requesting["name"], requesting["npi"])
        if requesting
        else PartnerParty(found.sender_name, found.sender_npi),
        servicing_provider=PartnerParty(servicing["name"], servicing["npi"]) if servicing else None,
    )
