"""PAS Response -> PartnerAnswer: the ClaimResponse of a $submit Response Bundle, a 2.0.1
$inquire Bundle, a 2.2.x $inquire Parameters of Bundles, a notification's history Bundle or a
bare ClaimResponse, read into the domain's per-line answers."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.claimresponse import (
    ClaimResponse,
    ClaimResponseError,
    ClaimResponseItem,
)
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.parameters import Parameters
from fhir.resources.R4B.resource import Resource

from adapters.fhir.pas_codes import REVIEW_ACTIONS, UNDECIDED_OUTCOMES, Ext
from adapters.fhir.pas_elements import as_date, code_of, find, first
from domain.authorizations.lifecycle import ReviewAction
from domain.partners.ports import AnswerKind, LineAnswer, PartnerAnswer

# preAuthRef is the whole request's authorization number, so it names only approved items.
APPROVING = frozenset(
    {ReviewAction.CERTIFIED, ReviewAction.PARTIALLY_CERTIFIED, ReviewAction.MODIFIED}
)


class PasMappingError(Exception):
    """The partner's answer is FHIR but not a PAS answer the domain can apply."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def claim_response_in(resource: Resource | None) -> ClaimResponse | None:
    """The first ClaimResponse, looking into Bundles and Parameters (depth first)."""
    if isinstance(resource, ClaimResponse):
        return resource
    inner: list[Resource | None] = []
    if isinstance(resource, Bundle):
        inner = [entry.resource for entry in resource.entry or ()]
    elif isinstance(resource, Parameters):
        inner = [parameter.resource for parameter in resource.parameter or ()]
    for candidate in inner:
        found = claim_response_in(candidate)
        if found is not None:
            return found
    return None


def from_pas_response(resource: Resource) -> PartnerAnswer:
    response = claim_response_in(resource)
    if response is None:
        raise PasMappingError(f"The payer's {resource.get_resource_type()} holds no ClaimResponse")
    reference = _payer_reference(response)
    created = response.created
    if isinstance(created, datetime) and created.tzinfo is None:
        created = created.replace(tzinfo=UTC)  # FHIR asks for a zone; read none as UTC
    elif not isinstance(created, datetime):
        created = None
    if response.outcome == "error":
        return PartnerAnswer(
            AnswerKind.REJECTED, reference, reason=error_text(response), answered_at=created
        )
    undecided = response.outcome in UNDECIDED_OUTCOMES
    lines = tuple(
        line for item in response.item or () if (line := _line(item, response, undecided))
    )
    if not lines and not undecided:
        raise PasMappingError("The ClaimResponse is complete but decides no item")
    return PartnerAnswer(
        AnswerKind.DECIDED, reference, lines, reason=response.disposition, answered_at=created
    )


def _line(item: ClaimResponseItem, response: ClaimResponse, undecided: bool) -> LineAnswer | None:
    sequence = item.itemSequence
    if sequence is None:
        raise PasMappingError("A ClaimResponse item has no itemSequence")
    review = _review_action(item)
    code = _sub(review, Ext.REVIEW_ACTION_CODE, Ext.CODE) if review else None
    action = REVIEW_ACTIONS.get(code_of(code.valueCodeableConcept) or "") if code else None
    if action is None:
        if undecided:  # e.g. Inferno's "PENDEDCODE" on a queued response
            return LineAnswer(sequence, ReviewAction.PENDED)
        if code is None:
            return None
        raise PasMappingError(
            f"Item {item.itemSequence}: unknown review action {code_of(code.valueCodeableConcept)}"
        )
    period = first(item.extension, Ext.ITEM_PRE_AUTH_PERIOD)
    number = _sub(review, Ext.NUMBER)
    return LineAnswer(
        sequence=sequence,
        review_action=action,
        approved_quantity=_authorized_quantity(item),
        approved_start=as_date(period.valuePeriod.start) if period and period.valuePeriod else None,
        approved_end=as_date(period.valuePeriod.end) if period and period.valuePeriod else None,
        authorization_number=(number.valueString if number else None)
        or (response.preAuthRef if action in APPROVING else None),
        reason_codes=tuple(
            c
            for r in find(review.extension if review else None, Ext.REASON_CODE)
            if (c := code_of(r.valueCodeableConcept))
        ),
    )


def _review_action(item: ClaimResponseItem) -> Extension | None:
    for adjudication in item.adjudication or ():
        found = first(adjudication.extension, Ext.REVIEW_ACTION)
        if found is not None:
            return found
    return first(item.extension, Ext.REVIEW_ACTION)


def _sub(parent: Extension | None, *urls: str) -> Extension | None:
    return first(parent.extension if parent else None, *urls)


def _authorized_quantity(item: ClaimResponseItem) -> Decimal | None:
    quantity = _sub(first(item.extension, Ext.ITEM_AUTHORIZED_DETAIL), "quantity")
    if quantity is None or quantity.valueQuantity is None:
        return None
    value = quantity.valueQuantity.value
    return Decimal(str(value)) if value is not None else None


def _payer_reference(response: ClaimResponse) -> str | None:
    if response.preAuthRef:
        return response.preAuthRef
    for item in response.item or ():
        found = first(item.extension, Ext.ADMINISTRATION_REFERENCE_NUMBER)
        if found is not None and found.valueString:
            return found.valueString
    return None


def error_text(response: ClaimResponse) -> str:
    """What the payer refused, e.g. "04; T4 at Bundle.entry[1].Organization.name"."""
    parts = [_one_error(error) for error in response.error or ()]
    return "; ".join(parts) or response.disposition or "The payer rejected the request"


def _one_error(error: ClaimResponseError) -> str:
    codes = [c.display or c.code for c in error.code.coding or () if c.code] if error.code else []
    text = (error.code.text if error.code else None) or ", ".join(c for c in codes if c)
    path = first(error.extension, Ext.ERROR_PATH)
    where = path.valueString if path else None
    return f"{text} at {where}" if where else text
