"""Bearer tokens: minted and read against the service's clock; cached reads still expire."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from adapters.tokens import TokenReader, mint_token, read_token
from domain.errors import DomainError, ErrorCode
from domain.identity.models import OrganizationKind, Role
from domain.identity.rules import Principal
from settings import Settings

NOW = datetime(2026, 1, 15, 15, 0, tzinfo=UTC)
ALICE = Principal(uuid.uuid4(), uuid.uuid4(), OrganizationKind.AGENCY, frozenset({Role.CASEWORKER}))


def test_a_token_names_its_principal():
    settings = Settings()
    assert read_token(settings, mint_token(settings, ALICE, NOW), NOW) == ALICE


def test_a_cached_token_still_expires():
    settings = Settings()
    reader = TokenReader(settings)
    token = mint_token(settings, ALICE, NOW, ttl=timedelta(minutes=5))
    assert reader.read(token, NOW) == ALICE
    assert reader.read(token, NOW + timedelta(minutes=4)) == ALICE
    with pytest.raises(DomainError) as caught:
        reader.read(token, NOW + timedelta(minutes=6))
    assert caught.value.code is ErrorCode.UNAUTHENTICATED


def test_a_token_signed_with_another_key_is_refused_even_after_a_good_one():
    reader = TokenReader(Settings())
    good = mint_token(Settings(), ALICE, NOW)
    assert reader.read(good, NOW) == ALICE
    other = Settings(jwt_secret="x" * 40)
    with pytest.raises(DomainError):
        reader.read(mint_token(other, ALICE, NOW), NOW)


def test_settings_refuse_unsafe_production_and_incoherent_limits():
    with pytest.raises(ValueError, match="development JWT secret"):
        Settings(environment="production", graphiql=False)
    with pytest.raises(ValueError, match="at least 32"):
        Settings(jwt_secret="short")
    with pytest.raises(ValueError, match="DEFAULT_PAGE_SIZE"):
        Settings(default_page_size=200, max_page_size=100)
    with pytest.raises(ValueError, match="PUBLIC_KEY"):
        Settings(jwt_algorithm="RS256")
    assert Settings(environment="production", graphiql=False, jwt_secret="s" * 40)
