"""The SQL of the worklist, built once per shape of query (which filters, which statuses,
which order, whether a cursor, which related lists) with every value a bound parameter:
building and hashing a statement this size costs more than running it.

By decision due time, the page is a UNION ALL of one branch per status (and per side: the
requests the organisation made, those it must decide), each an ordered range of an index on
(organisation, status, decision_due_at, id) read only to the page's length, and the page is
the top of their union: a page costs the same however many requests there are. On PostgreSQL the
request's lines and diagnoses come back with the page as JSON arrays (`related_from_json`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    JSON,
    BindParameter,
    ColumnElement,
    Integer,
    Select,
    String,
    Text,
    Uuid,
    and_,
    bindparam,
    cast,
    func,
    literal_column,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by

from domain.authorizations.lifecycle import AuthorizationStatus, ReviewAction
from domain.authorizations.models import (
    AuthorizationDiagnosis,
    AuthorizationLine,
    AuthorizationRequest,
    CodeSystem,
)
from domain.catalog.models import UnitOfMeasure
from domain.people.models import Person

AnySelect = Select[*tuple[Any, ...]]
REQUESTS = AuthorizationRequest.__table__
LINES = AuthorizationLine.__table__
DIAGNOSES = AuthorizationDiagnosis.__table__
EMBEDDABLE = ("diagnoses", "lines")
ALL_STATUSES = tuple(AuthorizationStatus)


@dataclass(frozen=True, slots=True)
class Shape:
    """What makes two worklist queries need different SQL; the values go in as parameters."""

    dialect: str
    newest: bool  # else by decision due
    statuses: tuple[AuthorizationStatus, ...]  # by decision due: one branch each
    priority: bool = False
    payer: bool = False
    assignee: bool = False
    unassigned: bool = False
    due_before: bool = False
    overdue: tuple[AuthorizationStatus, ...] | None = None  # the waiting statuses, if asked
    patient: bool = False
    words: int = 0
    after: bool = False
    after_undated: bool = False
    embedded: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()  # the requests' columns to read; () = all


def escape_like(text: str) -> str:
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


def _filters(shape: Shape) -> list[ColumnElement[bool]]:
    c = REQUESTS.c
    found: list[ColumnElement[bool]] = []
    if shape.priority:
        found.append(c.priority == bindparam("priority"))
    if shape.payer:
        found.append(c.authorizer_organization_id == bindparam("payer_id"))
    if shape.assignee:
        found.append(c.assignee_id == bindparam("assignee_id"))
    if shape.unassigned:
        found.append(c.assignee_id.is_(None))
    if shape.due_before:
        found.append(c.decision_due_at < bindparam("due_before"))
    if shape.overdue is not None:
        found += [c.status.in_(shape.overdue), c.decision_due_at < bindparam("now")]
    if shape.patient:
        found.append(c.patient_id == bindparam("patient_id"))
    for index in range(shape.words):
        word: BindParameter[str] = bindparam(f"word_{index}", type_=String)
        names = select(Person.id).where(
            or_(
                func.lower(Person.family_name).like(word, escape="/"),
                func.lower(Person.given_name).like(word, escape="/"),
            )
        )
        found.append(
            or_(
                func.lower(c.number).like(word, escape="/"),
                func.lower(c.payer_reference).like(word, escape="/"),
                c.patient_id.in_(names),
            )
        )
    return found


def _sides() -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """Requests the organisation made; those it must decide (and did not make)."""
    org: BindParameter[uuid.UUID] = bindparam("organization_id", type_=Uuid)
    c = REQUESTS.c
    return (
        c.requesting_organization_id == org,
        and_(c.authorizer_organization_id == org, c.requesting_organization_id != org),
    )


def _due_after(shape: Shape) -> ColumnElement[bool]:
    """After the cursor's row, undated requests last (NULLS LAST)."""
    due, key = REQUESTS.c.decision_due_at, REQUESTS.c.id
    last_id: BindParameter[uuid.UUID] = bindparam("after_id", type_=Uuid)
    if shape.after_undated:
        return and_(due.is_(None), key > last_id)
    last_due = bindparam("after_due", type_=due.type)
    return or_(due > last_due, and_(due == last_due, key > last_id), due.is_(None))


