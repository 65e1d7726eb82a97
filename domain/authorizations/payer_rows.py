"""A new payer request's rows as plain column values: the DRAFT request, its diagnoses and its
lines (what `payer.draft_payer_request` adds through the session and `inbound_new` inserts
itself), and the decision time its trading partner owes (CMS-0057-F unless the partner has its
own). Pure: no session, no clock."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from domain.authorizations.lifecycle import AuthorizationStatus
from domain.authorizations.models import AuthorizerKind, Priority
from domain.authorizations.payer_rules import PayerRequestData, normalize_icd10
from domain.authorizations.rules import DECISION_TIME
from domain.identity.models import Role
from domain.identity.rules import Principal
from domain.money import cents
from domain.numbers import NextNumber


def draft_values(
    actor: Principal, data: PayerRequestData, number: str | NextNumber, now: datetime
) -> dict[str, Any]:
    """The request as drafted by the actor's provider organisation, DRAFT (`number` may be
    one to take as it is written)."""
    return {
        "number": number,
        "authorizer_kind": AuthorizerKind.PAYER,
        "authorizer_organization_id": data.payer_id,
        "requesting_organization_id": actor.organization_id,
        "requesting_provider_id": data.requesting_provider_id,
        "servicing_provider_id": data.servicing_provider_id or data.requesting_provider_id,
        "facility_provider_id": data.facility_provider_id,
        "patient_id": data.patient_id,
        "coverage_id": data.coverage_id,
        "priority": data.priority,
        "category": data.category,
        "status": AuthorizationStatus.DRAFT,
        "notes": data.notes,
        "created_by_id": actor.subject_id,
        "assignee_id": actor.subject_id if actor.has_any(Role.AUTH_COORDINATOR) else None,
        "created_at": now,
        "updated_at": now,
    }


def diagnosis_values(request_id: uuid.UUID, data: PayerRequestData) -> list[dict[str, Any]]:
    """The request's ICD-10-CM diagnoses, normalized, the principal one first."""
    return [
        {
            "request_id": request_id,
            "sequence": sequence,
            "code": normalize_icd10(diagnosis.code),
            "display": diagnosis.display,
        }
        for sequence, diagnosis in enumerate(data.diagnoses, start=1)
    ]


def line_values(request_id: uuid.UUID, data: PayerRequestData) -> list[dict[str, Any]]:
    """The requested services, codes and modifiers upper case, quantities to two places."""
    return [
        {
            "request_id": request_id,
            "sequence": sequence,
            "code_system": line.code_system,
            "service_code": line.service_code.strip().upper(),
            "modifiers": [m.strip().upper() for m in line.modifiers],
            "description": line.description,
            "quantity": cents(line.quantity),
            "unit_of_measure": line.unit_of_measure,
            "requested_start": line.requested_start,
            "requested_end": line.requested_end,
            "place_of_service": line.place_of_service,
            "reason_codes": [],
        }
        for sequence, line in enumerate(data.lines, start=1)
    ]


def decision_time_of(
    expedited_hours: int | None, standard_days: int | None, priority: Priority
) -> timedelta:
    """CMS-0057-F's time frames unless the partner has its own."""
    if priority is Priority.EXPEDITED and expedited_hours:
        return timedelta(hours=expedited_hours)
    if priority is Priority.STANDARD and standard_days:
        return timedelta(days=standard_days)
    return DECISION_TIME[priority]
