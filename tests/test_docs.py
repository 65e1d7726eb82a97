"""The reference docs keep up with the code: every error code and every setting is there."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.errors import ErrorCode
from settings import Settings

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.mark.parametrize("code", list(ErrorCode), ids=str)
def test_every_error_code_has_a_line_in_errors_md(code):
    assert f"| `{code.value}` |" in (DOCS / "errors.md").read_text()


@pytest.mark.parametrize("name", sorted(Settings.model_fields), ids=str)
def test_every_setting_is_documented(name):
    assert f"`CAREBRIDGE_{name.upper()}`" in (DOCS / "configuration.md").read_text()
