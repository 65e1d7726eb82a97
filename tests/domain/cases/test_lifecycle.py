"""Case lifecycles (seed 003): every allowed move, every forbidden one, and the named rules."""

from __future__ import annotations

from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.cases.lifecycle import (
    CASE_STATUSES,
    INITIAL_STATUS,
    RESUMABLE_STATUSES,
    SUPERVISOR_ACTIONS,
    TRANSITIONS,
    CaseAction,
    CaseStatus,
    CaseType,
    allowed_actions,
    transition,
)
from domain.errors import DomainError, ErrorCode
from domain.lifecycle import IllegalTransition

S = CaseStatus
A = CaseAction
PD = CaseType.PRODUCT_DELIVERY
OPEN_CLOSED_TYPES = (
    CaseType.INTEGRATED,
    CaseType.SCREENING,
    CaseType.ASSESSMENT,
    CaseType.ISSUE,
    CaseType.INVESTIGATION,
)

# The lifecycles as the seed and DESIGN §3 describe them, written out independently of the code.
APPLICATION = [
    (S.IN_PROGRESS, A.SUBMIT, S.SUBMITTING),
    (S.SUBMIT_FAILED, A.SUBMIT, S.SUBMITTING),
    (S.SUBMITTING, A.SUBMISSION_SUCCEEDED, S.SUBMITTED),
    (S.SUBMITTING, A.SUBMISSION_FAILED, S.SUBMIT_FAILED),
    (S.SUBMITTED, A.MARK_READY, S.READY_FOR_DETERMINATION),
    (S.READY_FOR_DETERMINATION, A.DISPOSE, S.DISPOSED),
    (S.IN_PROGRESS, A.CANCEL, S.CANCELLED),
    (S.SUBMIT_FAILED, A.CANCEL, S.CANCELLED),
    (S.SUBMITTED, A.CANCEL, S.CANCELLED),
    (S.READY_FOR_DETERMINATION, A.CANCEL, S.CANCELLED),
]
PD_SETTLED = [S.OPEN, S.SUBMITTED, S.APPROVED, S.ACTIVE, S.SUSPENDED, S.PENDING_CLOSURE, S.CLOSED]
PRODUCT_DELIVERY = [
    (S.OPEN, A.SUBMIT, S.SUBMITTED),
    (S.SUBMITTED, A.APPROVE, S.APPROVED),
    (S.SUBMITTED, A.REJECT, S.OPEN),
    (S.APPROVED, A.ACTIVATE, S.ACTIVE),
    (S.ACTIVE, A.SUSPEND, S.SUSPENDED),
    (S.SUSPENDED, A.UNSUSPEND, S.ACTIVE),
    (S.OPEN, A.REQUEST_CLOSURE, S.PENDING_CLOSURE),
    (S.SUBMITTED, A.REQUEST_CLOSURE, S.PENDING_CLOSURE),
    (S.APPROVED, A.REQUEST_CLOSURE, S.PENDING_CLOSURE),
    (S.ACTIVE, A.REQUEST_CLOSURE, S.PENDING_CLOSURE),
    (S.SUSPENDED, A.REQUEST_CLOSURE, S.PENDING_CLOSURE),
    (S.OPEN, A.CLOSE, S.CLOSED),
    (S.SUBMITTED, A.CLOSE, S.CLOSED),
    (S.APPROVED, A.CLOSE, S.CLOSED),
    (S.ACTIVE, A.CLOSE, S.CLOSED),
    (S.SUSPENDED, A.CLOSE, S.CLOSED),
    (S.PENDING_CLOSURE, A.CLOSE, S.CLOSED),
    (S.PENDING_CLOSURE, A.REACTIVATE, S.OPEN),
    (S.CLOSED, A.REACTIVATE, S.OPEN),
    *[(status, A.START_BACKGROUND_PROCESS, S.DELAYED_PROCESS_PENDING) for status in PD_SETTLED],
]
OPEN_CLOSED = [(S.OPEN, A.CLOSE, S.CLOSED)]
SPEC = {
    CaseType.APPLICATION: APPLICATION,
    PD: PRODUCT_DELIVERY,
    **dict.fromkeys(OPEN_CLOSED_TYPES, OPEN_CLOSED),
}
# Leaving DELAYED_PROCESS_PENDING depends on the status the case left, so it is not in the table.
FINISH = (S.DELAYED_PROCESS_PENDING, A.FINISH_BACKGROUND_PROCESS)

ALLOWED = [(t, *move) for t, moves in SPEC.items() for move in moves]
FORBIDDEN = [
    (t, status, action)
    for t, moves in SPEC.items()
    for status, action in product(CaseStatus, CaseAction)
    if (status, action) not in {(f, a) for f, a, _ in moves}
    and not (t is PD and (status, action) == FINISH)
]


