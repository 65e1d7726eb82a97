"""Query cost limit: a static estimate of the fields a query can resolve."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
)
from strawberry.extensions import SchemaExtension
from strawberry.extensions.max_aliases import create_validator as alias_validator
from strawberry.extensions.query_depth_limiter import create_validator as depth_validator


def cost_limit_rule(max_cost: int, default_page: int, max_page: int) -> type[ValidationRule]:
    """A validation rule class: each field costs 1, times the page sizes of the lists above it.

    `first` given as a variable counts as the largest page allowed, so the cached verdict
    holds for any variables."""

    class QueryCostLimit(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)

        def _page(self, field: FieldNode) -> int:
            for argument in field.arguments or ():
                if argument.name.value in ("first", "last"):
                    value = argument.value
                    if isinstance(value, IntValueNode):
                        return max(1, min(int(value.value), max_page))
                    if isinstance(value, VariableNode):
                        return max_page
            return default_page

        def _cost(self, selection_set: SelectionSetNode | None, seen: frozenset[str]) -> int:
            if selection_set is None:
                return 0
            total = 0
            for selection in selection_set.selections:
                if isinstance(selection, FieldNode):
                    children = selection.selection_set
                    is_list = children is not None and any(
                        isinstance(s, FieldNode) and s.name.value in ("edges", "nodes")
                        for s in children.selections
                    )
                    factor = self._page(selection) if is_list else 1
                    total += 1 + factor * self._cost(children, seen)
                elif isinstance(selection, InlineFragmentNode):
                    total += self._cost(selection.selection_set, seen)
                elif isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    fragment = self.context.get_fragment(name)
                    if fragment is not None and name not in seen:
                        total += self._cost(fragment.selection_set, seen | {name})
                if total > max_cost:
                    return total
            return total

        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            cost = self._cost(node.selection_set, frozenset())
            if cost > max_cost:
                # Counting stops at the limit, so the message names the limit, not a total.
                self.report_error(
                    GraphQLError(
                        f"Query cost exceeds the limit of {max_cost}; ask for smaller pages"
                        " or fewer fields",
                        node,
                        extensions={"code": "LIMIT_EXCEEDED"},
                    )
                )

    return QueryCostLimit


# What graphql-core and Strawberry's limiters say, so their errors get the LIMIT_EXCEEDED code.
LIMIT_MESSAGES = (
    "exceeds maximum operation depth",
    "aliases found. Allowed:",
    "Document contains more than",
)


def error_code_for(message: str) -> str:
    """The code of a parse or validation error that carries none."""
    return "LIMIT_EXCEEDED" if any(m in message for m in LIMIT_MESSAGES) else "INVALID"


def query_limits_extension(
    *,
    max_depth: int,
    max_aliases: int,
    max_cost: int,
    default_page: int,
    max_page: int,
    max_tokens: int,
) -> type[SchemaExtension]:
    """One extension class for depth, alias, token and cost limits.

    The rule classes are built once, so the validation cache sees the same rules on every
    request (a limiter built per request would defeat the cache)."""
    rules = (
        depth_validator(max_depth, None, None),
        alias_validator(max_aliases),
        cost_limit_rule(max_cost, default_page, max_page),
    )

    class QueryLimits(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            context = self.execution_context
            context.parse_options["max_tokens"] = max_tokens
            context.validation_rules = context.validation_rules + rules
            yield

    return QueryLimits
