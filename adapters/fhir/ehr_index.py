"""The resources an intake has seen, by "Type/id", and how a FHIR reference finds one of them:
relative ("Practitioner/1", "Practitioner/1/_history/2"), absolute under the EHR's base URL, or
contained ("#p1") in the resource that refers to it."""

from __future__ import annotations

import re
from collections.abc import Iterable

from fhir.resources.R4B.domainresource import DomainResource
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.resource import Resource

_ID = r"[A-Za-z0-9\-.]{1,64}"
FHIR_ID = re.compile(rf"^{_ID}$")
_RELATIVE = re.compile(rf"^([A-Z][A-Za-z]+)/({_ID})(?:/_history/{_ID})?$")


def resource_key(resource: Resource) -> str:
    return f"{resource.get_resource_type()}/{resource.id}"


class ResourceIndex:
    def __init__(self, base_url: str) -> None:
        self._base = base_url.rstrip("/") + "/"
        self._resources: dict[str, Resource] = {}

    def add(self, resources: Iterable[Resource]) -> None:
        for resource in resources:
            if resource.id:
                self._resources[resource_key(resource)] = resource

    def key(self, reference: Reference | None) -> str | None:
        """ "Type/id" of a literal reference to a resource on this EHR, or None (contained,
        logical-only or another server's)."""
        text = reference.reference if reference is not None else None
        if not text or text.startswith("#"):
            return None
        if text.startswith(self._base):
            text = text[len(self._base) :]
        match = _RELATIVE.match(text)
        return f"{match.group(1)}/{match.group(2)}" if match else None

    def get(self, reference: Reference | None, owner: Resource | None = None) -> Resource | None:
        """The resource a reference points to, when it is contained in `owner` or known."""
        if reference is None or not reference.reference:
            return None
        if reference.reference.startswith("#"):
            return _contained(owner, reference.reference[1:])
        key = self.key(reference)
        return self._resources.get(key) if key else None

    def missing(self, references: Iterable[Reference | None], types: frozenset[str]) -> set[str]:
        """Keys of referenced resources of the given types that the index does not hold yet."""
        keys = {self.key(reference) for reference in references}
        return {
            key
            for key in keys
            if key is not None and key.split("/", 1)[0] in types and key not in self._resources
        }


def _contained(owner: Resource | None, local_id: str) -> Resource | None:
    if not isinstance(owner, DomainResource):
        return None
    return next((r for r in owner.contained or () if r.id == local_id), None)
