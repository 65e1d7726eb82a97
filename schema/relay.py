"""Relay plumbing shared by every area: connections, global ids, page requests."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Generic, TypeVar

import strawberry
from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode, SelectionSetNode
from strawberry import relay
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from domain.errors import DomainError, ErrorCode
from domain.pagination import Page, PageRequest
from schema.context import Context

T = TypeVar("T")
M = TypeVar("M")
N = TypeVar("N")


@strawberry.type(description="Where a page stands in the whole list (Relay).")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type(description="A node and the cursor to continue after it.")
class Edge(Generic[T]):
    node: T
    cursor: str


@strawberry.type(description="A page of a list, with keyset cursors (Relay connection).")
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: int | None = strawberry.field(
        default=None, description="Counted only when selected."
    )

    @classmethod
    def from_page(cls, page: Page[M], convert: Callable[[M], T]) -> Connection[T]:
        return cls(
            edges=[
                Edge(node=convert(item), cursor=cursor)
                for item, cursor in zip(page.items, page.cursors, strict=True)
            ],
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=page.has_previous_page,
                start_cursor=page.cursors[0] if page.cursors else None,
                end_cursor=page.cursors[-1] if page.cursors else None,
            ),
            total_count=page.total_count,
        )


def page_request(context: Context, first: int | None, after: str | None) -> PageRequest:
    """`first` defaults to the configured page size and may not exceed the cap."""
    size = context.settings.default_page_size if first is None else first
    cap = context.settings.max_page_size
    if not 1 <= size <= cap:
        raise DomainError(ErrorCode.LIMIT_EXCEEDED, f"first must be between 1 and {cap}", "first")
    return PageRequest(first=size, after=after)


def decode_global_id(
    value: relay.GlobalID | str, expected: str | tuple[str, ...], field: str
) -> uuid.UUID:
    """The UUID inside a global id of the expected type, or a typed INVALID error."""
    try:
        gid = value if isinstance(value, relay.GlobalID) else relay.GlobalID.from_id(value)
        names = (expected,) if isinstance(expected, str) else expected
        if gid.type_name not in names:
            raise ValueError(gid.type_name)
        return uuid.UUID(gid.node_id)
    except (ValueError, TypeError, relay.GlobalIDValueError) as exc:
        kinds = expected if isinstance(expected, str) else " or ".join(expected)
        raise DomainError(ErrorCode.INVALID, f"Not a valid {kinds} id", field) from exc


def parse_node_id(node_id: str) -> uuid.UUID | None:
    """The UUID of a node id from `node(id:)`; None when it cannot be one of ours."""
    try:
        return uuid.UUID(node_id)
    except ValueError:
        return None


async def load_nodes(
    loader: DataLoader[uuid.UUID, Any], node_ids: Iterable[str], convert: Callable[[Any], N]
) -> list[N | None]:
    """`resolve_nodes` for every Node type: through its (scoped) loader, None where unseen."""
    ids = [parse_node_id(i) for i in node_ids]
    found = await loader.load_many([i for i in ids if i is not None])
    by_id = {item.id: item for item in found if item is not None}
    return [convert(by_id[i]) if i in by_id else None for i in ids]


def selects(info: Info, name: str) -> bool:
    """Whether the current field's selection asks for `name` (e.g. totalCount)."""
    return name in requested_fields(info, ())


def requested_fields(info: Info, path: tuple[str, ...] = ("edges", "node")) -> frozenset[str]:
    """The field names selected under `path` of the current field (fragments included), so a
    resolver can read related lists with the page instead of one batch each afterwards."""
    raw = info._raw_info
    nodes: list[SelectionSetNode] = [
        n.selection_set for n in raw.field_nodes if n.selection_set is not None
    ]
    for name in (*path, None):
        found: list[SelectionSetNode] = []
        names: set[str] = set()
        pending = list(nodes)
        while pending:
            for selection in pending.pop().selections:
                if isinstance(selection, FieldNode):
                    names.add(selection.name.value)
                    if selection.name.value == name and selection.selection_set is not None:
                        found.append(selection.selection_set)
                elif isinstance(selection, InlineFragmentNode):
                    pending.append(selection.selection_set)
                elif isinstance(selection, FragmentSpreadNode):
                    fragment = raw.fragments.get(selection.name.value)
                    if fragment is not None:
                        pending.append(fragment.selection_set)
        if name is None:
            return frozenset(names)
        nodes = found
    return frozenset()


def prefetched_or_loaded(
    prefetched: list[Any] | None,
    loader: Callable[[], DataLoader[uuid.UUID, list[Any]]],
    key: uuid.UUID,
    convert: Callable[[Any], T],
) -> list[T] | Awaitable[list[T]]:
    """A related list: the rows read with the page when the page's query included them (no
    await at all, no loader built), else one batch through `loader()`."""
    if prefetched is not None:
        return [convert(r) for r in prefetched]

    async def load() -> list[T]:
        return [convert(r) for r in await loader().load(key)]

    return load()
