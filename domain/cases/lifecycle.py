"""Case lifecycles (seed 003, DESIGN §3): one transition table per kind of case.

One `CaseStatus` and one `CaseAction` serve every case type, so a case keeps a single status
column and the API a single `transitionCase(action)`; each type's table says which of them
apply to it. A status outside a type's table is simply illegal for that type.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from domain import lifecycle
from domain.errors import DomainError, ErrorCode


class CaseType(StrEnum):
    SCREENING = "SCREENING"
    ASSESSMENT = "ASSESSMENT"
    APPLICATION = "APPLICATION"
    INTEGRATED = "INTEGRATED"
    PRODUCT_DELIVERY = "PRODUCT_DELIVERY"
    ISSUE = "ISSUE"
    INVESTIGATION = "INVESTIGATION"


class CaseStatus(StrEnum):
    # application case
    IN_PROGRESS = "IN_PROGRESS"
    SUBMITTING = "SUBMITTING"
    SUBMIT_FAILED = "SUBMIT_FAILED"
    SUBMITTED = "SUBMITTED"  # also product delivery: submitted for approval
    READY_FOR_DETERMINATION = "READY_FOR_DETERMINATION"
    DISPOSED = "DISPOSED"
    CANCELLED = "CANCELLED"
    # product delivery case (OPEN and CLOSED also for every other type)
    OPEN = "OPEN"
    APPROVED = "APPROVED"
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    PENDING_CLOSURE = "PENDING_CLOSURE"
    CLOSED = "CLOSED"
    DELAYED_PROCESS_PENDING = "DELAYED_PROCESS_PENDING"


class CaseAction(StrEnum):
    SUBMIT = "SUBMIT"
    SUBMISSION_SUCCEEDED = "SUBMISSION_SUCCEEDED"
    SUBMISSION_FAILED = "SUBMISSION_FAILED"
    MARK_READY = "MARK_READY"
    DISPOSE = "DISPOSE"
    CANCEL = "CANCEL"
    APPROVE = "APPROVE"
    REJECT = "REJECT"
    ACTIVATE = "ACTIVATE"
    SUSPEND = "SUSPEND"
    UNSUSPEND = "UNSUSPEND"
    REQUEST_CLOSURE = "REQUEST_CLOSURE"
    CLOSE = "CLOSE"
    REACTIVATE = "REACTIVATE"
    START_BACKGROUND_PROCESS = "START_BACKGROUND_PROCESS"
    FINISH_BACKGROUND_PROCESS = "FINISH_BACKGROUND_PROCESS"


Table = Mapping[tuple[CaseStatus, CaseAction], CaseStatus]
Status = CaseStatus
Action = CaseAction

# SUBMITTING is held by the system while the submission runs: only its outcome moves it, so a
# cancel cannot race the submission. "Any open status may be cancelled" means the others.
APPLICATION_TRANSITIONS: Table = {
    (Status.IN_PROGRESS, Action.SUBMIT): Status.SUBMITTING,
    (Status.SUBMIT_FAILED, Action.SUBMIT): Status.SUBMITTING,
    (Status.SUBMITTING, Action.SUBMISSION_SUCCEEDED): Status.SUBMITTED,
    (Status.SUBMITTING, Action.SUBMISSION_FAILED): Status.SUBMIT_FAILED,
    (Status.SUBMITTED, Action.MARK_READY): Status.READY_FOR_DETERMINATION,
    (Status.READY_FOR_DETERMINATION, Action.DISPOSE): Status.DISPOSED,
    (Status.IN_PROGRESS, Action.CANCEL): Status.CANCELLED,
    (Status.SUBMIT_FAILED, Action.CANCEL): Status.CANCELLED,
    (Status.SUBMITTED, Action.CANCEL): Status.CANCELLED,
    (Status.READY_FOR_DETERMINATION, Action.CANCEL): Status.CANCELLED,
}

# Statuses a product delivery case can be in outside a background process.
_PRODUCT_DELIVERY_SETTLED = (
    Status.OPEN,
    Status.SUBMITTED,
    Status.APPROVED,
    Status.ACTIVE,
    Status.SUSPENDED,
    Status.PENDING_CLOSURE,
    Status.CLOSED,
)
# "Close manually at any point in its lifecycle, or set it to close on a future date."
_PRODUCT_DELIVERY_LIVE = (
    Status.OPEN,
    Status.SUBMITTED,
    Status.APPROVED,
    Status.ACTIVE,
    Status.SUSPENDED,
)

# While a background process runs (DELAYED_PROCESS_PENDING) nothing else may happen to the case
# (the seed: no activation or reassessment while one is in progress). FINISH_BACKGROUND_PROCESS
# returns the case to the status it left, which the table cannot know: see `transition`.
PRODUCT_DELIVERY_TRANSITIONS: Table = {
    (Status.OPEN, Action.SUBMIT): Status.SUBMITTED,
    (Status.SUBMITTED, Action.APPROVE): Status.APPROVED,
    (Status.SUBMITTED, Action.REJECT): Status.OPEN,
    (Status.APPROVED, Action.ACTIVATE): Status.ACTIVE,
    (Status.ACTIVE, Action.SUSPEND): Status.SUSPENDED,
    (Status.SUSPENDED, Action.UNSUSPEND): Status.ACTIVE,
    **{
        (status, Action.REQUEST_CLOSURE): Status.PENDING_CLOSURE
        for status in _PRODUCT_DELIVERY_LIVE
    },
    **{
        (status, Action.CLOSE): Status.CLOSED
        for status in (*_PRODUCT_DELIVERY_LIVE, Status.PENDING_CLOSURE)
    },
    (Status.PENDING_CLOSURE, Action.REACTIVATE): Status.OPEN,
    (Status.CLOSED, Action.REACTIVATE): Status.OPEN,
    **{
        (status, Action.START_BACKGROUND_PROCESS): Status.DELAYED_PROCESS_PENDING
        for status in _PRODUCT_DELIVERY_SETTLED
    },
}

# Integrated, screening, assessment, issue and investigation cases: open until closed. The seed
# describes reactivation for product delivery cases only, so CLOSED is final here.
OPEN_CLOSED_TRANSITIONS: Table = {(Status.OPEN, Action.CLOSE): Status.CLOSED}

TRANSITIONS: Mapping[CaseType, Table] = {
    CaseType.APPLICATION: APPLICATION_TRANSITIONS,
    CaseType.PRODUCT_DELIVERY: PRODUCT_DELIVERY_TRANSITIONS,
    CaseType.INTEGRATED: OPEN_CLOSED_TRANSITIONS,
    CaseType.SCREENING: OPEN_CLOSED_TRANSITIONS,
    CaseType.ASSESSMENT: OPEN_CLOSED_TRANSITIONS,
    CaseType.ISSUE: OPEN_CLOSED_TRANSITIONS,
    CaseType.INVESTIGATION: OPEN_CLOSED_TRANSITIONS,
}

INITIAL_STATUS: Mapping[CaseType, CaseStatus] = {
    case_type: Status.IN_PROGRESS if case_type is CaseType.APPLICATION else Status.OPEN
    for case_type in CaseType
}

CASE_STATUSES: Mapping[CaseType, frozenset[CaseStatus]] = {
    case_type: frozenset({INITIAL_STATUS[case_type]})
    | {status for status, _ in table}
    | set(table.values())
    for case_type, table in TRANSITIONS.items()
}

# The case SUPERVISOR decides on a product delivery case submitted for approval; the service
# checks the actor's case role before calling `transition`.
SUPERVISOR_ACTIONS: frozenset[CaseAction] = frozenset({Action.APPROVE, Action.REJECT})

# The statuses a background process may have left, so the only ones it may return to.
RESUMABLE_STATUSES: frozenset[CaseStatus] = frozenset(_PRODUCT_DELIVERY_SETTLED)


def transition(
    case_type: CaseType,
    current: CaseStatus,
    action: CaseAction,
    *,
    previous: CaseStatus | None = None,
) -> CaseStatus:
    """The status `action` leads a case of `case_type` to, or IllegalTransition.

    FINISH_BACKGROUND_PROCESS on a product delivery case in DELAYED_PROCESS_PENDING returns it
    to `previous`: the status it had when the process started (the `from` of the status-history
    entry that entered DELAYED_PROCESS_PENDING). A process that leads somewhere new (activation,
    closure) is applied as that action after it finishes, so the history shows both steps.
    `previous` is ignored for every other action.
    """
    if (
        case_type == CaseType.PRODUCT_DELIVERY
        and current == Status.DELAYED_PROCESS_PENDING
        and action == Action.FINISH_BACKGROUND_PROCESS
    ):
        return _resume(previous)
    return lifecycle.next_status(TRANSITIONS[case_type], current, action)


def allowed_actions(case_type: CaseType, current: CaseStatus) -> tuple[CaseAction, ...]:
    """What may be done to a case of `case_type` in `current`, in the table's order."""
    if case_type == CaseType.PRODUCT_DELIVERY and current == Status.DELAYED_PROCESS_PENDING:
        return (Action.FINISH_BACKGROUND_PROCESS,)
    return lifecycle.allowed_actions(TRANSITIONS[case_type], current)


