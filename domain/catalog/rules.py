"""Pure checks on a benefit's definition."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from domain.catalog.models import BenefitCategory, Frequency, UnitOfMeasure
from domain.errors import ErrorCode, ErrorCollector

CODE = re.compile(r"^[A-Z0-9][A-Z0-9_.-]{0,39}$")
CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True, slots=True)
class BenefitData:
    code: str
    name: str
    benefit_type: str
    category: BenefitCategory
    unit_of_measure: UnitOfMeasure
    description: str | None = None
    max_units: Decimal | None = None
    max_units_frequency: Frequency | None = None
    offering_rate: Decimal | None = None
    currency: str = "USD"


def check_benefit(data: BenefitData) -> None:
    """Raise ValidationErrors listing everything wrong with `data`."""
    errors = ErrorCollector()
    errors.check_lengths(
        {"name": data.name, "benefitType": data.benefit_type},
        {"name": 200, "benefitType": 100},
    )
    if not CODE.match(data.code):
        errors.add(ErrorCode.INVALID, "Code is 1-40 of A-Z, 0-9, '_', '.', '-'", "code")
    if not data.name.strip():
        errors.add(ErrorCode.REQUIRED, "Name is required", "name")
    if not data.benefit_type.strip():
        errors.add(ErrorCode.REQUIRED, "Benefit type is required", "benefitType")
    if data.max_units is not None and data.max_units <= 0:
        errors.add(ErrorCode.INVALID, "Maximum units must be positive", "maxUnits")
    if (data.max_units is None) != (data.max_units_frequency is None):
        errors.add(
            ErrorCode.INVALID,
            "Give maximum units and their frequency together",
            "maxUnitsFrequency",
        )
    if data.offering_rate is not None and data.offering_rate < 0:
        errors.add(ErrorCode.INVALID, "Offering rate cannot be negative", "offeringRate")
    if not CURRENCY.match(data.currency):
        errors.add(ErrorCode.INVALID, "Currency is an ISO 4217 code such as USD", "currency")
    if (
        data.category is BenefitCategory.MONETARY
        and data.unit_of_measure is not UnitOfMeasure.DOLLAR
    ):
        errors.add(ErrorCode.INVALID, "A monetary benefit is measured in DOLLAR", "unitOfMeasure")
    errors.raise_if_any()
