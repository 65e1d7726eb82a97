"""GraphQL types of provider network management (types only; inputs in network_inputs)."""

from __future__ import annotations

import dataclasses
import datetime
import uuid
from collections.abc import Iterable
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, Self

import strawberry
from strawberry import relay
from strawberry.types import Info

from domain.network import lifecycle as lc
from domain.network import models
from domain.network.rules import SOURCES
from domain.network.terms import PaymentTermKind, term_from_json
from schema.catalog import Benefit
from schema.history import StatusChange
from schema.providers import Location, Provider, ServiceOffer, Specialty
from schema.relay import load_nodes

strawberry.enum(lc.ContractStatus, name="NetworkContractStatus")
strawberry.enum(lc.ContractAction, name="NetworkContractAction")
for enum in (
    lc.NetworkStage,
    lc.ApplicationStatus,
    lc.VerificationStatus,
    lc.CommitteeDecision,
    lc.ContractVersionStatus,
    lc.OnboardingTaskStatus,
    lc.OnboardingTaskAction,
    lc.OutreachStatus,
    lc.OutreachAction,
    models.CampaignStatus,
    models.LeadSource,
    models.CredentialKind,
    models.VerificationMethod,
    models.VerificationSourceKind,
    models.DocumentRequestStatus,
    models.AlertKind,
    models.NetworkTier,
    models.OnboardingTaskKind,
    PaymentTermKind,
):
    strawberry.enum(enum)


def copy(cls: Any, m: Any, **extra: Any) -> Any:
    """An instance of the GraphQL type `cls` from the same-named attributes of `m`."""
    names = {f.name for f in dataclasses.fields(cls) if f.init} - set(extra)
    return cls(**{n: getattr(m, n) for n in names if hasattr(m, n)}, **extra)


def network_nodes(kind: str) -> Any:
    """`resolve_nodes` of a network Node type, through its scoped loader."""

    async def resolve_nodes(
        cls: Any, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await load_nodes(info.context.loaders.network(kind), node_ids, cls.from_model)

    return classmethod(resolve_nodes)


@strawberry.type(description="The practice as the applicant entered it.")
class Practice:
    kind: str
    name: str
    npi: str | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    description: str | None = None


@strawberry.type
class Practitioner:
    name: str
    npi: str
    degree: str | None = None
    specialty_code: str | None = None


@strawberry.type(description="One checklist item of credentialing and its verification.")
class NetworkCredential(relay.Node):
    id: relay.NodeID[str]
    kind: models.CredentialKind
    subject_name: str
    subject_npi: str | None
    number: str | None
    issuer: str | None
    state: str | None
    issued_on: datetime.date | None
    expires_on: datetime.date | None
    status: lc.VerificationStatus
    method: models.VerificationMethod | None
    source: models.VerificationSourceKind | None
    source_reference: str | None
    evidence: str | None
    attempts: int
    verified_at: datetime.datetime | None
    verifiable_at_source: bool = strawberry.field(
        description="Whether runCredentialVerification can ask a source (else in-house)"
    )

    @classmethod
    def from_model(cls, m: models.Credential) -> Self:
        return copy(cls, m, id=str(m.id), verifiable_at_source=m.kind in SOURCES)

    resolve_nodes = network_nodes("NetworkCredential")


@strawberry.type(description="A credentialing specialist's request for more documents.")
class DocumentRequest(relay.Node):
    id: relay.NodeID[str]
    message: str
    status: models.DocumentRequestStatus
    requested_at: datetime.datetime
    answered_at: datetime.datetime | None
    answer: str | None

    @classmethod
    def from_model(cls, m: models.DocumentRequest) -> Self:
        return copy(cls, m, id=str(m.id))

    resolve_nodes = network_nodes("DocumentRequest")


@strawberry.type(description="A file the applicant uploaded (its content is not sent back).")
class ApplicationDocument:
    id: strawberry.ID
    title: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime.datetime
    request_id: strawberry.ID | None

    @classmethod
    def from_model(cls, m: models.ApplicationDocument) -> Self:
        request = relay.to_base64("DocumentRequest", m.request_id) if m.request_id else None
        return copy(cls, m, id=strawberry.ID(str(m.id)), request_id=request)


@strawberry.type
class PaymentTerm:
    kind: PaymentTermKind
    amount: Decimal | None
    percent: Decimal | None
    description: str | None
    benefit_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="The service of a fee-schedule term.")
    async def benefit(self, info: Info) -> Benefit | None:
        if self.benefit_id is None:
            return None
        return Benefit.from_model(await info.context.loaders.benefit.load(self.benefit_id))


