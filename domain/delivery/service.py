"""The delivery use cases in one place, each in the module of its operation."""

from domain.delivery.approvals import review_disbursements, transition_provider_payment
from domain.delivery.attendance import record_attendance
from domain.delivery.contracts import create_provider_contract, transition_provider_contract
from domain.delivery.enrollment import enroll_in_sessions
from domain.delivery.payments import run_provider_payments
from domain.delivery.product import set_delivery_pattern
from domain.delivery.schedules import (
    cancel_benefit_session,
    create_benefit_schedule,
    create_benefit_sessions,
)

__all__ = [
    "cancel_benefit_session",
    "create_benefit_schedule",
    "create_benefit_sessions",
    "create_provider_contract",
    "enroll_in_sessions",
    "record_attendance",
    "review_disbursements",
    "run_provider_payments",
    "set_delivery_pattern",
    "transition_provider_contract",
    "transition_provider_payment",
]
