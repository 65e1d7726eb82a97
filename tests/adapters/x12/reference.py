"""The reading path as it was before the hot path was tuned (commit abb237b), kept here as an
oracle: the tuned `split_segments`, `parse_interchange` and `build_tree` must give exactly
what these give (segments, trees, problems and their order) on every input.

Written for clarity, not speed: one `Segment` per piece, one backward pass for the tree. The
tree is the plain one of that commit, every loop holding its segments (`PlainTree`); the tuned
tree holds index ranges into the body instead, and `plain_tree` reads it back through its
public attributes (`hl`, `segments`, `parties`, `name`, `children`, ...) for the comparison."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import pairwise
from typing import NamedTuple

from adapters.x12.envelope import Interchange, _Reader
from adapters.x12.errors import ProblemCode, X12Error, X12Problem
from adapters.x12.hierarchy import HLNode, LoopTable, Tree, _hl_problem
from adapters.x12.segments import (
    LINE_BREAKS,
    Delimiters,
    Segment,
    _bad_segment,
    decode,
    read_delimiters,
)


def reference_segments(data: bytes | str) -> tuple[Delimiters, tuple[Segment, ...], bool]:
    """Delimiters, segments and BOM of a message, or `X12Error` listing every bad segment."""
    text, bom = decode(data)
    delimiters = read_delimiters(text)
    pieces = text.split(delimiters.segment)
    tail = pieces.pop()
    breaks = LINE_BREAKS.replace(delimiters.segment, "")
    bodies = [piece.lstrip(breaks) for piece in pieces]
    trailers = [
        piece.removesuffix(body) for piece, body in zip(pieces[1:], bodies[1:], strict=True)
    ]
    trailers.append("")
    values = [body.split(delimiters.element) for body in bodies]
    problems = [
        _bad_segment(number, v[0]) for number, v in enumerate(values, 1) if not _valid_id(v[0])
    ]
    if tail.strip(breaks):
        message = "Data after the last segment terminator"
        problems.append(X12Problem(ProblemCode.MISSING_TERMINATOR, message, len(values) + 1))
    elif tail:
        trailers[-1] += tail
    if problems:
        raise X12Error(problems)
    segments = tuple(
        Segment(v[0], tuple(v[1:]), number, trailer)
        for number, (v, trailer) in enumerate(zip(values, trailers, strict=True), 1)
    )
    return delimiters, segments, bom


def _valid_id(segment_id: str) -> bool:
    shape = 2 <= len(segment_id) <= 3 and segment_id.isalnum() and segment_id.isascii()
    return shape and (segment_id.isupper() or segment_id.isdigit())


def reference_interchange(data: bytes | str) -> Interchange:
    """The interchange by the segment walk alone (no shortcut for one group, one set)."""
    delimiters, segments, bom = reference_segments(data)
    reader = _Reader(segments, [s.id for s in segments])
    interchange = reader.interchange(delimiters, bom)
    if reader.problems:
        raise X12Error(reader.problems)
    return interchange


class PlainParty(NamedTuple):
    loop: str
    segments: tuple[Segment, ...]


class PlainNode(NamedTuple):
    hl: Segment
    id: str
    parent_id: str
    level: str
    loop: str
    segments: tuple[Segment, ...]
    parties: tuple[PlainParty, ...]
    children: tuple[PlainNode, ...]


class PlainTree(NamedTuple):
    header: tuple[Segment, ...]
    roots: tuple[PlainNode, ...]
    nodes: tuple[PlainNode, ...]
    problems: tuple[X12Problem, ...]


def plain_tree(tree: Tree) -> PlainTree:
    """A tuned tree as the plain one, read through its public attributes (each party's
    `name` must be its first segment)."""

    def party(found) -> PlainParty:
        segments = found.segments
        assert segments and found.name == segments[0]
        return PlainParty(found.loop, segments)

    def node(found: HLNode) -> PlainNode:
        parties = tuple(party(p) for p in found.parties)
        children = tuple(node(child) for child in found.children)
        return PlainNode(found.hl, found.id, found.parent_id, found.level, found.loop,
                         found.segments, parties, children)  # fmt: skip

    return PlainTree(
        tree.header,
        tuple(node(n) for n in tree.roots),
        tuple(node(n) for n in tree.nodes),
        tree.problems,
    )


def reference_tree(body: tuple[Segment, ...], table: LoopTable) -> PlainTree:
    """The HL tree of a transaction body: one pass from the end over the HL and NM1 positions,
    so that each loop's children (which come after it) are built before it."""
    ids = [segment.id for segment in body]
    if "HL" not in ids:
        return PlainTree(body, (), (), ())
    first = ids.index("HL")
    marks = [i for i, segment_id in enumerate(ids) if segment_id in ("HL", "NM1")]
    problems: list[X12Problem] = []
    pending: dict[str, list[PlainNode]] = {}  # nodes by the HL01 of the parent they wait for
    seen: set[str] = set()
    backwards: list[PlainNode] = []
    roots: list[PlainNode] = []
    names: list[int] = []  # the NM1 positions of the loop being read, last first
    end = len(body)  # where the run being read stops
    for index in reversed(marks):
        if index < first:  # an NM1 before the first HL belongs to the header
            break
        if ids[index] == "NM1":
            names.append(index)
            continue
        hl = body[index]
        node_id, parent_id, level = (*hl.elements, "", "", "")[:3]
        known = table.levels.get(level)
        usual = known.party_loop if known else ""
        names.reverse()
        names.append(end)
        parties = tuple(
            PlainParty(_party_loop(table.party_loops, level, body[i], usual), body[i:j])
            for i, j in pairwise(names)
        )
        own = body[index + 1 : names[0]]
        names = []
        children = tuple(reversed(pending.pop(node_id))) if node_id in pending else ()
        loop = known.loop if known else ""
        node = PlainNode(hl, node_id, parent_id, level, loop, own, parties, children)
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
    return PlainTree(body[:first], tuple(roots), tuple(backwards), tuple(problems))


def _party_loop(
    party_loops: Mapping[tuple[str, str], str], level: str, nm1: Segment, usual: str
) -> str:
    return party_loops.get((level, nm1.element(1)), usual)
