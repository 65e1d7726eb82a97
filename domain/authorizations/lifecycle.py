"""The AuthorizationRequest lifecycle (DESIGN §3) and the request status derived from its lines.

The same table serves both authorizers: a payer reached through a trading partner and an agency
caseworker deciding on a referral. Which authorizer may take which action (only an agency
request can end NOT_SELECTED) is the service's business; this module only says what can follow
what.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum

from domain import lifecycle
from domain.errors import DomainError, ErrorCode


class AuthorizationStatus(StrEnum):
    DRAFT = "DRAFT"
    SUBMITTING = "SUBMITTING"  # handed to the outbox; only the transport's outcome moves it
    SUBMIT_FAILED = "SUBMIT_FAILED"  # transport gave up; can be resubmitted
    SUBMITTED = "SUBMITTED"
    PENDED = "PENDED"
    INFO_REQUESTED = "INFO_REQUESTED"
    APPROVED = "APPROVED"
    PARTIALLY_APPROVED = "PARTIALLY_APPROVED"
    MODIFIED = "MODIFIED"
    DENIED = "DENIED"
    CANCELLED = "CANCELLED"
    REJECTED = "REJECTED"  # the authorizer could not process it: not a denial; correct, resubmit
    NOT_SELECTED = "NOT_SELECTED"  # agency request that lost to another provider's
    EXPIRED = "EXPIRED"  # an approval past the end of its approved period
    APPEALED = "APPEALED"
    UPHELD = "UPHELD"  # the appeal confirmed the determination


class AuthorizationAction(StrEnum):
    SUBMIT = "SUBMIT"
    SUBMISSION_SUCCEEDED = "SUBMISSION_SUCCEEDED"
    SUBMISSION_FAILED = "SUBMISSION_FAILED"
    PEND = "PEND"
    REQUEST_INFO = "REQUEST_INFO"
    PROVIDE_INFO = "PROVIDE_INFO"
    APPROVE = "APPROVE"
    APPROVE_PARTIALLY = "APPROVE_PARTIALLY"
    MODIFY = "MODIFY"
    DENY = "DENY"
    CANCEL = "CANCEL"
    REJECT = "REJECT"
    SELECT_ANOTHER = "SELECT_ANOTHER"
    EXPIRE = "EXPIRE"
    APPEAL = "APPEAL"
    OVERTURN = "OVERTURN"
    OVERTURN_PARTIALLY = "OVERTURN_PARTIALLY"
    UPHOLD = "UPHOLD"


class ReviewAction(StrEnum):
    """A line's determination: the X12 HCR01 action code, also PAS's `reviewAction` code."""

    CERTIFIED = "A1"
    PARTIALLY_CERTIFIED = "A2"
    NOT_CERTIFIED = "A3"
    PENDED = "A4"
    MODIFIED = "A6"
    CANCELLED = "C"
    CONTACT_PAYER = "CT"
    NO_ACTION_REQUIRED = "NA"


class AppealOutcome(StrEnum):
    OVERTURNED = "OVERTURNED"
    UPHELD = "UPHELD"


Status = AuthorizationStatus
Action = AuthorizationAction

# Where the authorizer may still answer, every answer is possible.
AWAITING_DETERMINATION = (Status.SUBMITTED, Status.PENDED, Status.INFO_REQUESTED)
_DETERMINATIONS = {
    Action.APPROVE: Status.APPROVED,
    Action.APPROVE_PARTIALLY: Status.PARTIALLY_APPROVED,
    Action.MODIFY: Status.MODIFIED,
    Action.DENY: Status.DENIED,
    Action.CANCEL: Status.CANCELLED,
    Action.REJECT: Status.REJECTED,
}
# Something was approved, so it can run out; something was refused, so it can be appealed.
APPROVALS = (Status.APPROVED, Status.PARTIALLY_APPROVED, Status.MODIFIED)
APPEALABLE = (Status.DENIED, Status.PARTIALLY_APPROVED, Status.MODIFIED)
# Not yet with the authorizer: the requester may give up instead of (re)submitting.
_UNSENT = (Status.DRAFT, Status.SUBMIT_FAILED, Status.REJECTED)

TRANSITIONS: Mapping[tuple[AuthorizationStatus, AuthorizationAction], AuthorizationStatus] = {
    (Status.DRAFT, Action.SUBMIT): Status.SUBMITTING,
    (Status.SUBMIT_FAILED, Action.SUBMIT): Status.SUBMITTING,
    (Status.REJECTED, Action.SUBMIT): Status.SUBMITTING,  # a corrected, new submission
    (Status.SUBMITTING, Action.SUBMISSION_SUCCEEDED): Status.SUBMITTED,
    (Status.SUBMITTING, Action.SUBMISSION_FAILED): Status.SUBMIT_FAILED,
    (Status.SUBMITTED, Action.PEND): Status.PENDED,
    (Status.PENDED, Action.REQUEST_INFO): Status.INFO_REQUESTED,
    (Status.INFO_REQUESTED, Action.PROVIDE_INFO): Status.PENDED,
    **{
        (status, action): outcome
        for status in AWAITING_DETERMINATION
        for action, outcome in _DETERMINATIONS.items()
    },
    **{(status, Action.CANCEL): Status.CANCELLED for status in _UNSENT},
    **{
        (status, Action.SELECT_ANOTHER): Status.NOT_SELECTED
        for status in (*_UNSENT, *AWAITING_DETERMINATION)
    },
    **{(status, Action.EXPIRE): Status.EXPIRED for status in APPROVALS},
    **{(status, Action.APPEAL): Status.APPEALED for status in APPEALABLE},
    (Status.APPEALED, Action.OVERTURN): Status.APPROVED,
    (Status.APPEALED, Action.OVERTURN_PARTIALLY): Status.PARTIALLY_APPROVED,
    (Status.APPEALED, Action.UPHOLD): Status.UPHELD,
}

TERMINAL_STATUSES: frozenset[AuthorizationStatus] = frozenset(
    status for status in Status if not any(key[0] == status for key in TRANSITIONS)
)

# The lifecycle action that records a determination whose lines derive the given status.
DETERMINATION_ACTIONS: Mapping[AuthorizationStatus, AuthorizationAction] = {
    Status.PENDED: Action.PEND,
    Status.APPROVED: Action.APPROVE,
    Status.PARTIALLY_APPROVED: Action.APPROVE_PARTIALLY,
    Status.MODIFIED: Action.MODIFY,
    Status.DENIED: Action.DENY,
    Status.CANCELLED: Action.CANCEL,
}

_UNDECIDED_LINES = frozenset({ReviewAction.PENDED, ReviewAction.CONTACT_PAYER})


def next_status(current: AuthorizationStatus, action: AuthorizationAction) -> AuthorizationStatus:
    """The status `action` leads to from `current`, or IllegalTransition."""
    return lifecycle.next_status(TRANSITIONS, current, action)


def allowed_actions(current: AuthorizationStatus) -> tuple[AuthorizationAction, ...]:
    return lifecycle.allowed_actions(TRANSITIONS, current)


def derive_request_status(line_actions: Iterable[ReviewAction]) -> AuthorizationStatus:
    """The request's status from its lines' review actions; only which actions occur matters,
    never their order or count. First rule that applies wins:

    1. no lines: DomainError REQUIRED on "lines";
    2. any line A4 (pended) or CT (contact payer): PENDED, however many lines are decided,
       because the authorizer has not finished;
    3. cancelled lines (C) drop out, and if every line is C: CANCELLED;
    4. every remaining line A3 (not certified): DENIED;
    5. any A3 beside another answer, or any A2 (partially certified): PARTIALLY_APPROVED;
    6. any A6 (modified): MODIFIED;
    7. otherwise every remaining line is A1 (certified) or NA (no action required, that is no
       authorization needed, so nothing stands in the way): APPROVED.
    """
    present = frozenset(line_actions)
    if not present:
        raise DomainError(ErrorCode.REQUIRED, "A request has at least one line", "lines")
    if present & _UNDECIDED_LINES:
        return Status.PENDED
    decided = present - {ReviewAction.CANCELLED}
    if not decided:
        return Status.CANCELLED
    if decided == {ReviewAction.NOT_CERTIFIED}:
        return Status.DENIED
    if decided & {ReviewAction.NOT_CERTIFIED, ReviewAction.PARTIALLY_CERTIFIED}:
        return Status.PARTIALLY_APPROVED
    if ReviewAction.MODIFIED in decided:
        return Status.MODIFIED
    return Status.APPROVED  # what is left is A1 and NA


def apply_determination(
    current: AuthorizationStatus, line_actions: Iterable[ReviewAction]
) -> AuthorizationStatus:
    """The status after the authorizer answered with these lines. A request already waiting
    (PENDED, INFO_REQUESTED) that is pended again stays where it is: no transition."""
    derived = derive_request_status(line_actions)
    if derived == Status.PENDED and current in (Status.PENDED, Status.INFO_REQUESTED):
        return current
    return next_status(current, DETERMINATION_ACTIONS[derived])


def apply_appeal_outcome(
    current: AuthorizationStatus,
    outcome: AppealOutcome,
    line_actions: Iterable[ReviewAction],
) -> AuthorizationStatus:
    """The status after an appeal's outcome. Overturned, the lines (as redetermined on appeal)
    say how far: all approved ends APPROVED, anything less PARTIALLY_APPROVED; an overturn that
    approves nothing is a contradiction, reported on "lines"."""
    if current != Status.APPEALED:
        tried = Action.UPHOLD if outcome == AppealOutcome.UPHELD else Action.OVERTURN
        raise lifecycle.IllegalTransition(current, tried)
    if outcome == AppealOutcome.UPHELD:
        return next_status(current, Action.UPHOLD)
    derived = derive_request_status(line_actions)
    if derived == Status.APPROVED:
        return next_status(current, Action.OVERTURN)
    if derived in (Status.PARTIALLY_APPROVED, Status.MODIFIED):
        return next_status(current, Action.OVERTURN_PARTIALLY)
    raise DomainError(
        ErrorCode.INVALID,
        f"An overturned appeal approves at least one line; these lines are {derived}",
        "lines",
    )
