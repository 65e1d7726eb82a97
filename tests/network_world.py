"""A network for network-management tests, driven through the domain services: an agency's
network staff, a campaign lead invited to apply, and helpers that take the application to
any stage. The verification sources and the signature service are fakes implementing the
ports (the HTTP adapters and simulators are tested over HTTP elsewhere)."""

from __future__ import annotations

import dataclasses
import itertools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from domain.catalog import service as catalog
from domain.catalog.models import BenefitCategory, Frequency, UnitOfMeasure
from domain.catalog.rules import BenefitData
from domain.identity import service as identity
from domain.identity.models import OrganizationKind, Role
from domain.identity.rules import Principal
from domain.network import (
    activation,
    applications,
    contracts,
    credentialing,
    recruiting,
    signatures,
)
from domain.network.lifecycle import CommitteeDecision
from domain.network.models import CredentialKind, NetworkTier, VerificationSourceKind
from domain.network.ports import (
    SignatureRequest,
    SignatureStatus,
    SourceUnavailable,
    VerificationAnswer,
    VerificationQuery,
)
from domain.network.rules import (
    ApplicationData,
    CredentialData,
    PracticeData,
    PractitionerData,
)
from domain.network.terms import ContractTermsData, PaymentTermData, PaymentTermKind
from domain.providers.models import ProviderKind
from domain.providers.rules import LocationData, ServiceOfferData, SpecialtyData
from tests.world import npi

_NPI_BASES = itertools.count(180000000)


def fresh_npi() -> str:
    return npi(str(next(_NPI_BASES)))


CARDIOLOGY = SpecialtyData("207RC0000X", "Cardiovascular Disease", True)
TEMPLATE = "Agreement {{contract_number}} v{{version}} with {{provider_name}}\n{{payment_terms}}\n"


class FakeVerificationSources:
    """The VerificationSources port: verifies everything, except what it is told to fail or
    to be unavailable for."""

    def __init__(self) -> None:
        self.unavailable: set[VerificationSourceKind] = set()
        self.refuse: set[VerificationSourceKind] = set()
        self.asked: list[VerificationQuery] = []

    async def verify(
        self, source: VerificationSourceKind, query: VerificationQuery
    ) -> VerificationAnswer:
        self.asked.append(query)
        if source in self.unavailable:
            raise SourceUnavailable("HTTP 503")
        if source in self.refuse:
            return VerificationAnswer(False, f"{source} says no")
        return VerificationAnswer(True, f"{source} confirms", f"REF-{len(self.asked)}")


@dataclass
class FakeSignatureService:
    """The SignatureService port; `sign` stands for the signer's action."""

    envelopes: dict[str, dict[str, Any]] = field(default_factory=dict)

    async def send(self, request: SignatureRequest) -> str:
        envelope_id = f"env-{len(self.envelopes) + 1}"
        self.envelopes[envelope_id] = {
            "request": request,
            "signed": False,
            "hash": request.document_hash,
        }
        return envelope_id

    def sign(self, envelope_id: str, *, document_hash: str | None = None) -> None:
        envelope = self.envelopes[envelope_id]
        envelope["signed"] = True
        envelope["hash"] = document_hash or envelope["hash"]

    async def status(self, envelope_id: str) -> SignatureStatus:
        envelope = self.envelopes[envelope_id]
        request = envelope["request"]
        return SignatureStatus(
            envelope_id=envelope_id,
            completed=envelope["signed"],
            signer_name=request.signer_name,
            signer_email=request.signer_email,
            signed_at=datetime(2026, 1, 16, 10, 0, tzinfo=UTC) if envelope["signed"] else None,
            document_hash=envelope["hash"],
        )


