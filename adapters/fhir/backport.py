"""R4 Subscriptions Backport (1.1, as Da Vinci PAS 2.2 uses it), with fhir.resources R4B: a
partner's Subscription resource -> SubscriptionData (rest-hook, full-resource, the PAS topic,
filtered by orgIdentifier), a stored subscription -> Subscription resource, its
SubscriptionStatus Parameters, and the notification: a history Bundle whose first entry is the
status and whose second is the full PAS Response Bundle of the request as it stands."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from fhir.resources.R4B.bundle import Bundle, BundleEntry, BundleEntryRequest, BundleEntryResponse
from fhir.resources.R4B.capabilitystatement import (
    CapabilityStatementRestResource,
    CapabilityStatementRestResourceInteraction,
    CapabilityStatementRestResourceOperation,
    CapabilityStatementRestResourceSearchParam,
)
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.fhirprimitiveextension import FHIRPrimitiveExtension
from fhir.resources.R4B.parameters import Parameters, ParametersParameter
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.subscription import Subscription, SubscriptionChannel

from adapters.fhir.pas_elements import extension, profile
from adapters.fhir.pas_request import to_pas_bundle
from adapters.fhir.pas_response import to_pas_response
from domain.partners.models import PartnerSubscription, SubscriptionStatus
from domain.partners.ports import NoticeKind, SubscriptionNotice
from domain.partners.subscription_rules import SubscriptionData, SubscriptionTopic

_BP = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition"
PAS_TOPIC = "http://hl7.org/fhir/us/davinci-pas/SubscriptionTopic/PASSubscriptionTopic"
TOPICS = {PAS_TOPIC: SubscriptionTopic.AUTHORIZATION_RESULTS}
CANONICALS = {topic: url for url, topic in TOPICS.items()}
FILTER_CRITERIA = f"{_BP}/backport-filter-criteria"
PAYLOAD_CONTENT = f"{_BP}/backport-payload-content"
HEARTBEAT_PERIOD = f"{_BP}/backport-heartbeat-period"
SUBSCRIPTION_PROFILE = "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/profile-subscription"
STATUS_PROFILE = f"{_BP}/backport-subscription-status-r4"
STATUS_OPERATION = (
    "http://hl7.org/fhir/uv/subscriptions-backport/OperationDefinition/backport-subscription-status"
)
TOPIC_CANONICAL_EXTENSION = (
    "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/"
    "capabilitystatement-subscriptiontopic-canonical"
)
NOTIFICATION_PROFILE = f"{_BP}/backport-subscription-notification-r4"
# The topic's canFilterBy says orgIdentifier, its narrative org-identifier: both are taken.
FILTER_NAMES = ("orgIdentifier", "org-identifier")
PAYLOAD_TYPES = ("application/fhir+json", "application/json")
HEADER_VALUE_HIDDEN = "[hidden]"


class SubscriptionInputError(Exception):
    """The Subscription asks for something this server does not do; `where` is its FHIRPath."""

    def __init__(self, message: str, where: str) -> None:
        super().__init__(message)
        self.message = message
        self.where = where


def from_subscription(resource: Subscription) -> tuple[SubscriptionData, list[str]]:
    """What the partner asked for, and its channel headers in the clear (to be sealed)."""
    topic = TOPICS.get(resource.criteria or "")
    if topic is None:
        raise SubscriptionInputError(
            f"Unknown topic {resource.criteria!r}; this server offers {PAS_TOPIC}",
            "Subscription.criteria",
        )
    channel = resource.channel
    if channel.type != "rest-hook":
        raise SubscriptionInputError(
            f"Channel type {channel.type!r} is not offered; use rest-hook",
            "Subscription.channel.type",
        )
    if not channel.endpoint:
        raise SubscriptionInputError(
            "A rest-hook needs an endpoint", "Subscription.channel.endpoint"
        )
    if channel.payload not in PAYLOAD_TYPES:
        raise SubscriptionInputError(
            "The payload is application/fhir+json", "Subscription.channel.payload"
        )
    content = _extension(channel.payload__ext, PAYLOAD_CONTENT)
    if content is not None and content.valueCode != "full-resource":
        raise SubscriptionInputError(
            f"Payload content {content.valueCode!r} is not offered; PAS notifications are"
            " full-resource",
            "Subscription.channel.payload",
        )
    headers = [h for h in channel.header or () if h]
    if any(":" not in h or not h.split(":", 1)[0].strip() for h in headers):
        raise SubscriptionInputError("A header is 'Name: value'", "Subscription.channel.header")
    heartbeat = _extension(channel.extension, HEARTBEAT_PERIOD)
    data = SubscriptionData(
        topic=topic,
        filter_identifiers=_filter_values(resource),
        endpoint=str(channel.endpoint),
        header_names=tuple(h.split(":", 1)[0].strip() for h in headers),
        heartbeat_seconds=heartbeat.valueUnsignedInt if heartbeat is not None else None,
        reason=resource.reason,
    )
    return data, headers


def _filter_values(resource: Subscription) -> tuple[str, ...]:
    criteria = [e.valueString for e in _extensions(resource.criteria__ext, FILTER_CRITERIA)]
    values: list[str] = []
    for text in criteria:
        _, _, query = (text or "").rpartition("?")  # "ClaimResponse?orgIdentifier=..." too
        for part in query.split("&"):
            name, equals, given = part.partition("=")
            if not equals or name.strip() not in FILTER_NAMES:
                raise SubscriptionInputError(
                    f"Filter {part!r} is not offered; filter by orgIdentifier=<identifier>",
                    "Subscription.criteria.extension('backport-filter-criteria')",
                )
            values += [v.strip() for v in given.split(",")]
    if not values:
        raise SubscriptionInputError(
            "Filter by orgIdentifier=<identifier> (backport-filter-criteria)",
            "Subscription.criteria",
        )
    return tuple(values)


def _extensions(
    holder: FHIRPrimitiveExtension | Iterable[Extension] | None, url: str
) -> list[Extension]:
    if isinstance(holder, FHIRPrimitiveExtension):
        holder = holder.extension
    return [e for e in holder or () if e.url == url]


def _extension(
    holder: FHIRPrimitiveExtension | Iterable[Extension] | None, url: str
) -> Extension | None:
    found = _extensions(holder, url)
    return found[0] if found else None


def to_subscription(subscription: PartnerSubscription) -> Subscription:
    """The stored subscription as the partner reads it back; header values stay hidden."""
    channel_extensions = (
        [extension(HEARTBEAT_PERIOD, valueUnsignedInt=subscription.heartbeat_seconds)]
        if subscription.heartbeat_seconds
        else None
    )
    return Subscription(
        id=str(subscription.id),
        meta=profile(SUBSCRIPTION_PROFILE),
        status=subscription.status.value,
        reason=subscription.reason or "Prior authorization results",
        error=subscription.last_error if subscription.status is SubscriptionStatus.ERROR else None,
        criteria=CANONICALS[SubscriptionTopic(subscription.topic)],
        criteria__ext=FHIRPrimitiveExtension(
            extension=[
                extension(
                    FILTER_CRITERIA,
                    valueString=f"orgIdentifier={','.join(subscription.filter_identifiers)}",
                )
            ]
        ),
        channel=SubscriptionChannel(
            type="rest-hook",
            endpoint=subscription.endpoint,
            payload="application/fhir+json",
            payload__ext=FHIRPrimitiveExtension(
                extension=[extension(PAYLOAD_CONTENT, valueCode="full-resource")]
            ),
            header=[f"{name}: {HEADER_VALUE_HIDDEN}" for name in subscription.header_names] or None,
            extension=channel_extensions,
        ),
    )


def status_parameters(
    *,
    subscription_id: uuid.UUID,
    topic: str,
    status: str,
    kind: NoticeKind | str,
    events_since_start: int,
    error: str | None = None,
    events: Iterable[ParametersParameter] = (),
) -> Parameters:
    """The backport's SubscriptionStatus (R4: a Parameters)."""
    parameters = [
        ParametersParameter(
            name="subscription",
            valueReference=Reference(reference=f"Subscription/{subscription_id}"),
        ),
        ParametersParameter(name="topic", valueCanonical=CANONICALS[SubscriptionTopic(topic)]),
        ParametersParameter(name="status", valueCode=status),
        ParametersParameter(name="type", valueCode=str(kind)),
        ParametersParameter(
            name="events-since-subscription-start", valueString=str(events_since_start)
        ),
        *events,
    ]
    if error:
        parameters.append(
            ParametersParameter(name="error", valueCodeableConcept=CodeableConcept(text=error))
        )
    return Parameters(id=str(uuid.uuid4()), meta=profile(STATUS_PROFILE), parameter=parameters)


