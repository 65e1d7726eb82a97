"""The expiry scan of the follow-up engine: verified credentials past their date expire,
active contracts past their end expire (the provider leaves the network); those expiring
soon and re-credentialing coming due raise one alert each (per date)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, select

from domain.identity.rules import Principal
from domain.models import keyset_after
from domain.network.access import (
    CONTRACT,
    CREDENTIAL,
    advance_stage,
    network_event,
    require_network_staff,
    step,
)
from domain.network.lifecycle import (
    ApplicationStatus,
    ContractAction,
    ContractStatus,
    NetworkStage,
    StageAction,
    VerificationAction,
    VerificationStatus,
)
from domain.network.models import (
    AlertKind,
    Application,
    ContractVersion,
    Credential,
    NetworkAlert,
    NetworkContract,
)
from domain.network.onboarding import set_network_status
from domain.pagination import Page, PageRequest, decode_cursor, page_from_rows
from domain.providers.models import NetworkStatus
from domain.uow import UnitOfWork


async def scan_network_expiry(*, uow: UnitOfWork, warn_days: int = 60, limit: int = 500) -> int:
    """Expire and alert; how many alerts were raised (run until it answers 0)."""
    today = uow.clock.now().date()
    horizon = today + timedelta(days=warn_days)
    rows = (
        await uow.session.execute(
            select(Credential, Application.organization_id)
            .join(Application, Application.id == Credential.application_id)
            .where(
                Credential.status == VerificationStatus.VERIFIED,
                Credential.expires_on <= horizon,
                Application.status == ApplicationStatus.APPROVED,
            )
            .order_by(Credential.expires_on, Credential.id)
            .limit(limit)
            .with_for_update(of=Credential, skip_locked=uow.dialect == "postgresql")
        )
    ).all()
    wanted: list[NetworkAlert] = []
    for credential, network_id in rows:
        assert credential.expires_on is not None
        expired = credential.expires_on <= today
        kind = AlertKind.CREDENTIAL_EXPIRED if expired else AlertKind.CREDENTIAL_EXPIRING
        if expired:
            await step(uow, None, "verification", credential, CREDENTIAL, VerificationAction.EXPIRE)
        what = f"{credential.kind} of {credential.subject_name}"
        wanted.append(
            _alert(
                uow,
                network_id,
                kind,
                credential.application_id,
                credential.id,
                credential.expires_on,
                f"{what} {'expired' if expired else 'expires'} on {credential.expires_on}",
            )
        )
    due = await uow.session.execute(
        select(Application.id, Application.organization_id, Application.recredentialing_due_on)
        .where(
            Application.status == ApplicationStatus.APPROVED,
            Application.recredentialing_due_on <= horizon,
        )
        .limit(limit)
    )
    for app_id, network_id, due_on in due:
        wanted.append(
            _alert(
                uow,
                network_id,
                AlertKind.RECREDENTIALING_DUE,
                app_id,
                None,
                due_on,
                f"Re-credentialing is due on {due_on}",
            )
        )
    wanted += await _contracts(uow, today, horizon, limit)
    raised = await _add_new(uow, wanted)
    await uow.commit()
    return raised


async def _contracts(uow: UnitOfWork, today: date, horizon: date, limit: int) -> list[NetworkAlert]:
    rows = (
        await uow.session.execute(
            select(NetworkContract, ContractVersion.period_end)
            .join(
                ContractVersion,
                and_(
                    ContractVersion.contract_id == NetworkContract.id,
                    ContractVersion.number == NetworkContract.current_version,
                ),
            )
            .where(
                NetworkContract.status == ContractStatus.ACTIVE,
                ContractVersion.period_end <= horizon,
            )
            .order_by(ContractVersion.period_end, NetworkContract.id)
            .limit(limit)
            .with_for_update(of=NetworkContract, skip_locked=uow.dialect == "postgresql")
        )
    ).all()
    found = []
    for contract, ends in rows:
        expired = ends < today
        if expired:
            await step(uow, None, "contract", contract, CONTRACT, ContractAction.EXPIRE)
            contract.ended_at = uow.clock.now()
            application = await uow.session.get(Application, contract.application_id)
            assert application is not None
            await set_network_status(uow, application, NetworkStatus.OUT_OF_NETWORK)
            if application.stage is not NetworkStage.ENDED:
                await advance_stage(uow, None, application, StageAction.END)
        kind = AlertKind.CONTRACT_EXPIRED if expired else AlertKind.CONTRACT_EXPIRING
        verb = "ended" if expired else "ends"
        found.append(
            _alert(
                uow,
                contract.organization_id,
                kind,
                contract.application_id,
                contract.id,
                ends,
                f"Contract {contract.number} {verb} on {ends}",
            )
        )
    return found


def _alert(
    uow: UnitOfWork,
    organization_id: uuid.UUID,
    kind: AlertKind,
    application_id: uuid.UUID,
    subject_id: uuid.UUID | None,
    due_on: date,
    message: str,
) -> NetworkAlert:
    """One alert per kind, subject (a credential or contract; else the application) and date."""
    return NetworkAlert(
        key=f"{kind.value}:{subject_id or application_id}:{due_on.isoformat()}",
        organization_id=organization_id,
        kind=kind,
        application_id=application_id,
        credential_id=subject_id if kind in _CREDENTIAL_ALERTS else None,
        due_on=due_on,
        message=message,
        raised_at=uow.clock.now(),
    )


_CREDENTIAL_ALERTS = (AlertKind.CREDENTIAL_EXPIRING, AlertKind.CREDENTIAL_EXPIRED)


async def _add_new(uow: UnitOfWork, alerts: list[NetworkAlert]) -> int:
    if not alerts:
        return 0
    keys = {a.key for a in alerts}
    known = set(
        await uow.session.scalars(select(NetworkAlert.key).where(NetworkAlert.key.in_(keys)))
    )
    fresh = [a for a in {a.key: a for a in alerts}.values() if a.key not in known]
    for alert in fresh:
        uow.session.add(alert)
        uow.record(
            network_event(
                uow,
                "network_alert.raised",
                "NetworkAlert",
                alert.application_id,
                alert.organization_id,
                kind=alert.kind,
            )
        )
    return len(fresh)


async def list_network_alerts(
    *, uow: UnitOfWork, actor: Principal, page: PageRequest, with_total: bool = False
) -> Page[NetworkAlert]:
    """The network's alerts, newest first."""
    require_network_staff(actor)
    base = select(NetworkAlert).where(NetworkAlert.organization_id == actor.organization_id)
    query = base
    if page.after:
        at, last = decode_cursor(page.after, (datetime, uuid.UUID))
        query = query.where(
            keyset_after((NetworkAlert.raised_at, NetworkAlert.id), (at, last), descending=True)
        )
    order = (NetworkAlert.raised_at.desc(), NetworkAlert.id.desc())
    rows = (await uow.session.scalars(query.order_by(*order).limit(page.first + 1))).all()
    total = None
    if with_total:
        total = await uow.session.scalar(select(func.count()).select_from(base.subquery()))
    return page_from_rows(rows, page, lambda a: (a.raised_at, a.id)).with_total(total)
