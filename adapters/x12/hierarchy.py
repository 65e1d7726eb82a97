"""The HL tree of a 278: loops as data, and one builder for the request, response and inquiry.

Within an HL loop the segments before the first NM1 belong to the loop itself (2000x); each
NM1 opens a party loop (2010x) holding everything up to the next NM1 or HL, which is how the
X217 and X215 TR3s order them (party loops come last in every 2000 loop)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import compress, pairwise, repeat
from operator import attrgetter, eq
from types import MappingProxyType
from typing import NamedTuple, Protocol

from adapters.x12.errors import ProblemCode, X12Problem
from adapters.x12.segments import Segment, read_only, segment_lists


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


# A body's segment ids, and each segment as its id followed by its elements.
BodyLists = tuple[list[str], Sequence[Sequence[str]]]


class BodySource(Protocol):
    """Where a tree's segments are: the transaction set (its body built on first use), or
    a body given as segments. The tree holds index ranges into it, not segments."""

    @property
    def body(self) -> tuple[Segment, ...]: ...

    def body_lists(self) -> BodyLists:
        """The body's segment ids, and each segment as its id followed by its elements
        (the split's lists), without building the body."""
        ...


class BuiltBody:
    """A body given as its segments (`build_tree`)."""

    __slots__ = ("body",)

    def __init__(self, body: tuple[Segment, ...]) -> None:
        self.body = body

    def body_lists(self) -> BodyLists:
        return segment_lists(self.body)


class Party:
    """A party loop (2010x): its NM1 first, then N3, N4, PER, PRV, REF, DMG, AAA...

    It holds where its segments stand in the body (`start`, `stop`), not the segments:
    `segments` and `name` are read from the body when asked for. Immutable (read-only
    attributes), compared by what it holds (loop and segments), not by where. Built by
    `tree_of` only, without keyword handling or an `__init__` (several are built per
    message read)."""

    __slots__ = ("_loop", "_source", "_start", "_stop")
    _loop: str
    _source: BodySource
    _start: int
    _stop: int

    loop: str = read_only("_loop")  # 2010x
    source: BodySource = read_only("_source")
    start: int = read_only("_start")  # the NM1's index in the body (from 0)
    stop: int = read_only("_stop")  # the index after its last segment

    @property
    def segments(self) -> tuple[Segment, ...]:
        return self._source.body[self._start : self._stop]

    @property
    def name(self) -> Segment:
        return self._source.body[self._start]

    def _key(self) -> tuple[object, ...]:
        return self._loop, self.segments

    def __eq__(self, other: object) -> bool:
        return _equal(self, other)

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return _represent(self, ("loop", "segments"))


class HLNode:
    """One HL loop: its HL01-03, its loop, its party loops and the loops under it, and where
    its segments stand in the body (`hl_index` of its HL, its own segments up to
    `own_stop`): `hl` and `segments` are read from the body when asked for. Immutable
    (read-only attributes), compared by what it holds; built by `tree_of` only, like
    `Party`."""

    __slots__ = ("_children", "_hl_index", "_id", "_level", "_loop", "_own_stop", "_parent_id",
                 "_parties", "_source")  # fmt: skip
    _id: str
    _parent_id: str
    _level: str
    _loop: str
    _parties: tuple[Party, ...]
    _children: tuple[HLNode, ...]
    _source: BodySource
    _hl_index: int
    _own_stop: int

    id: str = read_only("_id")  # HL01
    parent_id: str = read_only("_parent_id")  # HL02, "" for the root
    level: str = read_only("_level")  # HL03
    loop: str = read_only("_loop")  # 2000x, "" for an unknown HL03
    parties: tuple[Party, ...] = read_only("_parties")
    children: tuple[HLNode, ...] = read_only("_children")
    source: BodySource = read_only("_source")
    hl_index: int = read_only("_hl_index")  # the HL's index in the body (from 0)
    own_stop: int = read_only("_own_stop")  # after its own segments: its first NM1 or the next HL

    @property
    def hl(self) -> Segment:
        return self._source.body[self._hl_index]

    @property
    def segments(self) -> tuple[Segment, ...]:
        """The loop's own segments after HL, before its parties."""
        return self._source.body[self._hl_index + 1 : self._own_stop]

    def walk(self) -> Iterator[HLNode]:
        """This node and its descendants, in document order (iteratively: no recursion limit)."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    def _key(self) -> tuple[object, ...]:
        return (self.hl, self._id, self._parent_id, self._level, self._loop, self.segments,
                self._parties, self._children)  # fmt: skip

    def __eq__(self, other: object) -> bool:
        return _equal(self, other)

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        fields = ("hl", "id", "parent_id", "level", "loop", "segments", "parties", "children")
        return _represent(self, fields)


class Tree(NamedTuple):
    """What `build_tree` finds in a transaction body; a `Hierarchy` holds one once built.
    `header` (the segments before the first HL: BHT) is read from the body when asked for."""

    roots: tuple[HLNode, ...]
    nodes: tuple[HLNode, ...]  # document order
    problems: tuple[X12Problem, ...]  # ids used twice, parents missing: the tree is usable
    source: BodySource
    first: int  # the index of the first HL (the body's length when it has none)

    @property
    def header(self) -> tuple[Segment, ...]:
        return self.source.body[: self.first]

    def _key(self) -> tuple[object, ...]:
        return self.header, self.roots, self.nodes, self.problems

    def __eq__(self, other: object) -> bool:
        return _equal(self, other)

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return _represent(self, ("header", "roots", "nodes", "problems"))


def _equal(one: Party | HLNode | Tree, other: object) -> bool:
    """Equal when of the same class and holding the same (wherever they read it from)."""
    if other.__class__ is not one.__class__:
        return NotImplemented
    assert isinstance(other, Party | HLNode | Tree)
    return one._key() == other._key()


def _represent(value: object, fields: tuple[str, ...]) -> str:
    shown = ", ".join(f"{name}={getattr(value, name)!r}" for name in fields)
    return f"{type(value).__name__}({shown})"


class Hierarchy:
    """The HL tree of a transaction body, built when first looked at (`header`, `roots`,
    `nodes`, `problems`): reading a message does not build it, its first reader does.
    Immutable (read-only attributes), compared by its tree."""

    __slots__ = ("_body", "_lists", "_table", "_tree")

    def __init__(self, body: Body, table: LoopTable, lists: BodyLists | None = None) -> None:
        """`body`: the segments between ST and SE, or where they are (the transaction set);
        `lists`: what its `body_lists` gave, when the caller has read them already."""
        self._body: Body | None = body
        self._table = table
        self._lists = lists
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
            source = BuiltBody(body) if isinstance(body, tuple) else body
            tree = self._tree = tree_of(source, self._table, self._lists)
            self._body = self._lists = None
        return tree

    # read by C-level `attrgetter`s of "tree.x": one Python frame (`tree`) per read
    header: tuple[Segment, ...] = read_only("tree.header")
    roots: tuple[HLNode, ...] = read_only("tree.roots")
    nodes: tuple[HLNode, ...] = read_only("tree.nodes")
    problems: tuple[X12Problem, ...] = read_only("tree.problems")

    def level(self, code: str) -> tuple[HLNode, ...]:
        """The nodes whose HL03 is `code`, in document order (picked by C-level maps)."""
        nodes = self.tree.nodes
        return tuple(compress(nodes, map(eq, map(_LEVEL, nodes), repeat(code))))

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Hierarchy)
        return (self.tree, self._table) == (other.tree, other._table)

    def __hash__(self) -> int:
        return hash((self.tree, self.table))

    def __repr__(self) -> str:
        return f"Hierarchy(tree={self.tree!r}, table={self.table!r})"


# The body: its segments, or where they are (a transaction set, read without building them).
Body = tuple[Segment, ...] | BodySource


def build_hierarchy(body: Body, table: LoopTable) -> Hierarchy:
    """The HL tree of a transaction body (the segments between ST and SE), built on first use."""
    return Hierarchy(body, table)


def build_tree(body: tuple[Segment, ...], table: LoopTable) -> Tree:
    """The HL tree of a transaction body given as segments, built now."""
    return tree_of(BuiltBody(body), table)


def tree_of(source: BodySource, table: LoopTable, lists: BodyLists | None = None) -> Tree:
    """The HL tree of the body at `source`, built now from its segment ids and elements
    (no segment is built: the nodes and parties hold index ranges into the body). One pass
    over the HLs in order, each loop hung under the last earlier HL its HL02 names (its
    children are gathered in a list, made a tuple at the end); the HLs and NM1s are found
    by C-level searches (`list.index`). tests/adapters/x12/reference.py has the plain
    version (one pass from the end), which this one must match on every input. `lists`:
    what `source.body_lists()` gives, when the caller has it."""
    ids, rows = lists or source.body_lists()
    size = len(ids)
    marks = [*ids, "HL", "NM1"]  # the sentinels are found past the end: no search runs out
    index = first = marks.index("HL")  # NM1s before the first HL are the header's
    if first == size:
        return _new(Tree, ((), (), (), source, size))
    plan = table.plan
    nodes: list[HLNode] = []
    roots: list[HLNode] = []
    by_id: dict[str, HLNode] = {}  # the last HL read with each HL01
    parents: list[HLNode] = []  # the nodes with more than one child
    orphans = False  # an HL02 named no earlier HL
    name = marks.index("NM1", first)  # the next NM1 not placed in a loop yet
    while index < size:
        stop = marks.index("HL", index + 1)  # where the loop ends
        fields = rows[index]  # "HL", HL01, HL02, HL03, ...
        if len(fields) >= 4:
            node_id, parent_id, level = fields[1], fields[2], fields[3]
        else:
            node_id, parent_id, level = (*fields[1:], "", "", "")[:3]
        loop, usual, entities = plan.get(level, _UNKNOWN_LEVEL)
        parties: tuple[Party, ...]
        if name >= stop:
            own, parties = stop, ()
        else:
            own = name
            name = marks.index("NM1", own + 1)
            if name >= stop:  # the usual shape: one party loop
                party = Party()
                if entities is not None:
                    nm1 = rows[own]
                    usual = entities.get(nm1[1] if len(nm1) > 1 else "", usual)  # by NM101
                party._loop, party._source, party._start, party._stop = usual, source, own, stop
                parties = (party,)
            else:
                names = [own]  # where its party loops start
                while name < stop:
                    names.append(name)
                    name = marks.index("NM1", name + 1)
                parties = _parties(source, rows, names, stop, usual, entities)
        node = HLNode()
        node._id, node._parent_id, node._level, node._loop = node_id, parent_id, level, loop
        node._parties, node._source, node._hl_index, node._own_stop = parties, source, index, own
        node._children = ()
        nodes.append(node)
        if not parent_id:
            roots.append(node)
        elif (parent := by_id.get(parent_id)) is None:
            orphans = True
        elif not (children := parent._children):  # its first child (most have one)
            parent._children = (node,)
        elif children.__class__ is tuple:  # its second: a list until the end
            parent._children = [*children, node]  # type: ignore[assignment]
            parents.append(parent)
        else:
            children.append(node)  # type: ignore[attr-defined]
        by_id[node_id] = node
        index = stop
    for parent in parents:
        parent._children = tuple(parent._children)
    problems = _problems(nodes) if orphans or len(by_id) < len(nodes) else ()
    return _new(Tree, (tuple(roots), tuple(nodes), problems, source, first))


_new = tuple.__new__  # builds a named tuple without its keyword-handling __new__
_LEVEL = attrgetter("_level")


def _parties(
    source: BodySource,
    rows: Sequence[Sequence[str]],
    names: list[int],
    end: int,
    usual: str,
    entities: Mapping[str, str] | None,
) -> tuple[Party, ...]:
    """The party loops at the NM1 positions `names` (in order), the last ending at `end`."""
    parties = []
    for i, j in pairwise([*names, end]):
        loop = usual
        if entities is not None:
            nm1 = rows[i]
            loop = entities.get(nm1[1] if len(nm1) > 1 else "", usual)  # by NM101
        party = Party()
        party._loop, party._source, party._start, party._stop = loop, source, i, j
        parties.append(party)
    return tuple(parties)


def _problems(nodes: list[HLNode]) -> tuple[X12Problem, ...]:
    """HL01s used twice (found from the end: the earlier loop is named), then the loops whose
    HL02 names no earlier HL, in the order a pass from the end finds them (by the parents
    they wait for, in the order first waited for)."""
    problems = []
    seen: set[str] = set()
    pending: dict[str, list[HLNode]] = {}  # the loops waiting for a parent, last first
    for node in reversed(nodes):
        if node.id in seen:
            problems.append(_hl_problem(node, f"HL01 {node.id!r} is used twice", 1))
        seen.add(node.id)
        pending.pop(node.id, None)  # its children found it
        if node.parent_id:
            pending.setdefault(node.parent_id, []).append(node)
    for waiting in pending.values():
        for orphan in waiting:
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
