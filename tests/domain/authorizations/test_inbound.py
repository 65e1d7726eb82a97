"""Inbound submissions on a real database: a partner's request is taken in once, in one
transaction, routed to the payer's outbox; resends are answered, rejections write nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, update

from domain.authorizations.documents import Document
from domain.authorizations.inbound import (
    CertificationType,
    InboundChannel,
    InboundSubmission,
    find_submissions,
    receive_submission,
)
from domain.authorizations.intake import IntakeOrganization, IntakeProvider, Period
from domain.authorizations.lifecycle import AuthorizationStatus, ReviewAction
from domain.authorizations.models import (
    AttachmentKind,
    AuthorizationLine,
    AuthorizationRequest,
    SubmissionReceipt,
)
from domain.errors import DomainError, ErrorCode
from domain.identity.models import Role
from domain.partners.models import OutboxKind, OutboxMessage
from domain.partners.ports import AnswerKind
from tests.inbound_support import (
    CLINIC_NPI,
    build_partner_world,
    intake,
    paula,
    row_counts,
    service,
)
from tests.world import npi


@pytest.fixture
async def world(orgs, uow_factory):
    return await build_partner_world(orgs, uow_factory)


def submission(reference: str = "bundle-1", **changes) -> InboundSubmission:
    return InboundSubmission(
        intake=changes.pop("intake", None) or intake(),
        sender_reference=reference,
        channel=changes.pop("channel", InboundChannel.FHIR_PAS),
        payer_identifier=changes.pop("payer_identifier", "CHP01"),
        **changes,
    )


async def receive(uow_factory, actor, sent):
    async with uow_factory() as uow:
        return await receive_submission(uow=uow, actor=actor, submission=sent)


async def test_a_new_submission_makes_a_request_sent_to_the_payer_in_one_transaction(
    world, uow_factory
):
    before = await row_counts(uow_factory)
    outcome = await receive(uow_factory, world.ehr, submission())
    assert outcome.created and not outcome.duplicate
    request = outcome.request
    assert request.status is AuthorizationStatus.SUBMITTING
    assert request.requesting_organization_id == world.clinic
    assert request.authorizer_organization_id == world.payer
    assert request.requesting_provider_id == world.provider
    assert outcome.state.sender_reference == "bundle-1"
    assert [line.review_action for line in outcome.state.answer.lines] == [ReviewAction.PENDED]
    after = await row_counts(uow_factory)
    grown = {table: after[table] - before[table] for table in after}
    assert grown == {
        "authorization_requests": 1,
        "authorization_lines": 1,
        "authorization_attachments": 0,
        "outbox_messages": 1,
        "submission_receipts": 1,
        "persons": 1,
        "coverages": 1,
    }
    async with uow_factory() as uow:
        receipt = await uow.session.scalar(select(SubmissionReceipt))
        message = await uow.session.scalar(select(OutboxMessage))
    assert receipt.api_client_id == world.ehr.subject_id
    assert receipt.channel is InboundChannel.FHIR_PAS
    assert (message.kind, message.request_id) == (OutboxKind.SUBMIT, request.id)


async def test_the_same_reference_again_answers_the_same_request_and_writes_nothing(
    world, uow_factory
):
    first = await receive(uow_factory, world.ehr, submission())
    before = await row_counts(uow_factory)
    again = await receive(uow_factory, world.ehr, submission())
    assert again.duplicate and not again.created
    assert again.request.id == first.request.id
    assert await row_counts(uow_factory) == before


async def test_a_reference_reused_for_another_submission_is_refused(world, uow_factory):
    await receive(uow_factory, world.ehr, submission())
    before = await row_counts(uow_factory)
    other = submission(intake=intake(services=(service("72149"),)))
    with pytest.raises(DomainError) as raised:
        await receive(uow_factory, world.ehr, other)
    assert raised.value.code is ErrorCode.REFERENCE_REUSED
    assert await row_counts(uow_factory) == before


async def test_the_same_reference_on_another_channel_is_another_submission(world, uow_factory):
    first = await receive(uow_factory, world.ehr, submission())
    second = await receive(uow_factory, world.ehr, submission(channel=InboundChannel.X12_278))
    assert second.created and second.request.id != first.request.id
    assert second.request.patient_id == first.request.patient_id  # matched by member id


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        (
            {"payer_identifier": "NOPE", "intake": intake(payer_id="NOPE")},
            ErrorCode.PAYER_UNKNOWN,
            "payerIdentifier",
        ),
        ({"intake": intake(member_id=None)}, ErrorCode.MEMBER_NOT_FOUND, "coverage.memberId"),
        (
            {"intake": intake(coverage_status="cancelled")},
            ErrorCode.COVERAGE_INACTIVE,
            "coverage.status",
        ),
        (
            {"intake": intake(coverage_period=Period(date(2025, 1, 1), date(2025, 12, 31)))},
            ErrorCode.COVERAGE_INACTIVE,
            "coverage.period",
        ),
        (
            {"intake": intake(services=(service(requesting=paula(npi("155555555"))),))},
            ErrorCode.PROVIDER_NOT_RECOGNIZED,
            "requestingProvider",
        ),
        ({"intake": intake(services=())}, ErrorCode.NOTHING_REQUESTED, "services"),
    ],
)
async def test_business_rejections_are_typed_and_write_nothing(
    world, uow_factory, changes, code, field
):
    before = await row_counts(uow_factory)
    with pytest.raises(DomainError) as raised:
        await receive(uow_factory, world.ehr, submission(**changes))
    assert (raised.value.code, raised.value.field) == (code, field)
    assert await row_counts(uow_factory) == before


async def test_only_partners_of_providers_and_clearinghouses_submit(world, orgs, uow_factory):
    staff = await orgs.user(world.clinic, Role.AUTH_COORDINATOR)
    with pytest.raises(DomainError) as raised:
        await receive(uow_factory, staff, submission())
    assert raised.value.code is ErrorCode.FORBIDDEN


async def test_a_clearinghouse_submits_for_the_provider_organisation_its_requester_names(
    world, uow_factory
):
    requester = IntakeProvider(
        practitioner=None,
        organization=IntakeOrganization(None, "Northside Wellness Clinic", CLINIC_NPI),
    )
    outcome = await receive(uow_factory, world.clearinghouse, submission(requester=requester))
    assert outcome.request.requesting_organization_id == world.clinic
    async with uow_factory() as uow:
        found = await find_submissions(
            uow=uow, actor=world.clearinghouse, sender_reference="bundle-1"
        )
        mine = await find_submissions(uow=uow, actor=world.ehr, sender_reference="bundle-1")
    assert [state.request.id for state in found] == [outcome.request.id]
    assert mine == []  # the clinic's EHR did not send it


async def test_a_cancellation_asks_the_payer_to_cancel_the_earlier_request(world, uow_factory):
    first = await receive(uow_factory, world.ehr, submission())
    async with uow_factory() as uow:
        await uow.session.execute(
            update(AuthorizationRequest).values(status=AuthorizationStatus.PENDED)
        )
        await uow.commit()
    cancel = submission(
        "bundle-2", certification=CertificationType.CANCEL, related_reference="bundle-1"
    )
    outcome = await receive(uow_factory, world.ehr, cancel)
    assert outcome.request.id == first.request.id and not outcome.created
    async with uow_factory() as uow:
        kinds = list(
            await uow.session.scalars(select(OutboxMessage.kind).order_by(OutboxMessage.created_at))
        )
    assert OutboxKind.CANCEL in kinds


async def test_an_update_of_a_rejected_request_replaces_its_services_and_resubmits(
    world, uow_factory
):
    first = await receive(uow_factory, world.ehr, submission())
    async with uow_factory() as uow:
        await uow.session.execute(
            update(AuthorizationRequest).values(status=AuthorizationStatus.REJECTED)
        )
        await uow.commit()
    changed = submission(
        "bundle-2",
        intake=intake(services=(service("72149", quantity="2"),)),
        certification=CertificationType.UPDATE,
        related_reference=first.request.number,  # our number works as well as theirs
        attachments=(Document(AttachmentKind.CLINICAL_NOTE, "Note", "text/plain", b"pain"),),
    )
    outcome = await receive(uow_factory, world.ehr, changed)
    assert outcome.request.id == first.request.id
    assert outcome.request.status is AuthorizationStatus.SUBMITTING
    async with uow_factory() as uow:
        codes = list(await uow.session.scalars(select(AuthorizationLine.service_code)))
    assert codes == ["72149"]


async def test_an_update_naming_nothing_we_know_is_refused(world, uow_factory):
    before = await row_counts(uow_factory)
    with pytest.raises(DomainError) as raised:
        await receive(
            uow_factory,
            world.ehr,
            submission("b-9", certification=CertificationType.UPDATE, related_reference="nope"),
        )
    assert raised.value.code is ErrorCode.ORIGINAL_NOT_FOUND
    assert await row_counts(uow_factory) == before


async def test_find_submissions_by_number_member_and_dates(world, uow_factory):
    outcome = await receive(uow_factory, world.ehr, submission())
    async with uow_factory() as uow:
        by_number = await find_submissions(uow=uow, actor=world.ehr, number=outcome.request.number)
        by_member = await find_submissions(
            uow=uow,
            actor=world.ehr,
            member_id="CHP-1001",
            service_from=date(2026, 12, 1),
            service_to=date(2026, 12, 31),
        )
        outside = await find_submissions(
            uow=uow, actor=world.ehr, member_id="CHP-1001", service_from=date(2027, 1, 1)
        )
    assert [s.request.id for s in by_number] == [outcome.request.id]
    assert [s.request.id for s in by_member] == [outcome.request.id]
    assert outside == []
    assert by_number[0].answer.kind is AnswerKind.DECIDED
    with pytest.raises(DomainError):
        async with uow_factory() as uow:
            await find_submissions(uow=uow, actor=world.ehr)
