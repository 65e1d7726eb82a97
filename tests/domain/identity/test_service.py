"""Machine partners authenticate with a client id and a secret stored only as a hash."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from domain.errors import DomainError, ErrorCode
from domain.identity import service as identity
from domain.identity.models import ApiClient, OrganizationKind, Role


async def test_a_partner_authenticates_with_its_secret_and_only_with_it(orgs, uow_factory):
    clinic = await orgs.organization("Northside Wellness Clinic", OrganizationKind.PROVIDER)
    async with uow_factory() as uow:
        await identity.create_api_client(
            uow=uow, organization_id=clinic, name="EHR", client_id="ehr", secret="s3cret-value"
        )
        await uow.commit()
    async with uow_factory() as uow:
        stored = await uow.session.scalar(select(ApiClient.secret_hash))
        principal = await identity.authenticate_api_client(
            uow=uow, client_id="ehr", secret="s3cret-value"
        )
    assert "s3cret-value" not in (stored or "")
    assert principal.is_machine and principal.organization_id == clinic
    assert principal.roles == frozenset({Role.PARTNER})
    for client_id, secret in (("ehr", "wrong"), ("nobody", "s3cret-value")):
        with pytest.raises(DomainError) as caught:
            async with uow_factory() as uow:
                await identity.authenticate_api_client(uow=uow, client_id=client_id, secret=secret)
        assert caught.value.code is ErrorCode.UNAUTHENTICATED
