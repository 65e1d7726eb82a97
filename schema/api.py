"""The assembled GraphQL schema: every area's queries and mutations, limits and caches."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from resolvers.audit import AuditQuery
from resolvers.authorizations import AuthorizationsMutation, AuthorizationsQuery
from resolvers.cases import CasesMutation, CasesQuery
from resolvers.catalog import CatalogMutation, CatalogQuery
from resolvers.delivery import DeliveryMutation, DeliveryQuery
from resolvers.followup import FollowUpMutation
from resolvers.identity import IdentityQuery
from resolvers.intake import IntakeMutation
from resolvers.network import NetworkQuery
from resolvers.network_applications import (
    NetworkApplicationsMutation,
    NetworkRecredentialingMutation,
)
from resolvers.network_contracts import NetworkContractsMutation, NetworkRecruitingMutation
from resolvers.partners import PartnersQuery
from resolvers.payments import PaymentsMutation, PaymentsQuery
from resolvers.people import PeopleMutation, PeopleQuery
from resolvers.providers import ProvidersMutation, ProvidersQuery
from resolvers.referrals import ReferralsMutation, ReferralsQuery, ReferralsSubscription
from resolvers.reporting import ReportingQuery
from resolvers.requirements import RequirementsMutation, RequirementsQuery
from resolvers.worklist import WorklistQuery, WorklistSubscription
from schema import input_plans
from schema.compiled import PrecompiledExecutionContext
from schema.extensions import ErrorShaping
from schema.limits import error_code_for, query_limits_extension
from settings import Settings

Query = merge_types(
    "Query",
    (
        IdentityQuery,
        PeopleQuery,
        ProvidersQuery,
        CatalogQuery,
        CasesQuery,
        ReferralsQuery,
        AuthorizationsQuery,
        WorklistQuery,
        RequirementsQuery,
        ReportingQuery,
        PartnersQuery,
        DeliveryQuery,
        PaymentsQuery,
        NetworkQuery,
        AuditQuery,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        PeopleMutation,
        ProvidersMutation,
        CatalogMutation,
        CasesMutation,
        ReferralsMutation,
        AuthorizationsMutation,
        FollowUpMutation,
        RequirementsMutation,
        IntakeMutation,
        DeliveryMutation,
        PaymentsMutation,
        NetworkApplicationsMutation,
        NetworkRecredentialingMutation,
        NetworkContractsMutation,
        NetworkRecruitingMutation,
    ),
)
Subscription = merge_types("Subscription", (ReferralsSubscription, WorklistSubscription))


class CareBridgeSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Parse and validation errors never reach ErrorShaping: give them their code here.

        Nothing is logged: ErrorShaping logs what needs it, without the request's data."""
        for error in errors:
            if error.original_error is None and not (error.extensions or {}).get("code"):
                code = error_code_for(error.message)
                error.extensions = {**(error.extensions or {}), "code": code}


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    """The schema with its limits taken from settings (defaults when exporting the SDL)."""
    settings = settings or Settings()
    extensions: list[Any] = [
        lambda: ParserCache(maxsize=1024),
        lambda: ValidationCache(maxsize=1024),
        query_limits_extension(
            max_depth=settings.max_query_depth,
            max_aliases=settings.max_aliases,
            max_cost=settings.max_query_cost,
            default_page=settings.default_page_size,
            max_page=settings.max_page_size,
            max_tokens=settings.max_query_tokens,
        ),
        ErrorShaping,
    ]
    schema = CareBridgeSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        execution_context_class=PrecompiledExecutionContext,
    )
    input_plans.install(schema)
    return schema
