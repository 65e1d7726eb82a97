"""Sealed channel headers: opened by the same key only, unreadable in the database."""

from __future__ import annotations

import pytest

from adapters.sealing import Sealer, SealError
from settings import Settings

KEY = "a-sealing-key-for-tests-0123456789abcdef"
HEADERS = ["Authorization: Bearer s3cr3t-token", "X-Tenant: north"]


def test_what_is_sealed_opens_with_the_same_key_and_shows_nothing_of_itself():
    sealed = Sealer(KEY).seal(HEADERS)
    assert "s3cr3t" not in sealed and "Authorization" not in sealed
    assert Sealer(KEY).open(sealed) == HEADERS
    assert Sealer(KEY).seal(HEADERS) != sealed  # a fresh nonce each time


@pytest.mark.parametrize("tamper", ["other key", "flipped", "version", "garbage"])
def test_another_key_or_a_changed_seal_cannot_be_opened(tamper):
    sealed = Sealer(KEY).seal(HEADERS)
    opener = Sealer(KEY)
    if tamper == "other key":
        opener = Sealer(KEY + "-rotated")
    elif tamper == "flipped":
        sealed = sealed[:-3] + ("A" if sealed[-3] != "A" else "B") + sealed[-2:]
    elif tamper == "version":
        sealed = "v0" + sealed[2:]
    else:
        sealed = "v1.%%%"
    with pytest.raises(SealError):
        opener.open(sealed)


def test_the_key_comes_from_the_sealing_key_else_the_jwt_secret():
    sealed = Sealer(KEY).seal(HEADERS)
    assert Sealer.from_settings(Settings(sealing_key=KEY)).open(sealed) == HEADERS
    assert Sealer.from_settings(Settings(jwt_secret=KEY)).open(sealed) == HEADERS
    with pytest.raises(SealError):
        Sealer.from_settings(Settings()).open(sealed)


def test_production_refuses_a_sealing_key_derived_from_the_development_secret():
    with pytest.raises(ValueError, match="CAREBRIDGE_SEALING_KEY"):
        Settings(environment="production", graphiql=False, jwt_algorithm="RS256",
                 jwt_public_key="-----BEGIN PUBLIC KEY-----")  # fmt: skip
    Settings(environment="production", graphiql=False, jwt_algorithm="RS256",
             jwt_public_key="-----BEGIN PUBLIC KEY-----", sealing_key=KEY)  # fmt: skip
