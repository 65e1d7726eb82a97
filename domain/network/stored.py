"""An application's stored draft read back as the applicant's data."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select

from domain.network.models import Application, Credential
from domain.network.rules import (
    ApplicationData,
    CredentialData,
    PractitionerData,
    location_from_json,
    practice_from_json,
    service_from_json,
)
from domain.providers.rules import SpecialtyData
from domain.uow import UnitOfWork


def application_data(application: Application) -> ApplicationData:
    """The practice, practitioners, locations, specialties, services and languages; the
    credentials are rows of their own (`Credential`)."""
    if not application.practice:
        return ApplicationData(practice=practice_from_json({"kind": "ORGANIZATION", "name": ""}))
    return ApplicationData(
        practice=practice_from_json(application.practice),
        practitioners=tuple(PractitionerData(**p) for p in application.practitioners),
        locations=tuple(location_from_json(item) for item in application.locations),
        specialties=tuple(SpecialtyData(**s) for s in application.specialties),
        services=tuple(service_from_json(s) for s in application.services),
        languages=tuple(application.languages),
    )


def credential_data(row: Credential) -> CredentialData:
    return CredentialData(
        kind=row.kind,
        subject_npi=row.subject_npi,
        number=row.number,
        issuer=row.issuer,
        state=row.state,
        issued_on=row.issued_on,
        expires_on=row.expires_on,
        details=dict(row.details or {}),
    )


async def stored_data(uow: UnitOfWork, application: Application) -> ApplicationData:
    """The application as saved, with the credentials the applicant listed."""
    rows = await uow.session.scalars(
        select(Credential)
        .where(Credential.application_id == application.id)
        .order_by(Credential.position)
    )
    return dataclasses.replace(
        application_data(application), credentials=tuple(credential_data(r) for r in rows)
    )
