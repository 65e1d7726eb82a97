"""A simulated clearinghouse: a CAQH CORE vC2.2.0 endpoint (`core_soap_routes`) that answers
real-time 278 requests (005010X217) as a payer would, by configurable rules per procedure code.

- approve (A1 with an authorization number), deny (A3 with a reason), pend first and approve on
  the next inquiry (A4 then A1), or reject the request (AAA with a reason);
- state is kept per trace number (TRN02 of the patient event): a 278 with a known trace under a
  new PayloadID is an inquiry and gets the current decision, and so does a 278 inquiry
  (005010X215) naming the trace or the case's reference (AAA AA when it names no case); the
  same PayloadID again gets the very same answer (a resend never opens a second case);
- invalid X12 is answered with a 999 (or a TA1 when the envelope is broken) in the payload;
- `outages` makes the HTTP endpoint fail on purpose: 503 answers or slow answers;
- with a `callback` (the CORE endpoint of the requester), `decide_pended` decides what it
  pended and pushes each decision there as an asynchronous 278 response (zeep, real time);
  `pushes` keeps what the requester answered each (a 999, or the CORE error).

In tests: `clearinghouse_app(SimulatedClearinghouse(rules))` under uvicorn on 127.0.0.1."""

from __future__ import annotations

import asyncio
import hmac
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from adapters.soap.client import CoreClient, CoreConnection
from adapters.soap.codes import PayloadType
from adapters.soap.envelope import CoreRequest, CoreResponse
from adapters.soap.errors import CoreCallError
from adapters.soap.ports import CoreAnswer
from adapters.soap.server import core_soap_routes
from adapters.soap.soap12 import UsernameToken
from adapters.x12.acknowledge import Answer, acknowledge
from adapters.x12.envelope import parse_interchange, write_interchange
from adapters.x12.errors import X12Error
from adapters.x12.inquiry import Inquiry278
from adapters.x12.mapping import X12Parties
from adapters.x12.mapping_payer import (
    Rejection,
    RequestedService,
    ReviewRequested,
    read_review_request,
    to_278_response,
)
from adapters.x12.reader import parse_review_response
from adapters.x12.review import ReviewTree, Transaction278
from adapters.x12.validation import validate
from domain.authorizations.lifecycle import ReviewAction
from domain.clock import Clock, SystemClock
from domain.errors import DomainError, ErrorCode
from domain.partners.ports import LineAnswer

RECEIVER_ID = "CLEARINGHOUSE01"
USERNAME, PASSWORD = "carebridge", "simulator-secret"
MAX_BODY_BYTES = 1024 * 1024


def client_options(**extra: object) -> dict[str, object]:
    """The options of an X12_CORE trading partner that reaches this simulator (add its
    endpoint_url, and `extra`)."""
    return {
        "sender_id": "CAREBRIDGE",
        "receiver_id": RECEIVER_ID,
        "username": USERNAME,
        "password": PASSWORD,
        "usage": "T",
        **extra,
    }


class Outcome(StrEnum):
    APPROVE = "APPROVE"
    DENY = "DENY"
    PEND_THEN_APPROVE = "PEND_THEN_APPROVE"
    REJECT = "REJECT"


@dataclass(frozen=True, slots=True)
class PayerRule:
    outcome: Outcome
    reason: str = ""  # HCR03 for DENY (default 0A), AAA03 for REJECT (default 15)


@dataclass(frozen=True, slots=True)
class PayerRules:
    """Rules by procedure code (CPT/HCPCS); codes not listed get `default`."""

    by_code: dict[str, PayerRule] = field(default_factory=dict)
    default: PayerRule = PayerRule(Outcome.APPROVE)

    def rule_for(self, code: str) -> PayerRule:
        return self.by_code.get(code, self.default)


@dataclass
class Case:
    """One review at the payer: opened by the first request with its trace number."""

    reference: str  # the payer's own number (REF*NT), also the authorization number's stem
    asked: ReviewRequested
    review: Transaction278
    payload: str  # the 278 request as received (its ISA addresses the pushed answers)
    inquiries: int = 0
    decided: bool = False  # decided by `decide_pended`, without being asked


