"""The HL tree of a 278: loops as data, and one builder for the request, response and inquiry.

Within an HL loop the segments before the first NM1 belong to the loop itself (2000x); each
NM1 opens a party loop (2010x) holding everything up to the next NM1 or HL, which is how the
X217 and X215 TR3s order them (party loops come last in every 2000 loop)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import compress, count, pairwise
from operator import itemgetter
from types import MappingProxyType
from typing import NamedTuple

from adapters.x12.errors import ProblemCode, X12Problem
from adapters.x12.segments import Segment


@dataclass(frozen=True, slots=True)
class Level:
    code: str  # HL03
    loop: str  # 2000x
    party_loop: str  # 2010x
    name: str
    parents: frozenset[str]  # HL03 codes this level may hang under ("" for the root)


@dataclass(frozen=True, slots=True)
class LoopTable:
    levels: Mapping[str, Level]
    # (HL03, NM101) -> party loop, where one level has several party loops
    party_loops: Mapping[tuple[str, str], str] = field(default_factory=dict)
    # the HL03 codes that have some in `party_loops` (derived)
    split_levels: frozenset[str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        levels = frozenset(level for level, _ in self.party_loops)
        object.__setattr__(self, "split_levels", levels)

    def party_loop(self, level: str, entity: str) -> str:
        known = self.levels.get(level)
        return self.party_loops.get((level, entity), known.party_loop if known else "")


def _levels(*levels: Level) -> Mapping[str, Level]:
    return MappingProxyType({level.code: level for level in levels})


REVIEW_LEVELS = _levels(
    Level("20", "2000A", "2010A", "utilization management organization", frozenset({""})),
    Level("21", "2000B", "2010B", "requester", frozenset({"20"})),
    Level("22", "2000C", "2010C", "subscriber", frozenset({"21"})),
    Level("23", "2000D", "2010D", "dependent", frozenset({"22"})),
    Level("EV", "2000E", "2010EA", "patient event", frozenset({"22", "23"})),
    Level("SS", "2000F", "2010F", "service", frozenset({"EV"})),
)
# 2010EC: patient event transport information (pick-up, drop-off and destination addresses).
TRANSPORT_ENTITIES = ("PW", "45", "FS", "ND", "R3")
X217_LOOPS = LoopTable(
    REVIEW_LEVELS, MappingProxyType({("EV", e): "2010EC" for e in TRANSPORT_ENTITIES})
)
X215_LOOPS = LoopTable(REVIEW_LEVELS)


class Party(NamedTuple):
    """A party loop (2010x): its NM1 first, then N3, N4, PER, PRV, REF, DMG, AAA...

    Immutable named tuples rather than frozen dataclasses, like `Segment`: several are built
    per message read, and a frozen dataclass's `__init__` costs several times as much."""

    loop: str
    segments: tuple[Segment, ...]

    @property
    def name(self) -> Segment:
        return self.segments[0]


