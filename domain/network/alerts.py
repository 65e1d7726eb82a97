"""The expiry scan of the follow-up engine: verified credentials past their date expire,
those expiring soon and re-credentialing coming due raise one alert each (per date)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from domain.identity.rules import Principal
from domain.models import keyset_after
from domain.network.access import CREDENTIAL, network_event, require_network_staff, step
from domain.network.lifecycle import ApplicationStatus, VerificationAction, VerificationStatus
from domain.network.models import AlertKind, Application, Credential, NetworkAlert
from domain.pagination import Page, PageRequest, decode_cursor, page_from_rows
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
    raised = await _add_new(uow, wanted)
    await uow.commit()
    return raised


def _alert(
    uow: UnitOfWork,
    organization_id: uuid.UUID,
    kind: AlertKind,
    application_id: uuid.UUID,
    credential_id: uuid.UUID | None,
    due_on: date,
    message: str,
) -> NetworkAlert:
    return NetworkAlert(
        key=f"{kind.value}:{credential_id or application_id}:{due_on.isoformat()}",
        organization_id=organization_id,
        kind=kind,
        application_id=application_id,
        credential_id=credential_id,
        due_on=due_on,
        message=message,
        raised_at=uow.clock.now(),
    )


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
