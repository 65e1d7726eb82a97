"""Queries and mutations on people."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from domain.people import service as people
from resolvers.outcome import perform, read
from schema.context import Context
from schema.people import (
    AddCoverageInput,
    AddCoveragePayload,
    Coverage,
    CreatePersonInput,
    CreatePersonPayload,
    Person,
    PersonFilter,
    UpdatePersonInput,
    UpdatePersonPayload,
)
from schema.permissions import signed_in
from schema.relay import Connection, decode_global_id, page_request, selects

READERS = people.READERS
REGISTRARS = people.REGISTRARS


@strawberry.type
class PeopleQuery:
    @strawberry.field(
        extensions=signed_in(*READERS), description="People your organisation may see."
    )
    async def persons(
        self,
        info: Info[Context, None],
        filter: PersonFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Person]:
        criteria = (
            people.PersonFilter(
                text=filter.text, identifier=filter.identifier, birth_date=filter.birth_date
            )
            if filter
            else people.PersonFilter()
        )
        request = page_request(info.context, first, after)
        page = await read(
            info,
            lambda uow, actor: people.list_persons(
                uow=uow,
                actor=actor,
                filter=criteria,
                page=request,
                with_total=selects(info, "totalCount"),
            ),
        )
        return Connection.from_page(page, Person.from_model)

    @strawberry.field(extensions=signed_in(*READERS))
    async def person(
        self, info: Info[Context, None], id: strawberry.relay.GlobalID
    ) -> Person | None:
        person_id = decode_global_id(id, "Person", "id")
        found = await info.context.loaders.person.load(person_id)
        return Person.from_model(found) if found else None


@strawberry.type
class PeopleMutation:
    @strawberry.mutation(extensions=signed_in(*REGISTRARS))
    async def create_person(
        self, info: Info[Context, None], input: CreatePersonInput
    ) -> CreatePersonPayload:
        outcome = await perform(
            info,
            lambda uow, actor: people.create_person(
                uow=uow, actor=actor, data=input.person.to_domain()
            ),
        )
        return CreatePersonPayload(person=outcome.map(Person.from_model), errors=outcome.errors)

    @strawberry.mutation(extensions=signed_in(*REGISTRARS))
    async def update_person(
        self, info: Info[Context, None], input: UpdatePersonInput
    ) -> UpdatePersonPayload:
        outcome = await perform(
            info,
            lambda uow, actor: people.update_person(
                uow=uow,
                actor=actor,
                person_id=decode_global_id(input.id, "Person", "id"),
                data=input.person.to_domain(),
            ),
        )
        return UpdatePersonPayload(person=outcome.map(Person.from_model), errors=outcome.errors)

    @strawberry.mutation(extensions=signed_in(*REGISTRARS))
    async def add_coverage(
        self, info: Info[Context, None], input: AddCoverageInput
    ) -> AddCoveragePayload:
        outcome = await perform(
            info,
            lambda uow, actor: people.add_coverage(
                uow=uow,
                actor=actor,
                person_id=decode_global_id(input.person_id, "Person", "personId"),
                data=people.CoverageData(
                    payer_organization_id=decode_global_id(
                        input.payer_id, "Organization", "payerId"
                    ),
                    member_id=input.member_id,
                    plan_name=input.plan_name,
                    period_start=input.period_start,
                    period_end=input.period_end,
                    group_number=input.group_number,
                ),
            ),
        )
        return AddCoveragePayload(coverage=outcome.map(Coverage.from_model), errors=outcome.errors)