@strawberry.type
class ContractClause:
    name: str
    text: str


@strawberry.type(description="One version of a contract: its terms and rendered document.")
class ContractVersion:
    number: int
    status: lc.ContractVersionStatus
    tier: models.NetworkTier
    period_start: datetime.date
    period_end: datetime.date
    payment_terms: list[PaymentTerm]
    clauses: list[ContractClause]
    document: str
    document_hash: str = strawberry.field(description="SHA-256 of the document, hex")
    change_note: str | None
    created_at: datetime.datetime
    approved_at: datetime.datetime | None
    covered_service_ids: strawberry.Private[list[uuid.UUID]]

    @strawberry.field
    async def covered_services(self, info: Info) -> list[Benefit]:
        found = await info.context.loaders.benefit.load_many(self.covered_service_ids)
        return [Benefit.from_model(b) for b in found if b is not None]

    @classmethod
    def from_model(cls, m: models.ContractVersion) -> Self:
        terms = [term_from_json(t) for t in m.payment_terms]
        return copy(
            cls,
            m,
            payment_terms=[copy(PaymentTerm, t) for t in terms],
            clauses=[ContractClause(name=k, text=v) for k, v in sorted(m.clauses.items())],
            covered_service_ids=[uuid.UUID(b) for b in m.covered_services],
        )


@strawberry.type(description="The network's contract with a provider, in versions.")
class NetworkContract(relay.Node):
    id: relay.NodeID[str]
    number: str
    status: lc.ContractStatus
    current_version: int
    signature_envelope_id: str | None = strawberry.field(
        description="The signature service's envelope of the version out for signature"
    )
    signed_by_name: str | None
    signed_by_email: str | None
    signed_at: datetime.datetime | None
    signed_document_hash: str | None
    activated_at: datetime.datetime | None
    ended_at: datetime.datetime | None
    created_at: datetime.datetime
    allowed_actions: list[lc.ContractAction]
    key: strawberry.Private[uuid.UUID]
    provider_id: strawberry.Private[uuid.UUID]
    prefetched_versions: strawberry.Private[list[Any] | None] = None

    @strawberry.field
    async def provider(self, info: Info) -> Provider:
        return Provider.from_model(await info.context.loaders.provider.load(self.provider_id))

    @strawberry.field(description="Every version, oldest first.")
    async def versions(self, info: Info) -> list[ContractVersion]:
        rows = self.prefetched_versions
        if rows is None:
            rows = await info.context.loaders.versions_by_contract.load(self.key)
        return [ContractVersion.from_model(v) for v in rows]

    @strawberry.field(description="The negotiation's current history of moves.")
    async def history(self, info: Info) -> list[StatusChange]:
        rows = await info.context.loaders.history("NetworkContract").load(self.key)
        return [StatusChange.from_model(r, info.context.actor.organization_id) for r in rows]

    @classmethod
    def from_model(cls, m: models.NetworkContract, versions: list[Any] | None = None) -> Self:
        return copy(
            cls,
            m,
            id=str(m.id),
            key=m.id,
            allowed_actions=list(lc.allowed_actions("contract", m.status)),
            prefetched_versions=versions,
        )

    resolve_nodes = network_nodes("NetworkContract")


@strawberry.type(description="What must be done before the provider is in network.")
class OnboardingTask(relay.Node):
    id: relay.NodeID[str]
    kind: models.OnboardingTaskKind
    title: str
    status: lc.OnboardingTaskStatus
    due_on: datetime.date
    completed_at: datetime.datetime | None
    note: str | None

    @classmethod
    def from_model(cls, m: models.OnboardingTask) -> Self:
        return copy(cls, m, id=str(m.id))

    resolve_nodes = network_nodes("OnboardingTask")


