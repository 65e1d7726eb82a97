"""Hardened XML parsing for everything that arrives over SOAP: a size cap, no network, no DTD
(SOAP 1.2 forbids one), no entity expansion, no huge trees. What cannot be read is a fault."""

from __future__ import annotations

import threading

from lxml import etree

from adapters.soap.errors import FaultCode, SoapFault
from adapters.xml_safety import hardened_parser, has_dtd, shows_dtd

_local = threading.local()


def _parser() -> etree.XMLParser:
    """One parser per thread: an lxml parser is not safe to share between threads."""
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = hardened_parser()
    return parser


def parse_document(body: bytes, *, max_bytes: int) -> etree._Element:
    """The document's root element, or a Sender fault: too large, not well-formed XML, or a
    document type declaration (refused before parsing when it is visible in the bytes, and
    after parsing when an encoding hid it)."""
    if len(body) > max_bytes:
        raise SoapFault(FaultCode.SENDER, f"The message is larger than {max_bytes} bytes")
    if shows_dtd(body):
        raise SoapFault(FaultCode.SENDER, "A SOAP message must not contain a DTD")
    try:
        root = etree.fromstring(body, parser=_parser())
    except etree.XMLSyntaxError as error:
        raise SoapFault(FaultCode.SENDER, "The message is not well-formed XML") from error
    if root is None:
        raise SoapFault(FaultCode.SENDER, "The message is empty")
    if has_dtd(root):
        raise SoapFault(FaultCode.SENDER, "A SOAP message must not contain a DTD")
    return root
