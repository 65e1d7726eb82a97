"""Money and quantities: Decimal, two places, rounded half up, once."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def cents(value: Decimal | None) -> Decimal | None:
    """Amounts and quantities are stored to two places; answer what is stored."""
    return None if value is None else value.quantize(CENT, rounding=ROUND_HALF_UP)
