"""The lifecycles of provider network management (DESIGN §2 `network`), as transition tables:
a provider's stage in the network, its application, each credential's verification, the
contract and its versions, and the onboarding tasks. Pure: no database, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from domain import lifecycle


class NetworkStage(StrEnum):
    RECRUITING = "RECRUITING"  # a lead: interest captured, outreach going on
    CREDENTIALING = "CREDENTIALING"  # an application is being filled in or verified
    CONTRACTING = "CONTRACTING"  # approved by the committee, the contract is negotiated
    ONBOARDING = "ONBOARDING"  # the contract is active, the onboarding tasks are worked
    ONGOING = "ONGOING"  # in network: listed, referable, re-credentialed on its due date
    ENDED = "ENDED"  # denied, withdrawn, or the contract ended


class StageAction(StrEnum):
    APPLY = "APPLY"
    APPROVE = "APPROVE"
    ACTIVATE_CONTRACT = "ACTIVATE_CONTRACT"
    COMPLETE_ONBOARDING = "COMPLETE_ONBOARDING"
    END = "END"


class ApplicationStatus(StrEnum):
    DRAFT = "DRAFT"  # the applicant is filling it in
    SUBMITTED = "SUBMITTED"  # waiting for a credentialing specialist
    IN_REVIEW = "IN_REVIEW"  # the checklist is being worked
    DOCUMENTS_REQUESTED = "DOCUMENTS_REQUESTED"  # waiting for the applicant's documents
    APPROVED = "APPROVED"  # committee decision APPROVED
    DENIED = "DENIED"  # committee decision DENIED
    WITHDRAWN = "WITHDRAWN"  # the applicant took it back


class ApplicationAction(StrEnum):
    SAVE = "SAVE"
    SUBMIT = "SUBMIT"
    START_REVIEW = "START_REVIEW"
    REQUEST_DOCUMENTS = "REQUEST_DOCUMENTS"
    ANSWER_REQUEST = "ANSWER_REQUEST"
    APPROVE = "APPROVE"
    DENY = "DENY"
    WITHDRAW = "WITHDRAW"


class VerificationStatus(StrEnum):
    PENDING = "PENDING"  # on the checklist, not verified yet
    VERIFIED = "VERIFIED"
    FAILED = "FAILED"  # the source said no, or could not answer; may be run again
    EXPIRED = "EXPIRED"  # was verified, and its expiry date has passed


class VerificationAction(StrEnum):
    VERIFY = "VERIFY"
    FAIL = "FAIL"
    EXPIRE = "EXPIRE"
    RERUN = "RERUN"  # back on the checklist: a failed check run again, an expired one renewed


class CommitteeDecision(StrEnum):
    APPROVED = "APPROVED"
    DENIED = "DENIED"


class ContractStatus(StrEnum):
    DRAFT = "DRAFT"  # the current version is being written or negotiated
    PENDING_APPROVAL = "PENDING_APPROVAL"  # waiting for internal approval
    APPROVED = "APPROVED"  # approved internally, ready to send
    SENT_FOR_SIGNATURE = "SENT_FOR_SIGNATURE"
    SIGNED = "SIGNED"  # the provider signed the approved version
    ACTIVE = "ACTIVE"
    EXPIRED = "EXPIRED"  # past its end date
    TERMINATED = "TERMINATED"


class ContractAction(StrEnum):
    REVISE = "REVISE"  # a new version (negotiation); approval and signature start again
    SUBMIT_FOR_APPROVAL = "SUBMIT_FOR_APPROVAL"
    APPROVE = "APPROVE"
    REJECT = "REJECT"  # the approver sends it back to the author
    SEND_FOR_SIGNATURE = "SEND_FOR_SIGNATURE"
    SIGN = "SIGN"
    ACTIVATE = "ACTIVATE"
    EXPIRE = "EXPIRE"
    TERMINATE = "TERMINATE"


class ContractVersionStatus(StrEnum):
    DRAFT = "DRAFT"
    APPROVED = "APPROVED"
    SIGNED = "SIGNED"
    SUPERSEDED = "SUPERSEDED"  # a later version replaced it before it was signed


class ContractVersionAction(StrEnum):
    APPROVE = "APPROVE"
    REOPEN = "REOPEN"  # the approver rejected the version: back to its author
    SIGN = "SIGN"
    SUPERSEDE = "SUPERSEDE"


class OnboardingTaskStatus(StrEnum):
    OPEN = "OPEN"
    IN_PROGRESS = "IN_PROGRESS"
    DONE = "DONE"
    CANCELLED = "CANCELLED"


class OnboardingTaskAction(StrEnum):
    START = "START"
    COMPLETE = "COMPLETE"
    CANCEL = "CANCEL"


class OutreachStatus(StrEnum):
    NEW = "NEW"  # a target of a campaign, not contacted yet
    CONTACTED = "CONTACTED"
    INTERESTED = "INTERESTED"  # said so on the interest form or when contacted
    INVITED = "INVITED"  # given portal access to apply
    APPLIED = "APPLIED"  # submitted an application
    NOT_INTERESTED = "NOT_INTERESTED"


class OutreachAction(StrEnum):
    CONTACT = "CONTACT"
    EXPRESS_INTEREST = "EXPRESS_INTEREST"
    INVITE = "INVITE"
    APPLY = "APPLY"
    DECLINE = "DECLINE"


G, GA = NetworkStage, StageAction
STAGE_TRANSITIONS: Mapping[tuple[NetworkStage, StageAction], NetworkStage] = {
    (G.RECRUITING, GA.APPLY): G.CREDENTIALING,
    (G.CREDENTIALING, GA.APPROVE): G.CONTRACTING,
    (G.CONTRACTING, GA.ACTIVATE_CONTRACT): G.ONBOARDING,
    (G.ONBOARDING, GA.COMPLETE_ONBOARDING): G.ONGOING,
    **{(stage, GA.END): G.ENDED for stage in (G.CREDENTIALING, G.CONTRACTING, G.ONBOARDING)},
    (G.ONGOING, GA.END): G.ENDED,
}

P, PA = ApplicationStatus, ApplicationAction
APPLICATION_TRANSITIONS: Mapping[tuple[ApplicationStatus, ApplicationAction], ApplicationStatus] = {
    (P.DRAFT, PA.SAVE): P.DRAFT,
    (P.DRAFT, PA.SUBMIT): P.SUBMITTED,
    (P.SUBMITTED, PA.START_REVIEW): P.IN_REVIEW,
    (P.SUBMITTED, PA.REQUEST_DOCUMENTS): P.DOCUMENTS_REQUESTED,
    (P.IN_REVIEW, PA.REQUEST_DOCUMENTS): P.DOCUMENTS_REQUESTED,
    (P.DOCUMENTS_REQUESTED, PA.REQUEST_DOCUMENTS): P.DOCUMENTS_REQUESTED,
    (P.DOCUMENTS_REQUESTED, PA.ANSWER_REQUEST): P.IN_REVIEW,
    (P.IN_REVIEW, PA.APPROVE): P.APPROVED,
    (P.IN_REVIEW, PA.DENY): P.DENIED,
    (P.DOCUMENTS_REQUESTED, PA.DENY): P.DENIED,
    **{(s, PA.WITHDRAW): P.WITHDRAWN for s in (P.DRAFT, P.SUBMITTED, P.IN_REVIEW)},
    (P.DOCUMENTS_REQUESTED, PA.WITHDRAW): P.WITHDRAWN,
}

V, VA = VerificationStatus, VerificationAction
VERIFICATION_TRANSITIONS: Mapping[
    tuple[VerificationStatus, VerificationAction], VerificationStatus
] = {
    (V.PENDING, VA.VERIFY): V.VERIFIED,
    (V.PENDING, VA.FAIL): V.FAILED,
    (V.FAILED, VA.RERUN): V.PENDING,
    (V.VERIFIED, VA.EXPIRE): V.EXPIRED,
    (V.EXPIRED, VA.RERUN): V.PENDING,
    (V.VERIFIED, VA.RERUN): V.PENDING,  # re-credentialing verifies again
}

C, CA = ContractStatus, ContractAction
_OPEN_CONTRACT = (C.DRAFT, C.PENDING_APPROVAL, C.APPROVED, C.SENT_FOR_SIGNATURE, C.SIGNED)
CONTRACT_TRANSITIONS: Mapping[tuple[ContractStatus, ContractAction], ContractStatus] = {
    (C.DRAFT, CA.REVISE): C.DRAFT,
    (C.PENDING_APPROVAL, CA.REVISE): C.DRAFT,
    (C.APPROVED, CA.REVISE): C.DRAFT,
    (C.SENT_FOR_SIGNATURE, CA.REVISE): C.DRAFT,
    (C.DRAFT, CA.SUBMIT_FOR_APPROVAL): C.PENDING_APPROVAL,
    (C.PENDING_APPROVAL, CA.APPROVE): C.APPROVED,
    (C.PENDING_APPROVAL, CA.REJECT): C.DRAFT,
    (C.APPROVED, CA.SEND_FOR_SIGNATURE): C.SENT_FOR_SIGNATURE,
    (C.SENT_FOR_SIGNATURE, CA.SIGN): C.SIGNED,
    (C.SIGNED, CA.ACTIVATE): C.ACTIVE,
    (C.ACTIVE, CA.EXPIRE): C.EXPIRED,
    **{(s, CA.TERMINATE): C.TERMINATED for s in (*_OPEN_CONTRACT, C.ACTIVE)},
}

CV, CVA = ContractVersionStatus, ContractVersionAction
CONTRACT_VERSION_TRANSITIONS: Mapping[
    tuple[ContractVersionStatus, ContractVersionAction], ContractVersionStatus
] = {
    (CV.DRAFT, CVA.APPROVE): CV.APPROVED,
    (CV.APPROVED, CVA.REOPEN): CV.DRAFT,
    (CV.APPROVED, CVA.SIGN): CV.SIGNED,
    (CV.DRAFT, CVA.SUPERSEDE): CV.SUPERSEDED,
    (CV.APPROVED, CVA.SUPERSEDE): CV.SUPERSEDED,
}

T, TA = OnboardingTaskStatus, OnboardingTaskAction
ONBOARDING_TASK_TRANSITIONS: Mapping[
    tuple[OnboardingTaskStatus, OnboardingTaskAction], OnboardingTaskStatus
] = {
    (T.OPEN, TA.START): T.IN_PROGRESS,
    (T.OPEN, TA.COMPLETE): T.DONE,
    (T.IN_PROGRESS, TA.COMPLETE): T.DONE,
    (T.OPEN, TA.CANCEL): T.CANCELLED,
    (T.IN_PROGRESS, TA.CANCEL): T.CANCELLED,
}

R, OA = OutreachStatus, OutreachAction
OUTREACH_TRANSITIONS: Mapping[tuple[OutreachStatus, OutreachAction], OutreachStatus] = {
    (R.NEW, OA.CONTACT): R.CONTACTED,
    (R.NEW, OA.EXPRESS_INTEREST): R.INTERESTED,
    (R.CONTACTED, OA.CONTACT): R.CONTACTED,
    (R.CONTACTED, OA.EXPRESS_INTEREST): R.INTERESTED,
    (R.INTERESTED, OA.EXPRESS_INTEREST): R.INTERESTED,
    (R.NOT_INTERESTED, OA.EXPRESS_INTEREST): R.INTERESTED,
    (R.INTERESTED, OA.CONTACT): R.INTERESTED,
    (R.INTERESTED, OA.INVITE): R.INVITED,
    (R.CONTACTED, OA.INVITE): R.INVITED,
    (R.INVITED, OA.APPLY): R.APPLIED,
    **{(s, OA.DECLINE): R.NOT_INTERESTED for s in (R.NEW, R.CONTACTED, R.INTERESTED)},
}

# Every table by the name users and docs give it, for tests and `allowed_actions`.
TABLES: Mapping[str, Mapping[tuple[StrEnum, StrEnum], StrEnum]] = {
    "stage": STAGE_TRANSITIONS,  # type: ignore[dict-item]
    "application": APPLICATION_TRANSITIONS,  # type: ignore[dict-item]
    "verification": VERIFICATION_TRANSITIONS,  # type: ignore[dict-item]
    "contract": CONTRACT_TRANSITIONS,  # type: ignore[dict-item]
    "contract_version": CONTRACT_VERSION_TRANSITIONS,  # type: ignore[dict-item]
    "onboarding_task": ONBOARDING_TASK_TRANSITIONS,  # type: ignore[dict-item]
    "outreach": OUTREACH_TRANSITIONS,  # type: ignore[dict-item]
}

# Each table's status and action enums, in the order of TABLES.
ENUMS: Mapping[str, tuple[type[StrEnum], type[StrEnum]]] = {
    "stage": (NetworkStage, StageAction),
    "application": (ApplicationStatus, ApplicationAction),
    "verification": (VerificationStatus, VerificationAction),
    "contract": (ContractStatus, ContractAction),
    "contract_version": (ContractVersionStatus, ContractVersionAction),
    "onboarding_task": (OnboardingTaskStatus, OnboardingTaskAction),
    "outreach": (OutreachStatus, OutreachAction),
}

TERMINAL_CONTRACT = frozenset({C.EXPIRED, C.TERMINATED})


def next_status(table: str, current: StrEnum, action: StrEnum) -> StrEnum:
    """The status `action` leads to from `current` in the named table, or IllegalTransition."""
    return lifecycle.next_status(TABLES[table], current, action)


def allowed_actions(table: str, current: StrEnum) -> tuple[StrEnum, ...]:
    return lifecycle.allowed_actions(TABLES[table], current)
