"""The authorization worklist, and the live subscriptions that keep it current."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from starlette.requests import Request
from strawberry import relay
from strawberry.types import Info

from domain.authorizations import worklist
from domain.authorizations.worklist import WORKLIST_ROLES, WorklistOrder
from domain.authorizations.worklist_sql import EMBEDDABLE
from domain.events import DomainEvent
from resolvers.outcome import read, read_in_one_statement
from schema.authorizations import AuthorizationRequest
from schema.context import Context
from schema.loaders import Loaders
from schema.permissions import signed_in
from schema.relay import Connection, decode_global_id, page_request, requested_fields, selects
from schema.workflow_inputs import WorklistFilter
from schema.worklist_plan import WorklistPlan, worklist_plan

ENTITY = "AuthorizationRequest"


def _criteria(given: WorklistFilter | None, info: Info[Context, None]) -> worklist.WorklistFilter:
    if given is None:
        return worklist.WorklistFilter()
    assignee = (
        decode_global_id(given.assignee_id, "User", "filter.assigneeId")
        if given.assignee_id
        else None
    )
    return worklist.WorklistFilter(
        statuses=tuple(given.statuses),
        priority=given.priority,
        payer_id=decode_global_id(given.payer_id, "Organization", "filter.payerId")
        if given.payer_id
        else None,
        assignee_id=info.context.actor.subject_id if given.assigned_to_me else assignee,
        unassigned=given.unassigned,
        due_before=given.due_before,
        overdue=given.overdue,
        patient_id=decode_global_id(given.patient_id, "Person", "filter.patientId")
        if given.patient_id
        else None,
        text=given.text,
    )


@strawberry.type(description="A request on your worklist changed.")
class AuthorizationRequestChange:
    event: str = strawberry.field(description="Such as authorization_request.pended")
    status: str | None
    occurred_at: datetime.datetime
    request_key: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def authorization_request(self, info: Info) -> AuthorizationRequest | None:
        found = await info.context.loaders.authorization_request.load(self.request_key)
        return AuthorizationRequest.from_model(found) if found else None

    @classmethod
    def from_event(cls, event: DomainEvent) -> AuthorizationRequestChange:
        return cls(
            event=event.name,
            status=event.payload.get("status"),
            occurred_at=event.occurred_at,
            request_key=event.entity_id,
        )


@strawberry.type
class WorklistQuery:
    @strawberry.field(
        extensions=signed_in(*WORKLIST_ROLES),
        description="Requests your organisation made or must decide; by decision due time.",
    )
    async def authorization_requests(
        self,
        info: Info[Context, None],
        filter: WorklistFilter | None = None,
        order_by: WorklistOrder = WorklistOrder.DECISION_DUE,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[AuthorizationRequest]:
        asked: dict[str, Any] = {
            "filter": _criteria(filter, info),
            "order": order_by,
            "page": page_request(info.context, first, after),
        }
        plan = _plan(info)
        if plan is not None:
            built = await read_in_one_statement(
                info,
                lambda uow, actor: worklist.list_worklist_json(
                    uow=uow,
                    actor=actor,
                    projection=plan.projection,
                    edge=plan.edge,
                    with_total=plan.with_total,
                    with_cursors=plan.with_cursors,
                    **asked,
                ),
            )
            if built is not None:
                return plan.result(built)  # type: ignore[return-value]
        page = await read(
            info,
            lambda uow, actor: worklist.list_worklist(
                uow=uow,
                actor=actor,
                with_total=selects(info, "totalCount"),
                include=requested_fields(info) & set(EMBEDDABLE),
                **asked,
            ),
        )
        return Connection.from_page(page, AuthorizationRequest.from_model)


def _plan(info: Info[Context, None]) -> WorklistPlan | None:
    """The page built as JSON by the database, when the selection allows it, the settings
    want it and the response is written by the HTTP view's orjson."""
    context = info.context
    if not context.settings.compiled_worklist or not isinstance(context.request, Request):
        return None
    return worklist_plan(info)


async def _changes(
    info: Info[Context, None], wanted: uuid.UUID | None
) -> AsyncGenerator[AuthorizationRequestChange, None]:
    context = info.context
    organization = context.actor.organization_id

    def relevant(event: DomainEvent) -> bool:
        return (
            event.entity == ENTITY
            and organization in event.organization_ids
            and (wanted is None or event.entity_id == wanted)
        )

    async with context.bus.subscribe(relevant) as queue:
        while True:
            event = await queue.get()
            # The socket's context outlives each message: fresh loaders, fresh reads.
            context.loaders = Loaders(context)
            yield AuthorizationRequestChange.from_event(event)


@strawberry.type
class WorklistSubscription:
    @strawberry.subscription(
        extensions=signed_in(*WORKLIST_ROLES),
        description="Every transition of one request, in order.",
    )
    async def authorization_request_changed(
        self, info: Info[Context, None], id: relay.GlobalID
    ) -> AsyncGenerator[AuthorizationRequestChange, None]:
        wanted = decode_global_id(id, "AuthorizationRequest", "id")
        async for change in _changes(info, wanted):
            yield change

    @strawberry.subscription(
        extensions=signed_in(*WORKLIST_ROLES),
        description="Changes to the requests of your worklist that match the filter.",
    )
    async def worklist_changed(
        self, info: Info[Context, None], filter: WorklistFilter | None = None
    ) -> AsyncGenerator[AuthorizationRequestChange, None]:
        criteria = _criteria(filter, info)
        async for change in _changes(info, None):
            request = await info.context.loaders.authorization_request.load(change.request_key)
            if request is not None and worklist.matches(
                request, criteria, info.context.clock.now()
            ):
                yield change
