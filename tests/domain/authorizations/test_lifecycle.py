"""The AuthorizationRequest lifecycle of DESIGN §3 and the request status derived from its lines."""

from __future__ import annotations

from itertools import product
from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.authorizations.lifecycle import (
    DETERMINATION_ACTIONS,
    TERMINAL_STATUSES,
    TRANSITIONS,
    AppealOutcome,
    AuthorizationAction,
    AuthorizationStatus,
    ReviewAction,
    allowed_actions,
    apply_appeal_outcome,
    apply_determination,
    derive_request_status,
    next_status,
)
from domain.errors import DomainError, ErrorCode
from domain.lifecycle import IllegalTransition

S = AuthorizationStatus
A = AuthorizationAction
R = ReviewAction

AWAITING = [S.SUBMITTED, S.PENDED, S.INFO_REQUESTED]
UNSENT = [S.DRAFT, S.SUBMIT_FAILED, S.REJECTED]
APPROVALS = [S.APPROVED, S.PARTIALLY_APPROVED, S.MODIFIED]
APPEALABLE = [S.DENIED, S.PARTIALLY_APPROVED, S.MODIFIED]
ANSWERS = [
    (A.APPROVE, S.APPROVED),
    (A.APPROVE_PARTIALLY, S.PARTIALLY_APPROVED),
    (A.MODIFY, S.MODIFIED),
    (A.DENY, S.DENIED),
    (A.CANCEL, S.CANCELLED),
    (A.REJECT, S.REJECTED),
]

# DESIGN §3 written out independently of the code.
SPEC = [
    (S.DRAFT, A.SUBMIT, S.SUBMITTING),
    (S.SUBMIT_FAILED, A.SUBMIT, S.SUBMITTING),
    (S.REJECTED, A.SUBMIT, S.SUBMITTING),
    (S.SUBMITTING, A.SUBMISSION_SUCCEEDED, S.SUBMITTED),
    (S.SUBMITTING, A.SUBMISSION_FAILED, S.SUBMIT_FAILED),
    (S.SUBMITTED, A.PEND, S.PENDED),
    (S.PENDED, A.REQUEST_INFO, S.INFO_REQUESTED),
    (S.INFO_REQUESTED, A.PROVIDE_INFO, S.PENDED),
    *[(status, action, to) for status in AWAITING for action, to in ANSWERS],
    *[(status, A.CANCEL, S.CANCELLED) for status in UNSENT],
    *[(status, A.SELECT_ANOTHER, S.NOT_SELECTED) for status in [*UNSENT, *AWAITING]],
    *[(status, A.EXPIRE, S.EXPIRED) for status in APPROVALS],
    *[(status, A.APPEAL, S.APPEALED) for status in APPEALABLE],
    (S.APPEALED, A.OVERTURN, S.APPROVED),
    (S.APPEALED, A.OVERTURN_PARTIALLY, S.PARTIALLY_APPROVED),
    (S.APPEALED, A.UPHOLD, S.UPHELD),
]
FORBIDDEN = [
    pair
    for pair in product(AuthorizationStatus, AuthorizationAction)
    if pair not in {(f, a) for f, a, _ in SPEC}
]


def run(status: AuthorizationStatus, *actions: AuthorizationAction) -> AuthorizationStatus:
    for action in actions:
        status = next_status(status, action)
    return status


def test_the_table_is_exactly_the_specified_lifecycle() -> None:
    assert dict(TRANSITIONS) == {(f, a): to for f, a, to in SPEC}


@pytest.mark.parametrize(("current", "action", "expected"), SPEC)
def test_allowed_move(
    current: AuthorizationStatus, action: AuthorizationAction, expected: AuthorizationStatus
) -> None:
    assert next_status(current, action) is expected
    assert action in allowed_actions(current)


@pytest.mark.parametrize(("current", "action"), FORBIDDEN)
def test_forbidden_move(current: AuthorizationStatus, action: AuthorizationAction) -> None:
    with pytest.raises(IllegalTransition) as caught:
        next_status(current, action)
    assert caught.value.code is ErrorCode.ILLEGAL_TRANSITION
    assert caught.value.field == "action"
    assert str(current) in caught.value.message and str(action) in caught.value.message


def test_the_ends_are_cancelled_not_selected_expired_and_upheld() -> None:
    assert {S.CANCELLED, S.NOT_SELECTED, S.EXPIRED, S.UPHELD} == TERMINAL_STATUSES


# --- named scenarios ----------------------------------------------------------------------


def test_a_failed_submission_is_resubmitted() -> None:
    status = run(S.DRAFT, A.SUBMIT, A.SUBMISSION_FAILED)
    assert status is S.SUBMIT_FAILED
    assert run(status, A.SUBMIT, A.SUBMISSION_SUCCEEDED) is S.SUBMITTED


def test_only_drafts_failed_submissions_and_rejected_requests_enter_submitting() -> None:
    entering = {f for (f, _), to in TRANSITIONS.items() if to is S.SUBMITTING}
    assert entering == {S.DRAFT, S.SUBMIT_FAILED, S.REJECTED}


