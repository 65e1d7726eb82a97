"""Pure rules of contracts: payment terms and their checks, templates with merge fields,
the rendered document and its hash, and the differences between two versions."""

from __future__ import annotations

import difflib
import hashlib
import re
import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from domain.errors import ErrorCode, ErrorCollector
from domain.network.models import NetworkTier
from domain.network.rules import to_json

MERGE_FIELD = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")

# What a template may use; each is filled from the contract, its version and the provider.
MERGE_FIELDS = (
    "network_name",
    "provider_name",
    "provider_npi",
    "contract_number",
    "version",
    "tier",
    "effective_date",
    "end_date",
    "payment_terms",
    "covered_services",
    "clauses",
)


class PaymentTermKind(StrEnum):
    FEE_SCHEDULE = "FEE_SCHEDULE"  # a rate per unit of each service
    FLAT_RATE = "FLAT_RATE"  # a fixed amount per payment period
    PERCENT_OF_CHARGES = "PERCENT_OF_CHARGES"  # a share of the billed charges
    CAPITATION = "CAPITATION"  # an amount per member per month
    BUNDLED = "BUNDLED"  # one amount for an episode of the listed services


@dataclass(frozen=True, slots=True)
class PaymentTermData:
    kind: PaymentTermKind
    benefit_id: uuid.UUID | None = None
    amount: Decimal | None = None
    percent: Decimal | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class ContractTermsData:
    tier: NetworkTier
    period_start: date
    period_end: date
    payment_terms: tuple[PaymentTermData, ...]
    covered_services: tuple[uuid.UUID, ...]
    clauses: dict[str, str] = field(default_factory=dict)
    change_note: str | None = None


def check_terms(terms: ContractTermsData) -> None:
    errors = ErrorCollector()
    if terms.period_end < terms.period_start:
        errors.add(ErrorCode.INVALID_PERIOD, "The period ends before it starts", "periodEnd")
    if not terms.covered_services:
        errors.add(ErrorCode.REQUIRED, "A contract covers at least one service", "coveredServices")
    if len(set(terms.covered_services)) != len(terms.covered_services):
        errors.add(ErrorCode.DUPLICATE, "A service is listed twice", "coveredServices")
    if not terms.payment_terms:
        errors.add(ErrorCode.REQUIRED, "Give the payment terms", "paymentTerms")
    fee_services: set[uuid.UUID] = set()
    for index, term in enumerate(terms.payment_terms):
        _check_term(errors, term, terms, fee_services, f"paymentTerms.{index}")
    if sum(t.kind is PaymentTermKind.FLAT_RATE for t in terms.payment_terms) > 1:
        errors.add(ErrorCode.DUPLICATE, "One flat rate per contract", "paymentTerms")
    for key, text in terms.clauses.items():
        if not re.fullmatch(r"[a-z_]{1,40}", key) or len(text) > 20_000:
            errors.add(ErrorCode.INVALID, "Clauses are named a_z and at most 20000 long", "clauses")
    errors.raise_if_any()


def _check_term(
    errors: ErrorCollector,
    term: PaymentTermData,
    terms: ContractTermsData,
    fee_services: set[uuid.UUID],
    at: str,
) -> None:
    kind = term.kind
    needs_service = kind is PaymentTermKind.FEE_SCHEDULE
    if needs_service:
        if term.benefit_id is None or term.benefit_id not in terms.covered_services:
            errors.add(
                ErrorCode.INVALID, "A fee is for one of the covered services", f"{at}.benefitId"
            )
        elif term.benefit_id in fee_services:
            errors.add(ErrorCode.DUPLICATE, "This service has a fee already", f"{at}.benefitId")
        else:
            fee_services.add(term.benefit_id)
    if kind is PaymentTermKind.PERCENT_OF_CHARGES:
        if term.percent is None or not Decimal(0) < term.percent <= Decimal(100):
            errors.add(ErrorCode.INVALID, "A percent between 0 and 100", f"{at}.percent")
    elif term.amount is None or term.amount <= 0:
        errors.add(ErrorCode.REQUIRED, "Give a positive amount", f"{at}.amount")


