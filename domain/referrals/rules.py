"""Pure rules of referrals: what a referral must say, which providers may receive one, and the
referral's authorization status derived from its providers' requests."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain.authorizations.lifecycle import APPROVALS, AWAITING_DETERMINATION, AuthorizationStatus
from domain.errors import DomainError, ErrorCode, ErrorCollector
from domain.people.rules import check_language
from domain.referrals.models import ReferralAuthorizationStatus, Urgency

MAX_PROVIDERS = 20
MAX_RESPONSE_WINDOW = timedelta(days=90)


@dataclass(frozen=True, slots=True)
class ReferralData:
    benefit_assignment_id: uuid.UUID
    provider_ids: tuple[uuid.UUID, ...]
    reason: str
    respond_by: datetime
    consent_given: bool
    urgency: Urgency = Urgency.ROUTINE
    notes: str | None = None
    languages: tuple[str, ...] = field(default_factory=tuple)


def check_referral(data: ReferralData, now: datetime) -> None:
    """Raise ValidationErrors for everything wrong with the referral's own fields."""
    errors = ErrorCollector()
    if not data.consent_given:
        errors.add(
            ErrorCode.CONSENT_REQUIRED,
            "The constituent consents to sharing their details with the providers first",
            "consentGiven",
        )
    if not data.reason.strip():
        errors.add(ErrorCode.REQUIRED, "Say why the constituent is referred", "reason")
    errors.check_lengths(
        {"reason": data.reason, "notes": data.notes}, {"reason": 2000, "notes": 4000}
    )
    if not data.provider_ids:
        errors.add(ErrorCode.REQUIRED, "Refer to at least one provider", "providerIds")
    elif len(data.provider_ids) > MAX_PROVIDERS:
        errors.add(ErrorCode.LIMIT_EXCEEDED, f"At most {MAX_PROVIDERS} providers", "providerIds")
    elif len(set(data.provider_ids)) != len(data.provider_ids):
        errors.add(ErrorCode.DUPLICATE, "Each provider once", "providerIds")
    if data.respond_by <= now:
        errors.add(ErrorCode.INVALID, "The response date is in the future", "respondBy")
    elif data.respond_by > now + MAX_RESPONSE_WINDOW:
        errors.add(ErrorCode.INVALID, "Providers answer within 90 days", "respondBy")
    for index, tag in enumerate(data.languages):
        check_language(errors, tag, f"languages.{index}")
    errors.raise_if_any()


def check_provider_can_receive(
    *,
    index: int,
    offers_benefit: bool,
    accepting_referrals: bool,
    capacity: int | None,
    current_load: int,
) -> DomainError | None:
    """Why this provider cannot be referred to, if it cannot."""
    field = f"providerIds.{index}"
    if not offers_benefit:
        return DomainError(
            ErrorCode.BENEFIT_NOT_OFFERED, "The provider does not deliver this benefit", field
        )
    if not accepting_referrals:
        return DomainError(
            ErrorCode.NOT_ACCEPTING_REFERRALS, "The provider is not accepting referrals", field
        )
    if capacity is not None and current_load >= capacity:
        return DomainError(ErrorCode.AT_CAPACITY, "The provider is at capacity", field)
    return None


def derive_authorization_status(
    statuses: Iterable[AuthorizationStatus],
) -> ReferralAuthorizationStatus | None:
    """The referral's authorization status from its providers' requests: None before any
    request; AUTHORIZED once one is approved; IN_REVIEW while the caseworker has one pended;
    SUBMITTED while requests wait; REJECTED when every request ended without approval."""
    present = set(statuses) - {AuthorizationStatus.DRAFT}
    if not present:
        return None
    if present & set(APPROVALS) or AuthorizationStatus.EXPIRED in present:
        return ReferralAuthorizationStatus.AUTHORIZED
    if present & {AuthorizationStatus.PENDED, AuthorizationStatus.INFO_REQUESTED}:
        return ReferralAuthorizationStatus.IN_REVIEW
    if present & {*AWAITING_DETERMINATION, AuthorizationStatus.SUBMITTING}:
        return ReferralAuthorizationStatus.SUBMITTED
    return ReferralAuthorizationStatus.REJECTED


def priority_for(urgency: Urgency) -> str:
    """An urgent or emergency referral asks for an expedited decision."""
    return "STANDARD" if urgency is Urgency.ROUTINE else "EXPEDITED"