def test_a_rejected_request_is_corrected_and_resubmitted_as_a_new_submission() -> None:
    rejected = run(S.DRAFT, A.SUBMIT, A.SUBMISSION_SUCCEEDED, A.REJECT)
    assert rejected is S.REJECTED
    assert run(rejected, A.SUBMIT, A.SUBMISSION_SUCCEEDED, A.PEND, A.APPROVE) is S.APPROVED


def test_information_requested_and_provided_returns_to_pended() -> None:
    status = run(S.SUBMITTED, A.PEND, A.REQUEST_INFO)
    assert status is S.INFO_REQUESTED
    assert run(status, A.PROVIDE_INFO) is S.PENDED


def test_the_coordinators_path_pended_info_partial_appeal_overturned_expired() -> None:
    status = run(S.DRAFT, A.SUBMIT, A.SUBMISSION_SUCCEEDED, A.PEND, A.REQUEST_INFO, A.PROVIDE_INFO)
    status = apply_determination(status, [R.CERTIFIED, R.NOT_CERTIFIED])
    assert status is S.PARTIALLY_APPROVED
    status = next_status(status, A.APPEAL)
    status = apply_appeal_outcome(status, AppealOutcome.OVERTURNED, [R.CERTIFIED, R.CERTIFIED])
    assert status is S.APPROVED
    assert next_status(status, A.EXPIRE) is S.EXPIRED


def test_an_appeal_overturned_in_part_ends_partially_approved() -> None:
    appealed = run(S.DENIED, A.APPEAL)
    for lines in ([R.CERTIFIED, R.NOT_CERTIFIED], [R.MODIFIED], [R.PARTIALLY_CERTIFIED]):
        assert apply_appeal_outcome(appealed, AppealOutcome.OVERTURNED, lines) is (
            S.PARTIALLY_APPROVED
        )


def test_an_upheld_appeal_is_final() -> None:
    status = apply_appeal_outcome(S.APPEALED, AppealOutcome.UPHELD, [R.NOT_CERTIFIED])
    assert status is S.UPHELD
    assert allowed_actions(status) == ()


@pytest.mark.parametrize(
    "lines", [[R.NOT_CERTIFIED], [R.PENDED, R.CERTIFIED], [R.CANCELLED], [R.CONTACT_PAYER]]
)
def test_an_overturned_appeal_must_approve_something(lines: list[ReviewAction]) -> None:
    with pytest.raises(DomainError) as caught:
        apply_appeal_outcome(S.APPEALED, AppealOutcome.OVERTURNED, lines)
    assert (caught.value.code, caught.value.field) == (ErrorCode.INVALID, "lines")


@pytest.mark.parametrize("outcome", list(AppealOutcome))
@pytest.mark.parametrize("current", [S.DENIED, S.APPROVED, S.UPHELD, S.PENDED])
def test_only_an_appealed_request_has_an_appeal_outcome(
    current: AuthorizationStatus, outcome: AppealOutcome
) -> None:
    with pytest.raises(IllegalTransition):
        apply_appeal_outcome(current, outcome, [R.NOT_CERTIFIED])


@pytest.mark.parametrize("status", [S.APPROVED, S.EXPIRED, S.APPEALED, S.UPHELD, S.CANCELLED])
def test_what_was_not_refused_cannot_be_appealed(status: AuthorizationStatus) -> None:
    with pytest.raises(IllegalTransition):
        next_status(status, A.APPEAL)


def test_a_decided_request_is_no_longer_in_the_running_for_a_referral() -> None:
    assert next_status(S.PENDED, A.SELECT_ANOTHER) is S.NOT_SELECTED
    for decided in (*APPROVALS, S.DENIED, S.APPEALED):
        with pytest.raises(IllegalTransition):
            next_status(decided, A.SELECT_ANOTHER)


def test_a_request_in_flight_is_moved_only_by_the_outcome_of_its_submission() -> None:
    assert allowed_actions(S.SUBMITTING) == (A.SUBMISSION_SUCCEEDED, A.SUBMISSION_FAILED)


# --- the request status derived from its lines --------------------------------------------

