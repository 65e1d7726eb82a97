"""The `carebridge` command: migrate, seed, token and export-schema on a scratch SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import cli
from adapters.tokens import read_token
from domain.identity.models import Role
from settings import Settings


@pytest.fixture
def scratch_db(tmp_path, monkeypatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("CAREBRIDGE_DATABASE_URL", url)
    return url


def test_migrate_seed_and_token_on_a_fresh_database(scratch_db, capsys):
    assert cli.main(["migrate"]) == 0
    assert "database at revision" in capsys.readouterr().out
    assert cli.main(["seed", "--demo", "--scale", "40"]) == 0
    out = capsys.readouterr().out
    assert "demo data loaded" in out and "generated 40 providers" in out
    assert cli.main(["seed", "--demo"]) == 0
    assert "already loaded" in capsys.readouterr().out

    assert cli.main(["token", "--role", "caseworker", "--org", "City of Cosville"]) == 0
    token = capsys.readouterr().out.strip()
    principal = read_token(Settings(), token, datetime.now(UTC))
    assert principal.roles == frozenset({Role.CASEWORKER})


def test_token_for_a_role_nobody_holds_is_an_error(scratch_db, capsys):
    assert cli.main(["migrate"]) == 0
    assert cli.main(["seed", "--demo"]) == 0
    capsys.readouterr()
    assert cli.main(["token", "--role", "ADMIN", "--org", "Harbor Family Services"]) == 2
    assert "No active ADMIN user" in capsys.readouterr().err


def test_export_schema_check_finds_a_stale_file(tmp_path, capsys):
    target = tmp_path / "schema.graphql"
    assert cli.main(["export-schema", "--output", str(target)]) == 0
    assert cli.main(["export-schema", "--output", str(target), "--check"]) == 0
    target.write_text(target.read_text().replace("type Query", "type Querry"))
    assert cli.main(["export-schema", "--output", str(target), "--check"]) == 1


def test_committed_schema_is_current():
    assert cli.main(["export-schema", "--check"]) == 0