@lru_cache(maxsize=256)
def filtered_statement(shape: Shape, paged: bool) -> AnySelect:
    """The matching requests (the count reads all of them); `paged`: by decision due, only
    the first `limit` rows after the cursor of each branch."""
    c = REQUESTS.c
    filters = _filters(shape)
    read: list[Any] = [c[name] for name in shape.columns] or [REQUESTS]
    if shape.newest:
        query = select(*read).where(or_(*_sides()), *filters)
        if shape.statuses:
            query = query.where(c.status.in_(shape.statuses))
        return query
    statuses = shape.statuses or ALL_STATUSES
    if shape.overdue is not None:
        statuses = tuple(s for s in statuses if s in shape.overdue) or statuses[:1]
    after = [_due_after(shape)] if shape.after and paged else []
    due_order = (c.decision_due_at.asc().nulls_last(), c.id)
    # Each branch is the top of one index range (PostgreSQL 15 does not merge them in order
    # by itself); the page is the top of their union, at most `limit` rows per branch.
    branches = [
        select(*read).where(side, c.status == status, *filters, *after)
        for status in statuses
        for side in _sides()
    ]
    if paged:
        limit: BindParameter[int] = bindparam("limit", type_=Integer)
        branches = [select(b.order_by(*due_order).limit(limit).subquery()) for b in branches]
    return select(union_all(*branches).subquery("worklist"))


@lru_cache(maxsize=256)
def page_statement(shape: Shape) -> AnySelect:
    query = filtered_statement(shape, True)
    if shape.newest:
        c = REQUESTS.c
        if shape.after:
            created = bindparam("after_created", type_=c.created_at.type)
            last_id: BindParameter[uuid.UUID] = bindparam("after_id", type_=Uuid)
            query = query.where(
                or_(c.created_at < created, and_(c.created_at == created, c.id < last_id))
            )
        query = query.order_by(c.created_at.desc(), c.id.desc())
        request_id: Any = c.id
    else:
        worklist = query.selected_columns
        query = query.order_by(worklist.decision_due_at.asc().nulls_last(), worklist.id)
        request_id = worklist.id
    query = query.limit(bindparam("limit"))
    return query.add_columns(
        *(_related_json(name, request_id).label(f"{name}_json") for name in shape.embedded)
    )


@lru_cache(maxsize=256)
def count_statement(shape: Shape) -> AnySelect:
    return select(func.count()).select_from(filtered_statement(shape, False).subquery())


_LINE_TEXT = ("quantity", "requested_rate", "approved_quantity", "rate", "used_quantity")


def _related_json(name: str, request_id: Any) -> Any:
    """PostgreSQL: one request's lines or diagnoses as a JSON array, in their sequence."""
    table = LINES if name == "lines" else DIAGNOSES
    pairs: list[Any] = []
    for column in table.c:
        if column.name == "request_id":
            continue
        value = cast(column, Text) if column.name in _LINE_TEXT else column
        pairs += [literal_column(f"'{column.name}'"), value]
    aggregated = func.json_agg(aggregate_order_by(func.json_build_object(*pairs), table.c.sequence))
    listing = select(func.coalesce(aggregated, literal_column("'[]'::json")))
    return type_coerce(listing.where(table.c.request_id == request_id).scalar_subquery(), JSON)


def related_from_json(name: str, items: list[dict[str, Any]]) -> list[Any]:
    """The rows of `_related_json`, shaped like the batch readers' (enums stored by name)."""
    if name == "diagnoses":
        return [SimpleNamespace(**item) for item in items]
    return [SimpleNamespace(**_line(item)) for item in items]


def _line(item: dict[str, Any]) -> dict[str, Any]:
    values = dict(item)
    values["id"] = uuid.UUID(item["id"])
    values["benefit_id"] = uuid.UUID(item["benefit_id"]) if item["benefit_id"] else None
    values["code_system"] = CodeSystem[item["code_system"]]
    values["unit_of_measure"] = UnitOfMeasure[item["unit_of_measure"]]
    action = item["review_action"]
    values["review_action"] = None if action is None else ReviewAction[action]
    for name in _LINE_TEXT:
        values[name] = None if item[name] is None else Decimal(item[name])
    for name in ("requested_start", "requested_end", "approved_start", "approved_end"):
        values[name] = None if item[name] is None else date.fromisoformat(item[name])
    decided = item["decided_at"]
    values["decided_at"] = (
        None if decided is None else datetime.fromisoformat(decided).astimezone(UTC)
    )
    return values
