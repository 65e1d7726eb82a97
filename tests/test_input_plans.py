"""Inputs built from their planned `from_input` (schema/input_plans.py) are the ones
strawberry's own conversion builds, field for field, errors included."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

import pytest
from strawberry.relay import GlobalID
from strawberry.types.arguments import convert_arguments

from domain.authorizations.lifecycle import AuthorizationStatus, ReviewAction
from domain.authorizations.models import Priority
from domain.authorizations.worklist import WorklistOrder
from schema.api import build_schema
from schema.input_plans import _input_definitions


@pytest.fixture(scope="module")
def schema():
    return build_schema()


def _field(schema, type_name: str, name: str):
    definition = schema.get_type_by_name(type_name)
    return next(f for f in definition.fields if f.python_name == name)


def _both(schema, monkeypatch, field, arguments):
    """(planned, strawberry's own) conversion of `arguments` for `field`."""
    converter = schema.schema_converter
    planned = convert_arguments(
        arguments, field.arguments, converter.scalar_registry, schema.config, None
    )
    with monkeypatch.context() as patch:
        for definition in _input_definitions(schema):
            patch.setattr(definition, "from_input", None)
        own = convert_arguments(
            arguments, field.arguments, converter.scalar_registry, schema.config, None
        )
    return planned, own


def test_every_input_type_is_planned(schema):
    definitions = _input_definitions(schema)
    assert len(definitions) > 50
    assert all(d.from_input is not None for d in definitions)


def test_the_worklist_filter_with_every_field(schema, monkeypatch):
    payer = str(GlobalID("Organization", str(uuid.uuid4())))
    statuses = [AuthorizationStatus.PENDED, AuthorizationStatus.SUBMITTED]
    arguments = {
        "filter": {
            "statuses": statuses,
            "priority": Priority.EXPEDITED,
            "payerId": payer,
            "assigneeId": None,
            "assignedToMe": True,
            "unassigned": False,
            "dueBefore": datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC),
            "overdue": True,
            "text": "maria",
        },
        "orderBy": WorklistOrder.NEWEST,
        "first": 10,
    }
    planned, own = _both(
        schema, monkeypatch, _field(schema, "Query", "authorization_requests"), arguments
    )
    assert planned == own
    found = planned["filter"]
    assert found.payer_id == GlobalID.from_id(payer)
    assert found.patient_id is None  # not given: its default
    # The list is a copy: changing it changes nothing the next request is given.
    assert found.statuses == statuses and found.statuses is not statuses


def test_nested_inputs_and_lists_of_them(schema, monkeypatch):
    request = str(GlobalID("AuthorizationRequest", str(uuid.uuid4())))
    arguments = {
        "input": {
            "requestId": request,
            "lines": [
                {
                    "lineId": "1",
                    "reviewAction": ReviewAction.CERTIFIED,
                    "approvedQuantity": Decimal("2.5"),
                    "approvedStart": datetime.date(2026, 1, 1),
                    "reasonCodes": ["N290"],
                },
                {"lineId": "2", "reviewAction": ReviewAction.NOT_CERTIFIED},
            ],
        }
    }
    field = _field(schema, "Mutation", "record_determination")
    planned, own = _both(schema, monkeypatch, field, arguments)
    assert planned == own
    lines = planned["input"].lines
    assert [line.review_action for line in lines] == [
        ReviewAction.CERTIFIED,
        ReviewAction.NOT_CERTIFIED,
    ]
    assert lines[1].reason_codes == [] and lines[1].notes is None


def test_a_bad_global_id_fails_as_strawberry_fails(schema, monkeypatch):
    field = _field(schema, "Query", "authorization_requests")
    arguments = {"filter": {"payerId": "not a global id"}, "first": 5}
    errors = []
    for planned in (True, False):
        with monkeypatch.context() as patch:
            if not planned:
                for definition in _input_definitions(schema):
                    patch.setattr(definition, "from_input", None)
            with pytest.raises(Exception) as raised:
                convert_arguments(
                    arguments,
                    field.arguments,
                    schema.schema_converter.scalar_registry,
                    schema.config,
                    None,
                )
            errors.append((type(raised.value), str(raised.value)))
    assert errors[0] == errors[1]
