"""Talking PAS to the app's /fhir as a partner's system would: FHIR JSON with a bearer token."""

from __future__ import annotations

import json
from typing import Any

import httpx

FHIR_JSON = "application/fhir+json"


async def post_fhir(
    client, path: str, body: bytes | dict[str, Any], *, as_=None, content_type: str = FHIR_JSON
) -> httpx.Response:
    headers = {"Content-Type": content_type, "Accept": FHIR_JSON}
    if as_ is not None:
        headers["Authorization"] = f"Bearer {client.token(as_)}"
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return await client.http.post(f"/fhir{path}", content=content, headers=headers)


async def get_fhir(client, path: str, *, as_=None, params=None) -> httpx.Response:
    headers = {"Accept": FHIR_JSON}
    if as_ is not None:
        headers["Authorization"] = f"Bearer {client.token(as_)}"
    return await client.http.get(f"/fhir{path}", headers=headers, params=params)


def claim_response(bundle: dict[str, Any]) -> dict[str, Any]:
    first = bundle["entry"][0]["resource"]
    assert first["resourceType"] == "ClaimResponse", first["resourceType"]
    return first


def review_actions(response: dict[str, Any]) -> list[str]:
    """Each item's X12 306 review action code."""
    codes = []
    for item in response.get("item", []):
        for adjudication in item.get("adjudication", []):
            for review in adjudication.get("extension", []):
                for sub in review.get("extension", []):
                    if sub["url"].endswith("reviewActionCode"):
                        codes.append(sub["valueCodeableConcept"]["coding"][0]["code"])
    return codes


def single_issue(response: httpx.Response) -> dict[str, Any]:
    """The one issue of the OperationOutcome a 4xx must carry."""
    assert response.headers["content-type"].startswith(FHIR_JSON)
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert len(body["issue"]) == 1
    return body["issue"][0]
