"""A simulated payer speaking Da Vinci PAS over real HTTP: `GET /fhir/metadata`,
`POST /fhir/Claim/$submit` and `POST /fhir/Claim/$inquire`. Request Bundles are parsed with
fhir.resources R4B (invalid -> 400 OperationOutcome); each item is decided by the rule for its
CPT/HCPCS code (approve, deny with a reason, pend then approve on inquiry, reject the request);
answers are PAS Response Bundles built by `adapters.fhir.pas`. A Bundle identifier seen before
gets the same answer and creates nothing; a Claim with status cancelled cancels every item.

Tests run `PasPayerSimulator().app()` under uvicorn on a free 127.0.0.1 port; `faults` makes it
slow or failing on purpose. Alone: `python -m adapters.simulator.pas_payer --port 8092`."""

from __future__ import annotations

import argparse
import asyncio
import hmac
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum

import httpx
import uvicorn
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.claim import Claim, ClaimItem
from fhir.resources.R4B.resource import Resource
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from adapters.fhir.pas import FHIR_JSON, PasMappingError, dump, parse_resource, to_pas_response
from adapters.fhir.pas_elements import as_date
from adapters.simulator.pas_payer_http import (
    capability_statement,
    inquiry_result,
    notification_bundle,
    outcome,
)
from domain.authorizations.lifecycle import ReviewAction
from domain.partners.ports import AnswerKind, LineAnswer, PartnerAnswer


class RuleKind(StrEnum):
    APPROVE = "APPROVE"
    DENY = "DENY"
    PEND_THEN_APPROVE = "PEND_THEN_APPROVE"
    REJECT = "REJECT"  # the whole request cannot be processed (PAS outcome=error)


@dataclass(frozen=True)
class PayerRule:
    kind: RuleKind
    reason: str | None = None  # the denial's reason code, or the rejection's text


@dataclass
class PasFaults:
    """`delay_seconds` before every answer; `status` answers every request with it."""

    delay_seconds: float = 0.0
    status: int | None = None


@dataclass
class StoredClaim:
    bundle: Bundle
    answer: PartnerAnswer
    answered_at: datetime  # when the payer made its current answer (the ClaimResponse's created)

    def answer_with(self, answer: PartnerAnswer) -> None:
        if answer != self.answer:
            self.answer, self.answered_at = answer, datetime.now(UTC)


