"""A referral's authorization status, derived from its providers' requests."""

from __future__ import annotations

import pytest

from domain.authorizations.lifecycle import AuthorizationStatus as S
from domain.referrals.models import ReferralAuthorizationStatus as R
from domain.referrals.rules import derive_authorization_status


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ((), None),
        ((S.DRAFT,), None),
        ((S.SUBMITTED,), R.SUBMITTED),
        ((S.SUBMITTED, S.PENDED), R.IN_REVIEW),
        ((S.INFO_REQUESTED, S.DENIED), R.IN_REVIEW),
        ((S.APPROVED, S.NOT_SELECTED), R.AUTHORIZED),
        ((S.PARTIALLY_APPROVED, S.NOT_SELECTED), R.AUTHORIZED),
        ((S.MODIFIED,), R.AUTHORIZED),
        ((S.EXPIRED, S.NOT_SELECTED), R.AUTHORIZED),
        ((S.DENIED, S.DENIED), R.REJECTED),
        ((S.DENIED, S.CANCELLED), R.REJECTED),
        ((S.SUBMITTED, S.DENIED), R.SUBMITTED),
    ],
    ids=str,
)
def test_referral_authorization_status_follows_the_requests(statuses, expected):
    assert derive_authorization_status(statuses) is expected
