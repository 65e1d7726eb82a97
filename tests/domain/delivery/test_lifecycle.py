"""Delivery lifecycles: every allowed move, and every other one refused."""

from __future__ import annotations

import itertools

import pytest

from domain.delivery import lifecycle as lc
from domain.delivery.lifecycle import ContractAction as CA
from domain.delivery.lifecycle import ContractStatus as C
from domain.delivery.lifecycle import CorrectionAction as XA
from domain.delivery.lifecycle import CorrectionStatus as X
from domain.delivery.lifecycle import DisbursementAction as DA
from domain.delivery.lifecycle import DisbursementStatus as D
from domain.delivery.lifecycle import PaymentAction as PA
from domain.delivery.lifecycle import PaymentStatus as P
from domain.delivery.lifecycle import SessionAction as SA
from domain.delivery.lifecycle import SessionStatus as S
from domain.lifecycle import IllegalTransition, next_status

SESSION_MOVES = {
    (S.SCHEDULED, SA.COMPLETE): S.COMPLETED,
    (S.SCHEDULED, SA.CANCEL): S.CANCELLED,
}
DISBURSEMENT_MOVES = {
    (D.ENROLLED, DA.RECORD): D.RECORDED,
    (D.RECORDED, DA.RECORD): D.RECORDED,
    (D.PENDING_APPROVAL, DA.RECORD): D.RECORDED,
    (D.APPROVED, DA.RECORD): D.RECORDED,
    (D.PAID, DA.RECORD): D.PAID,
    (D.ENROLLED, DA.CANCEL): D.CANCELLED,
    (D.RECORDED, DA.HOLD): D.PENDING_APPROVAL,
    (D.RECORDED, DA.APPROVE): D.APPROVED,
    (D.PENDING_APPROVAL, DA.APPROVE): D.APPROVED,
    (D.PENDING_APPROVAL, DA.REJECT): D.REJECTED,
    (D.APPROVED, DA.PAY): D.PAID,
    (D.PAID, DA.RELEASE): D.APPROVED,
}
CONTRACT_MOVES = {
    (C.DRAFT, CA.ACTIVATE): C.ACTIVE,
    (C.ACTIVE, CA.SUSPEND): C.SUSPENDED,
    (C.SUSPENDED, CA.RESUME): C.ACTIVE,
    (C.DRAFT, CA.TERMINATE): C.TERMINATED,
    (C.ACTIVE, CA.TERMINATE): C.TERMINATED,
    (C.SUSPENDED, CA.TERMINATE): C.TERMINATED,
}
PAYMENT_MOVES = {
    (P.PENDING, PA.APPROVE): P.APPROVED,
    (P.APPROVED, PA.ISSUE): P.ISSUED,
    (P.PENDING, PA.CANCEL): P.CANCELLED,
    (P.APPROVED, PA.CANCEL): P.CANCELLED,
}
CORRECTION_MOVES = {
    (X.OPEN, XA.SETTLE): X.SETTLED,
    (X.SETTLED, XA.REOPEN): X.OPEN,
}
TABLES = [
    ("session", lc.SESSION_TRANSITIONS, SESSION_MOVES, S, SA),
    ("disbursement", lc.DISBURSEMENT_TRANSITIONS, DISBURSEMENT_MOVES, D, DA),
    ("contract", lc.CONTRACT_TRANSITIONS, CONTRACT_MOVES, C, CA),
    ("payment", lc.PAYMENT_TRANSITIONS, PAYMENT_MOVES, P, PA),
    ("correction", lc.CORRECTION_TRANSITIONS, CORRECTION_MOVES, X, XA),
]
ALLOWED = [(t, move, target) for name, t, moves, _, _ in TABLES for move, target in moves.items()]
FORBIDDEN = [
    (t, move)
    for _, t, moves, statuses, actions in TABLES
    for move in itertools.product(statuses, actions)
    if move not in moves
]


@pytest.mark.parametrize(("table", "move", "target"), ALLOWED, ids=str)
def test_allowed_moves(table, move, target):
    assert next_status(table, *move) is target


@pytest.mark.parametrize(("table", "move"), FORBIDDEN, ids=str)
def test_every_other_move_is_illegal(table, move):
    with pytest.raises(IllegalTransition) as refused:
        next_status(table, *move)
    assert refused.value.field == "action"


@pytest.mark.parametrize(("name", "table", "moves"), [(n, t, m) for n, t, m, _, _ in TABLES])
def test_the_tables_are_exactly_the_moves_listed_here(name, table, moves):
    assert dict(table) == moves, name


def test_a_paid_disbursement_is_never_paid_again_nor_cancelled():
    for action in (DA.PAY, DA.CANCEL, DA.APPROVE, DA.HOLD):
        with pytest.raises(IllegalTransition):
            lc.next_disbursement_status(D.PAID, action)


def test_an_issued_payment_cannot_be_cancelled():
    with pytest.raises(IllegalTransition):
        lc.next_payment_status(P.ISSUED, PA.CANCEL)
