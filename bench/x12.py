"""The X12 codec against a bare split of the same bytes, measured in one run.

    PYTHONPATH=. python bench/x12.py            # 20,000 messages per measurement, best of 7
    PYTHONPATH=. python bench/x12.py --quick    # CI: 2,000 messages, best of 3

The messages are the eleven 278 TR3 examples in ../shared/conformance/x12/ (read in place),
taken in turn. "parse" is `parse_interchange`: bytes to segments (ISA delimiters, line
breaks kept) and the envelope nesting. "parse+map" is `parse_278`: that, plus the
Transaction278 with its HL tree, read (built on first use, as every mapping reads it).
"generate" writes the parsed interchange back to bytes.

Each stands beside its baseline, measured in the same run: the bare split (`decode`, `split`
on the segment terminator, `split` on the element separator) and the bare join (the
reverse). Before timing, every message is checked to come back byte for byte and to give the
same segments as the bare split. Target (issue #8): parse+map >= 0.3 x the bare split's rate
(parse is held to it too); below target is reported, not an error. Exit 1 on errors or a
mismatch.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from adapters.x12.envelope import Interchange, parse_interchange, write_interchange  # noqa: E402
from adapters.x12.reader import parse_278  # noqa: E402
from bench._common import BenchError, gc_watch  # noqa: E402

SAMPLES = ROOT.parent / "shared" / "conformance" / "x12"
TARGET = 0.3


def load() -> list[bytes]:
    messages = [p.read_bytes() for p in sorted(SAMPLES.glob("stupidedi_*.edi"))]
    messages = [m for m in messages if b"*005010X217~" in m]
    if not messages:
        raise BenchError(f"no 278 samples in {SAMPLES}")
    return messages


def bare_split(data: bytes) -> list[list[str]]:
    return [segment.split("*") for segment in data.decode("utf-8").split("~")]


def bare_join(segments: list[list[str]]) -> bytes:
    return "~".join("*".join(elements) for elements in segments).encode("utf-8")


def check(messages: list[bytes]) -> None:
    """Our codec and the baseline agree on every message, and both give the bytes back."""
    for data in messages:
        interchange = parse_interchange(data)
        ours = [[s.id, *s.elements] for s in interchange.segments()]
        theirs = bare_split(data)[:-1]  # the bare split keeps the empty tail after the last ~
        if ours != theirs:
            raise BenchError(f"segments differ from the bare split in {data[:40]!r}...")
        if write_interchange(interchange) != data or bare_join(bare_split(data)) != data:
            raise BenchError(f"not written back byte for byte: {data[:40]!r}...")
        if not parse_278(data).events:
            raise BenchError("a 278 without a patient event")


def mapped(data: bytes) -> object:
    """parse_278 and the HL tree read, as every caller that maps a 278 reads it (the tree is
    built on first use: without reading it, parse+map would leave out the mapping's work)."""
    return parse_278(data).hierarchy.nodes


def rates(
    ours: Callable[[], object], theirs: Callable[[], object], count: int, repeat: int
) -> tuple[float, float]:
    """Calls per second of each, best of `repeat` runs; the two sides take turns, so a busy
    machine slows both alike rather than whichever ran second."""
    best = [float("inf"), float("inf")]
    for _ in range(repeat):
        for side, work in enumerate((ours, theirs)):
            started = time.perf_counter()
            for _ in range(count):
                work()
            best[side] = min(best[side], time.perf_counter() - started)
    return count / best[0], count / best[1]


def measure(messages: list[bytes], count: int, repeat: int) -> list[tuple[str, float, float]]:
    """(name, ours msg/s, baseline msg/s) for parse, parse+map and generate."""
    parsed = [parse_interchange(m) for m in messages]
    split = [bare_split(m) for m in messages]
    rounds = max(1, count // len(messages))

    def each(work: Callable[[int], object]) -> Callable[[], object]:
        return lambda: [work(i) for i in range(len(messages))]

    def ours_generate(i: int) -> bytes:
        interchange: Interchange = parsed[i]
        return write_interchange(interchange)

    n = len(messages)
    results = []
    baseline = each(lambda i: bare_split(messages[i]))
    for name, ours, theirs in (
        ("parse", each(lambda i: parse_interchange(messages[i])), baseline),
        ("parse+map", each(lambda i: mapped(messages[i])), baseline),
        ("generate", each(ours_generate), each(lambda i: bare_join(split[i]))),
    ):
        ours_rate, theirs_rate = rates(ours, theirs, rounds, repeat)
        results.append((name, n * ours_rate, n * theirs_rate))
    return results


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="CI: 2,000 messages, best of 3")
    parser.add_argument("--messages", type=int, help="messages per measurement (20000)")
    parser.add_argument("--repeat", type=int, help="runs per measurement, best kept (5)")
    args = parser.parse_args(argv)
    args.messages = args.messages or (2_000 if args.quick else 20_000)
    args.repeat = args.repeat or (3 if args.quick else 7)
    if args.messages < 1 or args.repeat < 1:
        parser.error("--messages and --repeat must be positive")
    return args


def report(results: list[tuple[str, float, float]], size: float) -> None:
    print(f"{'':12}{'ours msg/s':>12}{'MB/s':>8}{'baseline msg/s':>16}{'MB/s':>8}{'ratio':>8}")
    for name, ours, theirs in results:
        print(
            f"{name:12}{ours:12,.0f}{ours * size / 1e6:8.1f}"
            f"{theirs:16,.0f}{theirs * size / 1e6:8.1f}{ours / theirs:8.3f}"
        )
    for name, ours, theirs in results[:2]:
        ratio = ours / theirs
        verdict = "PASS" if ratio >= TARGET else "BELOW"
        print(f"target: {name} >= {TARGET} x bare split: {verdict} ({ratio:.3f})")


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    try:
        messages = load()
        size = sum(map(len, messages)) / len(messages)
        print(
            f"x12: {len(messages)} TR3 278 examples ({size:.0f} bytes on average), "
            f"{args.messages} messages per measurement, best of {args.repeat}"
            + (", --quick" if args.quick else "")
        )
        check(messages)
        print("check: same segments as the bare split, written back byte for byte: OK")
        with gc_watch() as tally:
            results = measure(messages, args.messages, args.repeat)
        report(results, size)
        print(f"(baseline: bare split / bare join; gc during the runs: {tally.summary()})")
        return 0
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except Exception:
        traceback.print_exc()
        return 1


if __name__ == "__main__":
    sys.exit(main())