def to_notification(notice: SubscriptionNotice) -> Bundle:
    """The history Bundle pushed to the subscriber: status first, then (for an event) the PAS
    Response Bundle of the request as it stands. Its ids derive from the notice's, so every
    attempt sends the same Bundle."""
    focus_url = None
    entries: list[BundleEntry] = []
    if notice.request is not None and notice.answer is not None:
        response = to_pas_response(
            to_pas_bundle(notice.request, bundle_id=uuid.uuid5(notice.request.request_id, "pas")),
            notice.answer,
            now=notice.occurred_at,
        )
        response.id = str(uuid.uuid5(notice.notice_id, "focus"))
        focus_url = f"urn:uuid:{response.id}"
        entries.append(
            BundleEntry(
                fullUrl=focus_url,
                resource=response,
                request=BundleEntryRequest(method="GET", url=f"Bundle/{response.id}"),
                response=BundleEntryResponse(status="200"),
            )
        )
    event = []
    if notice.event_number is not None:
        parts = [
            ParametersParameter(name="event-number", valueString=str(notice.event_number)),
            ParametersParameter(name="timestamp", valueInstant=notice.occurred_at),
        ]
        if focus_url:
            parts.append(
                ParametersParameter(name="focus", valueReference=Reference(reference=focus_url))
            )
        event = [ParametersParameter(name="notification-event", part=parts)]
    status = status_parameters(
        subscription_id=notice.subscription_id,
        topic=notice.topic,
        status=notice.status,
        kind=notice.kind,
        events_since_start=notice.events_since_start,
        events=event,
    )
    status.id = str(uuid.uuid5(notice.notice_id, "status"))
    head = BundleEntry(
        fullUrl=f"urn:uuid:{status.id}",
        resource=status,
        request=BundleEntryRequest(
            method="GET", url=f"Subscription/{notice.subscription_id}/$status"
        ),
        response=BundleEntryResponse(status="200"),
    )
    return Bundle(
        id=str(notice.notice_id),
        meta=profile(NOTIFICATION_PROFILE),
        type="history",
        timestamp=notice.occurred_at,
        entry=[head, *entries],
    )


