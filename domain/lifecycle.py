"""Lifecycles are data: each area keeps a table `{(status, action): next status}` and asks these
two functions, so the rules can be read in one place, tested exhaustively and listed to users."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from domain.errors import DomainError, ErrorCode

S = TypeVar("S", bound=StrEnum)
A = TypeVar("A", bound=StrEnum)


class IllegalTransition(DomainError):
    """The action is not allowed from the current status; `field` is "action" because that is
    the input a caller chose wrongly."""

    def __init__(self, current: StrEnum, action: StrEnum) -> None:
        super().__init__(
            ErrorCode.ILLEGAL_TRANSITION, f"Cannot {action} in status {current}", "action"
        )
        self.current = current
        self.action = action


def next_status(table: Mapping[tuple[S, A], S], current: S, action: A) -> S:
    """The status `action` leads to from `current`, or IllegalTransition."""
    try:
        return table[(current, action)]
    except KeyError:
        raise IllegalTransition(current, action) from None


def allowed_actions(table: Mapping[tuple[S, A], S], current: S) -> tuple[A, ...]:
    """What may be done from `current`, in the table's order (so users see a stable list);
    empty for a terminal status."""
    return tuple(action for status, action in table if status == current)
