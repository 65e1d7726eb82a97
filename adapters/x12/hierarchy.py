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


LevelPlan = tuple[str, str, Mapping[str, str] | None]
_UNKNOWN_LEVEL: LevelPlan = ("", "", None)


@dataclass(frozen=True, slots=True)
class LoopTable:
    levels: Mapping[str, Level]
    # (HL03, NM101) -> party loop, where one level has several party loops
    party_loops: Mapping[tuple[str, str], str] = field(default_factory=dict)
    # derived: HL03 -> (2000x loop, usual 2010x party loop, NM101 -> party loop or None when
    # the level has only its usual one), the one lookup `build_tree` makes per HL
    plan: Mapping[str, LevelPlan] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        entities: dict[str, dict[str, str]] = {}
        for (level, entity), loop in self.party_loops.items():
            entities.setdefault(level, {})[entity] = loop
        plan = {
            code: (known.loop, known.party_loop, entities.get(code))
            for code, known in self.levels.items()
        }
        for code in entities.keys() - plan.keys():  # party loops of a level not in `levels`
            plan[code] = ("", "", entities[code])
        object.__setattr__(self, "plan", plan)

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
        """`body`: the segments between ST and SE, or how to get them when needed (with
        their ids, when the source has them at hand)."""
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
            if isinstance(body, tuple):
                tree = build_tree(body, self._table)
            else:
                segments, ids = body()
                tree = build_tree(segments, self._table, ids)
            self._tree = tree
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


# The body, or a function giving it with its segment ids (None when it has none at hand).
Body = tuple[Segment, ...] | Callable[[], tuple[tuple[Segment, ...], list[str] | None]]


def build_hierarchy(body: Body, table: LoopTable) -> Hierarchy:
    """The HL tree of a transaction body (the segments between ST and SE), built on first use."""
    return Hierarchy(body, table)


def build_tree(body: tuple[Segment, ...], table: LoopTable, ids: list[str] | None = None) -> Tree:
    """The HL tree of a transaction body, built now (`ids`: the body's segment ids, when the
    caller has them). One pass from the end over the HL and NM1 positions, so that each loop's
    children (which come after it) are built before it; tests/adapters/x12/reference.py has
    the plain version of the same pass, which this one must match on every input."""
    if ids is None:
        ids = list(map(_ID, body))
    marks = list(compress(count(), map(_MARKS.__contains__, ids)))  # every HL and NM1
    first = next((i for i in marks if ids[i] == "HL"), -1)  # NM1s before it are the header's
    if first < 0:
        return _new(Tree, (body, (), (), ()))
    plan = table.plan
    pending: dict[str, list[HLNode]] = {}  # nodes by the HL01 of the parent they wait for
    backwards: list[HLNode] = []
    roots: list[HLNode] = []
    names: list[int] = []  # the NM1 positions of the loop being read, last first
    end = len(body)  # where the run being read stops
    for index in reversed(marks):
        if index < first:
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
        loop, usual, entities = plan.get(level, _UNKNOWN_LEVEL)
        parties: tuple[Party, ...]
        if not names:
            own, parties = body[index + 1 : end], ()
        elif len(names) == 1 and entities is None:  # the usual shape: one party loop
            start = names.pop()
            own, parties = body[index + 1 : start], (_new(Party, (usual, body[start:end])),)
        else:
            own = body[index + 1 : names[-1]]
            parties = _parties(body, names, end, usual, entities)
        waiting = pending.pop(node_id, None)  # its children, last first
        if waiting:
            waiting.reverse()
        children = tuple(waiting) if waiting else ()
        node = _new(HLNode, (hl, node_id, parent_id, level, loop, own, parties, children))
        backwards.append(node)
        if not parent_id:
            roots.append(node)
        elif parent_id in pending:
            pending[parent_id].append(node)
        else:
            pending[parent_id] = [node]
        end = index
    problems = _problems(backwards, pending)
    backwards.reverse()
    roots.reverse()
    return _new(Tree, (body[:first], tuple(roots), tuple(backwards), problems))


_MARKS = frozenset({"HL", "NM1"})
_ID, _NODE_ID = itemgetter(0), itemgetter(1)
_new = tuple.__new__  # builds a named tuple without its keyword-handling __new__


def _parties(
    body: tuple[Segment, ...],
    names: list[int],
    end: int,
    usual: str,
    entities: Mapping[str, str] | None,
) -> tuple[Party, ...]:
    """The party loops at the NM1 positions `names` (last first, emptied), the last ending
    at `end`."""
    names.reverse()
    names.append(end)
    spans = list(pairwise(names))
    names.clear()
    if entities is None:
        return tuple([_new(Party, (usual, body[i:j])) for i, j in spans])
    parties = []
    for i, j in spans:
        nm1 = body[i]
        entity = nm1[1][0] if nm1[1] else ""  # NM101
        parties.append(_new(Party, (entities.get(entity, usual), body[i:j])))
    return tuple(parties)


def _problems(backwards: list[HLNode], pending: dict[str, list[HLNode]]) -> tuple[X12Problem, ...]:
    """HL01s used twice (found from the end: the earlier loop is named), then the loops whose
    HL02 names no earlier HL."""
    problems = []
    if len(set(map(_NODE_ID, backwards))) < len(backwards):
        seen: set[str] = set()
        for node in backwards:
            if node.id in seen:
                problems.append(_hl_problem(node, f"HL01 {node.id!r} is used twice", 1))
            seen.add(node.id)
    for orphans in pending.values():
        for orphan in orphans:
            message = f"HL02 {orphan.parent_id!r} names no earlier HL"
            problems.append(_hl_problem(orphan, message, 2))
    return tuple(problems)


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
