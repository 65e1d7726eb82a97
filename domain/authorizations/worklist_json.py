"""The worklist page as JSON built by PostgreSQL, in one statement with its audit trail.

A caller that knows exactly which values of each request it will show (the API, from a
validated selection) describes them as a `Projection`: an ordered list of JSON keys, each a
column of the request (or of its patient, payer, requester, lines or diagnoses) in a given JSON
form. The statement reads the page as `worklist_sql.page_statement` does (the same index
ranges), builds each request's JSON object in PostgreSQL, and writes the audit events of the
requests shown and of the patients it shows in the same statement (a data-modifying CTE: one
round trip, one atomic write). It answers one row: the page's JSON (the whole list of entries
when the caller describes an entry as an `edge` projection, else one object per request), the
requests' cursor keys when asked for, and whether more follow. Patients stay scoped to the
actor's organisation as `people.get_persons` scopes them: one the organisation may not see is
null and not audited; which of the page's patients it may see is worked out once per page.

The JSON forms are those of the API's scalars: text, numbers, booleans and enum names as
stored; timestamps as Python's `datetime.isoformat()` in UTC; dates as ISO dates; decimals as
their text; global ids as base64 of `Type:uuid`; a line's review action as its X12 code."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ColumnElement,
    DateTime,
    Integer,
    String,
    Text,
    Uuid,
    and_,
    bindparam,
    case,
    cast,
    func,
    insert,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by

from domain.audit.models import AuditEvent
from domain.authorizations.lifecycle import ReviewAction
from domain.authorizations.worklist_sql import DIAGNOSES, LINES, REQUESTS, Shape, page_statement
from domain.identity.models import Organization
from domain.people.models import Person, PersonOrganization

AUDIT: Any = AuditEvent.__table__
PERSONS = Person.__table__
ORGANIZATIONS = Organization.__table__
# json_build_object takes at most 100 arguments: 50 keys.
MAX_KEYS = 50


class Form(StrEnum):
    """How a column is written as a JSON value."""

    VALUE = "VALUE"  # as stored: text, number, boolean, enum name
    LIST = "LIST"  # a JSON list column; [] when null
    DATETIME = "DATETIME"
    DATE = "DATE"
    DECIMAL = "DECIMAL"
    GLOBAL_ID = "GLOBAL_ID"  # `argument` is the type name
    REVIEW_CODE = "REVIEW_CODE"  # a review action's X12 code
    LITERAL = "LITERAL"  # `argument` itself (a type name)
    OVERDUE = "OVERDUE"  # the request waits on the authorizer past its due time
    OBJECT = "OBJECT"  # a related record (`column` names it), `fields` its keys; may be null
    ARRAY = "ARRAY"  # related rows in their sequence, `fields` their keys
    NODE = "NODE"  # in an edge projection: the request's own object, `fields` its keys


_NOT_COLUMNS = (Form.OBJECT, Form.ARRAY, Form.LITERAL, Form.OVERDUE, Form.NODE)


@dataclass(frozen=True, slots=True)
class Key:
    """One key of a JSON object: its name, what it holds and in which form."""

    name: str
    column: str
    form: Form = Form.VALUE
    argument: str | None = None
    fields: tuple[Key, ...] = ()
    # Worked out once: a projection is a cache key of every worklist page that uses it.
    _hash: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        identity = (self.name, self.column, self.form, self.argument, self.fields)
        object.__setattr__(self, "_hash", hash(identity))

    def __hash__(self) -> int:
        return self._hash


Projection = tuple[Key, ...]

# The related records a request's JSON may hold: (table, how it joins the request's row).
RELATED: dict[str, Any] = {
    "patient": PERSONS,
    "authorizer": ORGANIZATIONS,
    "requester": ORGANIZATIONS,
    "lines": LINES,
    "diagnoses": DIAGNOSES,
}
_REFERENCES = {
    "patient": "patient_id",
    "authorizer": "authorizer_organization_id",
    "requester": "requesting_organization_id",
}


# What the statement itself needs of each request: its order, cursor and related records.
_ALWAYS = (
    "id",
    "decision_due_at",
    "created_at",
    "patient_id",
    "authorizer_organization_id",
    "requesting_organization_id",
    "status",
)


def page_columns(projection: Projection) -> tuple[str, ...]:
    """The requests' columns the page must read for `projection`."""
    named = [k.column for k in projection if k.form not in _NOT_COLUMNS]
    return tuple(dict.fromkeys([*_ALWAYS, *named]))


def reads_patient(projection: Projection) -> bool:
    return any(key.form is Form.OBJECT and key.column == "patient" for key in projection)


def fits(projection: Projection, edge: Projection | None = None) -> bool:
    """Whether PostgreSQL can build it (no object of more than MAX_KEYS keys, known columns),
    and each entry as `edge` describes it (literals and the request's object, `projection`)."""
    if edge is not None and (
        len(edge) > MAX_KEYS
        or any(k.form not in (Form.LITERAL, Form.NODE) for k in edge)
        or any(k.fields != projection for k in edge if k.form is Form.NODE)
    ):
        return False
    return _fits(projection, REQUESTS)


