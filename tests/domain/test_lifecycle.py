"""The shared lifecycle machinery, on a toy table: lookups, the typed error, listed actions."""

from __future__ import annotations

from enum import StrEnum

import pytest

from domain.errors import DomainError, ErrorCode
from domain.lifecycle import IllegalTransition, allowed_actions, next_status


class Light(StrEnum):
    OFF = "OFF"
    ON = "ON"
    BROKEN = "BROKEN"


class Switch(StrEnum):
    FLIP_ON = "FLIP_ON"
    FLIP_OFF = "FLIP_OFF"
    BREAK = "BREAK"


TABLE = {
    (Light.OFF, Switch.FLIP_ON): Light.ON,
    (Light.ON, Switch.FLIP_OFF): Light.OFF,
    (Light.ON, Switch.BREAK): Light.BROKEN,
    (Light.OFF, Switch.BREAK): Light.BROKEN,
}


@pytest.mark.parametrize(("current", "action", "expected"), [(*k, v) for k, v in TABLE.items()])
def test_next_status_follows_the_table(current: Light, action: Switch, expected: Light) -> None:
    assert next_status(TABLE, current, action) is expected


def test_a_move_missing_from_the_table_is_an_illegal_transition_on_the_action_field() -> None:
    with pytest.raises(IllegalTransition) as caught:
        next_status(TABLE, Light.OFF, Switch.FLIP_OFF)
    error = caught.value
    assert isinstance(error, DomainError)
    assert error.code is ErrorCode.ILLEGAL_TRANSITION
    assert error.field == "action"
    assert error.message == "Cannot FLIP_OFF in status OFF"
    assert (error.current, error.action) == (Light.OFF, Switch.FLIP_OFF)


def test_illegal_transition_does_not_chain_the_lookup_error() -> None:
    with pytest.raises(IllegalTransition) as caught:
        next_status(TABLE, Light.BROKEN, Switch.FLIP_ON)
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


def test_allowed_actions_lists_the_moves_from_a_status_in_table_order() -> None:
    assert allowed_actions(TABLE, Light.ON) == (Switch.FLIP_OFF, Switch.BREAK)
    assert allowed_actions(TABLE, Light.OFF) == (Switch.FLIP_ON, Switch.BREAK)


def test_a_terminal_status_allows_nothing() -> None:
    assert allowed_actions(TABLE, Light.BROKEN) == ()