class HLNode(NamedTuple):
    """One HL loop with its own segments, its party loops and the loops under it."""

    hl: Segment
    id: str  # HL01
    parent_id: str  # HL02, "" for the root
    level: str  # HL03
    loop: str  # 2000x, "" for an unknown HL03
    segments: tuple[Segment, ...]  # the loop's own segments after HL, before its parties
    parties: tuple[Party, ...]
    children: tuple[HLNode, ...]

    def walk(self) -> Iterator[HLNode]:
        """This node and its descendants, in document order (iteratively: no recursion limit)."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))


class Tree(NamedTuple):
    """What `build_tree` finds in a transaction body; a `Hierarchy` holds one once built."""

    header: tuple[Segment, ...]  # before the first HL (BHT)
    roots: tuple[HLNode, ...]
    nodes: tuple[HLNode, ...]  # document order
    problems: tuple[X12Problem, ...]  # ids used twice, parents missing: the tree is usable


class Hierarchy:
    """The HL tree of a transaction body, built when first looked at (`header`, `roots`,
    `nodes`, `problems`): reading a message does not build it, its first reader does.
    Immutable (read-only attributes), compared by its tree."""

    __slots__ = ("_body", "_table", "_tree")

    def __init__(self, body: Body, table: LoopTable) -> None:
        """`body`: the segments between ST and SE, or how to get them when needed."""
        self._body: Body | None = body
        self._table = table
        self._tree: Tree | None = None

    @property
    def table(self) -> LoopTable:
        return self._table

    @property
    def tree(self) -> Tree:
        tree = self._tree
        if tree is None:  # two threads may both build it: the same tree either way
            body = self._body
            assert body is not None
            tree = self._tree = build_tree(body if isinstance(body, tuple) else body(), self._table)
            self._body = None
        return tree

    @property
    def header(self) -> tuple[Segment, ...]:
        return self.tree.header

    @property
    def roots(self) -> tuple[HLNode, ...]:
        return self.tree.roots

    @property
    def nodes(self) -> tuple[HLNode, ...]:
        return self.tree.nodes

    @property
    def problems(self) -> tuple[X12Problem, ...]:
        return self.tree.problems

    def level(self, code: str) -> tuple[HLNode, ...]:
        return tuple(node for node in self.tree.nodes if node.level == code)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Hierarchy)
        return (self.tree, self._table) == (other.tree, other._table)

    def __hash__(self) -> int:
        return hash((self.tree, self.table))

    def __repr__(self) -> str:
        return f"Hierarchy(tree={self.tree!r}, table={self.table!r})"


Body = tuple[Segment, ...] | Callable[[], tuple[Segment, ...]]


def build_hierarchy(body: Body, table: LoopTable) -> Hierarchy:
    """The HL tree of a transaction body (the segments between ST and SE), built on first use."""
    return Hierarchy(body, table)


def build_tree(body: tuple[Segment, ...], table: LoopTable) -> Tree:
    """The HL tree of a transaction body, built now: one pass from the end over the HL and
    NM1 positions, so that each loop's children (which come after it) are built before it."""
    ids = list(map(itemgetter(0), body))  # segment ids
    if "HL" not in ids:
        return Tree(body, (), (), ())
    first = ids.index("HL")
    marks = list(compress(count(), map(_MARKS.__contains__, ids)))  # every HL and NM1
    levels, party_loops, split_levels = table.levels, table.party_loops, table.split_levels
    problems: list[X12Problem] = []
    pending: dict[str, list[HLNode]] = {}  # nodes by the HL01 of the parent they wait for
    seen: set[str] = set()
    backwards: list[HLNode] = []
    roots: list[HLNode] = []
    names: list[int] = []  # the NM1 positions of the loop being read, last first
    end = len(body)  # where the run being read stops
    for index in reversed(marks):
        if index < first:  # an NM1 before the first HL belongs to the header
            break
        if ids[index] == "NM1":
            names.append(index)
            continue
        hl = body[index]
        elements = hl[1]
        if len(elements) >= 3:
            node_id, parent_id, level = elements[0], elements[1], elements[2]
        else:
            node_id, parent_id, level = (*elements, "", "", "")[:3]
        known = levels.get(level)
        if names:
            usual = known.party_loop if known else ""
            split = level in split_levels
            names.reverse()
            names.append(end)
            parties = tuple(
                [
                    _new(Party, (_party_loop(party_loops, level, body[i], usual), body[i:j]))
                    if split
                    else _new(Party, (usual, body[i:j]))
                    for i, j in pairwise(names)
                ]
            )
            own = body[index + 1 : names[0]]
            names = []
        else:
            parties = ()
            own = body[index + 1 : end]
        children = tuple(reversed(pending.pop(node_id))) if node_id in pending else ()
        loop = known.loop if known else ""
        node = _new(HLNode, (hl, node_id, parent_id, level, loop, own, parties, children))
        if node_id in seen:
            problems.append(_hl_problem(node, f"HL01 {node_id!r} is used twice", 1))
        seen.add(node_id)
        backwards.append(node)
        (pending.setdefault(parent_id, []) if parent_id else roots).append(node)
        end = index
    for orphans in pending.values():
        for orphan in orphans:
            message = f"HL02 {orphan.parent_id!r} names no earlier HL"
            problems.append(_hl_problem(orphan, message, 2))
    backwards.reverse()
    roots.reverse()
    return Tree(body[:first], tuple(roots), tuple(backwards), tuple(problems))


_MARKS = frozenset({"HL", "NM1"})
_new = tuple.__new__  # builds a named tuple without its keyword-handling __new__


def _party_loop(
    party_loops: Mapping[tuple[str, str], str], level: str, nm1: Segment, usual: str
) -> str:
    entity = nm1[1][0] if nm1[1] else ""  # NM101
    return party_loops.get((level, entity), usual)


def hierarchy_problems(hierarchy: Hierarchy) -> list[X12Problem]:
    """Problems of the tree's shape: HL01 out of sequence, a level under the wrong parent,
    and those found while building it."""
    return list(hierarchy.problems) + _level_problems(hierarchy.nodes, hierarchy.table)


def _level_problems(nodes: tuple[HLNode, ...], table: LoopTable) -> list[X12Problem]:
    problems = []
    levels = {node.id: node.level for node in nodes}
    for number, node in enumerate(nodes, start=1):
        if node.id != str(number):
            message = f"HL01 should be {number}: HL ids count from 1 in order"
            problems.append(_hl_problem(node, message, 1))
        level = table.levels.get(node.level)
        parent_level = levels.get(node.parent_id, "") if node.parent_id else ""
        if level and parent_level not in level.parents:
            under = f"an HL {parent_level}" if parent_level else "no parent"
            message = f"An HL {node.level} ({level.name}) may not stand under {under}"
            problems.append(_hl_problem(node, message, 2 if node.parent_id else 3))
    return problems


def _hl_problem(node: HLNode, message: str, element: int) -> X12Problem:
    return X12Problem(
        ProblemCode.INVALID_HIERARCHY,
        message,
        node.hl.position or None,
        "HL",
        element,
        loop=node.loop or None,
        value=node.hl.element(element),
    )
