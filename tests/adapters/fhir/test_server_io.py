"""`echoing_response` writes the request's own JSON for what the answer echoes (entries, the
Claim's identifiers, type and parties) and the cached JSON of answer items, and serializes
only the rest: the bytes are exactly fhir.resources' serialization of the whole answer, for
every request example and every kind of answer."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from adapters.fhir.pas import dump, to_pas_response
from adapters.fhir.pas_codes import System
from adapters.fhir.pas_elements import identifier
from adapters.fhir.pas_errors import rejection_response
from adapters.fhir.pas_response import item_for, items_json
from adapters.fhir.server_io import echoing_response, parse_bundle_source
from domain.authorizations.lifecycle import ReviewAction
from domain.errors import DomainError, ErrorCode
from domain.partners.ports import AnswerKind, LineAnswer, PartnerAnswer
from tests.adapters.fhir.pas_examples import REQUESTS, example_bytes

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
ANSWERS = {
    "pended": PartnerAnswer(
        AnswerKind.DECIDED,
        None,
        (LineAnswer(1, ReviewAction.PENDED), LineAnswer(2, ReviewAction.PENDED)),
    ),
    "decided": PartnerAnswer(
        AnswerKind.DECIDED,
        "AUTH-77",
        (
            LineAnswer(
                1,
                ReviewAction.PARTIALLY_CERTIFIED,
                approved_quantity=Decimal("3.00"),
                approved_start=date(2026, 12, 1),
                approved_end=date(2026, 12, 31),
                authorization_number="AUTH-77-1",
                reason_codes=("A1",),
            ),
        ),
    ),
    "cancelled": PartnerAnswer(
        AnswerKind.CANCELLED, None, (LineAnswer(1, ReviewAction.CANCELLED),), "withdrawn"
    ),
}


@pytest.mark.parametrize("name", REQUESTS)
@pytest.mark.parametrize("kind", sorted(ANSWERS))
def test_an_echoing_answer_is_byte_for_byte_the_whole_answer_serialized(name, kind):
    bundle, source = parse_bundle_source(example_bytes(name), 1000)
    answer = to_pas_response(
        bundle, ANSWERS[kind], now=NOW, identifiers=[identifier(System.REQUEST_NUMBER, "AR-1")]
    )
    written = echoing_response(answer, bundle, source, items_json(ANSWERS[kind])).body
    assert written == dump(answer)


@pytest.mark.parametrize("name", REQUESTS)
def test_a_rejection_echoing_the_request_is_byte_for_byte_the_whole_answer(name):
    bundle, source = parse_bundle_source(example_bytes(name), 1000)
    error = DomainError(ErrorCode.PAYER_UNKNOWN, "No payer has this identifier", "payerIdentifier")
    answer = rejection_response(bundle, error, now=NOW)
    assert echoing_response(answer, bundle, source).body == dump(answer)


def test_an_answer_item_is_built_once_per_distinct_line_answer():
    pended = LineAnswer(1, ReviewAction.PENDED)
    assert item_for(pended) is item_for(LineAnswer(1, ReviewAction.PENDED))
    assert item_for(pended) is not item_for(LineAnswer(2, ReviewAction.PENDED))


@pytest.mark.parametrize("name", REQUESTS)
def test_an_answer_made_before_the_number_is_the_answer_once_numbered(name):
    """$submit makes its answer while the request is written, holding a place for the number
    it is given then: the same bytes as the answer made afterwards."""
    from adapters.fhir import server
    from adapters.fhir.server_io import document_response, echoing_document
    from domain.authorizations.inbound_state import SubmissionState
    from domain.authorizations.models import AuthorizationRequest

    bundle, source = parse_bundle_source(example_bytes(name), 1000)
    pended = ANSWERS["pended"]
    unnumbered = SubmissionState(AuthorizationRequest(number=None), "ref", None, pended)
    early = server._answer(bundle, unnumbered, NOW, server._NUMBER_TO_COME)
    document = echoing_document(early, bundle, source, items_json(pended))
    assert document is not None
    assert server._numbered(document, "AR-2026-000042")
    assert not server._numbered(document, "AR-2026-000043")  # the place is taken
    numbered = SubmissionState(AuthorizationRequest(number="AR-2026-000042"), "ref", None, pended)
    later = server._answer(bundle, numbered, NOW)
    assert document_response(document).body == dump(later)
    assert b"AR-2026-000042" in dump(later) and server._NUMBER_TO_COME.encode() not in dump(later)


def test_a_request_naming_the_held_place_gets_its_answer_made_anew():
    """A Claim whose own identifier looks like the place held for the number: the prepared
    answer is not numbered (the server makes it afresh after the commit)."""
    import orjson

    from adapters.fhir import server
    from adapters.fhir.server_io import echoing_document
    from domain.authorizations.inbound_state import SubmissionState
    from domain.authorizations.models import AuthorizationRequest

    raw = orjson.loads(example_bytes(REQUESTS[0]))
    claim = next(e["resource"] for e in raw["entry"] if e["resource"]["resourceType"] == "Claim")
    claim["identifier"] = [{"system": System.REQUEST_NUMBER, "value": server._NUMBER_TO_COME}]
    bundle, source = parse_bundle_source(orjson.dumps(raw), 1000)
    pended = ANSWERS["pended"]
    unnumbered = SubmissionState(AuthorizationRequest(number=None), "ref", None, pended)
    early = server._answer(bundle, unnumbered, NOW, server._NUMBER_TO_COME)
    document = echoing_document(early, bundle, source, items_json(pended))
    assert document is not None
    assert not server._numbered(document, "AR-2026-000042")
