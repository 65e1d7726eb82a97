"""Queries on delivery, and the provider's mutations: schedules, sessions, enrollment and
attendance (seed 000 steps 4-6)."""

from __future__ import annotations

from decimal import Decimal

import strawberry
from strawberry import relay
from strawberry.types import Info

from domain.delivery import authorized, reads
from domain.delivery import service as delivery
from domain.delivery.access import PROVIDER_WORKERS, READERS
from domain.delivery.rules import AttendanceRecord, ScheduleData
from resolvers.outcome import perform, read, read_only
from schema.context import Context
from schema.delivery import BenefitSchedule, BenefitSession, Disbursement, ServiceAuthorization
from schema.delivery_inputs import (
    BenefitSessionFilter,
    CancelBenefitSessionInput,
    CancelBenefitSessionPayload,
    CreateBenefitScheduleInput,
    CreateBenefitSchedulePayload,
    CreateBenefitSessionsInput,
    CreateBenefitSessionsPayload,
    DisbursementFilter,
    EnrollInSessionsInput,
    EnrollInSessionsPayload,
    RecordAttendanceInput,
    RecordAttendancePayload,
)
from schema.permissions import signed_in
from schema.relay import Connection, decode_global_id, page_request, selects

SA = "ServiceAuthorization"


def _optional(value: relay.GlobalID | str | None, kind: str, field: str):  # type: ignore[no-untyped-def]
    return None if value is None else decode_global_id(value, kind, field)


def _session_filter(given: BenefitSessionFilter | None) -> reads.SessionFilter:
    if given is None:
        return reads.SessionFilter()
    return reads.SessionFilter(
        schedule_id=_optional(given.schedule_id, "BenefitSchedule", "filter.scheduleId"),
        benefit_id=_optional(given.benefit_id, "Benefit", "filter.benefitId"),
        status=given.status,
        starts_after=given.starts_after,
    )


def _disbursement_filter(given: DisbursementFilter | None) -> reads.DisbursementFilter:
    if given is None:
        return reads.DisbursementFilter()
    return reads.DisbursementFilter(
        case_id=_optional(given.case_id, "Case", "filter.caseId"),
        person_id=_optional(given.person_id, "Person", "filter.personId"),
        session_id=_optional(given.session_id, "BenefitSession", "filter.sessionId"),
        authorization_line_id=_optional(
            given.service_authorization_id, SA, "filter.serviceAuthorizationId"
        ),
        status=given.status,
    )


