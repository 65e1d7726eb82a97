"""Benefit: a good, payment or service an agency or payer offers, with its offering rate."""

from __future__ import annotations

import uuid
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.identity.models import enum_column
from domain.models import Base, HasId, Timestamped


class BenefitCategory(StrEnum):
    GOODS = "GOODS"
    MONETARY = "MONETARY"
    SERVICES = "SERVICES"


class UnitOfMeasure(StrEnum):
    SESSION = "SESSION"
    HOUR = "HOUR"
    DAY = "DAY"
    VISIT = "VISIT"
    UNIT = "UNIT"
    ITEM = "ITEM"
    DOLLAR = "DOLLAR"


class Frequency(StrEnum):
    PER_DAY = "PER_DAY"
    PER_WEEK = "PER_WEEK"
    PER_MONTH = "PER_MONTH"
    PER_YEAR = "PER_YEAR"
    PER_AUTHORIZATION = "PER_AUTHORIZATION"


MONEY = Numeric(14, 2)


class Benefit(HasId, Timestamped, Base):
    __tablename__ = "benefits"
    __table_args__ = (UniqueConstraint("organization_id", "code"),)

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    benefit_type: Mapped[str] = mapped_column(String(100))
    category: Mapped[BenefitCategory] = mapped_column(enum_column(BenefitCategory))
    unit_of_measure: Mapped[UnitOfMeasure] = mapped_column(enum_column(UnitOfMeasure))
    max_units: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    max_units_frequency: Mapped[Frequency | None] = mapped_column(enum_column(Frequency))
    offering_rate: Mapped[Decimal | None] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    active: Mapped[bool] = mapped_column(default=True)
