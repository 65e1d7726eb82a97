"""One error style: problems with exact locations, reported together in one X12Error."""

from __future__ import annotations

import pytest

from adapters.x12.errors import ProblemCode, X12Error, X12Problem, raise_if_any


def test_a_problem_says_where_it_is():
    problem = X12Problem(
        ProblemCode.INVALID_CODE, "UM01 is not a valid code", 11, "UM", 1, loop="2000E"
    )
    assert str(problem) == (
        "INVALID_CODE: UM01 is not a valid code (segment 11, UM, element 01, loop 2000E)"
    )
    assert (
        str(X12Problem(ProblemCode.INVALID_ENCODING, "Not UTF-8")) == "INVALID_ENCODING: Not UTF-8"
    )


def test_problems_travel_together():
    first = X12Problem(ProblemCode.COUNT_MISMATCH, "SE01", 18, "SE", 1)
    second = X12Problem(ProblemCode.CONTROL_NUMBER_MISMATCH, "IEA02", 20, "IEA", 2)
    with pytest.raises(X12Error) as caught:
        raise_if_any([first, second])
    assert caught.value.problems == (first, second)
    assert caught.value.codes() == [ProblemCode.COUNT_MISMATCH, ProblemCode.CONTROL_NUMBER_MISMATCH]
    assert "SE01" in str(caught.value) and "IEA02" in str(caught.value)
    raise_if_any([])


def test_an_error_without_problems_is_a_programming_error():
    with pytest.raises(ValueError, match="at least one problem"):
        X12Error([])
