"""Mutated 278s never make the simulated clearinghouse fail: every payload is answered with a
278 response, a 999 or a TA1, or refused as not X12 (a DomainError, answered as a CORE error);
and every 278 it answers is read back by the X12_CORE partner."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings

from adapters.partners.x12_core import read_answer
from adapters.simulator.clearinghouse import SimulatedClearinghouse
from adapters.soap.codes import PayloadType
from adapters.soap.envelope import REAL_TIME, CoreRequest, CoreResponse
from domain.errors import DomainError
from domain.partners.ports import PartnerError
from tests.adapters.x12.test_fuzz import mutated

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
AT = datetime(2026, 1, 15, 15, 0, tzinfo=UTC)


def envelope(payload: str, payload_id: str) -> CoreRequest:
    return CoreRequest(
        operation=REAL_TIME,
        payload_type=PayloadType.X12_278_REQUEST,
        payload_id=payload_id,
        timestamp=AT,
        sender_id="CAREBRIDGE",
        receiver_id="CLEARINGHOUSE01",
        payload=payload,
    )


@FUZZ
@given(mutated())
def test_mutated_278s_are_answered_in_x12_or_refused(data):
    clearinghouse = SimulatedClearinghouse()
    payload = data.decode("utf-8", errors="replace")
    try:
        answer = asyncio.run(clearinghouse.handle(envelope(payload, "p-1"), submitter="fuzz"))
    except DomainError:
        return
    assert answer.payload_type in {
        PayloadType.X12_278_RESPONSE,
        PayloadType.X12_999_RESPONSE,
        PayloadType.X12_TA1_RESPONSE,
    }
    response = CoreResponse(**{**vars(envelope(answer.payload, "p-1")), **answer._asdict()})
    try:
        read_answer(response, submitting=True)
    except PartnerError as error:
        assert not error.retryable