@strawberry.type(description="A provider's application to join the network.")
class NetworkApplication(relay.Node):
    id: relay.NodeID[str]
    number: str
    status: lc.ApplicationStatus
    stage: lc.NetworkStage
    allowed_actions: list[lc.ApplicationAction]
    practice: Practice | None
    practitioners: list[Practitioner]
    locations: list[Location]
    specialties: list[Specialty]
    services: list[ServiceOffer]
    languages: list[str]
    submitted_at: datetime.datetime | None
    decision: lc.CommitteeDecision | None
    decision_notes: str | None
    decided_at: datetime.datetime | None
    credentialed_on: datetime.date | None
    recredentialing_due_on: datetime.date | None
    created_at: datetime.datetime
    key: strawberry.Private[uuid.UUID]
    provider_id: strawberry.Private[uuid.UUID | None]
    practitioner_ids: strawberry.Private[list[uuid.UUID]]

    @strawberry.field(description="The checklist, in order.")
    async def credentials(self, info: Info) -> list[NetworkCredential]:
        rows = await info.context.loaders.credentials_by_application.load(self.key)
        return [NetworkCredential.from_model(r) for r in rows]

    @strawberry.field
    async def document_requests(self, info: Info) -> list[DocumentRequest]:
        rows = await info.context.loaders.document_requests_by_application.load(self.key)
        return [DocumentRequest.from_model(r) for r in rows]

    @strawberry.field
    async def documents(self, info: Info) -> list[ApplicationDocument]:
        rows = await info.context.loaders.documents_by_application.load(self.key)
        return [ApplicationDocument.from_model(r) for r in rows]

    @strawberry.field
    async def contracts(self, info: Info) -> list[NetworkContract]:
        rows = await info.context.loaders.contracts_by_application.load(self.key)
        return [NetworkContract.from_model(r) for r in rows]

    @strawberry.field
    async def onboarding_tasks(self, info: Info) -> list[OnboardingTask]:
        rows = await info.context.loaders.tasks_by_application.load(self.key)
        return [OnboardingTask.from_model(r) for r in rows]

    @strawberry.field(description="The practice's directory entry, once approved.")
    async def provider(self, info: Info) -> Provider | None:
        if self.provider_id is None:
            return None
        return Provider.from_model(await info.context.loaders.provider.load(self.provider_id))

    @strawberry.field(description="The practitioners' directory entries, once approved.")
    async def practitioner_providers(self, info: Info) -> list[Provider]:
        found = await info.context.loaders.provider.load_many(self.practitioner_ids)
        return [Provider.from_model(p) for p in found if p is not None]

    @strawberry.field
    async def history(self, info: Info) -> list[StatusChange]:
        rows = await info.context.loaders.history("NetworkApplication").load(self.key)
        return [StatusChange.from_model(r, info.context.actor.organization_id) for r in rows]

    @classmethod
    def from_model(cls, m: models.Application) -> Self:
        return cls(
            id=str(m.id),
            key=m.id,
            number=m.number,
            status=m.status,
            stage=m.stage,
            allowed_actions=list(lc.allowed_actions("application", m.status)),  # type: ignore[arg-type]
            practice=Practice(**m.practice) if m.practice else None,
            practitioners=[Practitioner(**p) for p in m.practitioners],
            locations=[
                Location.from_model(SimpleNamespace(**{"id": f"{m.id}:{i}", **loc}))  # type: ignore[arg-type]
                for i, loc in enumerate(m.locations)
            ],
            specialties=[Specialty(**s) for s in m.specialties],
            services=[
                ServiceOffer(
                    rate=Decimal(s["rate"]) if s.get("rate") is not None else None,
                    currency=s.get("currency", "USD"),
                    active=s.get("active", True),
                    benefit_id=uuid.UUID(s["benefit_id"]),
                )
                for s in m.services
            ],
            languages=list(m.languages),
            submitted_at=m.submitted_at,
            decision=m.decision,
            decision_notes=m.decision_notes,
            decided_at=m.decided_at,
            credentialed_on=m.credentialed_on,
            recredentialing_due_on=m.recredentialing_due_on,
            created_at=m.created_at,
            provider_id=m.provider_id,
            practitioner_ids=[uuid.UUID(p) for p in m.practitioner_provider_ids],
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return await load_nodes(info.context.loaders.network_application, node_ids, cls.from_model)


@strawberry.type(description="A contract text with {{merge_field}} placeholders.")
class ContractTemplate(relay.Node):
    id: relay.NodeID[str]
    name: str
    body: str
    merge_fields: list[str]
    active: bool
    created_at: datetime.datetime

    @classmethod
    def from_model(cls, m: models.ContractTemplate) -> Self:
        return copy(cls, m, id=str(m.id))

    resolve_nodes = network_nodes("ContractTemplate")


@strawberry.type
class NetworkAlert:
    id: strawberry.ID
    kind: models.AlertKind
    due_on: datetime.date
    message: str
    raised_at: datetime.datetime
    application_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def application(self, info: Info) -> NetworkApplication | None:
        found = await info.context.loaders.network_application.load(self.application_id)
        return NetworkApplication.from_model(found) if found else None

    @classmethod
    def from_model(cls, m: models.NetworkAlert) -> Self:
        return copy(cls, m, id=strawberry.ID(str(m.id)))


@strawberry.type(description="One difference between two contract versions.")
class ContractChange:
    path: str
    before: str | None
    after: str | None
