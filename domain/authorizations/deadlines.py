"""Deadline alerts: decisions, information requests, appeals and peer-to-peer reviews that are
due soon or overdue. A periodic job (beat, or the embedded worker) finds them through indexes on
their due times, a batch at a time, and records each alert once (a unique row per subject, kind
and stage), telling the request's organisations through an event that the worklist
subscriptions carry."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, UniqueConstraint, and_, exists, func, select
from sqlalchemy.orm import Mapped, mapped_column

from domain.authorizations.lifecycle import AuthorizationStatus
from domain.authorizations.models import (
    Appeal,
    AppealStatus,
    AuthorizationRequest,
    InformationRequest,
    InformationRequestStatus,
    PeerToPeer,
    PeerToPeerStatus,
)
from domain.authorizations.service import ENTITY, request_audience
from domain.errors import DomainError, ErrorCode
from domain.events import DomainEvent
from domain.identity.models import enum_column
from domain.models import Base, HasId, group_by
from domain.uow import UnitOfWork

UNDECIDED = (
    AuthorizationStatus.SUBMITTING,
    AuthorizationStatus.SUBMITTED,
    AuthorizationStatus.PENDED,
    AuthorizationStatus.INFO_REQUESTED,
)


class DeadlineKind(StrEnum):
    DECISION = "DECISION"  # the authorizer's decision on a request
    INFORMATION_REQUEST = "INFORMATION_REQUEST"  # our answer to the authorizer's question
    APPEAL = "APPEAL"  # the authorizer's decision on an appeal
    PEER_TO_PEER = "PEER_TO_PEER"  # the peer-to-peer review to be held


class DeadlineStage(StrEnum):
    DUE_SOON = "DUE_SOON"
    OVERDUE = "OVERDUE"


class DeadlineAlert(HasId, Base):
    """One alert, raised once: the unique constraint makes a repeated or concurrent scan
    harmless."""

    __tablename__ = "deadline_alerts"
    __table_args__ = (
        UniqueConstraint("subject_id", "kind", "stage"),
        Index("ix_deadline_alerts_request_id_raised_at", "request_id", "raised_at"),
    )

    kind: Mapped[DeadlineKind] = mapped_column(enum_column(DeadlineKind))
    stage: Mapped[DeadlineStage] = mapped_column(enum_column(DeadlineStage))
    subject_id: Mapped[uuid.UUID] = mapped_column()  # the request, question, appeal or review
    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("authorization_requests.id", ondelete="CASCADE")
    )
    due_at: Mapped[datetime] = mapped_column()
    raised_at: Mapped[datetime] = mapped_column()


@dataclass(frozen=True, slots=True)
class DeadlinePolicy:
    """How long before its due time a deadline is `DUE_SOON`, per kind."""

    decision: timedelta = timedelta(hours=24)
    information_request: timedelta = timedelta(hours=24)
    appeal: timedelta = timedelta(hours=48)
    peer_to_peer: timedelta = timedelta(hours=24)

    def window(self, kind: DeadlineKind) -> timedelta:
        return {
            DeadlineKind.DECISION: self.decision,
            DeadlineKind.INFORMATION_REQUEST: self.information_request,
            DeadlineKind.APPEAL: self.appeal,
            DeadlineKind.PEER_TO_PEER: self.peer_to_peer,
        }[kind]


def _sources() -> list[tuple[DeadlineKind, Any, Any, Any, Any]]:
    """Per kind: the subject's id, its request's id, its due time, and what makes it open."""
    return [
        (
            DeadlineKind.DECISION,
            AuthorizationRequest.id,
            AuthorizationRequest.id,
            AuthorizationRequest.decision_due_at,
            AuthorizationRequest.status.in_(UNDECIDED),
        ),
        (
            DeadlineKind.INFORMATION_REQUEST,
            InformationRequest.id,
            InformationRequest.request_id,
            InformationRequest.due_at,
            InformationRequest.status == InformationRequestStatus.OPEN,
        ),
        (
            DeadlineKind.APPEAL,
            Appeal.id,
            Appeal.request_id,
            Appeal.due_at,
            Appeal.status == AppealStatus.OPEN,
        ),
        (
            DeadlineKind.PEER_TO_PEER,
            PeerToPeer.id,
            PeerToPeer.request_id,
            PeerToPeer.due_at,
            PeerToPeer.status.in_((PeerToPeerStatus.REQUESTED, PeerToPeerStatus.SCHEDULED)),
        ),
    ]


async def raise_deadline_alerts(
    *, uow: UnitOfWork, policy: DeadlinePolicy = DeadlinePolicy(), limit: int = 500
) -> int:
    """One batch of new alerts (at most `limit` per kind and stage), each with its event;
    how many were raised (0: none left). Commits."""
    now = uow.clock.now()
    raised: list[DeadlineAlert] = []
    for kind, subject, request_id, due, is_open in _sources():
        for stage, horizon in (
            (DeadlineStage.OVERDUE, now),
            (DeadlineStage.DUE_SOON, now + policy.window(kind)),
        ):
            alerted = exists().where(
                and_(
                    DeadlineAlert.subject_id == subject,
                    DeadlineAlert.kind == kind,
                    DeadlineAlert.stage == stage,
                )
            )
            lower = [due > now] if stage is DeadlineStage.DUE_SOON else []
            rows = await uow.session.execute(
                select(subject, request_id, due)
                .where(due.is_not(None), due <= horizon, *lower, is_open, ~alerted)
                .order_by(due)
                .limit(limit)
            )
            for subject_id, of_request, due_at in rows:
                alert = DeadlineAlert(
                    kind=kind,
                    stage=stage,
                    subject_id=subject_id,
                    request_id=of_request,
                    due_at=due_at,
                    raised_at=now,
                )
                uow.session.add(alert)
                raised.append(alert)
    if not raised:
        return 0
    requests = {
        r.id: r
        for r in await uow.session.scalars(
            select(AuthorizationRequest).where(
                AuthorizationRequest.id.in_({a.request_id for a in raised})
            )
        )
    }
    for alert in raised:
        uow.record(_event(alert, requests[alert.request_id]))
    try:
        await uow.commit()
    except DomainError as error:
        if error.code is not ErrorCode.CONFLICT:
            raise
        return 0  # another scan raised some of these first; the next scan finds the rest
    return len(raised)


def _event(alert: DeadlineAlert, request: AuthorizationRequest) -> DomainEvent:
    """Told to the request's organisations, like its transitions (ids and codes only)."""
    return DomainEvent(
        name=f"authorization_request.deadline_{alert.stage.value.lower()}",
        entity=ENTITY,
        entity_id=request.id,
        organization_ids=request_audience(request),
        occurred_at=alert.raised_at,
        payload={
            "status": request.status.value,
            "deadline": alert.kind.value,
            "stage": alert.stage.value,
            "dueAt": alert.due_at.isoformat(),
        },
    )


