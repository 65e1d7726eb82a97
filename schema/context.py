"""The typed request context every resolver receives as `info.context`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from domain.clock import Clock
from domain.errors import DomainError, ErrorCode
from domain.identity.rules import Principal
from domain.uow import UnitOfWorkFactory
from settings import Settings

if TYPE_CHECKING:
    from schema.loaders import Loaders


@dataclass
class Context:
    request: Any
    response: Any
    principal: Principal | None
    uow_factory: UnitOfWorkFactory
    reader_factory: UnitOfWorkFactory
    clock: Clock
    settings: Settings
    correlation_id: str
    bus: Any = None
    ehr: Any = None  # the EhrSource port, when an EHR is configured
    verification: Any = None  # the VerificationSources port, when configured
    signatures: Any = None  # the SignatureService port, when configured
    loaders: Loaders = field(init=False)
    connection_params: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        from schema.loaders import Loaders

        self.loaders = Loaders(self)

    @property
    def actor(self) -> Principal:
        """The signed-in principal; fields are guarded, so its absence here is a bug."""
        if self.principal is None:
            raise DomainError(ErrorCode.UNAUTHENTICATED, "Sign in with a bearer token")
        return self.principal
