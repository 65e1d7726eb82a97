"""Our service contract files (package data): the CORE XSD that validates every envelope, and
the WSDL served with this server's own address filled in."""

from __future__ import annotations

import functools
from importlib import resources
from xml.sax.saxutils import quoteattr

from lxml import etree

XSD_NAME = "CORERule2.2.0.xsd"
WSDL_NAME = "CORERule2.2.0.wsdl"
CORE_NAMESPACE = "http://www.caqh.org/SOAP/WSDL/CORERule2.2.0.xsd"
WSDL_NAMESPACE = "http://www.caqh.org/SOAP/WSDL/"
BINDING = f"{{{WSDL_NAMESPACE}}}CoreSoapBinding"
_ADDRESS_PLACEHOLDER = '"https://carebridge.invalid/soap/core"'
_SCHEMA_LOCATION = f'schemaLocation="{XSD_NAME}"'


def contract_file(name: str) -> str:
    """The path of one of our contract files (zeep loads the WSDL, and its XSD, from here)."""
    return str(resources.files("adapters.soap").joinpath("wsdl", name))


@functools.cache
def core_schema() -> etree.XMLSchema:
    """Our CORE vC2.2.0 schema, compiled once."""
    return etree.XMLSchema(etree.parse(contract_file(XSD_NAME)))


@functools.cache
def _text(name: str) -> str:
    return resources.files("adapters.soap").joinpath("wsdl", name).read_text(encoding="utf-8")


def served_wsdl(address: str, schema_url: str) -> bytes:
    """The WSDL with this service's address and the URL of its schema filled in."""
    text = _text(WSDL_NAME).replace(_ADDRESS_PLACEHOLDER, quoteattr(address))
    return text.replace(_SCHEMA_LOCATION, f"schemaLocation={quoteattr(schema_url)}").encode()


def served_xsd() -> bytes:
    return _text(XSD_NAME).encode()
