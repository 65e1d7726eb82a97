"""Answering a received interchange: a 999 per group locating every error (IK3/IK4, IK5,
AK9), or a TA1 when the envelope itself is broken. Our answers read back with our parser."""

from __future__ import annotations

import io
import logging

import pytest

from adapters.x12.ack999 import read_ta1s
from adapters.x12.acknowledge import Answer, acknowledge
from adapters.x12.builder import (
    GroupDraft,
    InterchangeDraft,
    PartyId,
    TransactionDraft,
    build_interchange,
)
from adapters.x12.envelope import parse_interchange, write_interchange
from adapters.x12.errors import X12Error
from adapters.x12.reader import parse_999
from adapters.x12.segments import Segment
from adapters.x12.validation import validate
from tests.adapters.x12.conftest import SAMPLE_NAMES, sample
from tests.adapters.x12.synthetic import AT, INQUIRY_BODY, synthetic_interchange

REFERRAL = "stupidedi_referral-request-for-review.edi"
ANSWER = Answer(control_number=31, at=AT)


def answer_to(data: bytes) -> bytes:
    return write_interchange(acknowledge(data, ANSWER))


def ik_segments(answer: bytes) -> list[str]:
    return [s for s in answer.decode().split("~") if s[:3] in {"AK2", "IK3", "IK4", "IK5", "AK9"}]


def test_a_sound_278_is_accepted_back_to_its_sender():
    answer = answer_to(sample(REFERRAL))
    assert ik_segments(answer) == ["AK2*278*0001*005010X217", "IK5*A", "AK9*A*1*1*1"]
    interchange = parse_interchange(answer)
    assert interchange.header.element(6).strip() == "123456789012346"
    assert interchange.header.element(8).strip() == "123456789012345"
    assert interchange.groups[0].header.elements[:3] == ("FA", "1234567890", "1234567890")
    ack = parse_999(answer)
    assert (ack.ak1.elements, ack.code) == (("HI", "20213", "005010X217"), "A")
    assert validate(answer) == []


def test_element_errors_are_located_in_the_transaction_set_with_their_bad_value():
    data = sample(REFERRAL).replace(b"UM*SC*I*3", b"UM*ZZ*I*3").replace(b"TRN*1*", b"TRN**")
    answer = answer_to(data)
    assert ik_segments(answer) == [
        "AK2*278*0001*005010X217",
        "IK3*TRN*10*2000*8",
        "IK4*1**1",
        "IK3*UM*11*2000*8",
        "IK4*1**7*ZZ",
        "IK5*R*5",
        "AK9*R*1*1*0",
    ]
    assert validate(answer) == []


def test_a_bad_component_gets_an_ik4_with_its_component_position():
    answer = answer_to(sample(REFERRAL).replace(b"UM*SC*I*3*11:B", b"UM*SC*I*3*11:Q"))
    assert ik_segments(answer)[1:3] == ["IK3*UM*11*2000*8", "IK4*4:2**7*Q"]
    assert validate(answer) == []


def test_a_miscounted_se01_rejects_the_transaction_set_with_ik5_code_4():
    answer = answer_to(sample("stupidedi_admission-request-for-review.edi"))
    assert ik_segments(answer)[1:] == ["IK5*R*4", "AK9*R*1*1*0"]


def test_a_wrong_hierarchy_is_reported_on_the_hl_segments():
    answer = answer_to(sample("stupidedi_request-for-non-emergency-transportation.edi"))
    assert ik_segments(answer)[1:5] == [
        "IK3*HL*30*2000*8",
        "IK4*2**I12*5",
        "IK3*HL*32*2000*8",
        "IK4*2**I12*6",
    ]


def test_a_missing_segment_gets_an_ik3_with_code_3():
    data = (
        sample(REFERRAL)
        .replace(b"BHT*0007*13*A12345*20050502*1101~", b"")
        .replace(b"SE*16", b"SE*15")
    )
    assert ik_segments(answer_to(data))[1:3] == ["IK3*BHT*2**3", "IK5*R*5"]


