"""The `carebridge` command: migrate, seed, token and export-schema on a scratch SQLite file."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime

import httpx
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


@contextlib.contextmanager
def _running(arguments: list[str], path: str, env: dict[str, str] | None = None):
    """`carebridge <arguments> --port P` as a process of its own on a free port: yields its
    root URL and the first answer to GET `path` (asked until the process listens), and
    stops the process afterwards."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    root = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", *arguments, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                first = httpx.get(f"{root}{path}", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline, f"carebridge {arguments[0]} did not start"
                time.sleep(0.2)
        yield root, first
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_serve_with_several_workers_answers(scratch_db, tmp_path):
    assert cli.main(["migrate"]) == 0
    env = {**os.environ, "CAREBRIDGE_LOG_JSON": "false"}
    with _running(["serve", "--workers", "2"], "/readyz", env) as (_, ready):
        assert ready.status_code == 200 and ready.json()["database"] == "up"


def test_simulate_serves_every_simulated_partner_in_a_process_of_its_own():
    """`carebridge simulate`: the EHR, the PAS payer and the CORE clearinghouse (its WSDL
    giving its own address) over HTTP from their own process."""
    with _running(["simulate"], "/clearinghouse/soap/core?wsdl") as (root, wsdl):
        assert wsdl.status_code == 200
        assert f'location="{root}/clearinghouse/soap/core"' in wsdl.text
        for base in ("pas/fhir", "ehr/fhir"):
            metadata = httpx.get(f"{root}/{base}/metadata", timeout=5)
            assert metadata.status_code == 200, base
            assert metadata.json()["resourceType"] == "CapabilityStatement"


def test_operators_create_organisations_users_and_clients(scratch_db, capsys):
    assert cli.main(["migrate"]) == 0
    assert cli.main(["create-organization", "--name", "Valley Agency", "--kind", "agency"]) == 0
    assert "Valley Agency (AGENCY)" in capsys.readouterr().out
    assert (
        cli.main(
            [
                "create-user",
                "--org",
                "Valley Agency",
                "--email",
                "Val@Valley.example",
                "--name",
                "Val",
                "--role",
                "caseworker",
                "--role",
                "case_supervisor",
            ]
        )
        == 0
    )
    assert (
        "val@valley.example at Valley Agency with CASEWORKER, CASE_SUPERVISOR"
        in capsys.readouterr().out
    )
    assert (
        cli.main(
            [
                "create-user",
                "--org",
                "Valley Agency",
                "--email",
                "p@valley.example",
                "--name",
                "P",
                "--role",
                "PROVIDER_STAFF",
            ]
        )
        == 2
    )
    assert "do not exist at an organization of kind AGENCY" in capsys.readouterr().err
    assert (
        cli.main(
            [
                "create-api-client",
                "--org",
                "Valley Agency",
                "--client-id",
                "valley-ehr",
                "--name",
                "Valley EHR",
            ]
        )
        == 0
    )
    assert "secret " in capsys.readouterr().out
    assert cli.main(["token", "--role", "CASE_SUPERVISOR", "--org", "Valley Agency"]) == 0


def test_bad_settings_and_bad_accounts_are_clean_errors(scratch_db, monkeypatch, capsys):
    assert cli.main(["migrate"]) == 0
    assert (
        cli.main(
            ["create-organization", "--name", "Clinic", "--kind", "PROVIDER", "--npi", "1234567890"]
        )
        == 2
    )
    assert "NPI" in capsys.readouterr().err
    assert cli.main(["create-organization", "--name", "Clinic", "--kind", "PROVIDER"]) == 0
    assert cli.main(["create-organization", "--name", "Clinic", "--kind", "PROVIDER"]) == 2
    assert "exists" in capsys.readouterr().err
    assert (
        cli.main(
            [
                "create-user",
                "--org",
                "Clinic",
                "--email",
                "not-an-email",
                "--name",
                "X",
                "--role",
                "PROVIDER_STAFF",
            ]
        )
        == 2
    )
    assert "Email" in capsys.readouterr().err
    monkeypatch.setenv("CAREBRIDGE_JWT_SECRET", "too-short-secret-value")
    assert cli.main(["migrate"]) == 2
    err = capsys.readouterr().err
    assert "at least 32" in err and "too-short-secret-value" not in err
    assert "Traceback" not in err


def test_demo_partner_gets_a_machine_token(scratch_db, capsys):
    assert cli.main(["migrate"]) == 0
    assert cli.main(["seed", "--demo"]) == 0
    capsys.readouterr()
    assert cli.main(["token", "--role", "PARTNER", "--org", "Northside Wellness Clinic"]) == 0
    principal = read_token(Settings(), capsys.readouterr().out.strip(), datetime.now(UTC))
    assert principal.is_machine and principal.roles == frozenset({Role.PARTNER})


def test_operators_say_how_a_payer_is_reached(scratch_db, capsys):
    assert cli.main(["migrate"]) == 0
    assert cli.main(["create-organization", "--name", "Keystone Plan", "--kind", "PAYER"]) == 0
    capsys.readouterr()
    args = ["create-trading-partner", "--payer", "Keystone Plan", "--name", "Keystone portal"]
    assert cli.main([*args, "--protocol", "MANUAL", "--standard-days", "5"]) == 0
    assert "Keystone portal (MANUAL) for Keystone Plan" in capsys.readouterr().out
    assert cli.main([*args, "--protocol", "MANUAL"]) == 2
    assert "This payer has a trading partner" in capsys.readouterr().err
    assert cli.main([*args, "--protocol", "FHIR_PAS"]) == 2
    assert "has an endpoint" in capsys.readouterr().err
