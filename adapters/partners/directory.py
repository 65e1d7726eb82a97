"""Which adapter speaks to a partner, by its protocol."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from adapters.partners.manual import ManualPartner
from adapters.partners.pas import PasPartner
from adapters.partners.x12_core import X12CorePartner
from domain.errors import DomainError, ErrorCode
from domain.partners.models import Protocol
from domain.partners.ports import TradingPartnerPort

Factory = Callable[[Mapping[str, object]], TradingPartnerPort]


class PartnerRegistry:
    """Protocol -> adapter factory; the FHIR PAS and X12 278 adapters register here too."""

    def __init__(self, factories: Mapping[str, Factory] | None = None) -> None:
        self._factories: dict[str, Factory] = {
            Protocol.MANUAL.value: lambda _o: ManualPartner(),
            Protocol.FHIR_PAS.value: PasPartner,
            Protocol.X12_CORE.value: X12CorePartner,
        }
        self._factories.update(factories or {})

    def register(self, protocol: Protocol, factory: Factory) -> None:
        self._factories[protocol.value] = factory

    def for_partner(self, protocol: str, options: dict[str, object]) -> TradingPartnerPort:
        factory = self._factories.get(protocol)
        if factory is None:
            raise DomainError(
                ErrorCode.NO_TRADING_PARTNER, f"No adapter for protocol {protocol} is installed"
            )
        return factory(options)
