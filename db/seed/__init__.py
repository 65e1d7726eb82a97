"""Demo data and generated data sets; development tokens for seeded users."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from adapters.tokens import mint_token
from db.engine import create_engine
from db.seed import demo, scale
from db.uow import Database
from domain.clock import SystemClock
from domain.errors import DomainError, ErrorCode
from domain.identity.models import Organization, Role, User
from domain.identity.rules import Principal
from settings import Settings


async def run_seed(settings: Settings, *, with_demo: bool, providers: int) -> str:
    """Load the demo story (once) and/or `providers` generated providers; returns a summary."""
    database = Database(create_engine(settings), clock=SystemClock(), bus=None)
    lines: list[str] = []
    try:
        factory = database.uow_factory("seed")
        if with_demo:
            lines.append(await demo.load_demo(factory))
        if providers:
            lines.append(await scale.load_scale(factory, providers))
    finally:
        await database.dispose()
    return "\n".join(lines) or "nothing to seed (give --demo and/or --scale N)"


async def _principal(
    database: Database, role: str, organization: str, email: str | None
) -> Principal:
    async with database.uow_factory("token")() as uow:
        query = select(User, Organization).join(
            Organization, Organization.id == User.organization_id
        )
        try:
            query = query.where(Organization.id == uuid.UUID(organization))
        except ValueError:
            query = query.where(Organization.name == organization)
        if email:
            query = query.where(User.email == email.lower())
        wanted = Role(role.upper())
        for user, org in (await uow.session.execute(query.order_by(User.email))).all():
            if wanted.value in user.roles and user.active:
                return Principal(
                    subject_id=user.id,
                    organization_id=org.id,
                    organization_kind=org.kind,
                    roles=frozenset(Role(r) for r in user.roles),
                )
    raise DomainError(ErrorCode.NOT_FOUND, f"No active {wanted.value} user at {organization!r}")


async def mint_dev_token(
    settings: Settings, *, role: str, organization: str, email: str | None
) -> str:
    """A token for a seeded user with `role` at `organization` (name or id)."""
    database = Database(create_engine(settings), clock=SystemClock(), bus=None)
    try:
        principal = await _principal(database, role, organization, email)
    finally:
        await database.dispose()
    return mint_token(settings, principal, SystemClock().now())


async def demo_banner(settings: Settings, host: str, port: int) -> str:
    """What `make demo` prints: where to go, and a token per demo user."""
    lines = [
        "",
        f"CareBridge demo: GraphiQL at http://{host}:{port}/graphql",
        'Paste a token into GraphiQL\'s headers as {"Authorization": "Bearer <token>"}',
        "",
    ]
    for who in demo.DEMO_USERS:
        token = await mint_dev_token(
            settings, role=who.roles[0].value, organization=who.organization, email=who.email
        )
        lines.append(f"{who.display_name} ({who.roles[0].value}, {who.organization}):")
        lines.append(f"  {token}")
    lines.append("")
    lines.append(
        'Try: { providers(search: {text: "grief counselling", near: {latitude: 39.9526, '
        "longitude: -75.1652, radiusKm: 10}}) { edges { node { name distanceKm } } } }"
    )
    return "\n".join(lines)
