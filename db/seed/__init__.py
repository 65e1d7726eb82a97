"""Demo data and generated data sets; development tokens for seeded users."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from adapters.tokens import mint_token
from db.accounts import find_organization, operator_units
from db.seed import demo, scale
from domain.clock import SystemClock
from domain.errors import DomainError, ErrorCode
from domain.identity.models import ApiClient, Role, User
from domain.identity.rules import Principal, principal_of
from domain.uow import UnitOfWork
from settings import Settings


async def run_seed(settings: Settings, *, with_demo: bool, providers: int) -> str:
    """Load the demo story (once) and/or `providers` generated providers; returns a summary."""
    lines: list[str] = []
    async with operator_units(settings) as units:
        if with_demo:
            lines.append(
                await demo.load_demo(
                    units,
                    supervisor_threshold=Decimal(settings.agency_supervisor_threshold),
                    manual_approval_share=Decimal(settings.manual_approval_share),
                )
            )
        if providers:
            lines.append(await scale.load_scale(units, providers))
    return "\n".join(lines) or "nothing to seed (give --demo and/or --scale N)"


async def point_demo_partners(settings: Settings, simulator_root: str) -> None:
    """The demo's trading partners to the simulators the demo serves at `simulator_root`."""
    from db.seed.demo_priorauth import point_demo_partners as point

    async with operator_units(settings) as units:
        await point(units, simulator_root)


async def _principal(
    uow: UnitOfWork, role: Role, organization: str, email: str | None
) -> Principal:
    org = await find_organization(uow, organization)
    if role is Role.PARTNER:
        # Machine partners are API clients, not users.
        clients = select(ApiClient).where(
            ApiClient.organization_id == org.id, ApiClient.active.is_(True)
        )
        client = (await uow.session.scalars(clients.order_by(ApiClient.client_id))).first()
        if client is not None:
            return principal_of(client, org.kind, is_machine=True)
    query = select(User).where(User.organization_id == org.id, User.active.is_(True))
    if email:
        query = query.where(User.email == email.lower())
    for user in await uow.session.scalars(query.order_by(User.email)):
        if role.value in user.roles:
            return principal_of(user, org.kind)
    raise DomainError(ErrorCode.NOT_FOUND, f"No active {role.value} user at {organization!r}")


async def mint_dev_token(
    settings: Settings, *, role: str, organization: str, email: str | None
) -> str:
    """A token for a seeded user with `role` at `organization` (name or id)."""
    async with operator_units(settings) as units, units() as uow:
        principal = await _principal(uow, Role(role.upper()), organization, email)
    return mint_token(settings, principal, SystemClock().now())


async def demo_banner(settings: Settings, host: str, port: int) -> str:
    """What `make demo` prints: where to go, and a token per demo user."""
    lines = [
        "",
        f"CareBridge demo: GraphiQL at http://{host}:{port}/graphql",
        'Paste a token into GraphiQL\'s headers as {"Authorization": "Bearer <token>"}',
        "",
    ]
    for who in (*demo.DEMO_USERS, demo.DEMO_PARTNER):
        token = await mint_dev_token(
            settings, role=who.roles[0].value, organization=who.organization, email=who.email
        )
        lines.append(f"{who.display_name} ({who.roles[0].value}, {who.organization}):")
        lines.append(f"  {token}")
    lines += [
        "",
        f"CAQH CORE SOAP partner ({demo.DEMO_SOAP_PARTNER.organization}): POST 278s to"
        f" http://{host}:{port}/soap/core (WSDL at ?wsdl), ReceiverID {settings.core_receiver_id}",
        f"  WS-Security UsernameToken username {demo.DEMO_SOAP_PARTNER.email}"
        f" password {demo.DEMO_SOAP_PARTNER_SECRET}",
    ]
    lines.append("")
    lines.append(
        'Try: { providers(search: {text: "grief counselling", near: {latitude: 39.9526, '
        "longitude: -75.1652, radiusKm: 10}}) { edges { node { name distanceKm } } } }"
    )
    return "\n".join(lines)
