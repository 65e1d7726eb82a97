"""Typed settings read from CAREBRIDGE_* environment variables (see docs/configuration.md)."""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "carebridge-dev-secret-change-me-in-production-0123456789"


class Settings(BaseSettings):
    """Every tunable of the service; defaults give the embedded demo mode."""

    model_config = SettingsConfigDict(
        env_prefix="CAREBRIDGE_", env_file=None, extra="ignore", hide_input_in_errors=True
    )

    environment: str = Field("development", description="development | test | production")
    database_url: str = Field(
        "sqlite+aiosqlite:///./var/carebridge.sqlite3",
        description="SQLAlchemy async URL: postgresql+asyncpg://... or sqlite+aiosqlite:///...",
    )
    database_pool_size: int = Field(
        25, ge=1, le=200, description="connections kept open per process"
    )
    database_max_overflow: int = Field(
        0,
        ge=0,
        le=200,
        description="extra connections under bursts, closed when given back to a full pool"
        " (a burst gives many back at once: they are closed and opened again)",
    )
    database_echo: bool = False
    database_plan_cache_mode: Literal["auto", "force_custom_plan", "force_generic_plan"] = Field(
        "force_custom_plan",
        description="PostgreSQL plan_cache_mode for the service's connections: the provider"
        " search's best plan depends on its values (a bounding box), and a generic plan for"
        " its prepared statement was measured ~1.5x slower than planning each execution",
    )
    database_pool_pre_ping: bool = Field(
        False,
        description="test each pooled connection before use (one more round trip per checkout);"
        " without it a connection broken by a database restart fails once and is replaced",
    )
    redis_url: str | None = Field(
        None, description="Redis for broker and event bus; none = embedded"
    )

    jwt_secret: SecretStr = Field(SecretStr(DEV_JWT_SECRET))
    jwt_algorithm: str = Field("HS256", description="HS256 (shared secret) or RS256")
    jwt_public_key: str | None = Field(None, description="PEM public key for RS256")
    jwt_private_key: str | None = Field(None, description="PEM private key for minting RS256")
    jwt_issuer: str = "carebridge"
    jwt_audience: str = "carebridge-api"
    token_ttl_seconds: int = Field(8 * 3600, ge=60)

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    graphiql: bool = True
    max_body_bytes: int = Field(1_048_576, ge=1024, description="request body cap")
    fhir_max_bundle_bytes: int = Field(
        10_485_760, ge=1024, description="largest PAS Bundle /fhir takes in (bytes)"
    )
    fhir_max_bundle_entries: int = Field(
        1000, ge=1, description="most entries of a PAS Bundle /fhir takes in"
    )
    max_query_depth: int = Field(12, ge=2)
    max_aliases: int = Field(30, ge=1)
    max_query_cost: int = Field(50_000, ge=10)
    max_page_size: int = Field(100, ge=1, le=1000)
    default_page_size: int = Field(20, ge=1)
    max_query_tokens: int = Field(5000, ge=100, description="parser token limit")

    agency_supervisor_threshold: Decimal = Field(
        Decimal("5000.00"),
        ge=0,
        description="an agency authorization committing more than this (units x rate) needs"
        " the case supervisor",
    )

    outbox_dispatcher: bool = Field(
        True,
        description="dispatch the outbox inside the API process (the embedded mode); turn off"
        " where Celery workers do it",
    )
    outbox_scan_seconds: float = Field(
        5.0, gt=0, description="how often the in-process dispatcher rescans the outbox"
    )
    poll_initial_seconds: float = Field(
        30.0,
        gt=0,
        description="first follow-up inquiry to a FHIR PAS or X12 partner after it received a"
        " request; then twice as long each time",
    )
    poll_max_interval_seconds: float = Field(
        3600.0, gt=0, description="the longest wait between two inquiries about one request"
    )
    expiry_scan_seconds: float = Field(
        300.0,
        gt=0,
        description="how often the embedded worker expires referral recipients past their"
        " date to respond and approvals past their period",
    )
    rate_limit_horizon_seconds: float = Field(
        5.0,
        gt=0,
        description="how far ahead a dispatcher or poller books a slot of a partner's rate"
        " limit and waits for it; a call whose slot is further away is put back, not lost",
    )
    worker_metrics_port: int | None = Field(
        None, ge=1, le=65535, description="where `carebridge worker` serves its /metrics"
    )
    simulators: bool = Field(
        False,
        description="serve the simulated partners (EHR) inside the app under /simulator, for"
        " the demo; `carebridge demo` turns it on",
    )
    ehr_base_url: str | None = Field(
        None,
        description="FHIR R4 base URL of the EHR that importFromEhr reads, e.g."
        " https://ehr.example/fhir; none = the embedded simulated EHR in the demo",
    )
    ehr_bearer_token: SecretStr | None = Field(None, description="bearer token for the EHR")
    ehr_timeout_seconds: float = Field(
        10.0, gt=0, le=120, description="per EHR request, connection to last byte"
    )
    ehr_page_size: int = Field(50, ge=1, le=1000, description="_count of each EHR search")
    ehr_max_pages: int = Field(
        20, ge=1, le=1000, description="pages of one EHR search before the intake gives up"
    )
    network_verification_base_url: str | None = Field(
        None,
        description="base URL of the credential verification sources (NPI registry, licence"
        " board, sanctions list); none = no source (in-house verification only)",
    )
    network_signature_base_url: str | None = Field(
        None, description="base URL of the e-signature service contracts are sent through"
    )
    network_timeout_seconds: float = Field(
        10.0, gt=0, le=120, description="per request to a verification source or signature service"
    )
    network_interest_per_minute: int = Field(
        5, ge=1, le=10_000, description="public interest form posts per client address per minute"
    )
    network_alert_days: int = Field(
        60,
        ge=1,
        le=365,
        description="days ahead of a credential's expiry or re-credentialing to alert",
    )
    network_recredentialing_months: int = Field(
        36, ge=1, le=120, description="months from credentialing to the re-credentialing due date"
    )
    sealing_key: SecretStr | None = Field(
        None,
        description="key that seals partner secrets kept in the database (subscription"
        " channel headers); none = derived from CAREBRIDGE_JWT_SECRET",
    )
    notification_timeout_seconds: float = Field(
        10.0,
        gt=0,
        le=120,
        description="per subscription notification POST, connection to last byte",
    )
    manual_approval_share: Decimal = Field(
        Decimal("0"),
        ge=0,
        le=1,
        description="share (0..1) of disbursements the approval check at attendance sends to"
        " manual approval instead of making them payable; recording again picks the same ones",
    )

    compiled_worklist: bool = Field(
        True,
        description="answer worklist selections of plain fields with JSON built by PostgreSQL"
        " in one statement (with the audit); false = the general resolvers",
    )
    core_receiver_id: str = Field(
        "CAREBRIDGE",
        min_length=1,
        max_length=80,
        description="our CORE identifier: the ReceiverID that envelopes sent to /soap/core"
        " must carry, and the SenderID of our answers",
    )
    core_max_body_bytes: int = Field(
        524_288, ge=1024, description="largest SOAP message /soap/core reads"
    )
    public_base_url: str | None = Field(
        None,
        description="the service's public base URL (https://carebridge.example), for the"
        " address in the served WSDL; none = http://HOST:PORT",
    )

    gc_young_threshold: int = Field(
        20_000, ge=0, description="allocations between young-generation collections; 0 = default"
    )

    log_level: str = "INFO"
    log_json: bool = True

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if value.startswith("sqlite:///"):
            return "sqlite+aiosqlite:///" + value.split(":///", 1)[1]
        return value

    @field_validator("environment")
    @classmethod
    def _environment_name(cls, value: str) -> str:
        return value.strip().lower()

    @field_validator("jwt_secret")
    @classmethod
    def _secret_long_enough(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 32:
            raise ValueError("CAREBRIDGE_JWT_SECRET must be at least 32 characters")
        return value

    @model_validator(mode="after")
    def _coherent(self) -> Settings:
        if self.default_page_size > self.max_page_size:
            raise ValueError("CAREBRIDGE_DEFAULT_PAGE_SIZE cannot exceed CAREBRIDGE_MAX_PAGE_SIZE")
        if not self.outbox_dispatcher and not self.redis_url:
            raise ValueError(
                "CAREBRIDGE_OUTBOX_DISPATCHER=false leaves the outbox to Celery workers, which"
                " need CAREBRIDGE_REDIS_URL"
            )
        if self.jwt_algorithm not in ("HS256", "RS256"):
            raise ValueError("CAREBRIDGE_JWT_ALGORITHM is HS256 or RS256")
        if self.jwt_algorithm == "RS256" and not self.jwt_public_key:
            raise ValueError("RS256 needs CAREBRIDGE_JWT_PUBLIC_KEY (PEM) to verify tokens")
        if self.environment == "production":
            if self.jwt_algorithm == "HS256" and (
                self.jwt_secret.get_secret_value() == DEV_JWT_SECRET
            ):
                raise ValueError("production refuses the development JWT secret")
            if self.sealing_key is None and (self.jwt_secret.get_secret_value() == DEV_JWT_SECRET):
                raise ValueError("production needs CAREBRIDGE_SEALING_KEY (or a JWT secret)")
            if self.graphiql:
                raise ValueError("production serves no GraphiQL: set CAREBRIDGE_GRAPHIQL=false")
        return self

    @cached_property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def jwt_verify_key(self) -> str:
        if self.jwt_algorithm == "RS256":
            return self.jwt_public_key or ""
        return self.jwt_secret.get_secret_value()

    @property
    def jwt_signing_key(self) -> str:
        if self.jwt_algorithm == "RS256":
            if not self.jwt_private_key:
                raise ValueError("CAREBRIDGE_JWT_PRIVATE_KEY is required to mint RS256 tokens")
            return self.jwt_private_key
        return self.jwt_secret.get_secret_value()


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with explicit overrides (tests, CLI flags)."""
    return Settings(**overrides)  # type: ignore[arg-type]
