"""Network management use cases against a real database with a fixed clock: the paths the
end-to-end test does not take (denial, withdrawal, incomplete submissions, failed sources,
a forged signature, termination, expiry alerts) and the rules that say no."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from domain.delivery.lifecycle import ContractStatus as DeliveryContractStatus
from domain.delivery.models import ProviderContract
from domain.delivery.rates import fallback_rates
from domain.errors import DomainError, ErrorCode
from domain.identity.models import OrganizationKind, Role
from domain.network import (
    activation,
    alerts,
    applications,
    contracts,
    credentialing,
    onboarding,
    reads,
    signatures,
)
from domain.network.lifecycle import (
    ApplicationStatus,
    CommitteeDecision,
    NetworkStage,
    OnboardingTaskAction,
    VerificationStatus,
)
from domain.network.models import (
    AlertKind,
    Application,
    Credential,
    NetworkAlert,
    NetworkContract,
    VerificationSourceKind,
)
from domain.pagination import PageRequest
from domain.providers.models import NetworkStatus, Provider
from tests.network_world import build_network


@pytest.fixture
async def net(orgs, uow_factory):
    return await build_network(orgs, uow_factory)


async def _application(net, application_id) -> Application:
    async with net.uow_factory() as uow:
        return await uow.session.get(Application, application_id)


async def _credentials(net, application_id) -> list[Credential]:
    async with net.uow_factory() as uow:
        return (await reads.credentials_by_application_ids(uow=uow, ids=[application_id]))[
            application_id
        ]


async def test_an_incomplete_application_is_not_submitted_and_stays_a_draft(net):
    application_id, applicant = await net.invited()
    data = dataclasses.replace(net.application(), locations=(), credentials=())
    await net.run(
        applications.save_application_draft,
        actor=applicant,
        application_id=application_id,
        data=data,
    )
    with pytest.raises(DomainError) as raised:
        await net.run(
            applications.submit_application, actor=applicant, application_id=application_id
        )
    fields = {e.field for e in raised.value.errors}
    assert {"locations", "practitioners.0", "credentials"} <= fields
    found = await _application(net, application_id)
    assert (found.status, found.stage, found.submitted_at) == (
        ApplicationStatus.DRAFT,
        NetworkStage.RECRUITING,
        None,
    )


async def test_the_checklist_adds_npi_and_sanctions_checks_for_each_practitioner(net):
    application_id, _ = await net.submitted(net.application(practitioners=2))
    kinds = [c.kind.value for c in await _credentials(net, application_id)]
    assert kinds == [
        "NPI",
        "NPI",
        "SANCTIONS_CHECK",
        "NPI",
        "SANCTIONS_CHECK",
        "LICENSE",
        "LICENSE",
        "MALPRACTICE_INSURANCE",
    ]


async def test_a_source_that_does_not_answer_fails_the_check_until_it_is_run_again(net):
    application_id, _ = await net.submitted()
    sanctions = next(
        c for c in await _credentials(net, application_id) if c.kind.value == "SANCTIONS_CHECK"
    )
    net.sources.unavailable.add(VerificationSourceKind.SANCTIONS_LIST)
    failed = await net.run(
        credentialing.run_credential_verification,
        actor=net.staff,
        credential_id=sanctions.id,
        sources=net.sources,
    )
    assert (
        failed.status is VerificationStatus.FAILED and "did not answer: HTTP 503" in failed.evidence
    )
    net.sources.unavailable.clear()
    net.sources.refuse.add(failed.source)
    listed = await net.run(
        credentialing.run_credential_verification,
        actor=net.staff,
        credential_id=sanctions.id,
        sources=net.sources,
    )
    assert listed.status is VerificationStatus.FAILED and listed.attempts == 2
    with pytest.raises(DomainError) as raised:
        await net.run(
            credentialing.record_committee_decision,
            actor=net.staff,
            application_id=application_id,
            decision=CommitteeDecision.APPROVED,
            notes=None,
        )
    assert raised.value.code is ErrorCode.CONFLICT


async def test_in_house_only_credentials_cannot_be_sent_to_a_source(net):
    application_id, _ = await net.submitted()
    insurance = next(
        c
        for c in await _credentials(net, application_id)
        if c.kind.value == "MALPRACTICE_INSURANCE"
    )
    with pytest.raises(DomainError) as raised:
        await net.run(
            credentialing.run_credential_verification,
            actor=net.staff,
            credential_id=insurance.id,
            sources=net.sources,
        )
    assert raised.value.field == "credentialId" and net.sources.asked == []


async def test_a_denied_application_ends_without_a_directory_entry(net):
    application_id, _ = await net.submitted()
    denied = await net.run(
        credentialing.record_committee_decision,
        actor=net.staff,
        application_id=application_id,
        decision=CommitteeDecision.DENIED,
        notes="Gaps",
    )
    assert (denied.status, denied.stage, denied.provider_id) == (
        ApplicationStatus.DENIED,
        NetworkStage.ENDED,
        None,
    )
    async with net.uow_factory() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Provider)) == 0


async def test_the_applicant_withdraws_and_nobody_else_may(net, orgs):
    application_id, applicant = await net.submitted()
    other_org = await orgs.organization("Elsewhere Cardiology", OrganizationKind.PROVIDER)
    stranger = await orgs.user(other_org, Role.PROVIDER_STAFF)
    with pytest.raises(DomainError) as raised:
        await net.run(
            applications.withdraw_application,
            actor=stranger,
            application_id=application_id,
            reason=None,
        )
    assert raised.value.code is ErrorCode.NOT_FOUND
    withdrawn = await net.run(
        applications.withdraw_application,
        actor=applicant,
        application_id=application_id,
        reason="Joined another network",
    )
    assert (withdrawn.status, withdrawn.stage) == (ApplicationStatus.WITHDRAWN, NetworkStage.ENDED)


async def test_approval_lists_the_practice_and_its_practitioners_pending_and_not_referable(net):
    application_id, _ = await net.approved(net.application(practitioners=2))
    found = await _application(net, application_id)
    assert (
        found.recredentialing_due_on == date(2029, 1, 15)
        and found.stage is NetworkStage.CONTRACTING
    )
    async with net.uow_factory() as uow:
        rows = list(
            await uow.session.scalars(select(Provider).order_by(Provider.kind, Provider.name))
        )
    assert [(p.kind.value, p.parent_provider_id == found.provider_id) for p in rows] == [
        ("ORGANIZATION", False),
        ("PRACTITIONER", True),
        ("PRACTITIONER", True),
    ]
    assert {(p.network_status, p.accepting_referrals) for p in rows} == {
        (NetworkStatus.PENDING, False)
    }


async def test_a_signature_of_another_document_is_not_recorded(net):
    application_id, _ = await net.approved()
    template = await net.run(
        contracts.create_contract_template, actor=net.staff, name="T", body="{{provider_name}}"
    )
    contract = await net.run(
        contracts.draft_contract,
        actor=net.staff,
        application_id=application_id,
        template_id=template.id,
        terms=net.terms(),
    )
    await net.run(contracts.submit_contract_for_approval, actor=net.staff, contract_id=contract.id)
    await net.run(
        contracts.decide_contract_approval,
        actor=net.manager,
        contract_id=contract.id,
        approve=True,
        reason=None,
    )
    sent = await net.run(
        signatures.send_contract_for_signature,
        actor=net.staff,
        contract_id=contract.id,
        signer_name="Dr. Z",
        signer_email="z@zamadi.example",
        signatures=net.signatures,
    )
    net.signatures.sign(sent.signature_envelope_id, document_hash="0" * 64)
    with pytest.raises(DomainError) as raised:
        await net.run(
            signatures.record_contract_signature,
            actor=net.staff,
            contract_id=contract.id,
            signatures=net.signatures,
        )
    assert "not the approved version" in raised.value.message


async def test_terminating_an_active_contract_ends_its_delivery_contracts_and_their_rates(net):
    application_id, contract_id = await net.contracted()
    provider_id = (await _application(net, application_id)).provider_id
    async with net.uow_factory() as uow:
        rates = await fallback_rates(
            uow,
            agency_id=net.agency,
            provider_id=provider_id,
            benefit_id=net.benefit,
            day=date(2026, 3, 1),
        )
    assert rates.contract == Decimal("110.00")
    await net.run(
        activation.terminate_contract,
        actor=net.staff,
        contract_id=contract_id,
        reason="Left the area",
    )
    async with net.uow_factory() as uow:
        statuses = set(await uow.session.scalars(select(ProviderContract.status)))
        rates = await fallback_rates(
            uow,
            agency_id=net.agency,
            provider_id=provider_id,
            benefit_id=net.benefit,
            day=date(2026, 3, 1),
        )
    assert statuses == {DeliveryContractStatus.TERMINATED} and rates.contract is None
    assert (await _application(net, application_id)).stage is NetworkStage.ENDED


async def test_onboarding_completes_only_when_every_live_task_is_done(net):
    application_id, _ = await net.contracted()
    async with net.uow_factory() as uow:
        tasks = (await reads.tasks_by_application_ids(uow=uow, ids=[application_id]))[
            application_id
        ]
    first, *rest = tasks
    await net.run(
        onboarding.work_onboarding_task,
        actor=net.staff,
        task_id=first.id,
        action=OnboardingTaskAction.CANCEL,
    )
    await net.run(
        onboarding.work_onboarding_task,
        actor=net.staff,
        task_id=rest[0].id,
        action=OnboardingTaskAction.COMPLETE,
    )
    assert (await _application(net, application_id)).stage is NetworkStage.ONBOARDING
    await net.run(
        onboarding.work_onboarding_task,
        actor=net.staff,
        task_id=rest[1].id,
        action=OnboardingTaskAction.COMPLETE,
    )
    found = await _application(net, application_id)
    assert found.stage is NetworkStage.ONGOING
    async with net.uow_factory() as uow:
        provider = await uow.session.get(Provider, found.provider_id)
    assert (provider.network_status, provider.accepting_referrals) == (
        NetworkStatus.IN_NETWORK,
        True,
    )


async def test_expiring_credentials_raise_one_alert_then_expire(net, clock):
    application_id, _ = await net.approved(net.application(malpractice_expires=date(2026, 2, 20)))
    raised = await net.run(alerts.scan_network_expiry, warn_days=60)
    assert raised == 1 and await net.run(alerts.scan_network_expiry, warn_days=60) == 0
    clock.advance(timedelta(days=40))  # 2026-02-24: the policy has lapsed
    assert await net.run(alerts.scan_network_expiry, warn_days=60) == 1
    insurance = next(
        c
        for c in await _credentials(net, application_id)
        if c.kind.value == "MALPRACTICE_INSURANCE"
    )
    assert insurance.status is VerificationStatus.EXPIRED
    clock.set(clock.now().replace(year=2028, month=12, day=1))
    await net.run(alerts.scan_network_expiry, warn_days=60)
    async with net.uow_factory() as uow:
        kinds = sorted(a.value for a in await uow.session.scalars(select(NetworkAlert.kind)))
    # The licence lapsed in 2027 unseen (the clock jumped): expired at once, with no warning.
    assert kinds == [
        AlertKind.CREDENTIAL_EXPIRED.value,
        AlertKind.CREDENTIAL_EXPIRED.value,
        AlertKind.CREDENTIAL_EXPIRING.value,
        AlertKind.RECREDENTIALING_DUE.value,
    ]
    page = await net.run(
        alerts.list_network_alerts,
        actor=net.staff,
        page=PageRequest(first=10),
    )
    assert len(page.items) == len(kinds)


async def test_an_active_contract_past_its_end_expires_and_the_provider_leaves_the_network(
    net, clock
):
    application_id, contract_id = await net.contracted()  # the period ends 2027-01-31
    clock.set(clock.now().replace(year=2026, month=12, day=15))
    await net.run(alerts.scan_network_expiry, warn_days=60)
    clock.set(clock.now().replace(year=2027, month=2, day=1))
    await net.run(alerts.scan_network_expiry, warn_days=60)
    found = await _application(net, application_id)
    async with net.uow_factory() as uow:
        kinds = {a.kind for a in await uow.session.scalars(select(NetworkAlert))}
        provider = await uow.session.get(Provider, found.provider_id)
        contract = await uow.session.get(NetworkContract, contract_id)
    assert {AlertKind.CONTRACT_EXPIRING, AlertKind.CONTRACT_EXPIRED} <= kinds
    assert contract.status.value == "EXPIRED" and found.stage is NetworkStage.ENDED
    assert (provider.network_status, provider.accepting_referrals) == (
        NetworkStatus.OUT_OF_NETWORK,
        False,
    )


async def test_recredentialing_verifies_again_and_moves_the_due_date(net, clock):
    application_id, _ = await net.approved()
    clock.set(clock.now().replace(year=2028, month=12, day=1))
    licence = next(c for c in await _credentials(net, application_id) if c.kind.value == "LICENSE")
    rerun = await net.run(
        credentialing.run_credential_verification,
        actor=net.staff,
        credential_id=licence.id,
        sources=net.sources,
    )
    # The licence expired in 2027 and the source gave no newer date: not verified.
    assert rerun.status is VerificationStatus.FAILED and rerun.evidence.endswith("expired")
    with pytest.raises(DomainError):
        await net.run(
            credentialing.record_recredentialing, actor=net.staff, application_id=application_id
        )
    await net.run(
        credentialing.verify_credential,
        actor=net.staff,
        credential_id=licence.id,
        verified=True,
        evidence="Renewed licence seen",
        expires_on=date(2030, 12, 31),
    )
    renewed = await net.run(
        credentialing.record_recredentialing, actor=net.staff, application_id=application_id
    )
    assert (renewed.credentialed_on, renewed.recredentialing_due_on) == (
        date(2028, 12, 1),
        date(2031, 12, 1),
    )
