"""Benefit assignment and case review lifecycles: every allowed move, every other one refused."""

from __future__ import annotations

import itertools

import pytest

from domain.cases.lifecycle import (
    BENEFIT_ASSIGNMENT_TRANSITIONS,
    CASE_REVIEW_TRANSITIONS,
)
from domain.cases.lifecycle import (
    BenefitAssignmentAction as A,
)
from domain.cases.lifecycle import (
    BenefitAssignmentStatus as S,
)
from domain.cases.lifecycle import (
    CaseReviewAction as RA,
)
from domain.cases.lifecycle import (
    CaseReviewStatus as RS,
)
from domain.lifecycle import IllegalTransition, next_status

ASSIGNMENT_MOVES = {
    (S.PLANNED, A.ACTIVATE): S.ACTIVE,
    (S.ACTIVE, A.COMPLETE): S.COMPLETED,
    (S.PLANNED, A.CANCEL): S.CANCELLED,
    (S.ACTIVE, A.CANCEL): S.CANCELLED,
}
REVIEW_MOVES = {
    (RS.SCHEDULED, RA.COMPLETE): RS.COMPLETED,
    (RS.SCHEDULED, RA.CANCEL): RS.CANCELLED,
}


@pytest.mark.parametrize(("move", "target"), ASSIGNMENT_MOVES.items(), ids=str)
def test_benefit_assignment_allowed_moves(move, target):
    assert next_status(BENEFIT_ASSIGNMENT_TRANSITIONS, *move) is target


@pytest.mark.parametrize(
    "move", [m for m in itertools.product(S, A) if m not in ASSIGNMENT_MOVES], ids=str
)
def test_benefit_assignment_other_moves_are_illegal(move):
    with pytest.raises(IllegalTransition) as refused:
        next_status(BENEFIT_ASSIGNMENT_TRANSITIONS, *move)
    assert refused.value.field == "action"


@pytest.mark.parametrize(("move", "target"), REVIEW_MOVES.items(), ids=str)
def test_case_review_allowed_moves(move, target):
    assert next_status(CASE_REVIEW_TRANSITIONS, *move) is target


@pytest.mark.parametrize(
    "move", [m for m in itertools.product(RS, RA) if m not in REVIEW_MOVES], ids=str
)
def test_case_review_other_moves_are_illegal(move):
    with pytest.raises(IllegalTransition):
        next_status(CASE_REVIEW_TRANSITIONS, *move)


def test_the_tables_are_exactly_the_moves_listed_here():
    assert dict(BENEFIT_ASSIGNMENT_TRANSITIONS) == ASSIGNMENT_MOVES
    assert dict(CASE_REVIEW_TRANSITIONS) == REVIEW_MOVES
