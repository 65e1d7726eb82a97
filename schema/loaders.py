"""One DataLoader per relation, built per request; each batch is one unit of work."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from strawberry.dataloader import DataLoader

from domain import history
from domain.authorizations import deadlines, worklist
from domain.authorizations import service as authorizations
from domain.cases import benefits, readers
from domain.cases import service as cases
from domain.catalog import service as catalog
from domain.delivery import authorized as delivery_authorized
from domain.delivery import reads as delivery
from domain.identity import service as identity
from domain.network import reads as network
from domain.people import service as people
from domain.providers import service as providers
from domain.referrals import readers as referral_readers
from domain.uow import UnitOfWork

if TYPE_CHECKING:
    from schema.context import Context

V = TypeVar("V")
Fetch = Callable[[UnitOfWork, Sequence[uuid.UUID]], Awaitable[Mapping[uuid.UUID, V]]]


class Loaders:
    """Created lazily: a request pays only for the loaders its query uses."""

    def __init__(self, context: Context) -> None:
        self._context = context
        self._history: dict[str, DataLoader[uuid.UUID, list[Any]]] = {}
        self._network: dict[str, DataLoader[uuid.UUID, Any]] = {}

    def _loader(
        self,
        fetch: Fetch[Any],
        default: Callable[[], Any] = lambda: None,
        *,
        writes: bool = False,
    ) -> DataLoader:
        """`writes`: the batch records something (the audit trail), so it runs in a transaction."""
        factory = self._context.uow_factory if writes else self._context.reader_factory

        async def load(keys: list[uuid.UUID]) -> list[Any]:
            async with factory() as uow:
                found = await fetch(uow, keys)
            return [found.get(key, default()) for key in keys]

        return DataLoader(load_fn=load)

    @cached_property
    def organization(self) -> DataLoader[uuid.UUID, Any]:
        return self._loader(lambda uow, ids: identity.get_organizations(uow=uow, ids=ids))

    @cached_property
    def user(self) -> DataLoader[uuid.UUID, Any]:
        actor = self._context.actor
        return self._loader(lambda uow, ids: identity.get_users(uow=uow, actor=actor, ids=ids))

    @cached_property
    def person(self) -> DataLoader[uuid.UUID, Any]:
        """Scoped to the actor's organisation; every person read is audited."""
        actor = self._context.actor
        return self._loader(
            lambda uow, ids: people.get_persons(uow=uow, actor=actor, ids=ids), writes=True
        )

    @cached_property
    def identifiers_by_person(self) -> DataLoader[uuid.UUID, list[Any]]:
        return self._loader(
            lambda uow, ids: people.identifiers_by_person_ids(uow=uow, person_ids=ids), list
        )

    @cached_property
    def coverages_by_person(self) -> DataLoader[uuid.UUID, list[Any]]:
        return self._loader(
            lambda uow, ids: people.coverages_by_person_ids(uow=uow, person_ids=ids), list
        )

    @cached_property
    def benefit(self) -> DataLoader[uuid.UUID, Any]:
        return self._loader(lambda uow, ids: catalog.get_benefits(uow=uow, ids=ids))

    @cached_property
    def provider(self) -> DataLoader[uuid.UUID, Any]:
        return self._loader(lambda uow, ids: providers.get_providers(uow=uow, ids=ids))

    @cached_property
    def locations_by_provider(self) -> DataLoader[uuid.UUID, list[Any]]:
        return self._loader(
            lambda uow, ids: providers.locations_by_provider_ids(uow=uow, provider_ids=ids), list
        )

    @cached_property
    def specialties_by_provider(self) -> DataLoader[uuid.UUID, list[Any]]:
        return self._loader(
            lambda uow, ids: providers.specialties_by_provider_ids(uow=uow, provider_ids=ids), list
        )

    @cached_property
    def languages_by_provider(self) -> DataLoader[uuid.UUID, list[str]]:
        return self._loader(
            lambda uow, ids: providers.languages_by_provider_ids(uow=uow, provider_ids=ids), list
        )

    @cached_property
    def services_by_provider(self) -> DataLoader[uuid.UUID, list[Any]]:
        return self._loader(
            lambda uow, ids: providers.services_by_provider_ids(uow=uow, provider_ids=ids), list
        )

    @cached_property
    def case(self) -> DataLoader[uuid.UUID, Any]:
        """Scoped to the actor's agency; every case read is audited."""
        actor = self._context.actor
        return self._loader(
            lambda uow, ids: cases.get_cases(uow=uow, actor=actor, ids=ids), writes=True
        )

    def _by_case(self, fetch: Callable[..., Any]) -> DataLoader[uuid.UUID, list[Any]]:
        return self._loader(lambda uow, ids: fetch(uow=uow, case_ids=ids), list)

    @cached_property
    def participants_by_case(self) -> DataLoader[uuid.UUID, list[Any]]:
        return self._by_case(readers.participants_by_case_ids)

    @cached_property
    def user_roles_by_case(self) -> DataLoader[uuid.UUID, list[Any]]:
        return self._by_case(readers.user_roles_by_case_ids)

    @cached_property
    def nominees_by_case(self) -> DataLoader[uuid.UUID, list[Any]]:
        return self._by_case(readers.nominees_by_case_ids)

    @cached_property
    def reviews_by_case(self) -> DataLoader[uuid.UUID, list[Any]]:
        return self._by_case(readers.reviews_by_case_ids)

    @cached_property
    def events_by_case(self) -> DataLoader[uuid.UUID, list[Any]]:
        return self._by_case(readers.events_by_case_ids)

    @cached_property
    def benefit_assignments_by_case(self) -> DataLoader[uuid.UUID, list[Any]]:
        return self._by_case(readers.benefit_assignments_by_case_ids)

    @cached_property
    def contained_cases_by_case(self) -> DataLoader[uuid.UUID, list[Any]]:
        return self._by_case(readers.contained_cases_by_case_ids)

    @cached_property
    def referrals_by_case(self) -> DataLoader[uuid.UUID, list[Any]]:
        actor = self._context.actor
        return self._loader(
            lambda uow, ids: referral_readers.referrals_by_case_ids(
                uow=uow, actor=actor, case_ids=ids
            ),
            list,
        )

    @cached_property
    def benefit_assignment(self) -> DataLoader[uuid.UUID, Any]:
        actor = self._context.actor
        return self._loader(
            lambda uow, ids: benefits.get_benefit_assignments(uow=uow, actor=actor, ids=ids)
        )

    def history(self, entity: str) -> DataLoader[uuid.UUID, list[Any]]:
        """Status history of one kind of record; the caller read the records scoped."""
        if entity not in self._history:
            self._history[entity] = self._loader(
                (
                    # a disbursement's PAY steps are read from the payments that covered it
                    (lambda uow, ids: delivery.disbursement_history(uow=uow, ids=ids))
                    if entity == "Disbursement"
                    else lambda uow, ids: history.history_by_entity_ids(
                        uow=uow, entity=entity, entity_ids=ids
                    )
                ),
                list,
            )
        return self._history[entity]

    @cached_property
    def referral(self) -> DataLoader[uuid.UUID, Any]:
        """Scoped: the agency's own, or addressed to the provider; reads audited."""
        actor = self._context.actor
        return self._loader(
            lambda uow, ids: referral_readers.get_referrals(uow=uow, actor=actor, ids=ids),
            writes=True,
        )

    @cached_property
    def referral_recipient(self) -> DataLoader[uuid.UUID, Any]:
        actor = self._context.actor
        return self._loader(
            lambda uow, ids: referral_readers.get_recipients(uow=uow, actor=actor, ids=ids)
        )

    @cached_property
    def recipients_by_referral(self) -> DataLoader[uuid.UUID, list[Any]]:
        actor = self._context.actor
        return self._loader(
            lambda uow, ids: referral_readers.recipients_by_referral_ids(
                uow=uow, actor=actor, referral_ids=ids
            ),
            list,
        )

    @cached_property
    def authorization_request(self) -> DataLoader[uuid.UUID, Any]:
        actor = self._context.actor
        return self._loader(
            lambda uow, ids: authorizations.get_requests(uow=uow, actor=actor, ids=ids),
            writes=True,
        )

    @cached_property
    def requests_by_referral(self) -> DataLoader[uuid.UUID, list[Any]]:
        actor = self._context.actor
        return self._loader(
            lambda uow, ids: authorizations.requests_by_referral_ids(
                uow=uow, actor=actor, referral_ids=ids
            ),
            list,
            writes=True,
        )

    @cached_property
    def request_by_recipient(self) -> DataLoader[uuid.UUID, Any]:
        actor = self._context.actor
        return self._loader(
            lambda uow, ids: authorizations.request_by_recipient_ids(
                uow=uow, actor=actor, recipient_ids=ids
            )
        )

    @cached_property
    def lines_by_request(self) -> DataLoader[uuid.UUID, list[Any]]:
        return self._loader(
            lambda uow, ids: authorizations.lines_by_request_ids(uow=uow, request_ids=ids), list
        )

    def _by_request(self, fetch: Callable[..., Any]) -> DataLoader[uuid.UUID, list[Any]]:
        return self._loader(lambda uow, ids: fetch(uow=uow, request_ids=ids), list)

    @cached_property
    def diagnoses_by_request(self) -> DataLoader[uuid.UUID, list[Any]]:
        return self._by_request(worklist.diagnoses_by_request_ids)

    @cached_property
    def attachments_by_request(self) -> DataLoader[uuid.UUID, list[Any]]:
        return self._by_request(worklist.attachments_by_request_ids)

    @cached_property
    def information_requests_by_request(self) -> DataLoader[uuid.UUID, list[Any]]:
        return self._by_request(worklist.information_requests_by_request_ids)

    @cached_property
    def exchanges_by_request(self) -> DataLoader[uuid.UUID, list[Any]]:
        return self._by_request(worklist.exchanges_by_request_ids)

    @cached_property
    def deadline_alerts_by_request(self) -> DataLoader[uuid.UUID, list[Any]]:
        return self._by_request(deadlines.alerts_by_request_ids)

    @cached_property
    def claims_by_request(self) -> DataLoader[uuid.UUID, list[Any]]:
        return self._by_request(worklist.claims_by_request_ids)

    @cached_property
    def appeals_by_request(self) -> DataLoader[uuid.UUID, list[Any]]:
        return self._by_request(worklist.appeals_by_request_ids)

    @cached_property
    def peer_to_peer_by_request(self) -> DataLoader[uuid.UUID, list[Any]]:
        return self._by_request(worklist.peer_to_peer_by_request_ids)

    @cached_property
    def service_authorization(self) -> DataLoader[uuid.UUID, Any]:
        actor = self._context.actor

        async def fetch(uow: UnitOfWork, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Any]:
            found = await delivery_authorized.service_authorizations(uow=uow, actor=actor, ids=ids)
            return {a.id: a for a in found}

        return self._loader(fetch)

    @cached_property
    def schedule(self) -> DataLoader[uuid.UUID, Any]:
        return self._loader(lambda uow, ids: delivery.get_schedules(uow=uow, ids=ids))

    @cached_property
    def benefit_session(self) -> DataLoader[uuid.UUID, Any]:
        actor = self._context.actor
        return self._loader(lambda uow, ids: delivery.get_sessions(uow=uow, actor=actor, ids=ids))

    @cached_property
    def disbursement(self) -> DataLoader[uuid.UUID, Any]:
        """Scoped; every disbursement read is audited (it is a person's record)."""
        actor = self._context.actor
        return self._loader(
            lambda uow, ids: delivery.get_disbursements(uow=uow, actor=actor, ids=ids), writes=True
        )

    @cached_property
    def disbursements_by_session(self) -> DataLoader[uuid.UUID, list[Any]]:
        actor = self._context.actor
        return self._loader(
            lambda uow, ids: delivery.disbursements_by_session_ids(
                uow=uow, actor=actor, session_ids=ids
            ),
            list,
            writes=True,
        )

    @cached_property
    def enrollment(self) -> DataLoader[uuid.UUID, Any]:
        return self._loader(lambda uow, ids: delivery.enrollments_by_ids(uow=uow, ids=ids))

    @cached_property
    def provider_payment(self) -> DataLoader[uuid.UUID, Any]:
        actor = self._context.actor
        return self._loader(lambda uow, ids: delivery.get_payments(uow=uow, actor=actor, ids=ids))

    @cached_property
    def lines_by_payment(self) -> DataLoader[uuid.UUID, list[Any]]:
        return self._loader(
            lambda uow, ids: delivery.lines_by_payment_ids(uow=uow, payment_ids=ids), list
        )

    @cached_property
    def corrections_by_payment(self) -> DataLoader[uuid.UUID, list[Any]]:
        return self._loader(
            lambda uow, ids: delivery.corrections_by_payment_ids(uow=uow, payment_ids=ids), list
        )

    @cached_property
    def network_application(self) -> DataLoader[uuid.UUID, Any]:
        """Scoped: the network's own, or the applicant's own; reads audited."""
        actor = self._context.actor
        return self._loader(
            lambda uow, ids: network.get_applications(uow=uow, actor=actor, ids=ids), writes=True
        )

    def network(self, kind: str) -> DataLoader[uuid.UUID, Any]:
        """Scoped records of one network kind (leads, campaigns, contracts, credentials...)."""
        if kind not in self._network:
            actor = self._context.actor
            self._network[kind] = self._loader(
                lambda uow, ids: network.get_network_nodes(uow=uow, actor=actor, kind=kind, ids=ids)
            )
        return self._network[kind]

    def _network_list(self, fetch: Any) -> DataLoader[uuid.UUID, list[Any]]:
        return self._loader(lambda uow, ids: fetch(uow=uow, ids=ids), list)

    @cached_property
    def credentials_by_application(self) -> DataLoader[uuid.UUID, list[Any]]:
        return self._network_list(network.credentials_by_application_ids)

    @cached_property
    def document_requests_by_application(self) -> DataLoader[uuid.UUID, list[Any]]:
        return self._network_list(network.requests_by_application_ids)

    @cached_property
    def documents_by_application(self) -> DataLoader[uuid.UUID, list[Any]]:
        return self._network_list(network.documents_by_application_ids)

    @cached_property
    def contracts_by_application(self) -> DataLoader[uuid.UUID, list[Any]]:
        return self._network_list(network.contracts_by_application_ids)

    @cached_property
    def tasks_by_application(self) -> DataLoader[uuid.UUID, list[Any]]:
        return self._network_list(network.tasks_by_application_ids)

    @cached_property
    def versions_by_contract(self) -> DataLoader[uuid.UUID, list[Any]]:
        return self._network_list(network.versions_by_contract_ids)
