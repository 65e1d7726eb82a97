"""What the simulated PAS payer says besides decisions: its CapabilityStatement, the 2.2.x
`$inquire` result (Parameters of 0..* Response Bundles) and OperationOutcomes."""

from __future__ import annotations

import uuid

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.parameters import Parameters
from fhir.resources.R4B.subscriptionstatus import SubscriptionStatus
from starlette.responses import Response

from adapters.fhir.outcomes import outcome_response

_PAS = "http://hl7.org/fhir/us/davinci-pas"


def capability_statement() -> CapabilityStatement:
    return CapabilityStatement(
        status="active",
        date="2026-01-01",
        kind="instance",
        instantiates=[f"{_PAS}/CapabilityStatement/IntermediaryCapabilities"],
        software={"name": "CareBridge simulated PAS payer"},
        implementation={"description": "Da Vinci PAS 2.2.1 payer for demos and tests"},
        fhirVersion="4.0.1",
        format=["json"],
        rest=[
            {
                "mode": "server",
                "resource": [
                    {
                        "type": "Claim",
                        "operation": [
                            {
                                "name": "submit",
                                "definition": f"{_PAS}/OperationDefinition/Claim-submit",
                            },
                            {
                                "name": "inquire",
                                "definition": f"{_PAS}/OperationDefinition/Claim-inquiry",
                            },
                        ],
                    }
                ],
            }
        ],
    )


def inquiry_result(found: Bundle | None) -> Parameters:
    """2.2.x: one `output` parameter per matching Response Bundle (none when nothing matches)."""
    if found is None:
        return Parameters()
    return Parameters(parameter=[{"name": "output", "resource": found}])


def outcome(status: int, code: str, message: str) -> Response:
    return outcome_response(status, code, message)


def notification_bundle(response: Bundle, event_number: int) -> Bundle:
    """A rest-hook subscription notification (full resource): the SubscriptionStatus, then
    the updated ClaimResponse."""
    claim_response = response.entry[0].resource  # type: ignore[index]
    url = response.entry[0].fullUrl  # type: ignore[index]
    status = SubscriptionStatus(
        status="active",
        type="event-notification",
        eventsSinceSubscriptionStart=str(event_number),
        notificationEvent=[{"eventNumber": str(event_number), "focus": {"reference": url}}],
        subscription={"reference": "Subscription/pas-decisions"},
        topic=f"{_PAS}/SubscriptionTopic/PASSubscriptionTopic",
    )
    return Bundle(
        type="history",
        timestamp=response.timestamp,
        entry=[
            {"fullUrl": f"urn:uuid:{uuid.uuid4()}", "resource": status},
            {"fullUrl": url, "resource": claim_response},
        ],
    )
