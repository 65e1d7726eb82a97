"""Which trading partner a pushed answer speaks for (no database): the only one the client
pushes for, else the one whose payer the answer names."""

from __future__ import annotations

import pytest

from domain.errors import DomainError, ErrorCode
from domain.partners.models import Protocol, TradingPartner
from domain.partners.pushes import PAYER_FIELD, PushingPartner, choose_pushing_partner


def pushing(name: str, payer_id: str | None) -> PushingPartner:
    return PushingPartner(TradingPartner(name=name, protocol=Protocol.X12_CORE), payer_id)


def test_a_client_pushing_for_one_partner_speaks_for_it_whatever_the_payer_id():
    only = pushing("Cosville", "CHP01")
    assert choose_pushing_partner([only], "ANYTHING") is only.partner
    assert choose_pushing_partner([only], None) is only.partner


def test_a_client_pushing_for_several_is_routed_by_the_payer_id():
    first, second = pushing("Cosville", "CHP01"), pushing("Second", "SP02")
    assert choose_pushing_partner([first, second], "SP02") is second.partner


@pytest.mark.parametrize("payer_id", ["ZZ999", None, ""])
def test_no_partner_of_the_client_for_that_payer_is_not_found(payer_id):
    partners = [pushing("Cosville", "CHP01"), pushing("No payer id", None)]
    with pytest.raises(DomainError) as raised:
        choose_pushing_partner(partners, payer_id)
    assert (raised.value.code, raised.value.field) == (ErrorCode.NOT_FOUND, PAYER_FIELD)