async def alerts_by_request_ids(
    *, uow: UnitOfWork, request_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[DeadlineAlert]]:
    """The alerts raised on each request (for requests already read with the actor's scope)."""
    query = select(DeadlineAlert).where(DeadlineAlert.request_id.in_(set(request_ids)))
    rows = await uow.session.scalars(query.order_by(DeadlineAlert.raised_at, DeadlineAlert.id))
    return group_by(rows, request_ids, lambda r: r.request_id)


async def open_deadline_counts(*, uow: UnitOfWork) -> dict[tuple[str, str], int]:
    """Open deadlines per kind and stage right now (for /metrics): overdue, and due soon."""
    now = uow.clock.now()
    policy = DeadlinePolicy()
    counts: dict[tuple[str, str], int] = {}
    for kind, subject, _request, due, is_open in _sources():
        soon = now + policy.window(kind)
        overdue = await uow.session.scalar(
            select(func.count(subject)).where(due.is_not(None), due <= now, is_open)
        )
        due_soon = await uow.session.scalar(
            select(func.count(subject)).where(due > now, due <= soon, is_open)
        )
        counts[(kind.value, DeadlineStage.OVERDUE.value)] = overdue or 0
        counts[(kind.value, DeadlineStage.DUE_SOON.value)] = due_soon or 0
    return counts
