"""The CapabilityStatement of CareBridge's /fhir endpoint (NOTES §6): it instantiates PAS's
IntermediaryCapabilities, names the request and response profiles and the two operations,
the Subscription resource with the PAS topic, JSON only, bearer tokens."""

from __future__ import annotations

from datetime import datetime

from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from adapters.fhir.backport import subscription_capability
from adapters.fhir.pas_codes import Profile

_PAS = "http://hl7.org/fhir/us/davinci-pas"
VERSION = "2.2.1"


def capability_statement(now: datetime) -> CapabilityStatement:
    return CapabilityStatement(
        status="active",
        date=now,
        kind="instance",
        instantiates=[f"{_PAS}/CapabilityStatement/IntermediaryCapabilities|{VERSION}"],
        software={"name": "CareBridge"},
        implementation={"description": "Da Vinci PAS 2.2.1 intermediary (accepts 2.0.1 requests)"},
        fhirVersion="4.0.1",
        format=["json", "xml"],
        implementationGuide=[f"{_PAS}/ImplementationGuide/hl7.fhir.us.davinci-pas|{VERSION}"],
        rest=[
            {
                "mode": "server",
                "security": {
                    "service": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                    "code": "OAuth",
                                }
                            ]
                        }
                    ],
                    "description": "Bearer tokens of an API client with the PARTNER role",
                },
                "resource": [
                    {
                        "type": "Claim",
                        "supportedProfile": [
                            Profile.CLAIM,
                            Profile.CLAIM_UPDATE,
                            Profile.CLAIM_INQUIRY,
                        ],
                        "operation": [
                            {
                                "name": "submit",
                                "definition": f"{_PAS}/OperationDefinition/Claim-submit|{VERSION}",
                            },
                            {
                                "name": "inquire",
                                "definition": f"{_PAS}/OperationDefinition/Claim-inquiry|{VERSION}",
                            },
                        ],
                    },
                    {
                        "type": "ClaimResponse",
                        "supportedProfile": [Profile.CLAIM_RESPONSE],
                        "interaction": [{"code": "search-type"}],
                        "searchParam": [
                            {"name": "patient", "type": "reference", "documentation": "member id"},
                            {"name": "identifier", "type": "token"},
                        ],
                    },
                    {
                        "type": "Bundle",
                        "supportedProfile": [
                            Profile.REQUEST_BUNDLE,
                            Profile.RESPONSE_BUNDLE,
                            Profile.INQUIRY_REQUEST_BUNDLE,
                        ],
                    },
                    subscription_capability(),
                ],
            }
        ],
    )
