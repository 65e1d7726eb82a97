"""Generated worklist data for `bench/worklist.py`: one provider organisation's patients and its
prior-authorization requests to a few payers, each with 2 lines and 1-2 diagnoses, written with
COPY (asyncpg) in batches. Statuses and decision due dates are spread as on a real worklist:
most requests decided long ago (due in the past), a fifth waiting on the payer (due from two
days ago to a week ahead), a few drafts (no due date yet).

Not a benchmark itself (`make bench-quick` skips files starting with `_`).
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import asyncpg

from domain.authorizations.lifecycle import AuthorizationStatus as S
from domain.authorizations.lifecycle import ReviewAction

# (status, weight): waiting on the payer ~20%, drafts ~5%, the rest decided or closed.
STATUSES = (
    (S.DRAFT, 5),
    (S.SUBMITTED, 8),
    (S.PENDED, 7),
    (S.INFO_REQUESTED, 5),
    (S.APPROVED, 42),
    (S.PARTIALLY_APPROVED, 7),
    (S.MODIFIED, 2),
    (S.DENIED, 11),
    (S.CANCELLED, 5),
    (S.EXPIRED, 5),
    (S.APPEALED, 2),
    (S.UPHELD, 1),
)
WAITING = (S.SUBMITTED, S.PENDED, S.INFO_REQUESTED)
DECIDED_ACTION = {
    S.APPROVED: ReviewAction.CERTIFIED,
    S.PARTIALLY_APPROVED: ReviewAction.PARTIALLY_CERTIFIED,
    S.MODIFIED: ReviewAction.MODIFIED,
    S.DENIED: ReviewAction.NOT_CERTIFIED,
    S.EXPIRED: ReviewAction.CERTIFIED,
    S.APPEALED: ReviewAction.NOT_CERTIFIED,
    S.UPHELD: ReviewAction.NOT_CERTIFIED,
}
SERVICES = ("72148", "97110", "97140", "70553", "E0601", "99213", "G0283", "29881", "73721")
DIAGNOSES = ("M54.16", "M51.26", "G47.33", "M17.11", "S83.241A", "M25.561", "R51.9", "I10")
GIVEN = ("Maria", "James", "Aisha", "Wei", "Olga", "Juan", "Priya", "Tom", "Fatima", "Ken")
FAMILY = ("Lopez", "Smith", "Okafor", "Chen", "Ivanova", "Garcia", "Patel", "Brown", "Khan")

REQUEST_COLUMNS = (
    "id", "number", "authorizer_kind", "authorizer_organization_id",
    "requesting_organization_id", "patient_id", "priority", "category", "status",
    "received_at", "decision_due_at", "decided_at", "assignee_id", "payer_reference",
    "submitted_at", "created_by_id", "version", "created_at", "updated_at",
)  # fmt: skip
LINE_COLUMNS = (
    "id", "request_id", "sequence", "code_system", "service_code", "modifiers", "quantity",
    "unit_of_measure", "review_action", "approved_quantity", "authorization_number",
    "reason_codes", "currency", "used_quantity", "decided_at",
)  # fmt: skip
DIAGNOSIS_COLUMNS = ("id", "request_id", "sequence", "code", "display")
PERSON_COLUMNS = (
    "id", "given_name", "family_name", "birth_date", "sex",
    "registered_by_organization_id", "created_at", "updated_at",
)  # fmt: skip


@dataclass(frozen=True)
class Office:
    """Who the generated requests belong to."""

    organization_id: uuid.UUID
    coordinator_id: uuid.UUID
    payer_ids: tuple[uuid.UUID, ...]
    patient_ids: tuple[uuid.UUID, ...]


async def add_patients(
    conn: asyncpg.Connection, organization_id: uuid.UUID, count: int, now: datetime
) -> tuple[uuid.UUID, ...]:
    """Patients registered by (so visible to) the office."""
    rng = random.Random(7)
    ids = tuple(uuid.uuid4() for _ in range(count))
    persons = [
        (
            pid,
            rng.choice(GIVEN),
            rng.choice(FAMILY),
            date(1940, 1, 1) + timedelta(days=rng.randrange(80 * 365)),
            rng.choice(("FEMALE", "MALE")),
            organization_id,
            now,
            now,
        )
        for pid in ids
    ]
    await conn.copy_records_to_table("persons", records=persons, columns=PERSON_COLUMNS)
    links = [(pid, organization_id, "REGISTERED", now) for pid in ids]
    await conn.copy_records_to_table(
        "person_organizations",
        records=links,
        columns=("person_id", "organization_id", "reason", "granted_at"),
    )
    return ids


async def add_requests(
    conn: asyncpg.Connection, office: Office, start: int, stop: int, now: datetime
) -> None:
    """Requests number `start` to `stop - 1` (deterministic per number), in batches."""
    for low in range(start, stop, 5000):
        requests, lines, diagnoses = [], [], []
        for number in range(low, min(stop, low + 5000)):
            request, its_lines, its_diagnoses = _request(office, number, now)
            requests.append(request)
            lines += its_lines
            diagnoses += its_diagnoses
        async with conn.transaction():
            await conn.copy_records_to_table(
                "authorization_requests", records=requests, columns=REQUEST_COLUMNS
            )
            await conn.copy_records_to_table(
                "authorization_lines", records=lines, columns=LINE_COLUMNS
            )
            await conn.copy_records_to_table(
                "authorization_diagnoses", records=diagnoses, columns=DIAGNOSIS_COLUMNS
            )


def _request(office: Office, number: int, now: datetime) -> tuple[tuple, list, list]:
    rng = random.Random(number)
    status = rng.choices([s for s, _ in STATUSES], [w for _, w in STATUSES])[0]
    expedited = rng.random() < 0.15
    request_id = uuid.UUID(int=rng.getrandbits(128), version=4)
    if status in WAITING:
        created = now - timedelta(days=rng.uniform(1, 10))
        due: datetime | None = now + timedelta(seconds=rng.uniform(-2 * 86400, 7 * 86400))
        decided = None
    elif status is S.DRAFT:
        created = now - timedelta(days=rng.uniform(0, 5))
        due = decided = None
    else:
        created = now - timedelta(days=rng.uniform(12, 730))
        due = created + timedelta(hours=72 if expedited else 7 * 24)
        decided = created + timedelta(hours=rng.uniform(4, 150))
    submitted = None if status is S.DRAFT else created + timedelta(hours=1)
    request = (
        request_id,
        f"BW-{office.organization_id.hex[:6]}-{number:07d}",
        "PAYER",
        office.payer_ids[number % len(office.payer_ids)],
        office.organization_id,
        office.patient_ids[rng.randrange(len(office.patient_ids))],
        "EXPEDITED" if expedited else "STANDARD",
        "OUTPATIENT_SERVICE",
        status.value,
        submitted,
        due,
        decided,
        office.coordinator_id,
        None if submitted is None else f"PR{number:09d}",
        submitted,
        office.coordinator_id,
        1,
        created,
        decided or created,
    )
    action = DECIDED_ACTION.get(status)
    if status is S.PENDED:
        action = ReviewAction.PENDED
    lines = []
    for sequence in (1, 2):
        quantity = Decimal(rng.choice((1, 1, 2, 6, 12)))
        approved = None
        if action in (ReviewAction.CERTIFIED, ReviewAction.MODIFIED):
            approved = quantity
        elif action is ReviewAction.PARTIALLY_CERTIFIED:
            approved = max(Decimal(1), quantity // 2) if sequence == 1 else Decimal(0)
        lines.append(
            (
                uuid.UUID(int=rng.getrandbits(128), version=4),
                request_id,
                sequence,
                "CPT",
                rng.choice(SERVICES),
                "[]",
                quantity,
                "UNIT",
                None if action is None else action.name,  # stored by name
                approved,
                f"AUTH{number:08d}" if approved else None,
                '["N290"]' if action is ReviewAction.NOT_CERTIFIED else "[]",
                "USD",
                Decimal(0),
                decided,
            )
        )
    codes = rng.sample(DIAGNOSES, rng.choice((1, 2)))
    diagnoses = [
        (uuid.UUID(int=rng.getrandbits(128), version=4), request_id, sequence, code, None)
        for sequence, code in enumerate(codes, start=1)
    ]
    return request, lines, diagnoses


def utc_now() -> datetime:
    return datetime.now(UTC)
