"""FHIR's two formats at the edge of /fhir. The routes speak JSON; this ASGI wrapper gives
them XML clients too:

- a request body in XML (`application/fhir+xml`, or `application/xml` / `text/xml`) is read by
  fhir.resources' XML parser with a hardened lxml parser (no DTD, no entities, no network, no
  huge trees; at most `max_bytes` and `max_entries` entries) and handed to the route as the
  same resource in `application/fhir+json`, which the route validates as any JSON request;
- an answer goes out in XML when `_format` says so (`xml`, `application/fhir+xml`...), else
  when `Accept` prefers an XML type to a JSON one, else when the request itself was XML and
  `Accept` names neither; an unknown `_format` is 406. A FHIR JSON answer is then written
  again from its resource by fhir.resources (`model_dump_xml`), errors (OperationOutcome)
  included; anything else passes as it is.

What cannot be read as FHIR XML is one OperationOutcome (400, or 413 when too large), in the
format the client asked for; a content type that is neither format is the routes' 415."""

from __future__ import annotations

from typing import Any

import orjson
import pydantic
from fhir.resources.R4B import get_fhir_model_class
from lxml import etree
from starlette.datastructures import Headers, QueryParams
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters.fhir.outcomes import outcome_response
from adapters.fhir.pas import FHIR_JSON
from adapters.xml_safety import hardened_parser, has_dtd, shows_dtd

FHIR_XML = "application/fhir+xml"
FHIR_NS = "http://hl7.org/fhir"
XML_TYPES = frozenset({FHIR_XML, "application/xml", "text/xml"})
JSON_TYPES = frozenset({FHIR_JSON, "application/json"})
_FORMATS = {
    **dict.fromkeys(("xml", *XML_TYPES), True),
    **dict.fromkeys(("json", *JSON_TYPES), False),
}
_PARSE_ERRORS = (ValueError, TypeError, KeyError, AttributeError, RecursionError)


class FormatProblem(Exception):
    """Answered as one OperationOutcome with this status and issue code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def media_type(value: str | None) -> str:
    return (value or "").split(";", 1)[0].strip().lower()


def wants_xml(query: QueryParams, accept: str | None, sent_xml: bool) -> bool:
    """Whether the answer is XML: `_format`, else Accept's preference between the types it
    names that we speak, else the request's own format."""
    given = query.get("_format")
    if given is not None:
        chosen = _FORMATS.get(given.strip().lower().replace(" ", "+"))
        if chosen is None:
            raise FormatProblem(406, "not-supported", f"_format {given!r} is neither json nor xml")
        return chosen
    best: tuple[float, bool] | None = None
    for part in (accept or "").split(","):
        kind, _, rest = part.partition(";")
        chosen = _FORMATS.get(media_type(kind))
        if chosen is None:
            continue
        quality = _quality(rest)
        if quality > 0 and (best is None or quality > best[0]):
            best = (quality, chosen)
    return best[1] if best is not None else sent_xml


def _quality(parameters: str) -> float:
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                return max(0.0, min(1.0, float(value)))
            except ValueError:
                return 0.0
    return 1.0


def _parser() -> etree.XMLParser:
    return hardened_parser(drop_comments=True)


def xml_to_json(body: bytes, max_entries: int) -> bytes:
    """The FHIR JSON of the resource an XML document holds, or a FormatProblem saying what is
    wrong with it (where pydantic says where)."""
    if shows_dtd(body):
        raise FormatProblem(400, "security", "FHIR XML must not carry a document type declaration")
    try:
        root = etree.fromstring(body, parser=_parser())
    except etree.XMLSyntaxError as error:
        raise FormatProblem(400, "invalid", f"The body is not well-formed XML: {error}") from None
    if root is None:
        raise FormatProblem(400, "invalid", "The body is empty")
    if has_dtd(root):  # one an encoding hid from the check above
        raise FormatProblem(400, "security", "FHIR XML must not carry a document type declaration")
    name = etree.QName(root)
    if name.namespace != FHIR_NS:
        raise FormatProblem(400, "structure", f"Expected a resource in the {FHIR_NS} namespace")
    if len(root.findall(f"{{{FHIR_NS}}}entry")) > max_entries:
        raise FormatProblem(413, "too-costly", f"The Bundle has more than {max_entries} entries")
    try:
        model: Any = get_fhir_model_class(name.localname)
    except (KeyError, ValueError):
        raise FormatProblem(400, "structure", f"{name.localname} is not a FHIR resource") from None
    try:
        resource = model.model_validate_xml(body, xmlparser=_parser())
    except pydantic.ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()) if not str(p).startswith("func"))
        at = f" at {where}" if where else ""
        raise FormatProblem(
            400, "structure", f"Invalid {name.localname}{at}: {first.get('msg')}"
        ) from None
    except (etree.XMLSyntaxError, *_PARSE_ERRORS) as error:
        raise FormatProblem(
            400, "structure", f"Invalid {name.localname}: {str(error)[:300]}"
        ) from None
    written: bytes = resource.model_dump_json(exclude_none=True).encode()
    return written


