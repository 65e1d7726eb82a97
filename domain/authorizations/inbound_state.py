"""Where an inbound submission stands, as its sender is answered (PAS ClaimResponse, X12 278
response): the request, what the partner adapters know of it, and its current answer in the
TradingPartner port's terms, so the inbound adapters reuse the outbound mapping. Also the
search of a partner's own submissions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import exists, or_, select

from domain.authorizations.answers import lines_of, snapshot
from domain.authorizations.lifecycle import AuthorizationStatus, ReviewAction
from domain.authorizations.models import (
    AuthorizationLine,
    AuthorizationRequest,
    CertificationType,
    SubmissionReceipt,
)
from domain.authorizations.service import ENTITY
from domain.errors import DomainError, ErrorCode
from domain.history import StatusChange
from domain.partners.ports import AnswerKind, LineAnswer, PartnerAnswer, PartnerRequest
from domain.people.models import Coverage
from domain.uow import UnitOfWork


@dataclass(frozen=True)
class SubmissionState:
    """The request, its origin (the sender's reference of the NEW submission), what the
    partner adapters know of it (`details`; None when only the answer was asked for), and its
    current answer: per line the payer's determination, or PENDED while undecided."""

    request: AuthorizationRequest
    sender_reference: str | None
    details: PartnerRequest | None
    answer: PartnerAnswer

    @property
    def partner_request(self) -> PartnerRequest:
        """`details`, for callers that asked for them."""
        if self.details is None:
            raise ValueError("This state was read without the request's details")
        return self.details


async def current_answer(
    uow: UnitOfWork,
    request: AuthorizationRequest,
    *,
    with_details: bool = True,
    origin: str | None = None,
) -> SubmissionState:
    """Where `request` stands; `origin` when the caller knows the NEW submission's reference,
    and without the partner details (a re-read of the request) unless `with_details`."""
    if origin is None:
        origin = await uow.session.scalar(
            select(SubmissionReceipt.sender_reference)
            .where(
                SubmissionReceipt.request_id == request.id,
                SubmissionReceipt.certification == CertificationType.NEW,
            )
            .limit(1)
        )
    details = await snapshot(uow, request) if with_details else None
    return SubmissionState(request, origin, details, await _answer(uow, request))


async def _answer(uow: UnitOfWork, request: AuthorizationRequest) -> PartnerAnswer:
    lines = tuple(_line(line) for line in await lines_of(uow, request.id))
    reason = await _reason(uow, request) if request.status in _WITH_REASON else None
    if request.status is AuthorizationStatus.REJECTED:
        return PartnerAnswer(AnswerKind.REJECTED, request.payer_reference, lines, reason)
    if request.status is AuthorizationStatus.CANCELLED:
        cancelled = tuple(LineAnswer(line.sequence, ReviewAction.CANCELLED) for line in lines)
        return PartnerAnswer(AnswerKind.CANCELLED, request.payer_reference, cancelled, reason)
    return PartnerAnswer(AnswerKind.DECIDED, request.payer_reference, lines, reason)


_WITH_REASON = frozenset(
    {AuthorizationStatus.REJECTED, AuthorizationStatus.CANCELLED, AuthorizationStatus.SUBMIT_FAILED}
)


def _line(line: AuthorizationLine) -> LineAnswer:
    if line.review_action is None:
        return LineAnswer(line.sequence, ReviewAction.PENDED)
    return LineAnswer(
        sequence=line.sequence,
        review_action=line.review_action,
        approved_quantity=line.approved_quantity,
        approved_start=line.approved_start,
        approved_end=line.approved_end,
        authorization_number=line.authorization_number,
        reason_codes=tuple(line.reason_codes or ()),
        notes=line.reviewer_notes,
    )


async def _reason(uow: UnitOfWork, request: AuthorizationRequest) -> str | None:
    reason: str | None = await uow.session.scalar(
        select(StatusChange.reason)
        .where(StatusChange.entity == ENTITY, StatusChange.entity_id == request.id)
        .order_by(StatusChange.changed_at.desc(), StatusChange.id.desc())
        .limit(1)
    )
    return reason


async def search_requests(
    uow: UnitOfWork,
    sender_organization_id: uuid.UUID,
    *,
    sender_reference: str | None,
    number: str | None,
    authorization_number: str | None,
    member_id: str | None,
    service_from: date | None,
    service_to: date | None,
    limit: int,
) -> list[AuthorizationRequest]:
    """The requests the organisation sent us matching every filter, newest first."""
    receipts = select(SubmissionReceipt.request_id).where(
        SubmissionReceipt.sender_organization_id == sender_organization_id
    )
    filters: list[Any] = []
    if sender_reference:
        filters.append(
            AuthorizationRequest.id.in_(
                receipts.where(
                    (SubmissionReceipt.sender_reference == sender_reference.strip())
                    | (SubmissionReceipt.trace_number == sender_reference.strip())
                )
            )
        )
    if number:
        filters.append(AuthorizationRequest.number == number.strip())
    if authorization_number:
        on_line = exists().where(
            AuthorizationLine.request_id == AuthorizationRequest.id,
            AuthorizationLine.authorization_number == authorization_number.strip(),
        )
        filters.append(or_(AuthorizationRequest.payer_reference == authorization_number, on_line))
    if member_id:
        filters.append(
            AuthorizationRequest.coverage_id.in_(
                select(Coverage.id).where(Coverage.member_id == member_id.strip())
            )
        )
    if service_from or service_to:
        filters.append(_dates_overlap(service_from, service_to))
    if not filters:
        raise DomainError(
            ErrorCode.REQUIRED,
            "Search by identifier, number, authorization number or member id",
            "identifier",
        )
    query = (
        select(AuthorizationRequest)
        .where(AuthorizationRequest.id.in_(receipts), *filters)
        .order_by(AuthorizationRequest.created_at.desc(), AuthorizationRequest.id)
        .limit(limit)
    )
    return list(await uow.session.scalars(query))


def _dates_overlap(start: date | None, end: date | None) -> Any:
    conditions = [AuthorizationLine.request_id == AuthorizationRequest.id]
    if start:
        conditions.append(
            or_(AuthorizationLine.requested_end.is_(None), AuthorizationLine.requested_end >= start)
        )
    if end:
        conditions.append(
            or_(
                AuthorizationLine.requested_start.is_(None),
                AuthorizationLine.requested_start <= end,
            )
        )
    return exists().where(*conditions)
