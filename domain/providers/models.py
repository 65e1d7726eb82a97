"""Provider, its locations, specialties, languages and the services (benefits) it offers."""

from __future__ import annotations

import uuid
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.catalog.models import MONEY
from domain.identity.models import enum_column
from domain.models import Base, HasId, Timestamped


class ProviderKind(StrEnum):
    ORGANIZATION = "ORGANIZATION"
    PRACTITIONER = "PRACTITIONER"


class NetworkStatus(StrEnum):
    IN_NETWORK = "IN_NETWORK"
    OUT_OF_NETWORK = "OUT_OF_NETWORK"
    PENDING = "PENDING"


class Provider(HasId, Timestamped, Base):
    """An organisation or practitioner that delivers benefits, managed by a PROVIDER organisation.

    `capacity` None means unlimited; `current_load` counts the referrals it is working on."""

    __tablename__ = "providers"
    __table_args__ = (Index("ix_providers_name_id", "name", "id"),)

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"), index=True)
    kind: Mapped[ProviderKind] = mapped_column(enum_column(ProviderKind))
    parent_provider_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("providers.id"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    npi: Mapped[str | None] = mapped_column(String(10), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    website: Mapped[str | None] = mapped_column(String(500))
    accepting_referrals: Mapped[bool] = mapped_column(default=True)
    capacity: Mapped[int | None] = mapped_column()
    current_load: Mapped[int] = mapped_column(default=0)
    network_status: Mapped[NetworkStatus] = mapped_column(
        enum_column(NetworkStatus), default=NetworkStatus.PENDING
    )


class ProviderSpecialty(HasId, Base):
    """A NUCC Health Care Provider Taxonomy code, such as 101YM0800X (mental health counselor)."""

    __tablename__ = "provider_specialties"
    __table_args__ = (
        UniqueConstraint("provider_id", "code"),
        Index("ix_provider_specialties_code_provider_id", "code", "provider_id"),
    )

    provider_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("providers.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(10))
    display: Mapped[str] = mapped_column(String(200))
    is_primary: Mapped[bool] = mapped_column(default=False)


class ProviderLanguage(HasId, Base):
    """A language the provider's staff speak with constituents (BCP 47 tag)."""

    __tablename__ = "provider_languages"
    __table_args__ = (UniqueConstraint("provider_id", "language"),)

    provider_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("providers.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(String(35))


class ProviderService(HasId, Base):
    """A benefit the provider delivers, at its own rate (chosen over the offering rate)."""

    __tablename__ = "provider_services"
    __table_args__ = (
        UniqueConstraint("provider_id", "benefit_id"),
        Index("ix_provider_services_benefit_id_provider_id", "benefit_id", "provider_id"),
    )

    provider_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("providers.id", ondelete="CASCADE"), index=True
    )
    benefit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("benefits.id"))
    rate: Mapped[Decimal | None] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    active: Mapped[bool] = mapped_column(default=True)


class Location(HasId, Base):
    """Where a provider sees people. `hours` is a list of {"day", "opens", "closes"}."""

    __tablename__ = "locations"
    __table_args__ = (Index("ix_locations_latitude_longitude", "latitude", "longitude"),)

    provider_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("providers.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str | None] = mapped_column(String(200))
    address_line1: Mapped[str | None] = mapped_column(String(200))
    address_line2: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str | None] = mapped_column(String(50))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(2))
    latitude: Mapped[float] = mapped_column()
    longitude: Mapped[float] = mapped_column()
    phone: Mapped[str | None] = mapped_column(String(40))
    hours: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
