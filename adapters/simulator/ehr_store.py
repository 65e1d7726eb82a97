"""The simulated EHR's record store: fhir.resources R4B models by "Type/id"."""

from __future__ import annotations

import copy
from collections.abc import Iterable

from fhir.resources.R4B.resource import Resource


class EhrData:
    """The records by "Type/id"."""

    def __init__(self, resources: Iterable[Resource] = ()) -> None:
        self.resources: dict[str, Resource] = {}
        for resource in resources:
            self.add(resource)

    def add(self, resource: Resource) -> None:
        self.resources[f"{resource.get_resource_type()}/{resource.id}"] = resource

    def get(self, resource_type: str, resource_id: str) -> Resource | None:
        return self.resources.get(f"{resource_type}/{resource_id}")

    def of_type(self, resource_type: str) -> list[Resource]:
        return [r for r in self.resources.values() if r.get_resource_type() == resource_type]

    def copy(self) -> EhrData:
        return EhrData(copy.deepcopy(list(self.resources.values())))
