"""Input objects built from a plan worked out once per type.

For each input object strawberry converts an argument by walking the type's fields on every
request: each field's GraphQL name worked out again, its annotation resolved, and whether it
is a leaf asked again (~140 µs for the worklist's `filter`, `orderBy` and `first`, about a
tenth of what the whole request costs in Python). `install` gives every input type of a schema
a `from_input` (the hook strawberry's type definitions have for integrations that build their
own inputs) that does the same from a plan made once: each field's GraphQL and Python names,
and how its value converts — as it is for scalars and enums (which graphql-core has already
coerced), a copy for a list of them, and strawberry's own conversion for everything else
(global ids, nested inputs, lists of inputs). The result is the one strawberry would build;
`tests/test_input_plans.py` compares them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING
from typing import Any

import strawberry
from strawberry.relay import GlobalID
from strawberry.types.arguments import InputContext, _is_leaf_type
from strawberry.types.base import (
    StrawberryList,
    StrawberryMaybe,
    StrawberryObjectDefinition,
    StrawberryOptional,
)
from strawberry.types.unset import UNSET

Convert = Callable[[Any, InputContext, str], Any]


def install(schema: strawberry.Schema) -> int:
    """Give every input type of `schema` a planned `from_input`; how many were given one."""
    converter = schema.schema_converter
    count = 0
    for definition in _input_definitions(schema):
        if definition.from_input is None:
            definition.from_input = _planned(definition, schema, converter.scalar_registry)
            count += 1
    return count


def _input_definitions(schema: strawberry.Schema) -> list[StrawberryObjectDefinition]:
    return [
        concrete.definition
        for concrete in schema.schema_converter.type_map.values()
        if isinstance(concrete.definition, StrawberryObjectDefinition)
        and concrete.definition.is_input
    ]


def _planned(
    definition: StrawberryObjectDefinition, schema: strawberry.Schema, registry: Mapping[Any, Any]
) -> Callable[[type, Mapping[str, Any], InputContext], Any]:
    config = schema.config
    # As strawberry: a field without a default is None unless given (graphql-core has already
    # checked that the required ones are).
    implicit = {
        f.python_name: None
        for f in definition.fields
        if f.default_value is MISSING and f.default_factory is MISSING
    }
    plan: list[tuple[str, str, Convert | None]] = []
    for field in definition.fields:
        type_ = field.resolve_type(type_definition=definition)
        name = config.name_converter.from_field(field)
        plan.append((name, field.python_name, _convert(type_, registry)))

    def from_input(cls: type, value: Mapping[str, Any], context: InputContext) -> Any:
        kwargs = dict(implicit)
        for name, python_name, convert in plan:
            if name in value:
                given = value[name]
                kwargs[python_name] = given if convert is None else convert(given, context, name)
        return cls(**kwargs)

    return from_input


def _convert(type_: Any, registry: Mapping[Any, Any]) -> Convert | None:
    """None: the value is taken as it is (a scalar or enum); else how to convert it."""
    if isinstance(type_, StrawberryMaybe):
        return _as_strawberry(type_)
    inner = type_.of_type if isinstance(type_, StrawberryOptional) else type_
    if _leaf(inner, registry):
        return None
    if isinstance(inner, StrawberryList):
        item = inner.of_type
        item = item.of_type if isinstance(item, StrawberryOptional) else item
        if not isinstance(item, StrawberryMaybe) and _leaf(item, registry):
            return _copied
    return _as_strawberry(type_)


def _leaf(type_: Any, registry: Mapping[Any, Any]) -> bool:
    if type_ is GlobalID or isinstance(type_, StrawberryMaybe):
        return False
    if hasattr(type_, "__strawberry_definition__"):  # an enum class is a leaf by its definition
        type_ = type_.__strawberry_definition__
    return bool(_is_leaf_type(type_, registry, skip_classes=(GlobalID,)))


def _copied(value: Any, context: InputContext, name: str) -> Any:
    """As strawberry: a list of leaves is copied (graphql-core shares a default's list)."""
    if value is None or value is UNSET:
        return value
    return list(value)


def _as_strawberry(type_: Any) -> Convert:
    def convert(value: Any, context: InputContext, name: str) -> Any:
        return context.convert(value, type_, name)

    return convert
