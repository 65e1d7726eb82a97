"""The simulated EHR's searches: which parameters each resource type takes, how a record
matches them, and `_include` / `_include:iterate`. A parameter it does not know is a
SearchError (answered 400), never silently ignored."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B.resource import Resource

from adapters.simulator.ehr_store import EhrData


class SearchError(Exception):
    pass


def _reference_id(value: Any) -> str | None:
    return value.reference if value is not None else None


def _codes(concept: Any) -> set[str]:
    return {c.code for c in (concept.coding or ())} if concept is not None else set()


def _token_matches(identifiers: Iterable[Any], token: str) -> bool:
    system, _, value = token.rpartition("|") if "|" in token else ("", "", token)
    return any(i.value == value and (not system or i.system == system) for i in identifiers if i)


def _is_reference_to(reference: str | None, value: str, target_type: str) -> bool:
    wanted = value if "/" in value else f"{target_type}/{value}"
    return reference == wanted


Matcher = Callable[[Any, str], bool]


def _patient(field: str) -> Matcher:
    """Matches a reference to the patient, given as "Patient/123" or "123"."""
    return lambda r, v: _is_reference_to(_reference_id(getattr(r, field)), v, "Patient")


def _status(r: Any, v: str) -> bool:
    return bool(r.status in v.split(","))


MATCHERS: dict[str, dict[str, Matcher]] = {
    "Patient": {"identifier": lambda r, v: _token_matches(r.identifier or (), v)},
    "Coverage": {
        "beneficiary": _patient("beneficiary"),
        "patient": _patient("beneficiary"),
        "status": _status,
    },
    "Condition": {
        "patient": _patient("subject"),
        "clinical-status": lambda r, v: bool(_codes(r.clinicalStatus) & set(v.split(","))),
    },
    "ServiceRequest": {"patient": _patient("subject"), "status": _status},
}

# _include targets: "Type:param" -> the references it follows.
INCLUDES: dict[str, Callable[[Any], list[Any]]] = {
    "Coverage:payor": lambda r: list(r.payor or ()),
    "ServiceRequest:requester": lambda r: [r.requester],
    "ServiceRequest:performer": lambda r: list(r.performer or ()),
    "ServiceRequest:patient": lambda r: [r.subject],
    "PractitionerRole:practitioner": lambda r: [r.practitioner],
    "PractitionerRole:organization": lambda r: [r.organization],
    "PractitionerRole:location": lambda r: list(r.location or ()),
}

_PAGING = frozenset({"_count", "_offset", "_include", "_include:iterate"})


@dataclass(frozen=True)
class SearchRequest:
    resource_type: str
    criteria: list[tuple[str, str]]
    count: int
    offset: int
    includes: list[str]
    iterate: list[str]


def parse_search(
    resource_type: str, params: list[tuple[str, str]], default_count: int
) -> SearchRequest:
    known = MATCHERS.get(resource_type)
    if known is None:
        raise SearchError(f"This EHR does not search {resource_type}")
    criteria = []
    for name, value in params:
        if name in _PAGING:
            continue
        if name != "_id" and name not in known:
            raise SearchError(f"Unknown search parameter {name!r} for {resource_type}")
        if not value:
            raise SearchError(f"Search parameter {name!r} has no value")
        criteria.append((name, value))
    includes = [v for k, v in params if k == "_include"]
    iterate = [v for k, v in params if k == "_include:iterate"]
    for include in (*includes, *iterate):
        if include not in INCLUDES:
            raise SearchError(f"Unsupported _include {include!r}")
    return SearchRequest(
        resource_type,
        criteria,
        _number(params, "_count", default_count, 1, 1000),
        _number(params, "_offset", 0, 0, 1_000_000),
        includes,
        iterate,
    )


def _number(params: list[tuple[str, str]], name: str, default: int, low: int, high: int) -> int:
    value = next((v for k, v in params if k == name), None)
    if value is None:
        return default
    if not value.isdigit() or not low <= int(value) <= high:
        raise SearchError(f"{name} must be a whole number from {low} to {high}")
    return int(value)


def matches(data: EhrData, search: SearchRequest) -> list[Resource]:
    matchers = MATCHERS[search.resource_type]
    found = []
    for resource in data.of_type(search.resource_type):
        if all(
            resource.id in value.split(",") if name == "_id" else matchers[name](resource, value)
            for name, value in search.criteria
        ):
            found.append(resource)
    return sorted(found, key=lambda r: r.id or "")


def included(data: EhrData, page: list[Resource], search: SearchRequest) -> list[Resource]:
    """What the page's `_include`s bring, then `_include:iterate` over those until nothing new."""
    seen = {_key(r) for r in page}
    found: list[Resource] = []
    frontier = _follow(data, page, search.includes, seen)
    while frontier:
        found.extend(frontier)
        frontier = _follow(data, frontier, search.iterate, seen)
    return found


def _follow(
    data: EhrData, resources: list[Resource], includes: list[str], seen: set[str]
) -> list[Resource]:
    found = []
    for include in includes:
        source_type = include.split(":", 1)[0]
        for resource in resources:
            if resource.get_resource_type() != source_type:
                continue
            for reference in INCLUDES[include](resource):
                target = _resolve(data, reference)
                if target is not None and _key(target) not in seen:
                    seen.add(_key(target))
                    found.append(target)
    return found


def _resolve(data: EhrData, reference: Any) -> Resource | None:
    text = reference.reference if reference is not None else None
    if not text or "/" not in text:
        return None
    resource_type, _, resource_id = text.partition("/")
    return data.get(resource_type, resource_id)


def _key(resource: Resource) -> str:
    return f"{resource.get_resource_type()}/{resource.id}"