def _resume(previous: CaseStatus | None) -> CaseStatus:
    if previous is None:
        raise DomainError(
            ErrorCode.REQUIRED,
            "Finishing a background process needs the status the case left",
            "previous",
        )
    if previous not in RESUMABLE_STATUSES:
        raise DomainError(
            ErrorCode.INVALID,
            f"A background process cannot have started in status {previous}",
            "previous",
        )
    return previous


# Statuses in which no work is done on a case (a closed product delivery case may still be
# reactivated, which makes it OPEN again first).
CLOSED_STATUSES: frozenset[CaseStatus] = frozenset(
    {Status.CLOSED, Status.CANCELLED, Status.DISPOSED}
)


def is_open(status: CaseStatus) -> bool:
    """Whether work (benefits, referrals, reviews) may still be added to a case."""
    return status not in CLOSED_STATUSES


class BenefitAssignmentStatus(StrEnum):
    PLANNED = "PLANNED"
    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class BenefitAssignmentAction(StrEnum):
    ACTIVATE = "ACTIVATE"  # delivery may start: for SERVICE, when a provider is authorized
    COMPLETE = "COMPLETE"
    CANCEL = "CANCEL"


BENEFIT_ASSIGNMENT_TRANSITIONS: Mapping[
    tuple[BenefitAssignmentStatus, BenefitAssignmentAction], BenefitAssignmentStatus
] = {
    (BenefitAssignmentStatus.PLANNED, BenefitAssignmentAction.ACTIVATE): (
        BenefitAssignmentStatus.ACTIVE
    ),
    (BenefitAssignmentStatus.ACTIVE, BenefitAssignmentAction.COMPLETE): (
        BenefitAssignmentStatus.COMPLETED
    ),
    (BenefitAssignmentStatus.PLANNED, BenefitAssignmentAction.CANCEL): (
        BenefitAssignmentStatus.CANCELLED
    ),
    (BenefitAssignmentStatus.ACTIVE, BenefitAssignmentAction.CANCEL): (
        BenefitAssignmentStatus.CANCELLED
    ),
}


class CaseReviewStatus(StrEnum):
    SCHEDULED = "SCHEDULED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"  # also what closing the case does to a review still scheduled


class CaseReviewAction(StrEnum):
    COMPLETE = "COMPLETE"
    CANCEL = "CANCEL"


CASE_REVIEW_TRANSITIONS: Mapping[tuple[CaseReviewStatus, CaseReviewAction], CaseReviewStatus] = {
    (CaseReviewStatus.SCHEDULED, CaseReviewAction.COMPLETE): CaseReviewStatus.COMPLETED,
    (CaseReviewStatus.SCHEDULED, CaseReviewAction.CANCEL): CaseReviewStatus.CANCELLED,
}
