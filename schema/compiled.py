"""Results a resolver hands back already complete, and the selection walk that decides when a
resolver may.

graphql-core completes every field of a result itself: at a few microseconds a field, a page of
50 worklist requests (~1,200 fields) costs more than reading it. For a selection whose every
field is a plain value of the database (no resolver with I/O, no arguments, no directives), a
resolver can have the database build the JSON and return it as `Precompiled`: the execution
context below puts it in the response as it is, and the view's orjson writes the JSON text
without parsing it (`orjson.Fragment`). The root field's permission extensions, argument
coercion, the resolver itself, the query limits and error shaping run as for any field.

Plans are compiled once per field of a parsed document: the parser cache hands the same
document objects back for the same query text, and the cache here keeps the field nodes it was
built from, so an entry cannot outlive them or be taken for another document's."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import Info

P = TypeVar("P")
Fields = dict[str, list[FieldNode]]


class Precompiled:
    """A field's complete result value (JSON-ready, orjson.Fragment allowed inside)."""

    __slots__ = ("data",)

    def __init__(self, data: Any) -> None:
        self.data = data


class PrecompiledExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's execution, except that a `Precompiled` result is taken as complete."""

    def complete_value(
        self,
        return_type: Any,
        field_details_list: Any,
        info: Any,
        path: Any,
        result: Any,
        position_context: Any,
    ) -> Any:
        if type(result) is Precompiled:
            return result.data
        return super().complete_value(
            return_type, field_details_list, info, path, result, position_context
        )


def collect_fields(
    schema: GraphQLSchema,
    type_: GraphQLObjectType,
    selection_sets: Sequence[SelectionSetNode],
    fragments: dict[str, FragmentDefinitionNode],
) -> Fields | None:
    """The fields selected on an object type by response key, in response order, fragments
    inlined (as graphql-core collects them); None where a directive (@skip, @include...)
    would make the selection depend on variables."""
    found: Fields = {}
    for selection_set in selection_sets:
        for selection in selection_set.selections:
            if selection.directives:
                return None
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                found.setdefault(key, []).append(selection)
                continue
            if isinstance(selection, InlineFragmentNode):
                condition, inner = selection.type_condition, selection.selection_set
            elif isinstance(selection, FragmentSpreadNode):
                fragment = fragments.get(selection.name.value)
                if fragment is None or fragment.directives:
                    return None
                condition, inner = fragment.type_condition, fragment.selection_set
            else:
                return None
            if condition is not None and not _applies(schema, type_, condition.name.value):
                continue
            nested = collect_fields(schema, type_, [inner], fragments)
            if nested is None:
                return None
            for key, nodes in nested.items():
                found.setdefault(key, []).extend(nodes)
    return found


def _applies(schema: GraphQLSchema, type_: GraphQLObjectType, condition: str) -> bool:
    if condition == type_.name:
        return True
    abstract = schema.get_type(condition)
    return abstract is not None and schema.is_sub_type(abstract, type_)  # type: ignore[arg-type]


def sub_selections(nodes: list[FieldNode]) -> list[SelectionSetNode]:
    return [n.selection_set for n in nodes if n.selection_set is not None]


class PlanCache:
    """Compiled plans (or None: not compilable) per root field of a parsed document."""

    def __init__(self, maxsize: int = 512) -> None:
        self._entries: OrderedDict[tuple[int, ...], tuple[tuple[FieldNode, ...], Any]] = (
            OrderedDict()
        )
        self._maxsize = maxsize

    def get(self, info: Info, compile: Callable[[Any], P | None]) -> P | None:
        raw = info._raw_info
        nodes = tuple(raw.field_nodes)
        key = tuple(map(id, nodes))
        entry = self._entries.get(key)
        if entry is not None and all(a is b for a, b in zip(entry[0], nodes, strict=True)):
            self._entries.move_to_end(key)
            plan: P | None = entry[1]
            return plan
        plan = compile(raw)
        self._entries[key] = (nodes, plan)
        if len(self._entries) > self._maxsize:
            self._entries.popitem(last=False)
        return plan
