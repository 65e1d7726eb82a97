"""Hypothesis building blocks shared by the fuzz tests: JSON values salted with nasty strings
for the format at hand, and mutations of a JSON tree (replace, drop or add an element)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st


def json_values(nasty: list[str], keys: list[str]) -> st.SearchStrategy[Any]:
    """Small JSON trees whose strings are often `nasty` and whose keys are `keys`."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**53), 2**53),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=12),
        st.sampled_from(nasty),
    )
    key = st.sampled_from(keys)
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(key, inner, max_size=3)
        ),
        max_leaves=6,
    )


def slots(node: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) in a JSON tree."""
    found: list[tuple[Any, Any]] = []
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, child in list(items):
        found.append((node, key))
        if isinstance(child, (dict, list)):
            found.extend(slots(child))
    return found


def mutate(draw: st.DrawFn, body: Any, values: st.SearchStrategy[Any], keys: list[str]) -> None:
    """One to three elements of `body` replaced, dropped or added, in place."""
    for _ in range(draw(st.integers(1, 3))):
        container, slot = draw(st.sampled_from(slots(body)))
        action = draw(st.sampled_from(["replace", "drop", "add"]))
        if action == "replace":
            container[slot] = draw(values)
        elif action == "drop" and isinstance(container, dict):
            del container[slot]
        elif isinstance(container, dict):
            container[draw(st.sampled_from(keys))] = draw(values)