def _fits(keys: tuple[Key, ...], table: Any) -> bool:
    if len(keys) > MAX_KEYS:
        return False
    for key in keys:
        if key.form in (Form.OBJECT, Form.ARRAY):
            if table is not REQUESTS or key.column not in RELATED:
                return False
            if not _fits(key.fields, RELATED[key.column]):
                return False
        elif key.form not in (Form.LITERAL, Form.OVERDUE) and key.column not in table.c:
            return False
    return True


def _text(value: str) -> Any:
    """A constant of the statement itself (not a parameter: the statement is built once)."""
    return literal_column("'" + value.replace("'", "''") + "'")


def _iso_datetime(column: Any) -> Any:
    """Python's isoformat() of a timestamptz in UTC: no fraction when it is zero."""
    utc = func.timezone(_text("UTC"), column)
    whole = func.to_char(utc, _text('YYYY-MM-DD"T"HH24:MI:SS'))
    fraction = case(
        (func.extract("microseconds", utc) % literal_column("1000000") == 0, _text("")),
        else_=func.to_char(utc, _text(".US")),
    )
    return whole.op("||")(fraction).op("||")(_text("+00:00"))


def _global_id(type_name: str, column: Any) -> Any:
    raw = func.convert_to(_text(f"{type_name}:").op("||")(cast(column, Text)), _text("UTF8"))
    return func.translate(func.encode(raw, _text("base64")), literal_column("E'\\n'"), _text(""))


_REVIEW_CODES = [(_text(a.name), _text(a.value)) for a in ReviewAction]  # stored by name


def _value(key: Key, row: Any, now: Any) -> Any:
    if key.form is Form.LITERAL:
        return _text(str(key.argument))
    if key.form is Form.OVERDUE:
        waiting = row.status.op("=", is_comparison=True)(func.any(literal_column(_waiting())))
        return func.coalesce(and_(waiting, row.decision_due_at < now), literal_column("false"))
    column = row[key.column]
    if key.form is Form.VALUE:
        return column
    if key.form is Form.LIST:
        return func.coalesce(column, literal_column("'[]'::json"))
    if key.form is Form.DATETIME:
        return _iso_datetime(column)
    if key.form is Form.DATE:
        return func.to_char(column, literal_column("'YYYY-MM-DD'"))
    if key.form is Form.DECIMAL:
        return cast(column, Text)
    if key.form is Form.GLOBAL_ID:
        return case((column.is_(None), null()), else_=_global_id(str(key.argument), column))
    if key.form is Form.REVIEW_CODE:
        return case(*((column == name, code) for name, code in _REVIEW_CODES), else_=null())
    raise ValueError(key.form)


def _waiting() -> str:
    """The worklist's waiting statuses as a text[] constant."""
    from domain.authorizations.worklist import WAITING  # the worklist's own definition

    return "ARRAY[" + ", ".join(f"'{s.name}'" for s in WAITING) + "]::text[]"


def _object(keys: tuple[Key, ...], row: Any, refs: References, now: Any) -> Any:
    pairs: list[Any] = []
    for key in keys:
        pairs += [_text(key.name), _field(key, row, refs, now)]
    return func.json_build_object(*pairs)


# How the statement reaches a request's related records: the request's id (for its lines and
# diagnoses) and, per related record, the column that refers to it.
References = dict[str, Any]


def _field(key: Key, row: Any, refs: References, now: Any) -> Any:
    if key.form is Form.OBJECT:
        return _related_object(key, refs, now)
    if key.form is Form.ARRAY:
        return _related_array(key, refs, now)
    if key.form is Form.NODE:
        return _object(key.fields, row, refs, now)
    return _value(key, row, now)


def _related_object(key: Key, refs: References, now: Any) -> Any:
    table = RELATED[key.column]
    query = select(_object(key.fields, table.c, refs, now))
    return query.where(table.c.id == refs[key.column]).scalar_subquery()


def _related_array(key: Key, refs: References, now: Any) -> Any:
    table = RELATED[key.column]
    aggregated = func.json_agg(
        aggregate_order_by(_object(key.fields, table.c, refs, now), table.c.sequence)
    )
    listing = select(func.coalesce(aggregated, literal_column("'[]'::json")))
    return listing.where(table.c.request_id == refs["id"]).scalar_subquery()


def _visible(person_id: Any) -> ColumnElement[bool]:
    """As people.visible_to: the person is linked to the actor's organisation. A scalar
    subquery, not EXISTS: PostgreSQL turns an EXISTS into a join that reads every link of
    the organisation (a hash of all its patients for a page of 50); this one looks each
    patient up by the link's key, as many lookups as the page has patients however many the
    organisation has."""
    links = PersonOrganization.__table__.c
    linked: Any = select(literal_column("true")).where(
        links.person_id == person_id,
        links.organization_id == bindparam("organization_id", type_=Uuid),
    )
    return linked.scalar_subquery().is_not(None)