DERIVED = [
    ([R.CERTIFIED], S.APPROVED),
    ([R.CERTIFIED, R.CERTIFIED], S.APPROVED),
    ([R.NO_ACTION_REQUIRED], S.APPROVED),
    ([R.CERTIFIED, R.NO_ACTION_REQUIRED], S.APPROVED),
    ([R.CERTIFIED, R.CANCELLED], S.APPROVED),
    ([R.NOT_CERTIFIED], S.DENIED),
    ([R.NOT_CERTIFIED, R.NOT_CERTIFIED, R.CANCELLED], S.DENIED),
    ([R.PENDED], S.PENDED),
    ([R.CONTACT_PAYER], S.PENDED),
    ([R.CERTIFIED, R.PENDED], S.PENDED),
    ([R.NOT_CERTIFIED, R.CONTACT_PAYER], S.PENDED),
    ([R.CANCELLED, R.PENDED], S.PENDED),
    ([R.CERTIFIED, R.NOT_CERTIFIED], S.PARTIALLY_APPROVED),
    ([R.NO_ACTION_REQUIRED, R.NOT_CERTIFIED], S.PARTIALLY_APPROVED),
    ([R.PARTIALLY_CERTIFIED], S.PARTIALLY_APPROVED),
    ([R.CERTIFIED, R.PARTIALLY_CERTIFIED], S.PARTIALLY_APPROVED),
    ([R.MODIFIED, R.NOT_CERTIFIED], S.PARTIALLY_APPROVED),
    ([R.MODIFIED, R.PARTIALLY_CERTIFIED], S.PARTIALLY_APPROVED),
    ([R.MODIFIED], S.MODIFIED),
    ([R.CERTIFIED, R.MODIFIED], S.MODIFIED),
    ([R.MODIFIED, R.CANCELLED], S.MODIFIED),
    ([R.CANCELLED], S.CANCELLED),
    ([R.CANCELLED, R.CANCELLED], S.CANCELLED),
]


@pytest.mark.parametrize(("lines", "expected"), DERIVED)
def test_request_status_derived_from_lines(
    lines: list[ReviewAction], expected: AuthorizationStatus
) -> None:
    assert derive_request_status(lines) is expected


def test_a_request_without_lines_has_no_status_to_derive() -> None:
    with pytest.raises(DomainError) as caught:
        derive_request_status([])
    assert (caught.value.code, caught.value.field) == (ErrorCode.REQUIRED, "lines")


def test_the_review_actions_carry_their_x12_codes() -> None:
    assert [r.value for r in ReviewAction] == ["A1", "A2", "A3", "A4", "A6", "C", "CT", "NA"]


@pytest.mark.parametrize(("status", "action"), DETERMINATION_ACTIONS.items())
def test_each_derived_status_is_reached_by_its_determination_action(
    status: AuthorizationStatus, action: AuthorizationAction
) -> None:
    assert next_status(S.SUBMITTED, action) is status


@pytest.mark.parametrize(
    ("current", "lines", "expected"),
    [
        (S.SUBMITTED, [R.PENDED], S.PENDED),
        (S.PENDED, [R.PENDED, R.CERTIFIED], S.PENDED),
        (S.INFO_REQUESTED, [R.CONTACT_PAYER], S.INFO_REQUESTED),
        (S.PENDED, [R.CERTIFIED, R.NOT_CERTIFIED], S.PARTIALLY_APPROVED),
        (S.INFO_REQUESTED, [R.NOT_CERTIFIED], S.DENIED),
        (S.SUBMITTED, [R.CANCELLED], S.CANCELLED),
        (S.SUBMITTED, [R.CERTIFIED, R.NO_ACTION_REQUIRED], S.APPROVED),
    ],
)
def test_a_determination_moves_the_request_to_the_status_of_its_lines(
    current: AuthorizationStatus, lines: list[ReviewAction], expected: AuthorizationStatus
) -> None:
    assert apply_determination(current, lines) is expected


@pytest.mark.parametrize("current", [S.DRAFT, S.SUBMITTING, S.APPROVED, S.APPEALED, S.UPHELD])
def test_a_determination_arrives_only_while_the_authorizer_is_deciding(
    current: AuthorizationStatus,
) -> None:
    with pytest.raises(IllegalTransition):
        apply_determination(current, [R.NOT_CERTIFIED])


# --- properties ---------------------------------------------------------------------------

ENTERED_ONLY_FROM = {
    S.SUBMITTING: {*UNSENT},
    S.APPEALED: {*APPEALABLE},
    S.EXPIRED: {*APPROVALS},
    S.UPHELD: {S.APPEALED},
    S.INFO_REQUESTED: {S.PENDED},
    S.APPROVED: {*AWAITING, S.APPEALED},
    S.PARTIALLY_APPROVED: {*AWAITING, S.APPEALED},
    S.DENIED: {*AWAITING},
    S.NOT_SELECTED: {*UNSENT, *AWAITING},
}


@given(st.lists(st.sampled_from(list(AuthorizationAction)), max_size=60))
def test_any_sequence_of_actions_from_draft_moves_only_along_the_table(
    actions: list[AuthorizationAction],
) -> None:
    status = S.DRAFT
    for action in actions:
        try:
            after = next_status(status, action)
        except IllegalTransition:
            continue
        assert status not in TERMINAL_STATUSES
        assert TRANSITIONS[(status, action)] is after
        assert status in ENTERED_ONLY_FROM.get(after, {status})
        status = after


@given(st.lists(st.sampled_from(list(ReviewAction)), min_size=1, max_size=12), st.randoms())
def test_the_derived_status_ignores_the_order_and_repetition_of_lines(
    lines: list[ReviewAction], rng: Random
) -> None:
    shuffled = list(lines)
    rng.shuffle(shuffled)
    derived = derive_request_status(lines)
    assert derive_request_status(shuffled) is derived
    assert derive_request_status(lines + lines[:1]) is derived
    assert derived in DETERMINATION_ACTIONS