def run(case_type: CaseType, status: CaseStatus, *actions: CaseAction) -> CaseStatus:
    for action in actions:
        status = transition(case_type, status, action)
    return status


@pytest.mark.parametrize("case_type", list(CaseType))
def test_each_table_is_exactly_the_specified_lifecycle(case_type: CaseType) -> None:
    assert dict(TRANSITIONS[case_type]) == {(f, a): to for f, a, to in SPEC[case_type]}


@pytest.mark.parametrize(("case_type", "current", "action", "expected"), ALLOWED)
def test_allowed_move(
    case_type: CaseType, current: CaseStatus, action: CaseAction, expected: CaseStatus
) -> None:
    assert transition(case_type, current, action) is expected
    assert action in allowed_actions(case_type, current)


@pytest.mark.parametrize(("case_type", "current", "action"), FORBIDDEN)
def test_forbidden_move(case_type: CaseType, current: CaseStatus, action: CaseAction) -> None:
    with pytest.raises(IllegalTransition) as caught:
        transition(case_type, current, action, previous=S.ACTIVE)
    assert caught.value.code is ErrorCode.ILLEGAL_TRANSITION
    assert caught.value.field == "action"
    assert action not in allowed_actions(case_type, current)


def test_cases_start_open_except_applications_which_start_in_progress() -> None:
    assert INITIAL_STATUS[CaseType.APPLICATION] is S.IN_PROGRESS
    assert {INITIAL_STATUS[t] for t in CaseType if t is not CaseType.APPLICATION} == {S.OPEN}


def test_each_case_type_has_the_statuses_of_the_seed() -> None:
    assert CASE_STATUSES[CaseType.APPLICATION] == {
        S.IN_PROGRESS,
        S.SUBMITTING,
        S.SUBMIT_FAILED,
        S.SUBMITTED,
        S.READY_FOR_DETERMINATION,
        S.DISPOSED,
        S.CANCELLED,
    }
    assert CASE_STATUSES[PD] == {*PD_SETTLED, S.DELAYED_PROCESS_PENDING}
    for case_type in OPEN_CLOSED_TYPES:
        assert CASE_STATUSES[case_type] == {S.OPEN, S.CLOSED}


# --- application case ---------------------------------------------------------------------


def test_only_in_progress_or_submit_failed_applications_enter_submitting() -> None:
    entering = {
        status
        for status, action in product(CaseStatus, CaseAction)
        if TRANSITIONS[CaseType.APPLICATION].get((status, action)) is S.SUBMITTING
    }
    assert entering == {S.IN_PROGRESS, S.SUBMIT_FAILED}


def test_a_failed_application_submission_is_resubmitted_and_goes_on_to_disposal() -> None:
    status = run(CaseType.APPLICATION, S.IN_PROGRESS, A.SUBMIT, A.SUBMISSION_FAILED)
    assert status is S.SUBMIT_FAILED
    status = run(
        CaseType.APPLICATION, status, A.SUBMIT, A.SUBMISSION_SUCCEEDED, A.MARK_READY, A.DISPOSE
    )
    assert status is S.DISPOSED
    assert allowed_actions(CaseType.APPLICATION, status) == ()


@pytest.mark.parametrize("status", [S.SUBMITTED, S.READY_FOR_DETERMINATION, S.DISPOSED])
def test_a_submitted_application_cannot_be_submitted_again(status: CaseStatus) -> None:
    with pytest.raises(IllegalTransition):
        transition(CaseType.APPLICATION, status, A.SUBMIT)


def test_an_application_being_submitted_waits_for_the_outcome_before_it_can_be_cancelled() -> None:
    with pytest.raises(IllegalTransition):
        transition(CaseType.APPLICATION, S.SUBMITTING, A.CANCEL)
    status = run(CaseType.APPLICATION, S.SUBMITTING, A.SUBMISSION_FAILED, A.CANCEL)
    assert status is S.CANCELLED


# --- product delivery case ----------------------------------------------------------------


def test_a_product_delivery_case_is_approved_before_it_is_activated() -> None:
    with pytest.raises(IllegalTransition):
        transition(PD, S.OPEN, A.ACTIVATE)
    with pytest.raises(IllegalTransition):
        transition(PD, S.SUBMITTED, A.ACTIVATE)
    assert run(PD, S.OPEN, A.SUBMIT, A.APPROVE, A.ACTIVATE) is S.ACTIVE