def json_to_xml(body: bytes) -> bytes | None:
    """Our own FHIR JSON answer written as FHIR XML; None when it is not a resource."""
    try:
        data = orjson.loads(body)
        kind = data.get("resourceType") if isinstance(data, dict) else None
        if not isinstance(kind, str):
            return None
        resource: Any = get_fhir_model_class(kind).model_validate(data)
    except (orjson.JSONDecodeError, pydantic.ValidationError, *_PARSE_ERRORS):
        return None
    return _xml(resource)


def _xml(resource: Any) -> bytes:
    written = resource.model_dump_xml()
    return written.encode() if isinstance(written, str) else bytes(written)


class FhirFormats:
    """The ASGI wrapper of the /fhir routes described above."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, max_entries: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_entries = max_entries

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        sent_xml = media_type(headers.get("content-type")) in XML_TYPES
        try:
            xml = wants_xml(
                QueryParams(scope.get("query_string", b"")), headers.get("accept"), sent_xml
            )
        except FormatProblem as problem:
            await _problem(scope, receive, send, problem, xml=False)
            return
        if sent_xml:
            try:
                body = xml_to_json(await self._body(headers, receive), self.max_entries)
            except FormatProblem as problem:
                await _problem(scope, receive, send, problem, xml=xml)
                return
            scope = {**scope, "headers": _body_headers(scope["headers"], FHIR_JSON, len(body))}
            receive = _replay(body, receive)
        if not xml:
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, _XmlAnswer(send))

    async def _body(self, headers: Headers, receive: Receive) -> bytes:
        declared = headers.get("content-length")
        too_large = FormatProblem(
            413, "too-costly", f"The body is larger than {self.max_bytes} bytes"
        )
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            raise too_large
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise FormatProblem(400, "incomplete", "The client went away")
            body += message.get("body", b"")
            if len(body) > self.max_bytes:
                raise too_large
            if not message.get("more_body", False):
                return bytes(body)


def _body_headers(
    raw: list[tuple[bytes, bytes]], kind: str, length: int
) -> list[tuple[bytes, bytes]]:
    """`raw` headers with the content type and length of a body written anew."""
    kept = [(k, v) for k, v in raw if k.lower() not in (b"content-type", b"content-length")]
    return [*kept, (b"content-type", kind.encode()), (b"content-length", str(length).encode())]


def _replay(body: bytes, receive: Receive) -> Receive:
    given = False

    async def replayed() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # the disconnect, when it comes

    return replayed


class _XmlAnswer:
    """A `send` that holds a FHIR JSON answer back and sends it as XML."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self._start: Message | None = None
        self._body = bytearray()

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = Headers(raw=message.get("headers", []))
            if media_type(headers.get("content-type")) != FHIR_JSON:
                await self._send(message)  # not ours to write again
                return
            self._start = message
            return
        if self._start is None or message["type"] != "http.response.body":
            await self._send(message)
            return
        self._body += message.get("body", b"")
        if message.get("more_body", False):
            return
        start, self._start = self._start, None
        written = json_to_xml(bytes(self._body))
        if written is None:  # not a resource after all: as it was
            await self._send(start)
            await self._send({"type": "http.response.body", "body": bytes(self._body)})
            return
        raw = _body_headers(start.get("headers", []), f"{FHIR_XML}; charset=utf-8", len(written))
        await self._send({**start, "headers": raw})
        await self._send({"type": "http.response.body", "body": written})


async def _problem(
    scope: Scope, receive: Receive, send: Send, problem: FormatProblem, *, xml: bool
) -> None:
    """The OperationOutcome the routes would answer, in XML when `xml`."""
    response = outcome_response(problem.status, problem.code, problem.message)
    await response(scope, receive, _XmlAnswer(send) if xml else send)
