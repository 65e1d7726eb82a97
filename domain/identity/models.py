"""Organization, User and ApiClient."""

from __future__ import annotations

import uuid
from enum import StrEnum

from sqlalchemy import JSON, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.models import Base, HasId, Timestamped


class OrganizationKind(StrEnum):
    AGENCY = "AGENCY"
    PROVIDER = "PROVIDER"
    PAYER = "PAYER"
    CLEARINGHOUSE = "CLEARINGHOUSE"


class Role(StrEnum):
    CASEWORKER = "CASEWORKER"
    CASE_SUPERVISOR = "CASE_SUPERVISOR"
    PROVIDER_STAFF = "PROVIDER_STAFF"
    AUTH_COORDINATOR = "AUTH_COORDINATOR"
    NETWORK_STAFF = "NETWORK_STAFF"
    PARTNER = "PARTNER"
    ADMIN = "ADMIN"


def enum_column(enum: type[StrEnum], length: int = 32) -> Enum:
    """Enums are stored as their names in a VARCHAR, portable across databases."""
    return Enum(enum, native_enum=False, length=length, validate_strings=True)


class Organization(HasId, Timestamped, Base):
    __tablename__ = "organizations"

    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OrganizationKind] = mapped_column(enum_column(OrganizationKind))
    npi: Mapped[str | None] = mapped_column(String(10), unique=True)
    payer_id: Mapped[str | None] = mapped_column(String(80), unique=True)
    active: Mapped[bool] = mapped_column(default=True)


class User(HasId, Timestamped, Base):
    __tablename__ = "users"

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)


class ApiClient(HasId, Timestamped, Base):
    """A machine partner (EHR, clearinghouse) that authenticates with a client id and secret."""

    __tablename__ = "api_clients"
    __table_args__ = (UniqueConstraint("client_id"),)

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    client_id: Mapped[str] = mapped_column(String(80))
    secret_hash: Mapped[str] = mapped_column(String(256))
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