@dataclass
class Network:
    uow_factory: Any
    agency: uuid.UUID
    staff: Principal
    manager: Principal
    benefit: uuid.UUID
    sources: FakeVerificationSources = field(default_factory=FakeVerificationSources)
    signatures: FakeSignatureService = field(default_factory=FakeSignatureService)

    async def run(self, use_case: Any, **kwargs: Any) -> Any:
        async with self.uow_factory() as uow:
            return await use_case(uow=uow, **kwargs)

    async def invited(
        self, name: str = "Dr. Leila Zamadi", email: str | None = None
    ) -> tuple[uuid.UUID, Principal]:
        campaign = await self.run(
            recruiting.create_campaign,
            actor=self.staff,
            code=f"C-{uuid.uuid4().hex[:6]}",
            name="Cardiology",
        )
        lead = await self.run(
            recruiting.add_campaign_target,
            actor=self.staff,
            campaign_id=campaign.id,
            data=recruiting.LeadData(
                name=name, email=email or f"{uuid.uuid4().hex[:8]}@zamadi.example"
            ),
        )
        await self.run(
            recruiting.record_outreach,
            actor=self.staff,
            lead_id=lead.id,
            action=recruiting.OutreachAction.CONTACT,
            note=None,
        )
        invitation = await self.run(
            recruiting.invite_lead,
            actor=self.staff,
            lead_id=lead.id,
            organization_name=f"{name} practice {uuid.uuid4().hex[:4]}",
        )
        async with self.uow_factory() as uow:
            applicant = await identity.principal_for_user(uow=uow, user_id=invitation.user.id)
        return invitation.application.id, applicant

    def application(
        self, *, practitioners: int = 1, malpractice_expires: date = date(2026, 12, 31)
    ) -> ApplicationData:
        people = tuple(
            PractitionerData(f"Dr. Practitioner {i}", fresh_npi(), "MD", CARDIOLOGY.code)
            for i in range(practitioners)
        )
        credentials = [
            CredentialData(
                CredentialKind.LICENSE,
                p.npi,
                number=f"MD{i}",
                state="PA",
                expires_on=date(2027, 12, 31),
            )
            for i, p in enumerate(people)
        ]
        credentials.append(
            CredentialData(
                CredentialKind.MALPRACTICE_INSURANCE,
                None,
                number="KM-1",
                issuer="Keystone Mutual",
                expires_on=malpractice_expires,
            )
        )
        return ApplicationData(
            practice=PracticeData(ProviderKind.ORGANIZATION, "Zamadi Heart Clinic", fresh_npi()),
            practitioners=people,
            locations=(LocationData(39.95, -75.16, city="Cosville"),),
            specialties=(CARDIOLOGY,),
            services=(ServiceOfferData(self.benefit, Decimal("120.00")),),
            languages=("en",),
            credentials=tuple(credentials),
        )

    async def submitted(self, data: ApplicationData | None = None) -> tuple[uuid.UUID, Principal]:
        application_id, applicant = await self.invited()
        await self.run(
            applications.save_application_draft,
            actor=applicant,
            application_id=application_id,
            data=data or self.application(),
        )
        await self.run(
            applications.submit_application, actor=applicant, application_id=application_id
        )
        await self.run(applications.start_review, actor=self.staff, application_id=application_id)
        return application_id, applicant

    async def verify_all(self, application_id: uuid.UUID) -> None:
        from domain.network.reads import credentials_by_application_ids

        async with self.uow_factory() as uow:
            items = (await credentials_by_application_ids(uow=uow, ids=[application_id]))[
                application_id
            ]
        for item in items:
            await self.run(
                credentialing.verify_credential,
                actor=self.staff,
                credential_id=item.id,
                verified=True,
                evidence="Seen in-house",
            )

    async def approved(self, data: ApplicationData | None = None) -> tuple[uuid.UUID, Principal]:
        application_id, applicant = await self.submitted(data)
        await self.verify_all(application_id)
        await self.run(
            credentialing.record_committee_decision,
            actor=self.staff,
            application_id=application_id,
            decision=CommitteeDecision.APPROVED,
            notes=None,
        )
        return application_id, applicant

    def terms(self, rate: str = "110.00", **changes: Any) -> ContractTermsData:
        base = ContractTermsData(
            tier=NetworkTier.STANDARD,
            period_start=date(2026, 2, 1),
            period_end=date(2027, 1, 31),
            payment_terms=(
                PaymentTermData(PaymentTermKind.FEE_SCHEDULE, self.benefit, Decimal(rate)),
            ),
            covered_services=(self.benefit,),
        )
        return dataclasses.replace(base, **changes)

    async def contracted(
        self, *, versions: int = 1, activate: bool = True
    ) -> tuple[uuid.UUID, uuid.UUID]:
        """An approved application with a contract of `versions` versions, signed (and active)."""
        application_id, _ = await self.approved()
        template = await self.run(
            contracts.create_contract_template,
            actor=self.staff,
            name=f"T-{uuid.uuid4().hex[:6]}",
            body=TEMPLATE,
        )
        contract = await self.run(
            contracts.draft_contract,
            actor=self.staff,
            application_id=application_id,
            template_id=template.id,
            terms=self.terms(),
        )
        for number in range(2, versions + 1):
            await self.run(
                contracts.revise_contract,
                actor=self.staff,
                contract_id=contract.id,
                terms=self.terms(f"{100 + number}.00"),
            )
        await self.run(
            contracts.submit_contract_for_approval, actor=self.staff, contract_id=contract.id
        )
        await self.run(
            contracts.decide_contract_approval,
            actor=self.manager,
            contract_id=contract.id,
            approve=True,
            reason=None,
        )
        sent = await self.run(
            signatures.send_contract_for_signature,
            actor=self.staff,
            contract_id=contract.id,
            signer_name="Dr. Leila Zamadi",
            signer_email="leila@zamadi.example",
            signatures=self.signatures,
        )
        self.signatures.sign(sent.signature_envelope_id)
        await self.run(
            signatures.record_contract_signature,
            actor=self.staff,
            contract_id=contract.id,
            signatures=self.signatures,
        )
        if activate:
            await self.run(activation.activate_contract, actor=self.staff, contract_id=contract.id)
        return application_id, contract.id


async def create_cardiac_rehab(uow_factory: Any, supervisor: Principal) -> uuid.UUID:
    """The agency's cardiac rehabilitation benefit (per session, 36 per authorization)."""
    async with uow_factory() as uow:
        benefit = await catalog.create_benefit(
            uow=uow,
            actor=supervisor,
            data=BenefitData(
                "CARDIAC-REHAB",
                "Cardiac rehabilitation",
                "Cardiology",
                BenefitCategory.SERVICES,
                UnitOfMeasure.SESSION,
                None,
                Decimal(36),
                Frequency.PER_AUTHORIZATION,
                Decimal("95.00"),
            ),
        )
    return benefit.id


async def build_network(orgs: Any, uow_factory: Any) -> Network:
    agency = await orgs.organization(f"Cosville {uuid.uuid4().hex[:6]}", OrganizationKind.AGENCY)
    staff = await orgs.user(agency, Role.NETWORK_STAFF)
    manager = await orgs.user(agency, Role.NETWORK_STAFF)
    supervisor = await orgs.user(agency, Role.CASE_SUPERVISOR)
    benefit = await create_cardiac_rehab(uow_factory, supervisor)
    return Network(uow_factory, agency, staff, manager, benefit)
