"""The transactional outbox: work for a partner is written with the change that needs it, and
a dispatcher (in-process, or a Celery worker) claims due rows and calls the partner port.

Claiming uses FOR UPDATE SKIP LOCKED on PostgreSQL, so two dispatchers never send one row
twice; SQLite serialises writers, which is the same guarantee. The partner's idempotency key
(PAS Bundle identifier, CORE PayloadID) makes a resend after a crash harmless."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update

from domain.authorizations.answers import apply_partner_answer, apply_partner_failure, snapshot
from domain.authorizations.models import AuthorizationRequest
from domain.partners.exchanges import Attempt, log_exchange
from domain.partners.models import (
    SUBSCRIPTION_KINDS,
    ExchangeOutcome,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
    TradingPartner,
)
from domain.partners.notify import deliver
from domain.partners.polling import PollingPolicy, schedule_poll
from domain.partners.ports import (
    PartnerAnswer,
    PartnerDirectory,
    PartnerError,
    PartnerRequest,
    SubscriptionNotifier,
    TradingPartnerPort,
)
from domain.partners.queue import add_message
from domain.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with full jitter, up to `max_attempts` tries."""

    max_attempts: int = 6
    base_seconds: float = 2.0
    cap_seconds: float = 600.0

    def delay(self, attempt: int, rand: Callable[[], float] = random.random) -> timedelta:
        ceiling = min(self.cap_seconds, self.base_seconds * 2 ** (attempt - 1))
        return timedelta(seconds=ceiling * (0.5 + rand() / 2))


def enqueue(
    uow: UnitOfWork, kind: OutboxKind, request: AuthorizationRequest, partner: TradingPartner
) -> OutboxMessage:
    """A row for the partner in the caller's transaction, and a wake-up after commit."""
    return add_message(uow, kind, request_id=request.id, partner_id=partner.id)


async def due_message_ids(*, uow: UnitOfWork, limit: int = 100) -> list[uuid.UUID]:
    """Rows whose time has come, oldest first (the beat's rescan)."""
    query = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.next_attempt_at <= uow.clock.now(),
        )
        .order_by(
            OutboxMessage.next_attempt_at, OutboxMessage.created_at, OutboxMessage.event_number
        )
        .limit(limit)
    )
    return list(await uow.session.scalars(query))


@dataclass(frozen=True, slots=True)
class DueMessage:
    """A pending outbox message that is due, and the trading partner it goes to: None for a
    subscription's push, which goes to the subscriber's endpoint under no partner's limits."""

    partner: TradingPartner | None


async def due_message(*, uow: UnitOfWork, message_id: uuid.UUID) -> DueMessage | None:
    """The message if it is pending and due (None otherwise), with its partner."""
    query = (
        select(OutboxMessage.id, TradingPartner)
        .outerjoin(TradingPartner, OutboxMessage.partner_id == TradingPartner.id)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.next_attempt_at <= uow.clock.now(),
        )
    )
    row = (await uow.session.execute(query)).first()
    return None if row is None else DueMessage(row[1])


async def defer(*, uow: UnitOfWork, message_id: uuid.UUID, seconds: float) -> None:
    """The partner is at its rate limit: the message waits (not an attempt; nothing dropped).
    Commits."""
    await uow.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.PENDING)
        .values(next_attempt_at=uow.clock.now() + timedelta(seconds=seconds))
        .execution_options(synchronize_session=False)
    )
    await uow.commit()


async def dispatch(
    *,
    uow: UnitOfWork,
    message_id: uuid.UUID,
    directory: PartnerDirectory,
    policy: RetryPolicy,
    polling: PollingPolicy | None = None,
    notifier: SubscriptionNotifier | None = None,
) -> OutboxStatus | None:
    """Claim one due row, call its partner, log the exchange, apply the answer; all in one
    transaction. None when the row is not due or another dispatcher holds it. A
    subscription's push goes to `notifier` instead (`domain.partners.notify`)."""
    message = await uow.session.scalar(
        select(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.next_attempt_at <= uow.clock.now(),
        )
        .with_for_update(skip_locked=True)
    )
    if message is None:
        return None
    if message.kind in SUBSCRIPTION_KINDS:
        if notifier is None:
            raise RuntimeError("This dispatcher has no subscription notifier")
        return await deliver(uow=uow, message=message, notifier=notifier, policy=policy)
    polling = polling or PollingPolicy()
    partner = await uow.session.get(TradingPartner, message.partner_id)
    request = await uow.session.get(AuthorizationRequest, message.request_id, with_for_update=True)
    assert partner is not None and request is not None  # kept by foreign keys
    port = directory.for_partner(partner.protocol.value, partner.adapter_options())
    attempt = Attempt.start(uow)
    message.attempts += 1
    try:
        answer = await _call(port, message, await snapshot(uow, request))
    except PartnerError as error:
        outcome = ExchangeOutcome.RETRYING if error.retryable else ExchangeOutcome.FAILED
        _log(uow, attempt, message, outcome, error.message)
        if error.retryable and message.attempts < policy.max_attempts:
            message.next_attempt_at = uow.clock.now() + policy.delay(message.attempts)
            message.last_error = error.message
        else:
            message.status, message.last_error = OutboxStatus.FAILED, error.message
            await apply_partner_failure(uow, request, message.kind, error.message)
        await uow.commit()
        return message.status
    _log(uow, attempt, message, ExchangeOutcome.SUCCEEDED, answer.kind.value)
    message.status, message.sent_at = OutboxStatus.SENT, uow.clock.now()
    await apply_partner_answer(uow, request, message.kind, answer)
    request.poll_count = 0
    schedule_poll(request, partner, uow.clock.now(), polling)
    await uow.commit()
    return message.status


async def _call(
    port: TradingPartnerPort, message: OutboxMessage, request: PartnerRequest
) -> PartnerAnswer:
    key = message.idempotency_key
    if message.kind is OutboxKind.SUBMIT:
        return await port.submit(request, idempotency_key=key)
    if message.kind is OutboxKind.CANCEL:
        return await port.cancel(request, idempotency_key=key)
    return await port.provide_information(request, idempotency_key=key)


def _log(
    uow: UnitOfWork,
    attempt: Attempt,
    message: OutboxMessage,
    outcome: ExchangeOutcome,
    detail: str,
) -> None:
    assert message.request_id is not None and message.partner_id is not None  # a partner's
    log_exchange(
        uow,
        attempt,
        request_id=message.request_id,
        partner_id=message.partner_id,
        operation=message.kind.value,
        outcome=outcome,
        detail=detail,
        idempotency_key=message.idempotency_key,
    )