def to_status_bundle(subscription: PartnerSubscription) -> Bundle:
    """`$status`: a searchset Bundle holding the subscription's SubscriptionStatus."""
    status = status_parameters(
        subscription_id=subscription.id,
        topic=subscription.topic,
        status=subscription.status.value,
        kind="query-status",
        events_since_start=subscription.events_since_start,
        error=subscription.last_error if subscription.status is SubscriptionStatus.ERROR else None,
    )
    return Bundle(
        type="searchset",
        total=1,
        entry=[
            BundleEntry(fullUrl=f"urn:uuid:{status.id}", resource=status, search={"mode": "match"})
        ],
    )


def to_searchset(subscriptions: Iterable[PartnerSubscription]) -> Bundle:
    found = [to_subscription(s) for s in subscriptions]
    return Bundle(
        type="searchset",
        total=len(found),
        entry=[
            BundleEntry(fullUrl=f"Subscription/{s.id}", resource=s, search={"mode": "match"})
            for s in found
        ]
        or None,
    )


def subscription_capability() -> CapabilityStatementRestResource:
    """What `/fhir/metadata` says of Subscription (PAS spec-55): the interactions, the search
    by status, `$status`, and the topic offered."""
    return CapabilityStatementRestResource(
        type="Subscription",
        supportedProfile=[SUBSCRIPTION_PROFILE],
        extension=[extension(TOPIC_CANONICAL_EXTENSION, valueCanonical=PAS_TOPIC)],
        interaction=[
            CapabilityStatementRestResourceInteraction(code=code)
            for code in ("create", "read", "update", "delete", "search-type")
        ],
        searchParam=[CapabilityStatementRestResourceSearchParam(name="status", type="token")],
        operation=[
            CapabilityStatementRestResourceOperation(name="status", definition=STATUS_OPERATION)
        ],
    )
