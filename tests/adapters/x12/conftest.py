"""The public X12 samples in ../shared/conformance/x12/, read in place (never copied)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
SAMPLES = REPO_ROOT.parent / "shared" / "conformance" / "x12"
SAMPLE_NAMES = sorted(p.name for p in SAMPLES.glob("*") if p.suffix in {".edi", ".txt"})


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


@pytest.fixture(scope="session", autouse=True)
def _samples_are_there() -> None:
    if not SAMPLE_NAMES:
        pytest.fail(f"no X12 samples found in {SAMPLES}")
