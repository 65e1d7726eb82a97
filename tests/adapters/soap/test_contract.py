"""Our WSDL and XSD are our own, and interchangeable with the public ones: same namespaces,
element names, order, cardinalities and base types; what we build validates against CAQH's
schema, and what zeep builds from the public WSDL validates against ours."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree
from zeep import Client
from zeep.wsse.username import UsernameToken

from adapters.soap.codes import PayloadType
from adapters.soap.contract import WSDL_NAME, XSD_NAME, contract_file, core_schema
from adapters.soap.envelope import OPERATIONS, CoreRequest, field_texts, response_to, to_element
from adapters.soap.soap12 import SOAP12
from tests.adapters.soap.conftest import (
    PUBLIC_BATCH_WSDL,
    PUBLIC_REAL_TIME_WSDL,
    PUBLIC_XSD,
    X12_REQUEST,
)

XS = "http://www.w3.org/2001/XMLSchema"
CORE = "{http://www.caqh.org/SOAP/WSDL/CORERule2.2.0.xsd}"


def _builtin(schema: etree._Element, type_name: str) -> str:
    """The XML Schema built-in type a (possibly restricted) type comes down to."""
    local = type_name.split(":")[-1]
    simple = schema.find(f"{{{XS}}}simpleType[@name='{local}']")
    if simple is None:
        return local
    return _builtin(schema, simple.find(f"{{{XS}}}restriction").get("base"))


def _shape(schema: etree._Element, element_name: str) -> list[tuple[str, str, str, str]]:
    element = schema.find(f"{{{XS}}}element[@name='{element_name}']")
    complex_type = element.find(f"{{{XS}}}complexType")
    if complex_type is None:
        complex_type = schema.find(f"{{{XS}}}complexType[@name='{element.get('type')}']")
    return [
        (
            child.get("name"),
            _builtin(schema, child.get("type")),
            child.get("minOccurs", "1"),
            child.get("maxOccurs", "1"),
        )
        for child in complex_type.find(f"{{{XS}}}sequence")
    ]


@pytest.fixture(scope="module")
def public_xsd() -> etree._Element:
    return etree.parse(str(PUBLIC_XSD)).getroot()


@pytest.fixture(scope="module")
def our_xsd() -> etree._Element:
    return etree.parse(contract_file(XSD_NAME)).getroot()


@pytest.fixture(scope="module")
def public_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(PUBLIC_XSD)))


def test_our_schema_has_the_public_namespace_and_unqualified_children(public_xsd, our_xsd):
    assert our_xsd.get("targetNamespace") == public_xsd.get("targetNamespace")
    assert public_xsd.get("elementFormDefault", "unqualified") == "unqualified"
    assert our_xsd.get("elementFormDefault") == "unqualified"


def test_our_schema_defines_the_same_envelopes_field_by_field(public_xsd, our_xsd):
    public_names = {e.get("name") for e in public_xsd.findall(f"{{{XS}}}element")}
    our_names = {e.get("name") for e in our_xsd.findall(f"{{{XS}}}element")}
    assert our_names == public_names and len(public_names) == 10
    for name in sorted(public_names):
        assert _shape(our_xsd, name) == _shape(public_xsd, name), name


def _a_request(operation) -> CoreRequest:
    return CoreRequest(
        operation=operation,
        payload_type=PayloadType.X12_278_REQUEST,
        payload_id=str(uuid.uuid1()),
        timestamp=datetime(2026, 1, 15, 10, 30, tzinfo=UTC),
        sender_id="PROVIDER01",
        receiver_id="CLEARINGHOUSE01",
        payload=X12_REQUEST,
    )


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.name)
def test_what_we_build_validates_against_the_public_schema(public_schema, operation):
    request = _a_request(operation)
    response = response_to(request, timestamp=request.timestamp, payload_type="X", payload="Y")
    for element in (to_element(request), to_element(response)):
        assert public_schema.validate(element), public_schema.error_log


def _body_of(message: etree._Element) -> etree._Element:
    return message.find(f"{{{SOAP12}}}Body")[0]


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.name)
def test_zeep_builds_from_our_wsdl_what_both_schemas_accept(public_schema, operation):
    client = Client(contract_file(WSDL_NAME), wsse=UsernameToken("user", "secret"))
    arguments = dict(field_texts(_a_request(operation)))
    if operation.is_batch:
        arguments["Payload"] = X12_REQUEST.encode()
        arguments["PayloadLength"] = len(X12_REQUEST.encode())
    message = client.create_message(client.service, operation.name, **arguments)
    assert message.tag == f"{{{SOAP12}}}Envelope"
    body = _body_of(message)
    assert public_schema.validate(body), public_schema.error_log
    assert core_schema().validate(body), core_schema().error_log
    header = message.find(f"{{{SOAP12}}}Header")
    assert [block.tag.split("}")[1] for block in header] == ["Security"]  # no WS-Addressing


@pytest.mark.parametrize(
    ("public_wsdl", "operation"),
    [(PUBLIC_REAL_TIME_WSDL, "RealTimeTransaction"), (PUBLIC_BATCH_WSDL, "BatchSubmitTransaction")],
)
def test_our_operations_bind_like_the_public_wsdls(public_wsdl, operation):
    public = _binding_operation(Client(str(public_wsdl)), operation)
    ours = _binding_operation(Client(contract_file(WSDL_NAME)), operation)
    assert ours == public
    assert ours[0] == operation  # soapAction = operation name


def _binding_operation(client: Client, name: str) -> tuple[str, str, str, str]:
    [service] = client.wsdl.services.values()
    [port] = service.ports.values()
    operation = port.binding._operations[name]
    return (
        operation.soapaction,
        str(operation.input.body.qname),
        str(operation.output.body.qname),
        type(port.binding).__name__,
    )


def test_our_wsdl_has_one_core_port_type_with_the_five_operations():
    client = Client(contract_file(WSDL_NAME))
    [port_type] = client.wsdl.port_types.values()
    assert port_type.name == "{http://www.caqh.org/SOAP/WSDL/}CORETransactions"
    assert sorted(port_type.operations) == sorted(op.name for op in OPERATIONS)


def test_our_wsdl_asks_for_a_username_token_and_nothing_of_nwhin():
    text = Path(contract_file(WSDL_NAME)).read_text(encoding="utf-8")
    assert (
        "<sp:UsernameToken" in text
        and '<wsp:PolicyReference URI="#CORE_UsernameToken_Policy"/>' in text
    )
    for nwhin in ("SamlToken", "wsaw:", "UsingAddressing", "RequireClientCertificate"):
        assert nwhin not in text


def test_zeep_built_messages_from_the_public_wsdl_validate_against_ours():
    client = Client(str(PUBLIC_REAL_TIME_WSDL), wsse=UsernameToken("user", "secret"))
    arguments = dict(field_texts(_a_request(OPERATIONS[0])))
    message = client.create_message(client.service, "RealTimeTransaction", **arguments)
    assert core_schema().validate(_body_of(message)), core_schema().error_log