@dataclass
class Outage:
    """The next request(s) fail: `status` answers that HTTP status, `delay_seconds` answers
    late (the request is still handled, as a real server does after a client gives up)."""

    status: int | None = None
    delay_seconds: float = 0.0


class SimulatedClearinghouse:
    """The `CorePayloadHandler` of the simulated clearinghouse."""

    def __init__(
        self,
        rules: PayerRules | None = None,
        *,
        clock: Clock | None = None,
        callback: CoreConnection | None = None,
    ) -> None:
        self.rules = rules or PayerRules()
        self.clock = clock or SystemClock()
        self.cases: dict[str, Case] = {}
        self.outages: list[Outage] = []
        self.callback = callback
        self.sent: list[str] = []  # every 278 response pushed, in order
        self.pushes: list[CoreResponse | CoreCallError] = []  # what the requester answered
        self._answers: dict[str, CoreAnswer] = {}  # by PayloadID
        self._control = 0

    async def handle(self, request: CoreRequest, *, submitter: str) -> CoreAnswer:
        known = self._answers.get(request.payload_id)
        if known is None:
            known = self._answers[request.payload_id] = self._answer(request.payload or "")
        return known

    def _answer(self, payload: str) -> CoreAnswer:
        if validate(payload):
            return self._acknowledgment(payload)
        try:
            return self._decision(payload)
        except X12Error:  # valid, yet not answerable as read (a value holding a delimiter...)
            return self._acknowledgment(payload)

    def _decision(self, payload: str) -> CoreAnswer:
        review = parse_review_response(payload)  # a request (X217) or an inquiry (X215)
        if isinstance(review, Inquiry278):
            return self._inquiry(review, payload)
        asked = read_review_request(review)
        case = self.cases.get(asked.trace_number)
        if case is None:
            case = self.cases[asked.trace_number] = Case(
                f"SIM{len(self.cases) + 1:06d}", asked, review, payload
            )
        else:
            case.inquiries += 1
        parties = self._parties(payload)
        return CoreAnswer(PayloadType.X12_278_RESPONSE, self._response(case, review, parties))

    def _inquiry(self, inquiry: Inquiry278, payload: str) -> CoreAnswer:
        """An X215 inquiry: the case it names (by trace, or by our reference or authorization
        number) counts one more inquiry and gets its current decision; AAA AA when unknown."""
        named = {*inquiry.trace_numbers, *(n.split("-")[0] for n in inquiry.authorization_numbers)}
        case = next(
            (c for trace, c in self.cases.items() if trace in named or c.reference in named),
            None,
        )
        parties = self._parties(payload)
        if case is None:
            data = to_278_response(inquiry, parties, rejection=Rejection("AA", "C"))
            return CoreAnswer(PayloadType.X12_278_RESPONSE, data.decode())
        case.inquiries += 1
        return CoreAnswer(PayloadType.X12_278_RESPONSE, self._response(case, inquiry, parties))

    def _response(self, case: Case, review: ReviewTree, parties: X12Parties) -> str:
        services = case.asked.services or (RequestedService(1, "", ""),)
        rules = [self.rules.rule_for(s.procedure_code) for s in services]
        rejecting = next((r for r in rules if r.outcome is Outcome.REJECT), None)
        if rejecting:
            rejection = Rejection(rejecting.reason or "15", "C")
            data = to_278_response(review, parties, rejection=rejection)
        else:
            lines = tuple(_decide(case, s, r) for s, r in zip(services, rules, strict=True))
            data = to_278_response(review, parties, lines=lines, payer_reference=case.reference)
        return data.decode()

    def _parties(self, payload: str, at: datetime | None = None) -> X12Parties:
        """Back to the sender: the received ISA's receiver and sender, swapped."""
        isa = parse_interchange(payload).header
        self._control += 1
        sender, receiver = isa.element(8).strip(), isa.element(6).strip()
        made = at or self.clock.now()
        return X12Parties(sender, receiver, self._control, made, isa.element(15))

    # --- pushing decisions (asynchronous 278 responses) -------------------------------------

    async def decide_pended(self) -> int:
        """Decide every case still pended (what was pended is approved) and push each
        decision to the callback, if one is set; how many were decided."""
        pended = [case for case in self.cases.values() if self._pended(case)]
        for case in pended:
            case.decided = True
            if self.callback is not None:
                await self.push(self.response(case.asked.trace_number))
        return len(pended)

    def _pended(self, case: Case) -> bool:
        services = case.asked.services or (RequestedService(1, "", ""),)
        return any(
            _decide(case, s, self.rules.rule_for(s.procedure_code)).review_action
            is ReviewAction.PENDED
            for s in services
        )

    def response(self, trace_number: str, made_at: datetime | None = None) -> str:
        """The 278 response with the case's current decision, as made now (or at `made_at`:
        BHT04/BHT05, to the minute)."""
        case = self.cases[trace_number]
        return self._response(case, case.review, self._parties(case.payload, made_at))

    async def push(self, payload: str) -> CoreResponse | CoreCallError:
        """Send a 278 response (new, or one sent before) to the callback in real time; the
        CORE response (its payload the 999), or the CoreCallError the call raised."""
        assert self.callback is not None
        self.sent.append(payload)
        client = CoreClient(self.callback, clock=self.clock)
        try:
            answered: CoreResponse | CoreCallError = await asyncio.to_thread(
                client.real_time,
                payload_id=uuid.uuid4(),
                payload=payload,
                payload_type=PayloadType.X12_278_RESPONSE,
            )
        except CoreCallError as error:
            answered = error
        self.pushes.append(answered)
        return answered

    def _acknowledgment(self, payload: str) -> CoreAnswer:
        self._control += 1
        try:
            answer = acknowledge(payload, Answer(self._control, self.clock.now()))
        except X12Error:
            raise DomainError(ErrorCode.INVALID, "The payload is not X12") from None
        kind = PayloadType.X12_999_RESPONSE if answer.groups else PayloadType.X12_TA1_RESPONSE
        return CoreAnswer(kind, write_interchange(answer).decode())


