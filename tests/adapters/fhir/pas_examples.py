"""The PAS request examples of the conformance folder, by version, and how to take one in:
a partner world whose payer and directory know the example's identifiers and NPIs."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import update

from adapters.fhir.pas import parse_resource
from adapters.fhir.pas_inbound import from_pas_request
from domain.authorizations.inbound import InboundSubmission, receive_submission
from domain.authorizations.intake_records import provider_npis
from domain.authorizations.lifecycle import AuthorizationStatus
from domain.authorizations.models import AuthorizationRequest
from tests.adapters.ehr_support import PAS_EXAMPLES
from tests.inbound_support import build_partner_world

REQUESTS = sorted(
    f"{path.parent.name}/{path.name}"
    for path in PAS_EXAMPLES.glob("v2.*/Bundle-*.json")
    if not any(word in path.name for word in ("Response", "Notification", "Inquiry"))
)
INQUIRIES = sorted(
    f"{path.parent.name}/{path.name}"
    for path in PAS_EXAMPLES.glob("v2.*/Bundle-PASClaimInquiryBundleExample.json")
)
# An update applies to the request its original made.
ORIGINALS = {
    "v2.0.1/Bundle-HomecareAuthorizationDifferentialBundleExample.json": "v2.0.1/Bundle-HomecareAuthorizationBundleExample.json",
    "v2.0.1/Bundle-HomecareAuthorizationUpdateBundleExample.json": "v2.0.1/Bundle-HomecareAuthorizationBundleExample.json",
    "v2.2.1/Bundle-HomecareAuthorizationUpdateBundleExample.json": "v2.2.1/Bundle-HomecareAuthorizationBundleExample.json",
}


def example_bytes(name: str) -> bytes:
    return (PAS_EXAMPLES / name).read_bytes()


def submission_of(name: str) -> InboundSubmission:
    return from_pas_request(parse_resource(example_bytes(name), "Bundle"))


def npis_of(*submissions: InboundSubmission) -> set[str]:
    return {
        npi
        for sent in submissions
        for service in sent.intake.requested_services
        for provider in (service.requesting_provider, service.servicing_provider)
        for npi in provider_npis(provider)
    }


async def world_for(orgs, uow_factory, name: str, **options):
    """A world that knows the example's payer and providers (and its original's)."""
    sent = [submission_of(n) for n in (ORIGINALS.get(name), name) if n]
    return await build_partner_world(
        orgs,
        uow_factory,
        payer_id=sent[-1].payer_identifier or "UNKNOWN",
        provider_npis=npis_of(*sent),
        **options,
    )


async def take_in(uow_factory, actor, name: str):
    """Receive the example; an update first receives its original, then rejects it, so the
    update's services replace the original's (an update of a request in review only adds
    documents)."""
    original = ORIGINALS.get(name)
    if original:
        async with uow_factory() as uow:
            await receive_submission(uow=uow, actor=actor, submission=submission_of(original))
        async with uow_factory() as uow:
            await uow.session.execute(
                update(AuthorizationRequest).values(status=AuthorizationStatus.REJECTED)
            )
            await uow.commit()
    async with uow_factory() as uow:
        return await receive_submission(uow=uow, actor=actor, submission=submission_of(name))


__all__ = [
    "INQUIRIES",
    "REQUESTS",
    "Path",
    "example_bytes",
    "submission_of",
    "take_in",
    "world_for",
]