def terms_to_json(terms: ContractTermsData) -> list[dict[str, Any]]:
    return [to_json(t) for t in terms.payment_terms]


def term_from_json(item: dict[str, Any]) -> PaymentTermData:
    def dec(v: Any) -> Decimal | None:
        try:
            return None if v is None else Decimal(v)
        except InvalidOperation:  # pragma: no cover - we wrote it
            return None

    return PaymentTermData(
        kind=PaymentTermKind(item["kind"]),
        benefit_id=uuid.UUID(item["benefit_id"]) if item.get("benefit_id") else None,
        amount=dec(item.get("amount")),
        percent=dec(item.get("percent")),
        description=item.get("description"),
    )


def check_template(name: str, body: str) -> list[str]:
    """The merge fields the body uses; each must be one we can fill."""
    errors = ErrorCollector()
    errors.check_lengths({"name": name}, {"name": 200})
    if not name.strip():
        errors.add(ErrorCode.REQUIRED, "Name the template", "name")
    if not body.strip():
        errors.add(ErrorCode.REQUIRED, "The template has a text", "body")
    used = list(dict.fromkeys(MERGE_FIELD.findall(body)))
    unknown = [f for f in used if f not in MERGE_FIELDS]
    if unknown:
        errors.add(
            ErrorCode.INVALID,
            f"Unknown merge fields: {', '.join(unknown)} (known: {', '.join(MERGE_FIELDS)})",
            "body",
        )
    errors.raise_if_any()
    return used


def render(body: str, values: dict[str, str]) -> str:
    """The template with every merge field filled."""
    return MERGE_FIELD.sub(lambda m: values[m.group(1)], body)


def document_hash(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


def describe_term(term: PaymentTermData, service_names: dict[uuid.UUID, str]) -> str:
    name = service_names.get(term.benefit_id, "") if term.benefit_id else ""
    match term.kind:
        case PaymentTermKind.FEE_SCHEDULE:
            return f"{name}: {term.amount} per unit"
        case PaymentTermKind.FLAT_RATE:
            return f"Flat rate of {term.amount} per payment period"
        case PaymentTermKind.PERCENT_OF_CHARGES:
            return f"{term.percent}% of billed charges"
        case PaymentTermKind.CAPITATION:
            return f"Capitation of {term.amount} per member per month"
        case PaymentTermKind.BUNDLED:
            return f"Bundled payment of {term.amount} per episode ({term.description or ''})"


@dataclass(frozen=True, slots=True)
class Change:
    """One difference between two versions: `path` names the term (tier, paymentTerms.0.amount,
    document line 12), with the value before and after (None where absent)."""

    path: str
    before: str | None
    after: str | None


def diff_versions(before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    """What changed from one version's terms and document to another's."""
    changes: list[Change] = []
    for key in ("tier", "period_start", "period_end", "covered_services"):
        if before[key] != after[key]:
            changes.append(Change(_camel(key), str(before[key]), str(after[key])))
    changes += _diff_items("paymentTerms", before["payment_terms"], after["payment_terms"])
    for key in sorted(set(before["clauses"]) | set(after["clauses"])):
        old, new = before["clauses"].get(key), after["clauses"].get(key)
        if old != new:
            changes.append(Change(f"clauses.{key}", old, new))
    for line in difflib.unified_diff(
        before["document"].splitlines(), after["document"].splitlines(), lineterm="", n=0
    ):
        if line.startswith(("---", "+++", "@@")):
            continue
        sign, text = line[0], line[1:]
        changes.append(
            Change("document", text if sign == "-" else None, text if sign == "+" else None)
        )
    return changes


def _diff_items(name: str, old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[Change]:
    changes: list[Change] = []
    for index in range(max(len(old), len(new))):
        a = old[index] if index < len(old) else {}
        b = new[index] if index < len(new) else {}
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                changes.append(
                    Change(
                        f"{name}.{index}.{_camel(key)}",
                        None if a.get(key) is None else str(a.get(key)),
                        None if b.get(key) is None else str(b.get(key)),
                    )
                )
    return changes


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
