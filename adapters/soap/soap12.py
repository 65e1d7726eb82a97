"""SOAP 1.2 framing: reading an envelope's header and body, the WS-Security UsernameToken in the
header, mustUnderstand, and writing envelopes and faults."""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from adapters.soap.errors import FaultCode, SoapFault

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
PASSWORD_TEXT = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
    "#PasswordText"
)
FAILED_AUTHENTICATION = f"{{{WSSE}}}FailedAuthentication"
CONTENT_TYPE = "application/soap+xml; charset=utf-8"
_TRUE = {"true", "1"}


@dataclass(frozen=True)
class UsernameToken:
    """A WS-Security UsernameToken with a PasswordText password."""

    username: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class SoapMessage:
    body: etree._Element
    header: etree._Element | None


def read_message(root: etree._Element) -> SoapMessage:
    """The header and the single body element of a SOAP 1.2 envelope, or a fault."""
    if root.tag == f"{{{SOAP11}}}Envelope":
        raise SoapFault(FaultCode.VERSION_MISMATCH, "Only SOAP 1.2 envelopes are accepted")
    if root.tag != f"{{{SOAP12}}}Envelope":
        raise SoapFault(FaultCode.SENDER, "The message is not a SOAP 1.2 envelope")
    parts = [child for child in root if isinstance(child.tag, str)]
    header = parts.pop(0) if parts and parts[0].tag == f"{{{SOAP12}}}Header" else None
    if len(parts) != 1 or parts[0].tag != f"{{{SOAP12}}}Body":
        raise SoapFault(FaultCode.SENDER, "A SOAP 1.2 envelope has one Body after its Header")
    elements = [child for child in parts[0] if isinstance(child.tag, str)]
    if len(elements) != 1:
        raise SoapFault(FaultCode.SENDER, "The SOAP Body must hold exactly one element")
    return SoapMessage(body=elements[0], header=header)


def check_must_understand(header: etree._Element | None) -> None:
    """Refuse header blocks the sender says we must understand; we understand WS-Security."""
    for block in header if header is not None else ():
        flag = block.get(f"{{{SOAP12}}}mustUnderstand", "false").strip()
        if flag in _TRUE and block.tag != f"{{{WSSE}}}Security":
            raise SoapFault(FaultCode.MUST_UNDERSTAND, "A mandatory header block is not supported")


def username_token(header: etree._Element | None) -> UsernameToken | None:
    """The UsernameToken of the WS-Security header, if there is one with a PasswordText
    password (CORE's method; a digest is not accepted)."""
    if header is None:
        return None
    token = header.find(f"{{{WSSE}}}Security/{{{WSSE}}}UsernameToken")
    if token is None:
        return None
    username = token.findtext(f"{{{WSSE}}}Username")
    password = token.find(f"{{{WSSE}}}Password")
    if not username or password is None or password.get("Type", PASSWORD_TEXT) != PASSWORD_TEXT:
        return None
    return UsernameToken(username.strip(), password.text or "")


def security_header(token: UsernameToken) -> etree._Element:
    """A WS-Security header carrying the token (what zeep's UsernameToken sends)."""
    security = etree.Element(f"{{{WSSE}}}Security", nsmap={"wsse": WSSE})
    element = etree.SubElement(security, f"{{{WSSE}}}UsernameToken")
    etree.SubElement(element, f"{{{WSSE}}}Username").text = token.username
    password = etree.SubElement(element, f"{{{WSSE}}}Password", Type=PASSWORD_TEXT)
    password.text = token.password
    return security


def envelope_bytes(body: etree._Element, headers: tuple[etree._Element, ...] = ()) -> bytes:
    """A SOAP 1.2 envelope around one body element, UTF-8 with an XML declaration."""
    envelope = etree.Element(f"{{{SOAP12}}}Envelope", nsmap={"env": SOAP12})
    if headers:
        etree.SubElement(envelope, f"{{{SOAP12}}}Header").extend(headers)
    etree.SubElement(envelope, f"{{{SOAP12}}}Body").append(body)
    return bytes(etree.tostring(envelope, xml_declaration=True, encoding="UTF-8"))


def fault_element(fault: SoapFault) -> etree._Element:
    element = etree.Element(f"{{{SOAP12}}}Fault", nsmap={"env": SOAP12})
    code = etree.SubElement(element, f"{{{SOAP12}}}Code")
    etree.SubElement(code, f"{{{SOAP12}}}Value").text = f"env:{fault.code}"
    if fault.subcode:
        namespace, local = fault.subcode[1:].split("}", 1)
        subcode = etree.SubElement(code, f"{{{SOAP12}}}Subcode", nsmap={"sub": namespace})
        etree.SubElement(subcode, f"{{{SOAP12}}}Value").text = f"sub:{local}"
    reason = etree.SubElement(element, f"{{{SOAP12}}}Reason")
    text = etree.SubElement(reason, f"{{{SOAP12}}}Text")
    text.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
    text.text = fault.reason
    return element


def read_fault(body: etree._Element) -> SoapFault | None:
    """The fault a body element carries, if it is one."""
    if body.tag != f"{{{SOAP12}}}Fault":
        return None
    value = (body.findtext(f"{{{SOAP12}}}Code/{{{SOAP12}}}Value") or "").strip()
    local = value.rsplit(":", 1)[-1]
    code = FaultCode(local) if local in FaultCode._value2member_map_ else FaultCode.RECEIVER
    reason = body.findtext(f"{{{SOAP12}}}Reason/{{{SOAP12}}}Text") or ""
    return SoapFault(code, reason.strip())
