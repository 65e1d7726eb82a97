"""CORE envelopes: zeep's request build and our parse + validate, each beside a bare
`lxml.etree.fromstring` of the same envelope measured in the same run.

    PYTHONPATH=. python bench/soap.py            # 5,000 envelopes per measurement, median of 3
    PYTHONPATH=. python bench/soap.py --quick    # CI: 300 envelopes, 1 run

The envelope is a real-time 278 request (the X12 TR3 referral example) with a WS-Security
UsernameToken, as our client sends it. "ours parse+validate" is what the endpoint does before
the handler: hardened parse, SOAP 1.2 framing, the UsernameToken, XSD validation and the typed
envelope. Figures are per envelope; the ratio is against the baseline (how many bare parses
one operation costs). Nothing is asserted: the figures are reported.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from lxml import etree  # noqa: E402
from zeep import Client  # noqa: E402
from zeep.wsse.username import UsernameToken as ZeepUsernameToken  # noqa: E402

from adapters.soap.codes import PayloadType  # noqa: E402
from adapters.soap.contract import WSDL_NAME, contract_file  # noqa: E402
from adapters.soap.envelope import REAL_TIME, CoreRequest, field_texts, from_element, to_element  # noqa: E402
from adapters.soap.parsing import parse_document  # noqa: E402
from adapters.soap.soap12 import (  # noqa: E402
    UsernameToken,
    envelope_bytes,
    read_message,
    security_header,
    username_token,
)

X12 = ROOT.parent / "shared" / "conformance" / "x12" / "stupidedi_referral-request-for-review.edi"
FALLBACK_X12 = "ISA*00*          *00*          *ZZ*SENDER*ZZ*RECEIVER*260115*1030*^*00501*1*0*T*:~"


def a_request() -> CoreRequest:
    return CoreRequest(
        operation=REAL_TIME,
        payload_type=PayloadType.X12_278_REQUEST,
        payload_id=str(uuid.uuid4()),
        timestamp=datetime(2026, 1, 15, 10, 30, tzinfo=UTC),
        sender_id="PROVIDER01",
        receiver_id="CLEARINGHOUSE01",
        payload=X12.read_text() if X12.exists() else FALLBACK_X12,
    )


def per_op_seconds(operation: Callable[[], object], count: int, repeat: int) -> float:
    """The median, over `repeat` runs, of the seconds one call takes (after a warm-up)."""
    for _ in range(min(count, 50)):
        operation()
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        for _ in range(count):
            operation()
        runs.append((time.perf_counter() - started) / count)
    return statistics.median(runs)


def operations() -> tuple[bytes, dict[str, Callable[[], object]]]:
    request = a_request()
    client = Client(contract_file(WSDL_NAME), wsse=ZeepUsernameToken("bench-user", "bench-pass"))
    fields = dict(field_texts(request))
    token = UsernameToken("bench-user", "bench-pass")
    envelope = envelope_bytes(to_element(request), (security_header(token),))

    def zeep_build() -> bytes:
        message = client.create_message(client.service, REAL_TIME.name, **fields)
        return bytes(etree.tostring(message))

    def ours_build() -> bytes:
        return envelope_bytes(to_element(request), (security_header(token),))

    def ours_parse_validate() -> object:
        message = read_message(parse_document(envelope, max_bytes=1 << 20))
        assert username_token(message.header) == token
        return from_element(message.body)

    return envelope, {
        "baseline lxml.etree.fromstring": lambda: etree.fromstring(envelope),
        "zeep build (create_message+tostring)": zeep_build,
        "ours build (to_element+envelope)": ours_build,
        "ours parse+validate": ours_parse_validate,
    }


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="CI: 300 envelopes, 1 run")
    parser.add_argument("--count", type=int, help="envelopes per measurement (default 5000)")
    parser.add_argument("--repeat", type=int, help="runs per measurement, median kept (3)")
    args = parser.parse_args(argv)
    args.count = args.count or (300 if args.quick else 5000)
    args.repeat = args.repeat or (1 if args.quick else 3)
    if args.count < 1 or args.repeat < 1:
        parser.error("--count and --repeat must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)
    envelope, measured = operations()
    print(
        f"soap: CORE real-time 278 envelope of {len(envelope)} bytes; {args.count} per run, "
        f"median of {args.repeat}" + (", --quick" if args.quick else "")
    )
    print(f"{'operation':<40}{'us/envelope':>12}{'envelopes/s':>13}{'x baseline':>12}")
    baseline = None
    for name, operation in measured.items():
        seconds = per_op_seconds(operation, args.count, args.repeat)
        baseline = baseline or seconds
        print(f"{name:<40}{seconds * 1e6:>12.1f}{1 / seconds:>13.0f}{seconds / baseline:>12.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