def _time_ordered_id(at: Any) -> Any:
    """As models.time_ordered_id: a UUIDv7 of `at`'s Unix milliseconds (PostgreSQL 15 has
    no uuidv7()): a random uuid with its first 6 bytes replaced and version 4 made 7."""

    def n(value: int) -> Any:
        return literal_column(str(value))

    milliseconds = cast(func.floor(func.extract("epoch", at) * n(1000)), BigInteger)
    stamped = func.overlay(
        func.uuid_send(func.gen_random_uuid()),
        func.substring(func.int8send(milliseconds), n(3)),
        n(1),
        n(6),
    )
    versioned = func.set_bit(func.set_bit(stamped, n(52), n(1)), n(53), n(1))
    return cast(func.encode(versioned, _text("hex")), Uuid)


def _audit_event(entity: str, ids: Any, order: tuple[Any, ...]) -> Any:
    """The audit event of `record_access` (READ, no fields) for the ids of `ids` (a column of
    a subquery): one row, with the record alone or the records in `order`; none for none."""
    at = bindparam("audit_at", type_=DateTime(timezone=True))
    many = func.count() > 1
    first = func.array_agg(ids, type_=ARRAY(Uuid))[1]
    hexes = func.jsonb_agg(
        aggregate_order_by(func.replace(cast(ids, Text), _text("-"), _text("")), *order)
    )
    return select(
        _time_ordered_id(at),
        at,
        bindparam("actor_id", type_=Uuid),
        bindparam("actor_is_machine", type_=Boolean),
        bindparam("organization_id", type_=Uuid),
        bindparam("audit_action", type_=AUDIT.c.action.type),
        cast(_text(entity), String),
        case((many, null()), else_=first),
        case((many, hexes), else_=null()),
        bindparam("correlation_id", type_=String),
        cast(_text("null"), JSON),  # as record_access stores "no fields": JSON null
    ).having(func.count() > 0)


@lru_cache(maxsize=256)
def json_page_statement(
    shape: Shape, projection: Projection, edge: Projection | None = None, cursors: bool = True
) -> Any:
    """One row, for the first `first` requests of the page as `page_statement(shape)` reads
    it (at most `limit` rows, first + 1):

    - `edges`: with `edge`, the whole list as JSON text, one `edge` object per request (its
      `NODE` key the request's object as `projection` describes it); else null;
    - `nodes`: without `edge`, each request's object as JSON text (an array); else null;
    - `ids`, `decision_due_ats`, `created_ats`: the requests' cursor keys, when `cursors`;
    - `has_next`: whether a request follows the last one shown.

    The requests shown and their visible patients are audited by the same statement."""
    page = page_statement(shape).cte("page")

    def ordered(rows: Any) -> tuple[Any, ...]:
        if shape.newest:
            return (rows.c.created_at.desc(), rows.c.id.desc())
        return (rows.c.decision_due_at.asc().nulls_last(), rows.c.id)

    first = bindparam("first", type_=Integer)
    shown = select(page).order_by(*ordered(page)).limit(first).cte("shown")
    order = ordered(shown)
    events = [_audit_event("AuthorizationRequest", shown.c.id, order)]
    refs: References = {"id": shown.c.id} | {
        related: shown.c[column] for related, column in _REFERENCES.items()
    }
    rows: Any = shown
    if reads_patient(projection):
        # The page's patients the organisation may see, each looked up once: only those are
        # shown (a patient it may not see is null) and audited.
        visible = (select(shown.c.patient_id).where(_visible(shown.c.patient_id)).distinct()).cte(
            "visible"
        )
        events.append(_audit_event("Person", visible.c.patient_id, (visible.c.patient_id,)))
        refs["patient"] = visible.c.patient_id
        rows = shown.outerjoin(visible, visible.c.patient_id == shown.c.patient_id)
    columns = [
        "id",
        "occurred_at",
        "actor_id",
        "actor_is_machine",
        "organization_id",
        "action",
        "entity",
        "entity_id",
        "entity_ids",
        "correlation_id",
        "fields",
    ]
    audited = insert(AUDIT).from_select(columns, union_all(*events)).cte("audited")
    now = bindparam("now", type_=DateTime(timezone=True))
    node = _object(projection, shown.c, refs, now)
    listed: list[Any]
    if edge is None:
        listed = [
            null().label("edges"),
            func.array_agg(aggregate_order_by(cast(node, Text), *order)).label("nodes"),
        ]
    else:
        entries = func.json_agg(aggregate_order_by(_object(edge, shown.c, refs, now), *order))
        text = cast(func.coalesce(entries, literal_column("'[]'::json")), Text)
        listed = [text.label("edges"), null().label("nodes")]
    keys = [
        func.array_agg(aggregate_order_by(shown.c[name], *order)).label(f"{name}s")
        for name in ("id", "decision_due_at", "created_at")
        if cursors
    ]
    more = select(func.count()).select_from(page).scalar_subquery() > first
    return select(*listed, *keys, more.label("has_next")).select_from(rows).add_cte(audited)
