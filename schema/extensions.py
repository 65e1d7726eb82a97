"""Schema extensions: typed errors for queries, no internals to clients, correlation ids."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from domain.errors import DomainError, ValidationErrors
from schema.errors import to_graphql_error

log = logging.getLogger("carebridge.graphql")


class ErrorShaping(SchemaExtension):
    """DomainErrors keep their code and field; anything unexpected is logged and masked."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if not result or not result.errors:
            return
        context = self.execution_context.context
        correlation_id = getattr(context, "correlation_id", None)
        shaped: list[GraphQLError] = []
        for error in result.errors:
            original = error.original_error
            if original is None or isinstance(original, GraphQLError):
                # Syntax, validation and argument-coercion errors: the caller's input is wrong.
                if not (error.extensions or {}).get("code"):
                    error.extensions = {**(error.extensions or {}), "code": "INVALID"}
                shaped.append(error)
            elif isinstance(original, DomainError):
                problems = original.errors if isinstance(original, ValidationErrors) else [original]
                for problem in problems:
                    shaped.append(
                        GraphQLError(
                            problem.message,
                            nodes=error.nodes,
                            path=error.path,
                            extensions=to_graphql_error(problem).extensions,
                        )
                    )
            else:
                log.error(
                    "unexpected error in %s",
                    ".".join(str(p) for p in error.path or ()),
                    exc_info=original,
                    extra={"correlation_id": correlation_id},
                )
                shaped.append(
                    GraphQLError(
                        f"Internal error; quote correlation id {correlation_id} to support",
                        nodes=error.nodes,
                        path=error.path,
                        extensions={"code": "INTERNAL", "correlationId": correlation_id},
                    )
                )
        result.errors = shaped
