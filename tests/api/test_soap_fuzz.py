"""Fuzzing the mounted `/soap/core` with the real app and database: mutated conformance 278s
inside valid envelopes, and mutated envelopes around a valid 278. Never a 5xx; a refusal
(fault, CORE error, 999, TA1, AAA) writes nothing, and what is taken in is one whole request."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from lxml import etree

from domain.identity import service as identity
from domain.identity.models import OrganizationKind
from domain.partners import service as partners
from domain.partners.models import Protocol
from tests.adapters.soap.conftest import CONFORMANCE
from tests.api.soap_support import (
    Credentials,
    envelope,
    outbox_settled,
    post,
    row_counts,
)

X12 = CONFORMANCE / "x12"
SAMPLES = [
    (X12 / name).read_text()
    for name in (
        "stupidedi_referral-request-for-review.edi",
        "stupidedi_emergency-admission-request-for-review.edi",
        "stupidedi_request-for-medical-services-reservation.edi",
    )
]
SECRET = "fuzz-partner-secret"
CREDENTIALS = Credentials("fuzz-core", SECRET)
PIECES = st.sampled_from(
    ["~", "*", ":", "^", ">", "", "HL*9*9*EV*0", "SE*1*0001", "ISA", "GS*HI", "UM*HS*3",
     "HCR*A1", "AAA*N**15*C", "NM1*X3*2*X*****PI*", "DTP*472*RD8*20269999", "TRN*1*", "é", "\x00"]
)  # fmt: skip
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@st.composite
def mutated_x12(draw: st.DrawFn) -> str:
    """A conformance 278 with a few segments dropped, repeated or edited, or spans replaced."""
    segments = draw(st.sampled_from(SAMPLES)).split("~")
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(segments) - 1))
        action = draw(st.sampled_from(["drop", "repeat", "edit", "element"]))
        if action == "drop":
            del segments[at]
        elif action == "repeat":
            segments.insert(at, segments[at])
        elif action == "edit":
            text = segments[at]
            start = draw(st.integers(0, len(text)))
            end = draw(st.integers(start, min(len(text), start + 8)))
            segments[at] = text[:start] + draw(PIECES) + text[end:]
        else:
            elements = segments[at].split("*")
            index = draw(st.integers(0, len(elements) - 1))
            elements[index] = draw(st.text(max_size=12) | PIECES)
            segments[at] = "*".join(elements)
    return "~".join(segments)


FIELDS = ["PayloadType", "ProcessingMode", "PayloadID", "TimeStamp", "SenderID", "ReceiverID",
          "CORERuleVersion", "Payload"]  # fmt: skip


@st.composite
def mutated_envelope(draw: st.DrawFn) -> bytes:
    """A valid envelope around a valid 278, with fields edited, dropped or repeated, or its
    bytes cut and spliced."""
    body = envelope(draw(st.sampled_from(SAMPLES)), CREDENTIALS)
    if draw(st.booleans()):
        data = bytearray(body)
        start = draw(st.integers(0, len(data)))
        end = draw(st.integers(start, min(len(data), start + 30)))
        data[start:end] = draw(st.binary(max_size=10) | st.sampled_from([b"<", b"&", b"]]>"]))
        return bytes(data)
    root = etree.fromstring(body)
    for _ in range(draw(st.integers(1, 3))):
        found = root.xpath(f"//{draw(st.sampled_from(FIELDS))}")
        if not found:
            continue
        element = found[0]
        action = draw(st.sampled_from(["text", "drop", "repeat"]))
        if action == "text":
            element.text = draw(st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=30))  # fmt: skip
        elif action == "drop":
            element.getparent().remove(element)
        else:
            element.addnext(etree.fromstring(etree.tostring(element)))
    return etree.tostring(root)


@pytest.fixture
async def partner(orgs, uow_factory) -> None:
    clinic = await orgs.organization("Fuzz Clinic", OrganizationKind.PROVIDER)
    async with uow_factory() as uow:
        await identity.create_api_client(
            uow=uow, organization_id=clinic, name="fuzz", client_id="fuzz-core", secret=SECRET
        )
        for payer_id in ("789312", "1234560010"):
            payer = await identity.create_organization(
                uow=uow, name=f"Payer {payer_id}", kind=OrganizationKind.PAYER, payer_id=payer_id
            )
            await partners.create_trading_partner(
                uow=uow, payer_organization_id=payer.id, name="portal", protocol=Protocol.MANUAL
            )
        await uow.commit()


async def _sent_and_checked(app_client, uow_factory, body: bytes) -> None:
    await outbox_settled(uow_factory)
    async with uow_factory() as uow:
        before = await row_counts(uow)
    response = await post(app_client.http, body)
    assert response.status_code < 500, response.text
    await outbox_settled(uow_factory)
    async with uow_factory() as uow:
        after = await row_counts(uow)
    taken_in = "HCR*" in response.text
    event("taken in" if taken_in else f"refused ({response.status_code})")
    changed = {t for t in after if after[t] != before[t]} - {"audit_events"}
    if not taken_in:
        assert changed == set(), (changed, response.text[:2000])
    elif changed:  # a new request, whole: its lines, its receipt and its outbox message
        new = {t: after[t] - before[t] for t in after}
        assert new["authorization_requests"] == 1 and new["submission_receipts"] == 1
        assert new["authorization_lines"] >= 1 and new["outbox_messages"] == 1


@FUZZ
@given(payload=mutated_x12())
async def test_mutated_278s_never_get_a_5xx_or_a_partial_write(
    app_client, uow_factory, partner, payload
):
    await _sent_and_checked(app_client, uow_factory, envelope(payload, CREDENTIALS))


@FUZZ
@given(body=mutated_envelope())
async def test_mutated_envelopes_never_get_a_5xx_or_a_partial_write(
    app_client, uow_factory, partner, body
):
    await _sent_and_checked(app_client, uow_factory, body)
