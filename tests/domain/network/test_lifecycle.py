"""Every allowed move of the network lifecycles, and every forbidden one."""

from __future__ import annotations

import itertools

import pytest

from domain.lifecycle import IllegalTransition
from domain.network import lifecycle as lc
from domain.network.lifecycle import (
    ApplicationAction as PA,
)
from domain.network.lifecycle import (
    ApplicationStatus as P,
)
from domain.network.lifecycle import (
    ContractAction as CA,
)
from domain.network.lifecycle import (
    ContractStatus as C,
)
from domain.network.lifecycle import (
    ContractVersionAction as CVA,
)
from domain.network.lifecycle import (
    ContractVersionStatus as CV,
)
from domain.network.lifecycle import (
    NetworkStage as G,
)
from domain.network.lifecycle import (
    OnboardingTaskAction as TA,
)
from domain.network.lifecycle import (
    OnboardingTaskStatus as T,
)
from domain.network.lifecycle import (
    OutreachAction as OA,
)
from domain.network.lifecycle import (
    OutreachStatus as R,
)
from domain.network.lifecycle import (
    StageAction as GA,
)
from domain.network.lifecycle import (
    VerificationAction as VA,
)
from domain.network.lifecycle import (
    VerificationStatus as V,
)

ALLOWED = {
    "stage": [
        (G.RECRUITING, GA.APPLY, G.CREDENTIALING),
        (G.CREDENTIALING, GA.APPROVE, G.CONTRACTING),
        (G.CONTRACTING, GA.ACTIVATE_CONTRACT, G.ONBOARDING),
        (G.ONBOARDING, GA.COMPLETE_ONBOARDING, G.ONGOING),
        (G.CREDENTIALING, GA.END, G.ENDED),
        (G.CONTRACTING, GA.END, G.ENDED),
        (G.ONBOARDING, GA.END, G.ENDED),
        (G.ONGOING, GA.END, G.ENDED),
    ],
    "application": [
        (P.DRAFT, PA.SAVE, P.DRAFT),
        (P.DRAFT, PA.SUBMIT, P.SUBMITTED),
        (P.SUBMITTED, PA.START_REVIEW, P.IN_REVIEW),
        (P.SUBMITTED, PA.REQUEST_DOCUMENTS, P.DOCUMENTS_REQUESTED),
        (P.IN_REVIEW, PA.REQUEST_DOCUMENTS, P.DOCUMENTS_REQUESTED),
        (P.DOCUMENTS_REQUESTED, PA.REQUEST_DOCUMENTS, P.DOCUMENTS_REQUESTED),
        (P.DOCUMENTS_REQUESTED, PA.ANSWER_REQUEST, P.IN_REVIEW),
        (P.IN_REVIEW, PA.APPROVE, P.APPROVED),
        (P.IN_REVIEW, PA.DENY, P.DENIED),
        (P.DOCUMENTS_REQUESTED, PA.DENY, P.DENIED),
        (P.DRAFT, PA.WITHDRAW, P.WITHDRAWN),
        (P.SUBMITTED, PA.WITHDRAW, P.WITHDRAWN),
        (P.IN_REVIEW, PA.WITHDRAW, P.WITHDRAWN),
        (P.DOCUMENTS_REQUESTED, PA.WITHDRAW, P.WITHDRAWN),
    ],
    "verification": [
        (V.PENDING, VA.VERIFY, V.VERIFIED),
        (V.PENDING, VA.FAIL, V.FAILED),
        (V.FAILED, VA.RERUN, V.PENDING),
        (V.VERIFIED, VA.EXPIRE, V.EXPIRED),
        (V.EXPIRED, VA.RERUN, V.PENDING),
        (V.VERIFIED, VA.RERUN, V.PENDING),
    ],
    "contract": [
        (C.DRAFT, CA.REVISE, C.DRAFT),
        (C.PENDING_APPROVAL, CA.REVISE, C.DRAFT),
        (C.APPROVED, CA.REVISE, C.DRAFT),
        (C.SENT_FOR_SIGNATURE, CA.REVISE, C.DRAFT),
        (C.DRAFT, CA.SUBMIT_FOR_APPROVAL, C.PENDING_APPROVAL),
        (C.PENDING_APPROVAL, CA.APPROVE, C.APPROVED),
        (C.PENDING_APPROVAL, CA.REJECT, C.DRAFT),
        (C.APPROVED, CA.SEND_FOR_SIGNATURE, C.SENT_FOR_SIGNATURE),
        (C.SENT_FOR_SIGNATURE, CA.SIGN, C.SIGNED),
        (C.SIGNED, CA.ACTIVATE, C.ACTIVE),
        (C.ACTIVE, CA.EXPIRE, C.EXPIRED),
        *[
            (s, CA.TERMINATE, C.TERMINATED)
            for s in (
                C.DRAFT,
                C.PENDING_APPROVAL,
                C.APPROVED,
                C.SENT_FOR_SIGNATURE,
                C.SIGNED,
                C.ACTIVE,
            )
        ],
    ],
    "contract_version": [
        (CV.DRAFT, CVA.APPROVE, CV.APPROVED),
        (CV.APPROVED, CVA.REOPEN, CV.DRAFT),
        (CV.APPROVED, CVA.SIGN, CV.SIGNED),
        (CV.DRAFT, CVA.SUPERSEDE, CV.SUPERSEDED),
        (CV.APPROVED, CVA.SUPERSEDE, CV.SUPERSEDED),
    ],
    "onboarding_task": [
        (T.OPEN, TA.START, T.IN_PROGRESS),
        (T.OPEN, TA.COMPLETE, T.DONE),
        (T.IN_PROGRESS, TA.COMPLETE, T.DONE),
        (T.OPEN, TA.CANCEL, T.CANCELLED),
        (T.IN_PROGRESS, TA.CANCEL, T.CANCELLED),
    ],
    "outreach": [
        (R.NEW, OA.CONTACT, R.CONTACTED),
        (R.NEW, OA.EXPRESS_INTEREST, R.INTERESTED),
        (R.CONTACTED, OA.CONTACT, R.CONTACTED),
        (R.CONTACTED, OA.EXPRESS_INTEREST, R.INTERESTED),
        (R.INTERESTED, OA.EXPRESS_INTEREST, R.INTERESTED),
        (R.NOT_INTERESTED, OA.EXPRESS_INTEREST, R.INTERESTED),
        (R.INTERESTED, OA.CONTACT, R.INTERESTED),
        (R.INTERESTED, OA.INVITE, R.INVITED),
        (R.CONTACTED, OA.INVITE, R.INVITED),
        (R.INVITED, OA.APPLY, R.APPLIED),
        (R.NEW, OA.DECLINE, R.NOT_INTERESTED),
        (R.CONTACTED, OA.DECLINE, R.NOT_INTERESTED),
        (R.INTERESTED, OA.DECLINE, R.NOT_INTERESTED),
    ],
}

