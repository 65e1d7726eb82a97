"""The demo's CAQH CORE partner: the banner prints its username and password, and they open
`/soap/core` (the authenticator the app mounts accepts them)."""

from __future__ import annotations

import re

from adapters.soap.accounts import ApiClientAuthenticator
from adapters.soap.soap12 import UsernameToken
from db.seed import demo, demo_banner


async def test_the_banner_names_a_core_partner_whose_credentials_authenticate(
    uow_factory, settings
):
    await demo.load_demo(uow_factory)
    banner = await demo_banner(settings, "127.0.0.1", 8000)
    assert "http://127.0.0.1:8000/soap/core" in banner
    found = re.search(r"UsernameToken username (\S+) password (\S+)", banner)
    assert found is not None, banner
    username, password = found.groups()
    authenticator = ApiClientAuthenticator(uow_factory)
    assert await authenticator.authenticate(UsernameToken(username, password))
    assert await authenticator.authenticate(UsernameToken(username, password + "x")) is None
