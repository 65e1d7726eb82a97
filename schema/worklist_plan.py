"""The worklist's `authorizationRequests` selection compiled to a `Projection` that PostgreSQL
builds as JSON (`domain.authorizations.worklist_json`), for selections made only of fields that
are plain values of the request, its patient, payer, requester, lines and diagnoses. Anything
else (a field that reads more, such as `patient.coverages` or `assignee`; arguments on a nested
field; a directive) gives no plan, and the resolver takes the general path. Each field here
is written exactly as its GraphQL type writes it; `tests/api/test_worklist_compiled.py` checks
every one against the general path."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from graphql import GraphQLObjectType, GraphQLResolveInfo, get_named_type

from domain.authorizations.worklist import JsonPage
from domain.authorizations.worklist_json import Form, Key, Projection, fits
from schema.compiled import PlanCache, Precompiled, collect_fields, sub_selections

F = Form
# GraphQL field -> (column, form, argument) per GraphQL type.
SCALARS: dict[str, dict[str, tuple[str, Form, str | None]]] = {
    "AuthorizationRequest": {
        "id": ("id", F.GLOBAL_ID, "AuthorizationRequest"),
        "number": ("number", F.VALUE, None),
        "authorizerKind": ("authorizer_kind", F.VALUE, None),
        "status": ("status", F.VALUE, None),
        "priority": ("priority", F.VALUE, None),
        "category": ("category", F.VALUE, None),
        "notes": ("notes", F.VALUE, None),
        "receivedAt": ("received_at", F.DATETIME, None),
        "decisionDueAt": ("decision_due_at", F.DATETIME, None),
        "decidedAt": ("decided_at", F.DATETIME, None),
        "createdAt": ("created_at", F.DATETIME, None),
        "updatedAt": ("updated_at", F.DATETIME, None),
        "payerReference": ("payer_reference", F.VALUE, None),
        "submittedAt": ("submitted_at", F.DATETIME, None),
        "overdue": ("", F.OVERDUE, None),
    },
    "Person": {
        "id": ("id", F.GLOBAL_ID, "Person"),
        "givenName": ("given_name", F.VALUE, None),
        "middleName": ("middle_name", F.VALUE, None),
        "familyName": ("family_name", F.VALUE, None),
        "birthDate": ("birth_date", F.DATE, None),
        "sex": ("sex", F.VALUE, None),
        "preferredLanguage": ("preferred_language", F.VALUE, None),
        "phone": ("phone", F.VALUE, None),
        "email": ("email", F.VALUE, None),
        "createdAt": ("created_at", F.DATETIME, None),
        "updatedAt": ("updated_at", F.DATETIME, None),
    },
    "Organization": {
        "id": ("id", F.GLOBAL_ID, "Organization"),
        "name": ("name", F.VALUE, None),
        "kind": ("kind", F.VALUE, None),
        "npi": ("npi", F.VALUE, None),
        "payerId": ("payer_id", F.VALUE, None),
        "active": ("active", F.VALUE, None),
    },
    "AuthorizationLine": {
        "id": ("id", F.GLOBAL_ID, "AuthorizationLine"),
        "sequence": ("sequence", F.VALUE, None),
        "codeSystem": ("code_system", F.VALUE, None),
        "serviceCode": ("service_code", F.VALUE, None),
        "modifiers": ("modifiers", F.LIST, None),
        "description": ("description", F.VALUE, None),
        "quantity": ("quantity", F.DECIMAL, None),
        "unitOfMeasure": ("unit_of_measure", F.VALUE, None),
        "requestedStart": ("requested_start", F.DATE, None),
        "requestedEnd": ("requested_end", F.DATE, None),
        "placeOfService": ("place_of_service", F.VALUE, None),
        "requestedRate": ("requested_rate", F.DECIMAL, None),
        "reviewAction": ("review_action", F.VALUE, None),
        "reviewActionCode": ("review_action", F.REVIEW_CODE, None),
        "approvedQuantity": ("approved_quantity", F.DECIMAL, None),
        "approvedStart": ("approved_start", F.DATE, None),
        "approvedEnd": ("approved_end", F.DATE, None),
        "authorizationNumber": ("authorization_number", F.VALUE, None),
        "reasonCodes": ("reason_codes", F.LIST, None),
        "reviewerNotes": ("reviewer_notes", F.VALUE, None),
        "rate": ("rate", F.DECIMAL, None),
        "currency": ("currency", F.VALUE, None),
        "usedQuantity": ("used_quantity", F.DECIMAL, None),
        "decidedAt": ("decided_at", F.DATETIME, None),
    },
    "Diagnosis": {
        "sequence": ("sequence", F.VALUE, None),
        "code": ("code", F.VALUE, None),
        "display": ("display", F.VALUE, None),
    },
}
# The request's related records: GraphQL field -> (related record, form).
RELATIONS: dict[str, tuple[str, Form]] = {
    "patient": ("patient", F.OBJECT),
    "authorizer": ("authorizer", F.OBJECT),
    "requester": ("requester", F.OBJECT),
    "lines": ("lines", F.ARRAY),
    "diagnoses": ("diagnoses", F.ARRAY),
}
PAGE_INFO = ("hasNextPage", "hasPreviousPage", "startCursor", "endCursor")


@dataclass(frozen=True, slots=True)
class WorklistPlan:
    """How to answer one `authorizationRequests` selection from a JSON page."""

    connection: tuple[tuple[str, str, Any], ...]  # (response key, field, its sub-plan)
    projection: Projection
    with_total: bool
    # Each entry of `edges` as the database builds it, when it holds no cursor: the whole
    # list comes as one JSON text. None: the nodes come one by one and edges are made here.
    edge: Projection | None = None

    @property
    def with_cursors(self) -> bool:
        """Whether any cursor is selected (edges' cursor, pageInfo's start or end)."""
        for _, name, detail in self.connection:
            if name == "edges" and any(n == "cursor" for _, n, _ in detail):
                return True
            if name == "pageInfo" and any(n in ("startCursor", "endCursor") for _, n in detail):
                return True
        return False

    def result(self, page: JsonPage) -> Precompiled:
        data: dict[str, Any] = {}
        for key, name, detail in self.connection:
            if name == "edges" and page.edges is not None:
                data[key] = orjson.Fragment(page.edges)
            elif name == "edges":
                cursors = page.cursors if self.with_cursors else [""] * len(page.nodes)
                data[key] = [
                    _edge(detail, node, cursor)
                    for node, cursor in zip(page.nodes, cursors, strict=True)
                ]
            elif name == "pageInfo":
                data[key] = {k: _page_info(page, n) for k, n in detail}
            elif name == "totalCount":
                data[key] = page.total_count
            else:
                data[key] = detail  # __typename
        return Precompiled(data)


def _edge(keys: tuple[tuple[str, str, Any], ...], node: str, cursor: str) -> dict[str, Any]:
    return {
        key: orjson.Fragment(node) if name == "node" else cursor if name == "cursor" else detail
        for key, name, detail in keys
    }


def _page_info(page: JsonPage, name: str) -> Any:
    if name == "hasNextPage":
        return page.has_next_page
    if name == "hasPreviousPage":
        return page.has_previous_page
    if name == "startCursor":
        return page.cursors[0] if page.cursors else None
    if name == "endCursor":
        return page.cursors[-1] if page.cursors else None
    return "PageInfo"  # __typename


_PLANS = PlanCache()


def worklist_plan(info: Any) -> WorklistPlan | None:
    """The plan for this `authorizationRequests` field, compiled once per parsed document."""
    return _PLANS.get(info, _compile)


def _compile(raw: GraphQLResolveInfo) -> WorklistPlan | None:
    schema, fragments = raw.schema, raw.fragments
    connection_type = get_named_type(raw.return_type)
    assert isinstance(connection_type, GraphQLObjectType)
    if any(n.directives for n in raw.field_nodes):
        return None
    fields = collect_fields(
        schema, connection_type, sub_selections(list(raw.field_nodes)), fragments
    )
    if fields is None:
        return None
    connection: list[tuple[str, str, Any]] = []
    projection: Projection | None = None
    with_total = False
    for key, nodes in fields.items():
        name = nodes[0].name.value
        if any(n.arguments for n in nodes):
            return None
        if name == "__typename":
            connection.append((key, name, connection_type.name))
        elif name == "totalCount":
            connection.append((key, name, None))
            with_total = True
        elif name == "pageInfo":
            info_type = get_named_type(connection_type.fields[name].type)
            assert isinstance(info_type, GraphQLObjectType)
            selected = collect_fields(schema, info_type, sub_selections(nodes), fragments)
            if selected is None or any(n.arguments for ns in selected.values() for n in ns):
                return None
            connection.append(
                (key, name, tuple((k, ns[0].name.value) for k, ns in selected.items()))
            )
        elif name == "edges":
            if projection is not None:
                return None  # two differently named edges: the general path
            edge_type = get_named_type(connection_type.fields[name].type)
            assert isinstance(edge_type, GraphQLObjectType)
            edge = collect_fields(schema, edge_type, sub_selections(nodes), fragments)
            if edge is None:
                return None
            edge_keys: list[tuple[str, str, Any]] = []
            for edge_key, edge_nodes in edge.items():
                edge_name = edge_nodes[0].name.value
                if any(n.arguments for n in edge_nodes):
                    return None
                if edge_name == "node":
                    if projection is not None:
                        return None
                    node_type = get_named_type(edge_type.fields["node"].type)
                    assert isinstance(node_type, GraphQLObjectType)
                    projection = _keys(schema, node_type, edge_nodes, fragments)
                    if projection is None:
                        return None
                edge_keys.append((edge_key, edge_name, edge_type.name))
            connection.append((key, name, tuple(edge_keys)))
        else:
            return None
    if projection is None:
        projection = (Key("id", "id"),)  # edges without node, or no edges: ids for cursors
    entry = _edge_projection(connection, projection)
    if not fits(projection, entry):
        return None
    return WorklistPlan(tuple(connection), projection, with_total, entry)


def _edge_projection(
    connection: list[tuple[str, str, Any]], projection: Projection
) -> Projection | None:
    """An edge as the database can build it: its node and __typename, no cursor."""
    for _, name, detail in connection:
        if name != "edges":
            continue
        if any(edge_name == "cursor" for _, edge_name, _ in detail):
            return None
        return tuple(
            Key(key, "", F.NODE, None, projection)
            if edge_name == "node"
            else Key(key, "", F.LITERAL, type_name)
            for key, edge_name, type_name in detail
        )
    return None


def _keys(
    schema: Any, type_: GraphQLObjectType, nodes: list[Any], fragments: Any
) -> tuple[Key, ...] | None:
    fields = collect_fields(schema, type_, sub_selections(nodes), fragments)
    if fields is None:
        return None
    scalars = SCALARS.get(type_.name, {})
    keys: list[Key] = []
    for key, field_nodes in fields.items():
        name = field_nodes[0].name.value
        if any(n.arguments for n in field_nodes):
            return None
        if name == "__typename":
            keys.append(Key(key, "", F.LITERAL, type_.name))
        elif name in scalars:
            column, form, argument = scalars[name]
            keys.append(Key(key, column, form, argument))
        elif type_.name == "AuthorizationRequest" and name in RELATIONS:
            related, form = RELATIONS[name]
            child = get_named_type(type_.fields[name].type)
            assert isinstance(child, GraphQLObjectType)
            nested = _keys(schema, child, field_nodes, fragments)
            if nested is None:
                return None
            keys.append(Key(key, related, form, None, nested))
        else:
            return None
    return tuple(keys)
