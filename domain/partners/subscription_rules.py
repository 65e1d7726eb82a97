"""What a partner's subscription may ask for, and which request changes it is told of (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from domain.authorizations.lifecycle import AuthorizationStatus
from domain.errors import ErrorCode, ErrorCollector


class SubscriptionTopic(StrEnum):
    """What can be subscribed to. AUTHORIZATION_RESULTS: every determination and later
    status change of the requests of the filtered provider organisations (PAS's topic)."""

    AUTHORIZATION_RESULTS = "AUTHORIZATION_RESULTS"


# Not yet with the authorizer, or only received: nothing to tell a subscriber (the submitter
# already has the answer "queued" from its own submission).
_BEFORE_DETERMINATION = frozenset(
    {
        AuthorizationStatus.DRAFT,
        AuthorizationStatus.SUBMITTING,
        AuthorizationStatus.SUBMITTED,
        AuthorizationStatus.SUBMIT_FAILED,
    }
)
NOTIFYING_STATUSES = frozenset(AuthorizationStatus) - _BEFORE_DETERMINATION

MAX_IDENTIFIERS = 20
MAX_HEADERS = 10
MAX_HEARTBEAT_SECONDS = 86_400


@dataclass(frozen=True, slots=True)
class SubscriptionData:
    """A new subscription as the partner asked for it. `sealed_headers` are the channel's
    headers already sealed by the adapter; `header_names` say which ones there are."""

    topic: SubscriptionTopic
    filter_identifiers: tuple[str, ...]
    endpoint: str
    header_names: tuple[str, ...] = ()
    sealed_headers: str | None = None
    heartbeat_seconds: int | None = None
    reason: str | None = None


def check_subscription(data: SubscriptionData) -> None:
    """Every problem at once: filter values, endpoint, header names, heartbeat, reason."""
    errors = ErrorCollector()
    _check_identifiers(errors, data.filter_identifiers)
    if not is_web_url(data.endpoint):
        errors.add(ErrorCode.INVALID, "The endpoint is an absolute http(s) URL", "endpoint")
    elif len(data.endpoint) > 1000:
        errors.add(ErrorCode.LIMIT_EXCEEDED, "The endpoint is at most 1000 characters", "endpoint")
    if len(data.header_names) > MAX_HEADERS:
        errors.add(ErrorCode.LIMIT_EXCEEDED, f"At most {MAX_HEADERS} headers", "header")
    heartbeat = data.heartbeat_seconds
    if heartbeat is not None and not 1 <= heartbeat <= MAX_HEARTBEAT_SECONDS:
        errors.add(
            ErrorCode.INVALID,
            f"The heartbeat period is 1 to {MAX_HEARTBEAT_SECONDS} seconds",
            "heartbeatPeriod",
        )
    errors.check_lengths({"reason": data.reason}, {"reason": 500})
    errors.raise_if_any()


def _check_identifiers(errors: ErrorCollector, identifiers: Iterable[str]) -> None:
    values = list(identifiers)
    if not values:
        errors.add(ErrorCode.REQUIRED, "Filter by at least one organisation identifier", "filter")
    elif len(values) > MAX_IDENTIFIERS:
        errors.add(ErrorCode.LIMIT_EXCEEDED, f"At most {MAX_IDENTIFIERS} identifiers", "filter")
    elif any(not v or len(v) > 80 or not v.isprintable() or " " in v for v in values):
        errors.add(ErrorCode.INVALID, "An identifier is 1 to 80 characters, no spaces", "filter")


def is_web_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def matches(filter_identifiers: Iterable[str], organization_identifiers: Iterable[str]) -> bool:
    """A request belongs to a subscription when one of its provider organisation's
    identifiers is among the filtered ones."""
    return bool(set(filter_identifiers) & {i for i in organization_identifiers if i})