def test_a_group_count_error_rejects_the_group_in_ak9():
    answer = answer_to(sample(REFERRAL).replace(b"GE*1*20213", b"GE*2*20213"))
    assert ik_segments(answer)[-1] == "AK9*R*2*1*1*5"
    assert validate(answer) == []


def test_an_interchange_control_number_mismatch_gets_a_ta1_with_note_001():
    answer = acknowledge(sample(REFERRAL).replace(b"IEA*1*000010216", b"IEA*1*000010299"), ANSWER)
    (ta1,) = read_ta1s(answer)
    assert (ta1.control_number, ta1.acknowledgment, ta1.note) == ("000010216", "R", "001")
    assert answer.groups == () and answer.trailer.elements == ("0", "000000031")


def test_the_imsweb_accepted_999_would_get_a_ta1():
    (ta1,) = read_ta1s(acknowledge(sample("imsweb_x12_999_accepted.txt"), ANSWER))
    assert (ta1.control_number, ta1.note) == ("000000286", "001")


def test_broken_nesting_gets_a_ta1_for_an_invalid_control_structure():
    data = sample(REFERRAL).replace(b"SE*16*0001~", b"")
    (ta1,) = read_ta1s(acknowledge(data, ANSWER))
    assert (ta1.acknowledgment, ta1.note) == ("R", "022")


def test_a_requested_interchange_acknowledgment_comes_with_the_999():
    data = sample(REFERRAL).replace(b"*000010216*0*T*", b"*000010216*1*T*")
    (ta1,) = read_ta1s(acknowledge(data, ANSWER))
    assert (ta1.acknowledgment, ta1.note) == ("A", "000")


def test_without_a_readable_isa_there_is_no_one_to_answer():
    with pytest.raises(X12Error):
        acknowledge(b"GS*HI*A*B*20260115*1500*1*X*005010X217~", ANSWER)


def test_pyx12_finds_our_999s_valid():
    pyx12_params = pytest.importorskip("pyx12.params")
    pyx12_document = pytest.importorskip("pyx12.x12n_document")
    logging.getLogger("pyx12").setLevel(logging.CRITICAL)
    broken = sample(REFERRAL).replace(b"UM*SC*I*3*11:B", b"UM*ZZ*I*3*11:Q")
    broken = broken.replace(b"TRN*1*", b"TRN**")
    reviews = [sample(n) for n in SAMPLE_NAMES if n.startswith("stupidedi") and "837" not in n]
    for received in [*reviews, broken]:
        text = answer_to(received).decode()
        ok = pyx12_document.x12n_document(
            param=pyx12_params.params(), src_file=io.StringIO(text), fd_997=None, fd_html=None
        )
        assert ok, text


def test_one_bad_transaction_set_of_two_makes_the_group_partly_accepted():
    body = INQUIRY_BODY
    bad = tuple(s if s.id != "UM" else Segment.of("UM", "QQ", "I") for s in body)
    group = GroupDraft(
        "HI", "SYNSENDER", "SYNRECEIVER", "005010X215", 5,
        (TransactionDraft("278", body), TransactionDraft("278", bad)),
    )  # fmt: skip
    received = build_interchange(InterchangeDraft(PartyId("A"), PartyId("B"), 8, AT, (group,)))
    answer = answer_to(write_interchange(received))
    assert ik_segments(answer) == [
        "AK2*278*0001*005010X215",
        "IK5*A",
        "AK2*278*0002*005010X215",
        "IK3*UM*12*2000*8",  # ST is 1
        "IK4*1**7*QQ",
        "IK5*R*5",
        "AK9*P*2*2*1",
    ]
    assert validate(answer) == []


def test_a_synthetic_inquiry_is_accepted():
    answer = answer_to(synthetic_interchange())
    assert ik_segments(answer) == ["AK2*278*0001*005010X215", "IK5*A", "AK9*A*1*1*1"]
