"""Onboarding: the tasks a contract's activation made are worked by the network and the
provider's office; when the last is done the provider is IN_NETWORK, accepts referrals and
shows in the directory search as in network."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update

from domain.errors import forbidden, not_found
from domain.identity.rules import Principal
from domain.network.access import (
    ONBOARDING_TASK,
    advance_stage,
    load_application,
    network_event,
    step,
)
from domain.network.lifecycle import (
    NetworkStage,
    OnboardingTaskAction,
    OnboardingTaskStatus,
    StageAction,
)
from domain.network.models import Application, Lead, OnboardingTask
from domain.providers.models import NetworkStatus, Provider
from domain.providers.rules import manages_network
from domain.uow import UnitOfWork


async def work_onboarding_task(
    *,
    uow: UnitOfWork,
    actor: Principal,
    task_id: uuid.UUID,
    action: OnboardingTaskAction,
    note: str | None = None,
) -> OnboardingTask:
    """Start, complete or (network staff only) cancel a task; the last one done brings the
    provider into the network."""
    task = await uow.session.scalar(
        select(OnboardingTask).where(OnboardingTask.id == task_id).with_for_update()
    )
    if task is None:
        raise not_found("Onboarding task", "taskId")
    application = await load_application(uow, actor, task.application_id)
    if action is OnboardingTaskAction.CANCEL and not manages_network(actor):
        raise forbidden("Only network staff cancel an onboarding task", "action")
    await step(uow, actor, "onboarding_task", task, ONBOARDING_TASK, action, note)
    if action is OnboardingTaskAction.COMPLETE:
        task.completed_at = uow.clock.now()
        task.completed_by_id = actor.subject_id
    task.note = (note or "").strip()[:4000] or task.note
    await uow.session.flush()
    if application.stage is NetworkStage.ONBOARDING and await _all_done(uow, task.contract_id):
        await _join_network(uow, actor, application)
    await uow.commit()
    return task


async def _all_done(uow: UnitOfWork, contract_id: uuid.UUID) -> bool:
    statuses = list(
        await uow.session.scalars(
            select(OnboardingTask.status).where(OnboardingTask.contract_id == contract_id)
        )
    )
    live = [s for s in statuses if s is not OnboardingTaskStatus.CANCELLED]
    return bool(live) and all(s is OnboardingTaskStatus.DONE for s in live)


async def _join_network(uow: UnitOfWork, actor: Principal, application: Application) -> None:
    await set_network_status(uow, application, NetworkStatus.IN_NETWORK)
    await advance_stage(uow, actor, application, StageAction.COMPLETE_ONBOARDING)
    if application.lead_id is not None:
        await uow.session.execute(
            update(Lead).where(Lead.id == application.lead_id).values(stage=NetworkStage.ONGOING)
        )
    uow.record(
        network_event(
            uow,
            "network_provider.in_network",
            "Provider",
            application.provider_id or application.id,
            application.organization_id,
            application.provider_organization_id,
        )
    )


async def set_network_status(
    uow: UnitOfWork, application: Application, status: NetworkStatus
) -> None:
    """The practice's and its practitioners' directory entries join or leave the network;
    only in-network providers accept referrals."""
    ids = [application.provider_id, *(uuid.UUID(p) for p in application.practitioner_provider_ids)]
    await uow.session.execute(
        update(Provider)
        .where(Provider.id.in_(ids))
        .values(
            network_status=status,
            accepting_referrals=status is NetworkStatus.IN_NETWORK,
            updated_at=uow.clock.now(),
        )
        .execution_options(synchronize_session=False)
    )