class PasPayerSimulator:
    def __init__(
        self,
        rules: dict[str, PayerRule] | None = None,
        default: PayerRule = PayerRule(RuleKind.APPROVE),
        *,
        bearer_token: str | None = None,
        callback_url: str | None = None,
        callback_token: str | None = None,
        push_after_seconds: float | None = None,
        pend_unknown: bool = False,
    ) -> None:
        """`callback_url` (with `callback_token`, the bearer token the receiver expects):
        when a pended claim is decided the payer pushes a subscription notification there;
        `push_after_seconds` has it decide pended claims that long after their submission.
        `pend_unknown`: an inquiry about a claim it has not stored answers that every item
        is still pended (a payer whose claims came in before this process; benchmarks)."""
        self.rules = dict(rules or {})
        self.default = default
        self.faults = PasFaults()
        self.claims: dict[str, StoredClaim] = {}  # by Bundle identifier
        self.requests: list[str] = []  # "submit <bundle id>" / "inquire <number>", as asked
        self.arrived = 0  # HTTP requests to $submit and $inquire, counted before any fault
        self._numbers: dict[str, str] = {}  # Claim identifier -> Bundle identifier
        self._issued = 0
        self._token = bearer_token
        self.callback_url = callback_url
        self.callback_token = callback_token
        self.push_after_seconds = push_after_seconds
        self.notifications: list[bytes] = []  # every notification pushed, in order
        self.push_statuses: list[int] = []  # what the receiver answered each
        self._events = 0
        self._timers: set[asyncio.Task[None]] = set()
        self.pend_unknown = pend_unknown

    def app(self, prefix: str = "/fhir") -> Starlette:
        return Starlette(routes=self.routes(prefix))

    def routes(self, prefix: str = "/fhir") -> list[BaseRoute]:
        return [
            Mount(
                prefix,
                routes=[
                    Route("/metadata", self._metadata, methods=["GET"]),
                    Route("/Claim/$submit", self._submit, methods=["POST"]),
                    Route("/Claim/$inquire", self._inquire, methods=["POST"]),
                ],
            )
        ]

    async def _metadata(self, request: Request) -> Response:
        return _fhir(capability_statement())

    async def _submit(self, request: Request) -> Response:
        body = await request.body()  # taken in first: a slow payer still processes it
        refusal = await self._faulty(request)
        if refusal is not None:
            return refusal
        try:
            bundle, claim, key = _read(body)
        except PasMappingError as error:
            return outcome(400, "invalid", error.message)
        self.requests.append(f"submit {key}")
        stored = self.claims.get(key)
        if stored is None:
            stored = StoredClaim(bundle, self._decide(claim), datetime.now(UTC))
            self.claims[key] = stored
            for number in _numbers(claim):
                self._numbers[number] = key
            if self.push_after_seconds is not None and _pended(stored.answer):
                timer = asyncio.create_task(self._decide_later(key, self.push_after_seconds))
                self._timers.add(timer)
                timer.add_done_callback(self._timers.discard)
        return _fhir(to_pas_response(stored.bundle, stored.answer, now=stored.answered_at))

    async def _inquire(self, request: Request) -> Response:
        body = await request.body()
        refusal = await self._faulty(request)
        if refusal is not None:
            return refusal
        try:
            bundle, claim, _key = _read(body)
        except PasMappingError as error:
            return outcome(400, "invalid", error.message)
        numbers = _numbers(claim)
        self.requests.append(f"inquire {','.join(numbers)}")
        key = next((self._numbers[n] for n in numbers if n in self._numbers), None)
        if key is None and self.pend_unknown:
            lines = tuple(LineAnswer(_sequence(i), ReviewAction.PENDED) for i in claim.item or ())
            pended = PartnerAnswer(AnswerKind.DECIDED, lines=lines)
            return _fhir(inquiry_result(to_pas_response(bundle, pended, now=datetime.now(UTC))))
        if key is None:
            return _fhir(inquiry_result(None))
        stored = self.claims[key]
        stored.answer_with(self._decide_pended(stored))
        response = to_pas_response(stored.bundle, stored.answer, now=stored.answered_at)
        return _fhir(inquiry_result(response))

    async def _faulty(self, request: Request) -> Response | None:
        """Applies the faults, then checks the bearer token."""
        self.arrived += 1
        if self.faults.delay_seconds:
            await asyncio.sleep(self.faults.delay_seconds)
        if self.faults.status is not None:
            return outcome(self.faults.status, "transient", "The simulated payer is failing")
        if self._token is not None:
            sent = request.headers.get("authorization", "")
            if not hmac.compare_digest(sent.encode(), f"Bearer {self._token}".encode()):
                return outcome(401, "login", "A valid bearer token is required")
        return None

    # --- pushing decisions (rest-hook subscription notifications) --------------------------

    async def decide_pended(self) -> int:
        """Decide every pended claim (approve what was pended) and push each decision to the
        callback, if one is configured; how many were decided."""
        keys = [key for key, stored in self.claims.items() if _pended(stored.answer)]
        for key in keys:
            self.claims[key].answer_with(self._decide_pended(self.claims[key]))
            await self.push(key)
        return len(keys)

    async def _decide_later(self, key: str, seconds: float) -> None:
        await asyncio.sleep(seconds)
        stored = self.claims[key]
        if _pended(stored.answer):
            stored.answer_with(self._decide_pended(stored))
            await self.push(key)

    def notification(self, key: str, made_at: datetime | None = None) -> bytes:
        """A notification carrying the claim's current answer, as made when it was (or at
        `made_at`: a status update re-issued then)."""
        stored = self.claims[key]
        at = made_at or stored.answered_at
        response = to_pas_response(stored.bundle, stored.answer, now=at)
        self._events += 1
        return dump(notification_bundle(response, self._events))

    async def push(self, key: str) -> int | None:
        """Push the claim's current answer to the callback; the receiver's HTTP status."""
        if self.callback_url is None:
            return None
        return await self.send(self.notification(key))

    async def send(self, body: bytes) -> int:
        """POST a notification (a new one, or one sent before) to the callback."""
        assert self.callback_url is not None
        self.notifications.append(body)
        headers = {"Content-Type": FHIR_JSON}
        if self.callback_token:
            headers["Authorization"] = f"Bearer {self.callback_token}"
        try:
            async with httpx.AsyncClient(timeout=10) as http:
                answered = await http.post(self.callback_url, content=body, headers=headers)
        except httpx.TransportError:
            self.push_statuses.append(0)
            return 0
        self.push_statuses.append(answered.status_code)
        return answered.status_code

    def rule_for(self, item: ClaimItem) -> PayerRule:
        codes = [c.code for c in item.productOrService.coding or () if c.code]
        return next((self.rules[c] for c in codes if c in self.rules), self.default)

    def _decide(self, claim: Claim) -> PartnerAnswer:
        items = claim.item or []
        if claim.status == "cancelled":
            lines = tuple(LineAnswer(_sequence(i), ReviewAction.CANCELLED) for i in items)
            return PartnerAnswer(AnswerKind.DECIDED, lines=lines)
        rules = [(item, self.rule_for(item)) for item in items]
        rejected = [rule for _item, rule in rules if rule.kind is RuleKind.REJECT]
        if rejected:
            reason = rejected[0].reason or "The request cannot be processed"
            return PartnerAnswer(AnswerKind.REJECTED, reason=reason)
        lines = tuple(self._line(item, rule) for item, rule in rules)
        return PartnerAnswer(AnswerKind.DECIDED, lines=lines)

    def _line(self, item: ClaimItem, rule: PayerRule) -> LineAnswer:
        if rule.kind is RuleKind.DENY:
            reasons = (rule.reason,) if rule.reason else ()
            return LineAnswer(_sequence(item), ReviewAction.NOT_CERTIFIED, reason_codes=reasons)
        if rule.kind is RuleKind.PEND_THEN_APPROVE:
            return LineAnswer(_sequence(item), ReviewAction.PENDED)
        return self._approval(item)

    def _approval(self, item: ClaimItem) -> LineAnswer:
        self._issued += 1
        period = item.servicedPeriod
        quantity = item.quantity.value if item.quantity else None
        return LineAnswer(
            _sequence(item),
            ReviewAction.CERTIFIED,
            approved_quantity=Decimal(str(quantity)) if quantity is not None else None,
            approved_start=as_date(period.start) if period else None,
            approved_end=as_date(period.end) if period else None,
            authorization_number=f"SIM{self._issued:06d}",
        )

    def _decide_pended(self, stored: StoredClaim) -> PartnerAnswer:
        """On inquiry, what was pended is now approved."""
        claim = stored.bundle.entry[0].resource  # type: ignore[index]
        assert isinstance(claim, Claim)
        items = {item.sequence: item for item in claim.item or ()}
        lines = tuple(
            self._approval(items[line.sequence])
            if line.review_action is ReviewAction.PENDED
            else line
            for line in stored.answer.lines
        )
        return replace(stored.answer, lines=lines)