def _decide(case: Case, service: RequestedService, rule: PayerRule) -> LineAnswer:
    number = f"{case.reference}-{service.sequence}"
    if rule.outcome is Outcome.DENY:
        return LineAnswer(
            service.sequence, ReviewAction.NOT_CERTIFIED, reason_codes=(rule.reason or "0A",)
        )
    if rule.outcome is Outcome.PEND_THEN_APPROVE and case.inquiries == 0 and not case.decided:
        return LineAnswer(service.sequence, ReviewAction.PENDED)
    return LineAnswer(
        service.sequence,
        ReviewAction.CERTIFIED,
        approved_quantity=_quantity(service.quantity),
        authorization_number=number,
    )


def _quantity(text: str) -> Decimal | None:
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


@dataclass(frozen=True)
class SimulatorAccounts:
    """The CoreAuthenticator of the simulator: one username and password."""

    username: str = USERNAME
    password: str = field(default=PASSWORD, repr=False)

    async def authenticate(self, token: UsernameToken) -> str | None:
        same_user = hmac.compare_digest(token.username.encode(), self.username.encode())
        same_password = hmac.compare_digest(token.password.encode(), self.password.encode())
        return f"partner:{token.username}" if same_user and same_password else None


class _Outages:
    """ASGI middleware that plays the clearinghouse's queued outages, one per request."""

    def __init__(self, app: ASGIApp, clearinghouse: SimulatedClearinghouse) -> None:
        self.app = app
        self.clearinghouse = clearinghouse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        outages = self.clearinghouse.outages
        if scope["type"] == "http" and scope["method"] == "POST" and outages:
            outage = outages.pop(0)
            if outage.delay_seconds:
                await asyncio.sleep(outage.delay_seconds)
            if outage.status:
                response = PlainTextResponse("Service unavailable", status_code=outage.status)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def clearinghouse_app(
    clearinghouse: SimulatedClearinghouse,
    *,
    accounts: SimulatorAccounts | None = None,
    wsdl_address: str = "http://127.0.0.1/soap/core",
) -> ASGIApp:
    routes = core_soap_routes(
        clearinghouse,
        accounts or SimulatorAccounts(),
        max_body_bytes=MAX_BODY_BYTES,
        wsdl_address=wsdl_address,
        receiver_id=RECEIVER_ID,
        clock=clearinghouse.clock,
    )
    return _Outages(Starlette(routes=routes), clearinghouse)
