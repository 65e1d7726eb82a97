"""A referral recipient answers once: every allowed and forbidden move, and the decline reason."""

from __future__ import annotations

from itertools import product

import pytest

from domain.errors import DomainError, ErrorCode
from domain.lifecycle import IllegalTransition
from domain.referrals.lifecycle import (
    TRANSITIONS,
    ReferralRecipientAction,
    ReferralRecipientStatus,
    allowed_actions,
    check_decline,
    next_status,
)

S = ReferralRecipientStatus
A = ReferralRecipientAction

SPEC = [
    (S.PENDING, A.ACCEPT, S.ACCEPTED),
    (S.PENDING, A.DECLINE, S.DECLINED),
    (S.PENDING, A.EXPIRE, S.EXPIRED),
    (S.PENDING, A.WITHDRAW, S.WITHDRAWN),
]
FORBIDDEN = [
    pair
    for pair in product(ReferralRecipientStatus, ReferralRecipientAction)
    if pair not in {(f, a) for f, a, _ in SPEC}
]


def test_the_table_is_exactly_the_specified_lifecycle() -> None:
    assert dict(TRANSITIONS) == {(f, a): to for f, a, to in SPEC}


@pytest.mark.parametrize(("current", "action", "expected"), SPEC)
def test_allowed_move(
    current: ReferralRecipientStatus,
    action: ReferralRecipientAction,
    expected: ReferralRecipientStatus,
) -> None:
    assert next_status(current, action) is expected


@pytest.mark.parametrize(("current", "action"), FORBIDDEN)
def test_forbidden_move(current: ReferralRecipientStatus, action: ReferralRecipientAction) -> None:
    with pytest.raises(IllegalTransition) as caught:
        next_status(current, action)
    assert caught.value.code is ErrorCode.ILLEGAL_TRANSITION
    assert caught.value.field == "action"


def test_a_pending_recipient_may_answer_in_every_way() -> None:
    assert allowed_actions(S.PENDING) == (A.ACCEPT, A.DECLINE, A.EXPIRE, A.WITHDRAW)


@pytest.mark.parametrize("answered", [S.ACCEPTED, S.DECLINED, S.EXPIRED, S.WITHDRAWN])
def test_every_answer_is_final(answered: ReferralRecipientStatus) -> None:
    assert allowed_actions(answered) == ()


def test_an_accepted_referral_cannot_then_be_declined() -> None:
    with pytest.raises(IllegalTransition, match="Cannot DECLINE in status ACCEPTED"):
        next_status(next_status(S.PENDING, A.ACCEPT), A.DECLINE)


@pytest.mark.parametrize("reason", [None, "", "   ", "\n\t"])
def test_declining_needs_a_reason(reason: str | None) -> None:
    with pytest.raises(DomainError) as caught:
        check_decline(reason)
    assert (caught.value.code, caught.value.field) == (ErrorCode.REQUIRED, "reason")


def test_the_decline_reason_is_kept_trimmed() -> None:
    assert check_decline("  No openings until March \n") == "No openings until March"