def _read(body: bytes) -> tuple[Bundle, Claim, str]:
    """The Bundle, its first entry's Claim and its identifier, or why not."""
    bundle = parse_resource(body, "Bundle")
    assert isinstance(bundle, Bundle)
    first: Resource | None = bundle.entry[0].resource if bundle.entry else None
    if not isinstance(first, Claim):
        raise PasMappingError("The Bundle's first entry must be a Claim")
    if bundle.identifier is None or not bundle.identifier.value:
        raise PasMappingError("The Bundle has no identifier")
    if not first.item or any(item.sequence is None for item in first.item):
        raise PasMappingError("The Claim needs items, each with a sequence")
    return bundle, first, bundle.identifier.value


def _pended(answer: PartnerAnswer) -> bool:
    return any(line.review_action is ReviewAction.PENDED for line in answer.lines)


def _sequence(item: ClaimItem) -> int:
    assert item.sequence is not None  # checked by _read
    return item.sequence


def _numbers(claim: Claim) -> list[str]:
    return [i.value for i in claim.identifier or () if i.value]


def _fhir(resource: Resource, status: int = 200) -> Response:
    return Response(dump(resource), status_code=status, media_type=FHIR_JSON)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the simulated PAS payer")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8092)
    parser.add_argument("--token", default=None, help="require this bearer token")
    args = parser.parse_args(argv)
    print(f"simulated PAS payer at http://{args.host}:{args.port}/fhir")
    uvicorn.run(PasPayerSimulator(bearer_token=args.token).app(), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