def test_a_rejected_submission_returns_the_case_to_open() -> None:
    assert run(PD, S.OPEN, A.SUBMIT, A.REJECT) is S.OPEN


def test_suspension_and_unsuspension() -> None:
    assert run(PD, S.ACTIVE, A.SUSPEND) is S.SUSPENDED
    assert run(PD, S.ACTIVE, A.SUSPEND, A.UNSUSPEND) is S.ACTIVE


@pytest.mark.parametrize("closed", [S.CLOSED, S.PENDING_CLOSURE])
def test_reactivation_goes_back_to_open_and_needs_approval_and_activation_again(
    closed: CaseStatus,
) -> None:
    status = transition(PD, closed, A.REACTIVATE)
    assert status is S.OPEN
    for shortcut in (A.ACTIVATE, A.APPROVE, A.UNSUSPEND):
        with pytest.raises(IllegalTransition):
            transition(PD, status, shortcut)
    assert run(PD, status, A.SUBMIT, A.APPROVE, A.ACTIVATE) is S.ACTIVE


def test_an_active_case_closes_now_or_on_a_future_date() -> None:
    assert run(PD, S.ACTIVE, A.CLOSE) is S.CLOSED
    assert run(PD, S.ACTIVE, A.REQUEST_CLOSURE, A.CLOSE) is S.CLOSED


def test_approval_decisions_are_the_supervisors() -> None:
    assert {A.APPROVE, A.REJECT} == SUPERVISOR_ACTIONS
    for action in SUPERVISOR_ACTIONS:
        assert action in allowed_actions(PD, S.SUBMITTED)


@pytest.mark.parametrize("left", PD_SETTLED)
def test_a_background_process_returns_the_case_to_the_status_it_left(left: CaseStatus) -> None:
    pending = transition(PD, left, A.START_BACKGROUND_PROCESS)
    assert pending is S.DELAYED_PROCESS_PENDING
    assert transition(PD, pending, A.FINISH_BACKGROUND_PROCESS, previous=left) is left


def test_nothing_else_happens_to_a_case_while_a_background_process_runs() -> None:
    assert allowed_actions(PD, S.DELAYED_PROCESS_PENDING) == (A.FINISH_BACKGROUND_PROCESS,)
    assert set(PD_SETTLED) == RESUMABLE_STATUSES


def test_an_activation_run_in_the_background_activates_after_it_finishes() -> None:
    pending = transition(PD, S.APPROVED, A.START_BACKGROUND_PROCESS)
    back = transition(PD, pending, A.FINISH_BACKGROUND_PROCESS, previous=S.APPROVED)
    assert transition(PD, back, A.ACTIVATE) is S.ACTIVE


def test_finishing_a_background_process_needs_the_status_the_case_left() -> None:
    with pytest.raises(DomainError) as caught:
        transition(PD, S.DELAYED_PROCESS_PENDING, A.FINISH_BACKGROUND_PROCESS)
    assert (caught.value.code, caught.value.field) == (ErrorCode.REQUIRED, "previous")


@pytest.mark.parametrize("previous", [S.DELAYED_PROCESS_PENDING, S.IN_PROGRESS, S.DISPOSED])
def test_a_background_process_cannot_return_to_a_status_it_cannot_have_left(
    previous: CaseStatus,
) -> None:
    with pytest.raises(DomainError) as caught:
        transition(PD, S.DELAYED_PROCESS_PENDING, A.FINISH_BACKGROUND_PROCESS, previous=previous)
    assert (caught.value.code, caught.value.field) == (ErrorCode.INVALID, "previous")


@given(st.lists(st.sampled_from(list(CaseAction)), max_size=40))
def test_a_product_delivery_case_is_only_ever_active_after_an_approval_since_it_last_opened(
    actions: list[CaseAction],
) -> None:
    status, left, approved = S.OPEN, None, False
    for action in actions:
        try:
            after = transition(PD, status, action, previous=left)
        except IllegalTransition:
            continue
        if after is S.DELAYED_PROCESS_PENDING:
            left = status
        elif after is S.OPEN:
            approved = False
        elif after is S.APPROVED:
            approved = True
        assert after in CASE_STATUSES[PD]
        if after is S.ACTIVE:
            assert approved
        status = after


# --- the open/closed case types -----------------------------------------------------------


@pytest.mark.parametrize("case_type", OPEN_CLOSED_TYPES)
def test_an_open_case_closes_for_good(case_type: CaseType) -> None:
    status = transition(case_type, S.OPEN, A.CLOSE)
    assert status is S.CLOSED
    assert allowed_actions(case_type, status) == ()
    with pytest.raises(IllegalTransition):
        transition(case_type, status, A.REACTIVATE)
