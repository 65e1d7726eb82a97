"""The Subscriptions Backport mapping against the PAS conformance material: the IG's example
Subscription is taken, what PAS does not offer is refused with where; the notification has the
shape of the IG's and Inferno's examples and carries the request as the domain keeps it."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.parameters import Parameters
from fhir.resources.R4B.subscription import Subscription

from adapters.fhir.backport import (
    PAS_TOPIC,
    SubscriptionInputError,
    from_subscription,
    subscription_capability,
    to_notification,
    to_status_bundle,
    to_subscription,
)
from adapters.fhir.pas import dump, from_pas_response
from domain.authorizations.lifecycle import ReviewAction
from domain.partners.models import PartnerSubscription, SubscriptionStatus
from domain.partners.ports import (
    AnswerKind,
    LineAnswer,
    NoticeKind,
    PartnerAnswer,
    SubscriptionNotice,
)
from domain.partners.subscription_rules import SubscriptionTopic
from tests.adapters.ehr_support import PAS_EXAMPLES, pas_example
from tests.adapters.fhir.test_pas_request import REQUEST

AT = datetime(2026, 1, 15, 15, 0, tzinfo=UTC)
SUBSCRIPTION_ID = uuid.UUID("6a0f1f7e-4a34-4e55-9d0e-0c8a1a1a0001")


def pas_definition(name: str) -> dict:
    return json.loads((PAS_EXAMPLES.parent / "definitions" / "v2.2.1" / name).read_text())


def example_subscription(**changes) -> Subscription:
    body = pas_example("Subscription-PASSubscriptionExample.json") | changes
    return Subscription.model_validate(body)


def notice(kind=NoticeKind.EVENT, number: int | None = 3) -> SubscriptionNotice:
    approved = LineAnswer(
        1, ReviewAction.CERTIFIED, Decimal(1), date(2026, 1, 20), date(2026, 2, 20), "CHP-77"
    )
    return SubscriptionNotice(
        notice_id=uuid.UUID("9d7c3c7e-2d6e-4c1f-9e53-7b1f3c1a0003"),
        kind=kind,
        subscription_id=SUBSCRIPTION_ID,
        topic=SubscriptionTopic.AUTHORIZATION_RESULTS,
        endpoint="https://ehr.example/hook",
        sealed_headers=None,
        status="active",
        events_since_start=number or 0,
        occurred_at=AT,
        event_number=number if kind is NoticeKind.EVENT else None,
        request=REQUEST if kind is NoticeKind.EVENT else None,
        answer=PartnerAnswer(AnswerKind.DECIDED, "CHP-REF", (approved,))
        if kind is NoticeKind.EVENT
        else None,
    )


def parameters(bundle: Bundle) -> dict[str, object]:
    status = bundle.entry[0].resource
    assert isinstance(status, Parameters)
    return {p.name: p for p in status.parameter}


def test_the_pas_example_subscription_is_taken():
    data, headers = from_subscription(example_subscription())
    assert data.topic is SubscriptionTopic.AUTHORIZATION_RESULTS
    assert data.filter_identifiers == ("1234567893",)
    assert str(data.endpoint) == "http://example.org/send-me-subscription-notifications"
    assert headers == [] and data.heartbeat_seconds is None


@pytest.mark.parametrize(
    "criteria",
    ["org-identifier=111,222", "ClaimResponse?orgIdentifier=111,222"],
)
def test_filters_by_either_name_with_several_values(criteria):
    subscription = example_subscription()
    subscription.criteria__ext.extension[0].valueString = criteria
    assert from_subscription(subscription)[0].filter_identifiers == ("111", "222")


def test_inferno_s_identifier_filter_is_not_one_the_pas_topic_offers():
    body = pas_example("PAS_Subscription_example_full_resource.json", "inferno-test-kit")
    with pytest.raises(SubscriptionInputError) as refused:
        from_subscription(Subscription.model_validate(body))
    assert "orgIdentifier" in refused.value.message


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"criteria": "http://example.org/Topic/x"}, "Subscription.criteria"),
        ({"_criteria": None}, "Subscription.criteria"),
    ],
)
def test_what_is_not_offered_is_refused_with_where(changes, where):
    with pytest.raises(SubscriptionInputError) as refused:
        from_subscription(example_subscription(**changes))
    assert refused.value.where == where


def test_the_notification_has_the_shape_of_the_ig_and_inferno_examples():
    ours = to_notification(notice())
    for name, version in (
        ("Bundle-PASSubscriptionNotification.json", "v2.2.1"),
        ("PAS_notification_example_full_resource.json", "inferno-test-kit"),
    ):
        theirs = Bundle.model_validate(pas_example(name, version))
        assert ours.type == theirs.type == "history"
        assert set(parameters(theirs)) <= set(parameters(ours))
        assert ours.entry[0].request.method == theirs.entry[0].request.method == "GET"
    named = parameters(ours)
    assert named["topic"].valueCanonical == PAS_TOPIC
    assert named["type"].valueCode == "event-notification"
    assert named["subscription"].valueReference.reference == f"Subscription/{SUBSCRIPTION_ID}"
    event = {part.name: part for part in named["notification-event"].part}
    assert event["event-number"].valueString == "3"
    assert event["focus"].valueReference.reference == ours.entry[1].fullUrl


def test_the_notification_carries_the_request_as_the_domain_keeps_it():
    bundle = to_notification(notice())
    focus = bundle.entry[1].resource
    assert focus.meta.profile == [
        "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/profile-pas-response-bundle"
    ]
    answer = from_pas_response(Bundle.model_validate_json(dump(bundle)))
    (line,) = answer.lines
    assert (line.review_action, line.authorization_number, line.approved_quantity) == (
        ReviewAction.CERTIFIED,
        "CHP-77",
        Decimal(1),
    )
    assert (line.approved_start, line.approved_end) == (date(2026, 1, 20), date(2026, 2, 20))
    claim_response = focus.entry[0].resource
    assert claim_response.identifier[0].value == "PA-2026-000042"


def test_every_attempt_sends_the_same_bundle():
    assert dump(to_notification(notice())) == dump(to_notification(notice()))


def test_a_handshake_names_no_event_and_no_focus():
    bundle = to_notification(notice(NoticeKind.HANDSHAKE, None))
    named = parameters(bundle)
    assert named["type"].valueCode == "handshake" and "notification-event" not in named
    assert len(bundle.entry) == 1


def stored(status=SubscriptionStatus.ERROR) -> PartnerSubscription:
    return PartnerSubscription(
        id=SUBSCRIPTION_ID,
        topic=SubscriptionTopic.AUTHORIZATION_RESULTS,
        filter_identifiers=["1234567893"],
        endpoint="https://ehr.example/hook",
        header_names=["Authorization"],
        heartbeat_seconds=300,
        status=status,
        events_since_start=7,
        last_error="The endpoint answered HTTP 500",
    )


def test_read_back_the_subscription_hides_header_values_and_says_its_error():
    resource = to_subscription(stored())
    assert resource.channel.header == ["Authorization: [hidden]"]
    assert resource.status == "error" and resource.error == "The endpoint answered HTTP 500"
    again, _ = from_subscription(Subscription.model_validate_json(dump(resource)))
    assert (again.filter_identifiers, again.heartbeat_seconds) == (("1234567893",), 300)


def test_status_says_events_so_far_and_the_error():
    named = parameters(to_status_bundle(stored()))
    assert named["type"].valueCode == "query-status"
    assert named["events-since-subscription-start"].valueString == "7"
    assert named["error"].valueCodeableConcept.text == "The endpoint answered HTTP 500"
    assert "error" not in parameters(to_status_bundle(stored(SubscriptionStatus.ACTIVE)))


def test_the_capability_names_the_interactions_status_and_the_topic():
    resource = subscription_capability()
    assert [i.code for i in resource.interaction] == [
        "create", "read", "update", "delete", "search-type"
    ]  # fmt: skip
    assert resource.extension[0].valueCanonical == PAS_TOPIC
    assert [o.name for o in resource.operation] == ["status"]
    ours = {i.code for i in resource.interaction}
    statement = pas_definition("CapabilityStatement-IntermediaryCapabilities.json")
    (theirs,) = [r for r in statement["rest"][0]["resource"] if r["type"] == "Subscription"]
    assert {i["code"] for i in theirs["interaction"]} <= ours
