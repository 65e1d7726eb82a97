"""PartnerAnswer -> PAS Response Bundle for a Request Bundle: the ClaimResponse first, echoing
the Claim's identifiers and the request's fullUrls, then the Patient and Organizations it
points at. The simulated payer answers with this; `pas_answer` reads it back."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

import orjson
from fhir.resources.R4B.bundle import Bundle, BundleEntry
from fhir.resources.R4B.claim import Claim
from fhir.resources.R4B.claimresponse import (
    ClaimResponse,
    ClaimResponseError,
    ClaimResponseItem,
    ClaimResponseItemAdjudication,
)
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.period import Period
from fhir.resources.R4B.quantity import Quantity

from adapters.fhir.pas_codes import (
    REVIEW_ACTION_DISPLAY,
    Ext,
    Profile,
    System,
)
from adapters.fhir.pas_elements import concept, extension, identifier, profile
from domain.authorizations.lifecycle import ReviewAction
from domain.partners.ports import AnswerKind, LineAnswer, PartnerAnswer


def to_pas_response(
    request_bundle: Bundle,
    answer: PartnerAnswer,
    *,
    now: datetime,
    identifiers: Sequence[Identifier] = (),
) -> Bundle:
    """The Response Bundle for the Claim that opens `request_bundle`; the ClaimResponse has
    the Claim's identifiers, then `identifiers`."""
    entries = request_bundle.entry or []
    claim = entries[0].resource
    assert isinstance(claim, Claim)  # the caller checked the request
    response = _claim_response(claim, answer, entries[0].fullUrl, now, identifiers)
    named = [ref.reference for ref in (claim.patient, claim.insurer, claim.provider) if ref]
    echoed = {e.fullUrl for e in entries[1:] if e.fullUrl and _names(e.fullUrl, named)}
    key = request_bundle.identifier.value if request_bundle.identifier else str(uuid.uuid4())
    return Bundle(
        meta=profile(Profile.RESPONSE_BUNDLE),
        identifier=identifier(
            System.BUNDLE_IDENTIFIER, f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, str(key))}"
        ),
        type="collection",
        timestamp=now,
        entry=[
            BundleEntry(
                fullUrl=f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{key}#r')}", resource=response
            ),
            *(e for e in entries[1:] if e.fullUrl in echoed),
        ],
    )


def _names(full_url: str, references: list[str | None]) -> bool:
    """Whether a reference names the entry: its fullUrl, or "Type/id" at its end."""
    return any(r and (full_url == r or full_url.endswith(f"/{r}")) for r in references)


def _claim_response(
    claim: Claim,
    answer: PartnerAnswer,
    claim_url: str | None,
    now: datetime,
    identifiers: Sequence[Identifier],
) -> ClaimResponse:
    rejected = answer.kind is AnswerKind.REJECTED
    pended = all(line.review_action is ReviewAction.PENDED for line in answer.lines)
    return ClaimResponse(
        meta=profile(Profile.CLAIM_RESPONSE),
        identifier=[*(claim.identifier or ()), *identifiers] or None,
        status="active",
        type=claim.type,
        use="preauthorization",
        patient=claim.patient,
        created=now,
        insurer=claim.insurer,
        requestor=claim.provider,
        request={"reference": claim_url} if claim_url else None,
        outcome="error" if rejected else ("queued" if pended else "complete"),
        disposition=answer.reason,
        preAuthRef=answer.payer_reference,
        item=[item_for(line) for line in answer.lines] or None,
        error=[ClaimResponseError(code=CodeableConcept(text=answer.reason))] if rejected else None,
    )


@lru_cache(maxsize=1024)
def item_for(line: LineAnswer) -> ClaimResponseItem:
    """The ClaimResponse item answering `line`, built once per distinct answer (most are a
    pended line 1, 2, 3...) and shared by every response that has it: never changed."""
    return _item(line)


@lru_cache(maxsize=1024)
def _item_json(line: LineAnswer) -> Any:
    return orjson.loads(item_for(line).model_dump_json(exclude_none=True))


def items_json(answer: PartnerAnswer) -> dict[int, Any]:
    """The JSON of each item `to_pas_response` gives `answer`, by the item's `id()` (for
    `server_io.echoing_response`; valid while the response lives)."""
    return {id(item_for(line)): _item_json(line) for line in answer.lines}


def _item(line: LineAnswer) -> ClaimResponseItem:
    review: list[Extension] = [
        extension(
            Ext.REVIEW_ACTION_CODE,
            valueCodeableConcept=concept(
                System.REVIEW_ACTION,
                line.review_action.value,
                REVIEW_ACTION_DISPLAY[line.review_action],
            ),
        )
    ]
    if line.authorization_number:
        review.insert(0, extension(Ext.NUMBER, valueString=line.authorization_number))
    review += [
        extension(
            Ext.REASON_CODE,
            valueCodeableConcept=concept(System.HEALTH_CARE_SERVICES_DECISION_REASON, code),
        )
        for code in line.reason_codes
    ]
    details: list[Extension] = []
    if line.approved_start or line.approved_end:
        details.append(
            extension(
                Ext.ITEM_PRE_AUTH_PERIOD,
                valuePeriod=Period(start=line.approved_start, end=line.approved_end),
            )
        )
    if line.approved_quantity is not None:
        details.append(
            Extension(
                url=Ext.ITEM_AUTHORIZED_DETAIL,
                extension=[
                    extension("quantity", valueQuantity=Quantity(value=line.approved_quantity))
                ],
            )
        )
    return ClaimResponseItem(
        extension=details or None,
        itemSequence=line.sequence,
        adjudication=[
            ClaimResponseItemAdjudication(
                extension=[Extension(url=Ext.REVIEW_ACTION, extension=review)],
                category=concept(System.ADJUDICATION, "submitted"),
            )
        ],
    )
