"""Is authorization required? (seed 004 step 2): a payer's rules applied to each requested
service. Pure: the service layer reads the rules and hands them here."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from domain.authorizations.models import CodeSystem, Requirement
from domain.authorizations.payer_rules import normalize_icd10


@dataclass(frozen=True, slots=True)
class Rule:
    id: uuid.UUID
    code_system: CodeSystem
    code_from: str
    code_to: str
    requirement: Requirement
    diagnosis_prefixes: tuple[str, ...] = ()
    places_of_service: tuple[str, ...] = ()
    quantity_over: Decimal | None = None
    documentation: tuple[str, ...] = ()
    description: str | None = None

    @property
    def specificity(self) -> tuple[int, int]:
        """Conditions first, then the narrowest code range: the most specific rule wins."""
        conditions = sum(
            (
                bool(self.diagnosis_prefixes),
                bool(self.places_of_service),
                self.quantity_over is not None,
            )
        )
        return (conditions, -_width(self.code_from, self.code_to))


@dataclass(frozen=True, slots=True)
class ServiceToCheck:
    code_system: CodeSystem
    service_code: str
    quantity: Decimal = Decimal(1)
    place_of_service: str | None = None


@dataclass(frozen=True, slots=True)
class LineRequirement:
    sequence: int
    requirement: Requirement
    documentation: tuple[str, ...]
    rule_id: uuid.UUID | None
    reason: str


def _width(low: str, high: str) -> int:
    """How many codes a range spans, comparing like codes (CPT 5 chars, HCPCS letter + 4)."""
    digits_low = int("".join(c for c in low if c.isdigit()) or 0)
    digits_high = int("".join(c for c in high if c.isdigit()) or 0)
    return abs(digits_high - digits_low)


def _applies(rule: Rule, service: ServiceToCheck, diagnoses: Sequence[str]) -> bool:
    code = service.service_code.strip().upper()
    if rule.code_system is not service.code_system or len(code) != len(rule.code_from):
        return False
    if not rule.code_from <= code <= rule.code_to:
        return False
    if rule.diagnosis_prefixes and not any(
        d.startswith(p) for d in diagnoses for p in rule.diagnosis_prefixes
    ):
        return False
    if rule.places_of_service and service.place_of_service not in rule.places_of_service:
        return False
    return rule.quantity_over is None or service.quantity > rule.quantity_over


def check_requirements(
    rules: Sequence[Rule], services: Sequence[ServiceToCheck], diagnoses: Sequence[str]
) -> list[LineRequirement]:
    """Per service, the answer of the most specific rule that applies; UNKNOWN where none
    does (the payer has not said)."""
    codes = [normalize_icd10(d).replace(".", "") for d in diagnoses]
    answers = []
    for sequence, service in enumerate(services, start=1):
        matching = sorted(
            (r for r in rules if _applies(r, service, codes)),
            key=lambda r: r.specificity,
            reverse=True,
        )
        if not matching:
            answers.append(
                LineRequirement(
                    sequence,
                    Requirement.UNKNOWN,
                    (),
                    None,
                    "No rule of the payer covers this service",
                )
            )
            continue
        rule = matching[0]
        answers.append(
            LineRequirement(
                sequence,
                rule.requirement,
                rule.documentation if rule.requirement is Requirement.REQUIRED else (),
                rule.id,
                rule.description or f"{rule.code_system.value} {rule.code_from}-{rule.code_to}",
            )
        )
    return answers