@strawberry.type
class DeliveryQuery:
    @strawberry.field(
        extensions=signed_in(*READERS),
        description="Approved lines your provider delivers or your agency authorized",
    )
    async def service_authorizations(
        self, info: Info[Context, None], person_id: relay.GlobalID | None = None
    ) -> list[ServiceAuthorization]:
        person = _optional(person_id, "Person", "personId")
        found = await read(
            info,
            lambda uow, actor: authorized.list_service_authorizations(
                uow=uow, actor=actor, person_id=person
            ),
        )
        return [ServiceAuthorization.from_model(a) for a in found]

    @strawberry.field(
        extensions=signed_in(*READERS),
        description="Your provider's sessions, or those your agency's people are enrolled in.",
    )
    async def benefit_sessions(
        self,
        info: Info[Context, None],
        filter: BenefitSessionFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[BenefitSession]:
        criteria, request = _session_filter(filter), page_request(info.context, first, after)
        page = await read_only(
            info,
            lambda uow, actor: reads.list_sessions(
                uow=uow,
                actor=actor,
                filter=criteria,
                page=request,
                with_total=selects(info, "totalCount"),
            ),
        )
        return Connection.from_page(page, BenefitSession.from_model)

    @strawberry.field(extensions=signed_in(*READERS), description="Each read is audited.")
    async def disbursements(
        self,
        info: Info[Context, None],
        filter: DisbursementFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Disbursement]:
        criteria, request = _disbursement_filter(filter), page_request(info.context, first, after)
        page = await read(
            info,
            lambda uow, actor: reads.list_disbursements(
                uow=uow,
                actor=actor,
                filter=criteria,
                page=request,
                with_total=selects(info, "totalCount"),
            ),
        )
        return Connection.from_page(page, Disbursement.from_model)


@strawberry.type
class DeliveryMutation:
    @strawberry.mutation(
        extensions=signed_in(*PROVIDER_WORKERS),
        description="The authorized provider's schedule for the authorization's benefit.",
    )
    async def create_benefit_schedule(
        self, info: Info[Context, None], input: CreateBenefitScheduleInput
    ) -> CreateBenefitSchedulePayload:
        def data() -> ScheduleData:
            return ScheduleData(
                authorization_line_id=decode_global_id(
                    input.service_authorization_id, SA, "serviceAuthorizationId"
                ),
                name=input.name,
                default_quantity=input.default_quantity,
                max_participants=input.max_participants,
                recurrence=input.recurrence,
                first_session_start=input.first_session_start,
                first_session_end=input.first_session_end,
            )

        outcome = await perform(
            info,
            lambda uow, actor: delivery.create_benefit_schedule(uow=uow, actor=actor, data=data()),
        )
        return CreateBenefitSchedulePayload(
            schedule=outcome.map(BenefitSchedule.from_model), errors=outcome.errors
        )

    @strawberry.mutation(extensions=signed_in(*PROVIDER_WORKERS))
    async def create_benefit_sessions(
        self, info: Info[Context, None], input: CreateBenefitSessionsInput
    ) -> CreateBenefitSessionsPayload:
        outcome = await perform(
            info,
            lambda uow, actor: delivery.create_benefit_sessions(
                uow=uow,
                actor=actor,
                schedule_id=decode_global_id(input.schedule_id, "BenefitSchedule", "scheduleId"),
                count=input.count,
            ),
        )
        return CreateBenefitSessionsPayload(
            sessions=outcome.map(lambda rows: [BenefitSession.from_model(s) for s in rows]),
            errors=outcome.errors,
        )

    @strawberry.mutation(extensions=signed_in(*PROVIDER_WORKERS))
    async def cancel_benefit_session(
        self, info: Info[Context, None], input: CancelBenefitSessionInput
    ) -> CancelBenefitSessionPayload:
        outcome = await perform(
            info,
            lambda uow, actor: delivery.cancel_benefit_session(
                uow=uow,
                actor=actor,
                session_id=decode_global_id(input.id, "BenefitSession", "id"),
                reason=input.reason,
            ),
        )
        return CancelBenefitSessionPayload(
            session=outcome.map(BenefitSession.from_model), errors=outcome.errors
        )

    @strawberry.mutation(
        extensions=signed_in(*PROVIDER_WORKERS),
        description="One disbursement per session enrollment; all or nothing.",
    )
    async def enroll_in_sessions(
        self, info: Info[Context, None], input: EnrollInSessionsInput
    ) -> EnrollInSessionsPayload:
        outcome = await perform(
            info,
            lambda uow, actor: delivery.enroll_in_sessions(
                uow=uow,
                actor=actor,
                authorization_line_id=decode_global_id(
                    input.service_authorization_id, SA, "serviceAuthorizationId"
                ),
                session_ids=[
                    decode_global_id(s, "BenefitSession", f"sessionIds.{i}")
                    for i, s in enumerate(input.session_ids)
                ],
                quantity=input.quantity_per_session,
            ),
        )
        return EnrollInSessionsPayload(
            disbursements=outcome.map(lambda rows: [Disbursement.from_model(d) for d in rows]),
            errors=outcome.errors,
        )

    @strawberry.mutation(
        extensions=signed_in(*PROVIDER_WORKERS),
        description="A session's roster in one batch; the same roster again changes nothing.",
    )
    async def record_attendance(
        self, info: Info[Context, None], input: RecordAttendanceInput
    ) -> RecordAttendancePayload:
        def records() -> list[AttendanceRecord]:
            return [
                AttendanceRecord(
                    decode_global_id(
                        r.enrollment_id, "SessionEnrollment", f"records.{i}.enrollmentId"
                    ),
                    r.attendance,
                    r.units,
                )
                for i, r in enumerate(input.records)
            ]

        share = Decimal(info.context.settings.manual_approval_share)
        outcome = await perform(
            info,
            lambda uow, actor: delivery.record_attendance(
                uow=uow,
                actor=actor,
                session_id=decode_global_id(input.session_id, "BenefitSession", "sessionId"),
                records=records(),
                manual_approval_share=share,
            ),
        )
        return RecordAttendancePayload(
            session=outcome.map(BenefitSession.from_model), errors=outcome.errors
        )