ALLOWED_CASES = [(table, *move) for table, moves in ALLOWED.items() for move in moves]
FORBIDDEN_CASES = [
    (table, status, action)
    for table, (statuses, actions) in lc.ENUMS.items()
    for status, action in itertools.product(statuses, actions)
    if not any(s == status and a == action for s, a, _ in ALLOWED[table])
]


@pytest.mark.parametrize(("table", "current", "action", "target"), ALLOWED_CASES, ids=str)
def test_an_allowed_move_leads_where_the_table_says(table, current, action, target):
    assert lc.next_status(table, current, action) is target


@pytest.mark.parametrize(("table", "current", "action"), FORBIDDEN_CASES, ids=str)
def test_every_other_move_is_refused_with_the_action_at_fault(table, current, action):
    with pytest.raises(IllegalTransition) as raised:
        lc.next_status(table, current, action)
    assert raised.value.field == "action"


@pytest.mark.parametrize("table", list(lc.TABLES))
def test_the_tables_hold_exactly_the_listed_moves(table):
    listed = {(s, a): t for s, a, t in ALLOWED[table]}
    assert dict(lc.TABLES[table]) == listed


def test_terminal_statuses_offer_no_action():
    for status in (P.APPROVED, P.DENIED, P.WITHDRAWN):
        assert lc.allowed_actions("application", status) == ()
    for status in lc.TERMINAL_CONTRACT:
        assert lc.allowed_actions("contract", status) == ()
    assert lc.allowed_actions("stage", G.ENDED) == ()
    assert lc.allowed_actions("onboarding_task", T.DONE) == ()
    assert lc.allowed_actions("contract_version", CV.SIGNED) == ()
