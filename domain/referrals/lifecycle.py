"""A referral recipient's lifecycle (DESIGN §3): each provider a constituent is referred to
answers once; every answer is final, so a new answer needs a new referral."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from domain import lifecycle
from domain.errors import DomainError, ErrorCode


class ReferralRecipientStatus(StrEnum):
    PENDING = "PENDING"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    EXPIRED = "EXPIRED"  # no answer by the due date to respond
    WITHDRAWN = "WITHDRAWN"  # the caseworker took the referral back before an answer


class ReferralRecipientAction(StrEnum):
    ACCEPT = "ACCEPT"
    DECLINE = "DECLINE"
    EXPIRE = "EXPIRE"
    WITHDRAW = "WITHDRAW"


Status = ReferralRecipientStatus
Action = ReferralRecipientAction

TRANSITIONS: Mapping[
    tuple[ReferralRecipientStatus, ReferralRecipientAction], ReferralRecipientStatus
] = {
    (Status.PENDING, Action.ACCEPT): Status.ACCEPTED,
    (Status.PENDING, Action.DECLINE): Status.DECLINED,
    (Status.PENDING, Action.EXPIRE): Status.EXPIRED,
    (Status.PENDING, Action.WITHDRAW): Status.WITHDRAWN,
}


def next_status(
    current: ReferralRecipientStatus, action: ReferralRecipientAction
) -> ReferralRecipientStatus:
    """The status `action` leads to from `current`, or IllegalTransition."""
    return lifecycle.next_status(TRANSITIONS, current, action)


def allowed_actions(current: ReferralRecipientStatus) -> tuple[ReferralRecipientAction, ...]:
    return lifecycle.allowed_actions(TRANSITIONS, current)


def check_decline(reason: str | None) -> str:
    """The reason, trimmed: a provider who declines says why, so the caseworker can choose
    another provider knowingly."""
    if reason is None or not reason.strip():
        raise DomainError(ErrorCode.REQUIRED, "Give a reason for declining", "reason")
    return reason.strip()
