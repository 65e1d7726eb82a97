"""The SubscriptionNotifier over HTTP: POST the notification Bundle (application/fhir+json)
to the subscriber's endpoint with its channel headers, opened from their seal just before.
Any 2xx is a delivery. Timeouts, connection errors, 408, 429 and 5xx are retryable; other
answers are final for that attempt's message. Bodies are never logged."""

from __future__ import annotations

import httpx

from adapters.fhir.backport import to_notification
from adapters.fhir.pas import FHIR_JSON, dump
from adapters.sealing import Sealer, SealError
from domain.partners.ports import PartnerError, SubscriptionNotice
from settings import Settings

_RETRY_LATER = frozenset({408, 429})


class HttpSubscriptionNotifier:
    def __init__(self, sealer: Sealer, *, timeout_seconds: float = 10.0) -> None:
        self._sealer = sealer
        self._timeout = timeout_seconds

    @classmethod
    def from_settings(cls, settings: Settings) -> HttpSubscriptionNotifier:
        return cls(
            Sealer.from_settings(settings), timeout_seconds=settings.notification_timeout_seconds
        )

    async def notify(self, notice: SubscriptionNotice) -> None:
        headers = {**self._channel_headers(notice), "Content-Type": FHIR_JSON}
        try:
            async with httpx.AsyncClient(timeout=self._timeout, follow_redirects=False) as http:
                response = await http.post(
                    notice.endpoint, content=dump(to_notification(notice)), headers=headers
                )
        except httpx.TimeoutException:
            message = f"The endpoint did not answer within {self._timeout:g} s"
            raise PartnerError(message, retryable=True) from None
        except httpx.TransportError as error:
            name = type(error).__name__
            raise PartnerError(
                f"The endpoint could not be reached ({name})", retryable=True
            ) from None
        status = response.status_code
        if 200 <= status < 300:
            return
        retryable = status >= 500 or status in _RETRY_LATER
        raise PartnerError(f"The endpoint answered HTTP {status}", retryable=retryable)

    def _channel_headers(self, notice: SubscriptionNotice) -> dict[str, str]:
        if not notice.sealed_headers:
            return {}
        try:
            lines = self._sealer.open(notice.sealed_headers)
        except SealError as error:
            raise PartnerError(
                f"The channel headers cannot be opened: {error}", retryable=False
            ) from None
        return {name.strip(): value.strip() for name, _, value in (h.partition(":") for h in lines)}
