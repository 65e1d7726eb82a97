"""FHIR R4 REST over httpx for the EHR intake: read and search (following `link[next]`),
each answer parsed into fhir.resources R4B models. Every failure is an EhrError that says what
was being fetched; an httpx, JSON or pydantic exception never escapes."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx
import orjson
import pydantic
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.resource import Resource

from domain.authorizations.intake import EhrError, EhrErrorKind, EhrIssue
from settings import Settings

FHIR_JSON = "application/fhir+json"
_RETRY_LATER = frozenset({408, 429})
# What a parse of untrusted JSON into fhir.resources may raise besides ValidationError: an
# unknown resourceType inside a Bundle is a KeyError, deep nesting a RecursionError.
_PARSE_ERRORS = (pydantic.ValidationError, ValueError, TypeError, KeyError, RecursionError)


@dataclass(frozen=True, kw_only=True)
class EhrConnection:
    """How to reach one EHR's FHIR R4 endpoint."""

    base_url: str
    bearer_token: str | None = field(default=None, repr=False)
    timeout_seconds: float = 10.0
    page_size: int = 50
    max_pages: int = 20
    max_response_bytes: int = 8 * 1024 * 1024
    use_include: bool = True

    def __post_init__(self) -> None:
        url = httpx.URL(self.base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError("base_url must be an absolute http(s) URL")
        if self.timeout_seconds <= 0 or self.page_size < 1 or self.max_pages < 1:
            raise ValueError("timeout_seconds, page_size and max_pages must be positive")

    @classmethod
    def from_settings(cls, settings: Settings) -> EhrConnection:
        if not settings.ehr_base_url:
            raise ValueError("CAREBRIDGE_EHR_BASE_URL is not set")
        token = settings.ehr_bearer_token
        return cls(
            base_url=settings.ehr_base_url,
            bearer_token=token.get_secret_value() if token else None,
            timeout_seconds=settings.ehr_timeout_seconds,
            page_size=settings.ehr_page_size,
            max_pages=settings.ehr_max_pages,
        )


@dataclass(frozen=True)
class SearchResult:
    matches: list[Resource]
    included: list[Resource]


class FhirRestClient:
    def __init__(self, connection: EhrConnection, http: httpx.AsyncClient | None = None) -> None:
        self.connection = connection
        self.base_url = connection.base_url.rstrip("/")
        headers = {"Accept": FHIR_JSON}
        if connection.bearer_token:
            headers["Authorization"] = f"Bearer {connection.bearer_token}"
        self._headers = headers
        self._owns_http = http is None
        self._http = http or httpx.AsyncClient(
            timeout=connection.timeout_seconds, follow_redirects=False
        )

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def read(self, resource_type: str, resource_id: str) -> Resource:
        label = f"{resource_type}/{resource_id}"
        body = await self._get(httpx.URL(f"{self.base_url}/{label}"), label)
        resource = parse_resource(body, label)
        if resource.get_resource_type() != resource_type or resource.id != resource_id:
            raise _invalid(f"The EHR answered {label} with another resource", label, None)
        return resource

    async def search(
        self, resource_type: str, params: Sequence[tuple[str, str]], *, max_pages: int | None = None
    ) -> SearchResult:
        """Every page of a search: its matches, and what `_include` brought along."""
        label = f"{resource_type}?" + "&".join(f"{k}={v}" for k, v in params)
        url: httpx.URL | None = httpx.URL(
            f"{self.base_url}/{resource_type}",
            params=[*params, ("_count", str(self.connection.page_size))],
        )
        result = SearchResult([], [])
        seen: set[str] = set()
        for _ in range(max_pages or self.connection.max_pages):
            if url is None:
                return result
            seen.add(str(url))
            bundle = parse_bundle(await self._get(url, label), label)
            _collect(bundle, resource_type, result)
            url = self._next_page(bundle, label, seen)
        if url is not None and max_pages is None:
            raise EhrError(
                EhrErrorKind.TOO_LARGE,
                f"The search has more than {self.connection.max_pages} pages",
                resource=label,
            )
        return result

    def _next_page(self, bundle: Bundle, label: str, seen: set[str]) -> httpx.URL | None:
        """The next page's URL, which must stay on the EHR (it gets our bearer token)."""
        link = next((lk for lk in bundle.link or () if lk.relation == "next"), None)
        if link is None or not link.url:
            return None
        try:
            url = httpx.URL(self.base_url + "/").join(link.url)
        except httpx.InvalidURL as error:
            raise _invalid("The next page link is not a URL", label, "Bundle.link") from error
        base = httpx.URL(self.base_url)
        if (url.scheme, url.host, url.port) != (base.scheme, base.host, base.port):
            raise _invalid("The next page link leaves the EHR", label, "Bundle.link")
        if not url.path.startswith(base.path.rstrip("/") + "/") or str(url) in seen:
            raise _invalid("The next page link is not a new page of this EHR", label, "Bundle.link")
        return url

    async def _get(self, url: httpx.URL, label: str) -> object:
        try:
            async with asyncio.timeout(self.connection.timeout_seconds):
                status, content = await self._fetch(url, label)
        except (TimeoutError, httpx.TimeoutException) as error:
            raise EhrError(
                EhrErrorKind.TIMEOUT, "The EHR did not answer in time", resource=label
            ) from error
        except httpx.DecodingError as error:
            raise _invalid("The EHR's answer could not be decoded", label, None) from error
        except httpx.HTTPError as error:
            raise EhrError(
                EhrErrorKind.UNREACHABLE, "The EHR could not be reached", resource=label
            ) from error
        if status != 200:
            raise _status_error(status, content, label)
        body = _json(content, label)
        if isinstance(body, dict) and body.get("resourceType") == "OperationOutcome":
            raise _status_error(status, content, label)
        return body

    async def _fetch(self, url: httpx.URL, label: str) -> tuple[int, bytes]:
        limit = self.connection.max_response_bytes
        async with self._http.stream("GET", url, headers=self._headers) as response:
            content = bytearray()
            async for chunk in response.aiter_bytes():
                content += chunk
                if len(content) > limit:
                    raise EhrError(
                        EhrErrorKind.TOO_LARGE,
                        f"The EHR's answer is larger than {limit} bytes",
                        resource=label,
                        status=response.status_code,
                    )
            return response.status_code, bytes(content)


def _collect(bundle: Bundle, resource_type: str, result: SearchResult) -> None:
    for entry in bundle.entry or ():
        resource = entry.resource
        if resource is None:
            continue
        mode = entry.search.mode if entry.search is not None else None
        if mode == "outcome" or resource.get_resource_type() == "OperationOutcome":
            continue
        own_type = resource.get_resource_type() == resource_type
        is_match = mode == "match" or (mode is None and own_type)
        (result.matches if is_match else result.included).append(resource)


def _json(content: bytes, label: str) -> object:
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError as error:
        raise _invalid("The EHR's answer is not JSON", label, None) from error


def parse_resource(body: object, label: str) -> Resource:
    """A FHIR R4 resource of a known type, as fhir.resources R4B validates it."""
    if not isinstance(body, dict) or not isinstance(body.get("resourceType"), str):
        raise _invalid("The EHR's answer is not a FHIR resource", label, "resourceType")
    resource_type = body["resourceType"]
    try:
        model = get_fhir_model_class(resource_type)
    except (ValueError, KeyError, AttributeError) as error:
        raise _invalid(f"Unknown resourceType {resource_type!r}", label, "resourceType") from error
    try:
        resource: Resource = model.model_validate(body)  # type: ignore[assignment]
    except _PARSE_ERRORS as error:
        raise _invalid(
            "The EHR's answer is not valid FHIR R4", label, error_path(resource_type, error)
        ) from error
    _check_entries(resource, label)
    return resource


def parse_bundle(body: object, label: str) -> Bundle:
    resource = parse_resource(body, label)
    if not isinstance(resource, Bundle) or resource.type != "searchset":
        message = "The EHR did not answer a search with a searchset Bundle"
        raise _invalid(message, label, "Bundle.type")
    return resource


def _check_entries(resource: Resource, label: str) -> None:
    """Every Bundle entry is a resource of a concrete type (fhir.resources accepts an entry
    without resourceType as an abstract Resource)."""
    if not isinstance(resource, Bundle):
        return
    for position, entry in enumerate(resource.entry or ()):
        inner = entry.resource
        if inner is not None and inner.get_resource_type() in ("Resource", "DomainResource"):
            path = f"Bundle.entry[{position}].resource.resourceType"
            raise _invalid("A Bundle entry is not a FHIR resource", label, path)


def error_path(resource_type: str, error: Exception) -> str:
    """The first invalid element as a FHIRPath-like location: Bundle.entry[2].resource.gender."""
    if not isinstance(error, pydantic.ValidationError) or not error.errors():
        return resource_type
    path = resource_type
    for part in error.errors()[0]["loc"]:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _status_error(status: int, content: bytes, label: str) -> EhrError:
    issues = operation_outcome_issues(content)
    said = next((i.diagnostics or i.details for i in issues if i.diagnostics or i.details), None)
    suffix = f": {said}" if said else ""
    if status in (404, 410):
        kind, message = EhrErrorKind.NOT_FOUND, f"The EHR has no {label}"
    elif status >= 500 or status in _RETRY_LATER:
        kind, message = EhrErrorKind.UNAVAILABLE, f"The EHR failed with HTTP {status}"
    elif status == 200:
        kind, message = EhrErrorKind.REFUSED, "The EHR answered with an OperationOutcome"
    else:
        kind, message = EhrErrorKind.REFUSED, f"The EHR refused the request with HTTP {status}"
    return EhrError(kind, message + suffix, resource=label, status=status, issues=issues)


def operation_outcome_issues(content: bytes) -> tuple[EhrIssue, ...]:
    """The issues of an OperationOutcome body; none when the body is something else."""
    try:
        outcome = OperationOutcome.model_validate(orjson.loads(content))
    except (orjson.JSONDecodeError, *_PARSE_ERRORS):
        return ()
    return tuple(
        EhrIssue(
            severity=issue.severity or "",
            code=issue.code or "",
            diagnostics=issue.diagnostics,
            details=issue.details.text if issue.details is not None else None,
            expression=tuple(e for e in issue.expression or () if e),
        )
        for issue in outcome.issue or ()
    )


def _invalid(message: str, label: str, path: str | None) -> EhrError:
    return EhrError(EhrErrorKind.INVALID_FHIR, message, resource=label, path=path)
