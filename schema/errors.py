"""Domain errors as GraphQL: payload `errors` for mutations, error extensions for queries."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

from domain.errors import DomainError, ErrorCode, ValidationErrors

strawberry.enum(ErrorCode, description="Stable error codes, see docs/errors.md.")


@strawberry.type(description="A problem with a mutation's input or a business rule that said no.")
class UserError:
    code: ErrorCode
    message: str
    field: str | None = strawberry.field(
        default=None, description="The input field at fault, as a dotted path of input names."
    )


def to_user_errors(error: DomainError) -> list[UserError]:
    """Every mutation payload's `errors`, from one domain error or a collection of them."""
    errors = error.errors if isinstance(error, ValidationErrors) else [error]
    return [UserError(code=e.code, message=e.message, field=e.field) for e in errors]


def to_graphql_error(error: DomainError) -> GraphQLError:
    """For queries, which have no payload: a GraphQL error carrying the same code and field."""
    extensions: dict[str, object] = {"code": error.code.value}
    if error.field:
        extensions["field"] = error.field
    return GraphQLError(error.message, extensions=extensions, original_error=error)
